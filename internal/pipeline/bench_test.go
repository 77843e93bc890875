package pipeline_test

import (
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mljob/mljob/internal/benchcorpus"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
)

// The benchmarks run on the corpus of internal/benchcorpus, the inputs of
// make bench-compare: a seeded mix of training, inference, preprocessing,
// sweep and task workloads, some scheduled, many on GPUs. Each benchmark
// is the in-process counterpart of a row of bench-compare, without the
// process start-up (cmd/mljob's BenchmarkStartup has that).

// writeProject writes the first n workloads of the corpus as one project
// (10 workloads to a .cue file), or spread over dirs projects when dirs >
// 1, and returns the directory.
func writeProject(tb testing.TB, n, dirs int) string {
	tb.Helper()
	dir := tb.TempDir()
	ws := benchcorpus.Workloads(benchcorpus.DefaultSeed, n)
	files := benchcorpus.ProjectFiles(ws)
	if dirs > 1 {
		files = benchcorpus.SplitFiles(ws, dirs)
	}
	if err := benchcorpus.WriteFiles(dir, files); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// writeManifests writes the objects mljob renders for the first n
// workloads, one YAML file each with the corpus's defects, and returns the
// directory.
func writeManifests(tb testing.TB, n int) string {
	tb.Helper()
	objs, err := benchcorpus.Objects(benchcorpus.Workloads(benchcorpus.DefaultSeed, n))
	if err != nil {
		tb.Fatal(err)
	}
	files, err := benchcorpus.Manifests(objs, benchcorpus.DefaultSeed)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := benchcorpus.WriteFiles(dir, files); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// size is a corpus size of the benchmarks: n workloads in dirs projects.
type size struct{ n, dirs int }

func (s size) String() string {
	if s.dirs > 1 {
		return fmt.Sprintf("%d-in-%d-dirs", s.n, s.dirs)
	}
	return fmt.Sprint(s.n)
}

// sizes are 1 (a pre-commit hook on one file), 1,000, and 10,000 in one
// directory and in 100 (left out with -short: about a minute each). The
// cost per workload should not grow with the corpus: compare the
// us/workload of 1,000 and 10,000.
func sizes(b *testing.B, all ...size) []size {
	var out []size
	for _, s := range all {
		if s.n > 1000 && testing.Short() {
			b.Logf("-short: leaving out %v", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// cpuMeter reports the process's CPU time (user + system, every goroutine
// and the garbage collector) per iteration as cpu-ms/op, from the moment it
// is called: on a busy machine it varies less than ns/op.
func cpuMeter(b *testing.B) (stop func()) {
	start := processCPU(b)
	return func() {
		b.ReportMetric(float64((processCPU(b)-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRender renders the corpus to one YAML stream: load, schema
// check, generate, marshal and strict decode, write (mljob render DIR).
func BenchmarkRender(b *testing.B) {
	for _, s := range sizes(b, size{1, 1}, size{100, 1}, size{1000, 1}, size{10000, 1}, size{10000, 100}) {
		b.Run(s.String(), func(b *testing.B) {
			path := writeProject(b, s.n, s.dirs)
			if s.dirs > 1 {
				path += "/..."
			}
			b.ReportAllocs()
			stop := cpuMeter(b)
			for b.Loop() {
				res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{path}})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Documents) != s.n {
					b.Fatalf("%d documents", len(res.Documents))
				}
				if err := render.WriteStream(io.Discard, res.Documents); err != nil {
					b.Fatal(err)
				}
			}
			stop()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*s.n), "us/workload")
		})
	}
}

// BenchmarkRenderCheck is render -o DIR --check on an unchanged DIR: what
// CI runs on every push of a repository whose rendered files are
// committed.
func BenchmarkRenderCheck(b *testing.B) {
	for _, s := range sizes(b, size{1000, 1}, size{10000, 1}) {
		b.Run(s.String(), func(b *testing.B) {
			path := writeProject(b, s.n, 1)
			out := b.TempDir()
			res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{path}})
			if err != nil {
				b.Fatal(err)
			}
			if err := render.WriteDir(out, res.Documents, render.DirOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			stop := cpuMeter(b)
			for b.Loop() {
				res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{path}})
				if err != nil {
					b.Fatal(err)
				}
				d, err := render.CheckDir(out, res.Documents, render.DirOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if !d.Clean() {
					b.Fatalf("%s is stale:\n%s", out, d)
				}
			}
			stop()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*s.n), "us/workload")
		})
	}
}

// Output is the same bytes whatever the number of workers.
func TestRenderDeterministic(t *testing.T) {
	dir := writeProject(t, 200, 1)
	var first string
	for _, workers := range []int{1, 2, 7} {
		res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := render.WriteStream(&b, res.Documents); err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = b.String()
		} else if b.String() != first {
			t.Fatalf("output with %d workers differs", workers)
		}
	}
}
