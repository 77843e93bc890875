package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// colorTerminal: pipes, files and buffers never get colours, and NO_COLOR
// or TERM=dumb turn them off (a terminal itself cannot be had in a test;
// that check is golang.org/x/term's).
func TestColorTerminal(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, out := range map[string]io.Writer{"pipe": w, "file": f, "buffer": &bytes.Buffer{}} {
		if colorTerminal(out) {
			t.Errorf("%s: colours on", name)
		}
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		// Only where the test runs on a terminal.
		defer tty.Close()
		if !colorTerminal(tty) {
			t.Error("/dev/tty: colours off")
		}
		for _, env := range [][2]string{{"NO_COLOR", "1"}, {"TERM", "dumb"}} {
			t.Setenv(env[0], env[1])
			if colorTerminal(tty) {
				t.Errorf("%s=%s: colours on", env[0], env[1])
			}
			t.Setenv("NO_COLOR", "")
			t.Setenv("TERM", "xterm")
		}
	}
}

// --fail-on never: findings exit 0, unusable input still 2.
func TestFailOnNever(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(job, []byte("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: busybox:1.36}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"lint", "--no-config", job}, ExitFindings},
		{[]string{"lint", "--no-config", "--fail-on", "never", job}, ExitOK},
		{[]string{"lint", "--no-config", "--fail-on", "never", job, filepath.Join(dir, "missing.yaml")}, ExitInput},
	} {
		var out, errOut bytes.Buffer
		if got := Run(c.args, nil, &out, &errOut); got != c.want {
			t.Errorf("mljob %v: exit %d, want %d\n%s%s", c.args, got, c.want, out.String(), errOut.String())
		}
	}
}
