package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mljob/mljob/cmd/mljob/cli"
	"github.com/mljob/mljob/internal/benchcorpus"
)

// BenchmarkStartup starts mljob as a new process for each iteration, as a
// pre-commit hook or a CI step does: the Go runtime and every package's
// initialisation (GODEBUG=inittrace=1 mljob version lists them) come on top
// of what the in-process benchmarks of internal/pipeline measure. The
// process is this test binary under the name mljob (see TestMain), which
// initialises the same packages as bin/mljob.
//
// cpu-ms/op is the child's user+system time, from the kernel; ns/op is the
// wall time. Allocations are the benchmark's own, not the child's.
func BenchmarkStartup(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "mljob")
	if err := os.Symlink(self, bin); err != nil {
		b.Fatal(err)
	}
	// One GPU training Job, as YAML and as a workload.
	ws := benchcorpus.Workloads(benchcorpus.DefaultSeed, 1)
	objs, err := benchcorpus.Objects(ws)
	if err != nil {
		b.Fatal(err)
	}
	files, err := benchcorpus.Manifests(objs, benchcorpus.DefaultSeed)
	if err != nil {
		b.Fatal(err)
	}
	files = append(files, benchcorpus.File{Name: "workload/w.cue", Data: []byte(ws[0].CUE())})
	if err := benchcorpus.WriteFiles(dir, files); err != nil {
		b.Fatal(err)
	}

	for _, c := range []struct {
		name string
		args []string
	}{
		{"version", []string{"version"}},
		{"lint-1-yaml", []string{"lint", "--no-config", files[0].Name}},
		{"lint-1-cue", []string{"lint", "--no-config", "workload/"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(bin, c.args...)
				cmd.Dir = dir
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
					b.Fatalf("mljob %v: %v\n%s", c.args, err, stderr.String())
				}
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}

	// The part of start-up that is mljob's own code: building the command
	// tree and running it, without process and package initialisation.
	b.Run("version-in-process", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if code := cli.Run([]string{"version"}, nil, io.Discard, io.Discard); code != 0 {
				b.Fatalf("exit %d", code)
			}
		}
	})
}
