package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

func TestProfiles(t *testing.T) {
	if f := flag.Lookup("test.cpuprofile"); f != nil && f.Value.String() != "" {
		t.Skip("go test -cpuprofile is profiling already")
	}
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.out"), filepath.Join(dir, "mem.out")
	t.Setenv(EnvCPUProfile, cpu)
	t.Setenv(EnvMemProfile, mem)
	var stderr bytes.Buffer
	stop := startProfiles(&stderr)
	if code := Run([]string{"rules"}, nil, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	stop()
	if stderr.Len() > 0 {
		t.Fatalf("stderr: %s", stderr.String())
	}
	for _, p := range []string{cpu, mem} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("no profile in %s: %v", p, err)
		}
	}
}
