package pipeline_test

import (
	"path/filepath"
	"testing"

	"github.com/mljob/mljob/internal/pipeline"
)

// BenchmarkLint is `mljob lint PATH` in process, with every check and the
// whole rule pack, on the corpus as YAML (one file per object, as render
// -o writes them, some with defects) and as CUE workloads (rendered, then
// checked). yaml-1 and cue-1 are what a pre-commit hook lints for one
// changed file.
func BenchmarkLint(b *testing.B) {
	for _, form := range []string{"yaml", "cue"} {
		for _, s := range sizes(b, size{1, 1}, size{1000, 1}, size{10000, 1}, size{10000, 100}) {
			if form == "yaml" && s.dirs > 1 {
				continue // lint walks directories: one is enough
			}
			b.Run(form+"-"+s.String(), func(b *testing.B) {
				var path string
				if form == "yaml" {
					path = writeManifests(b, s.n)
					if s.n == 1 {
						files, _ := filepath.Glob(filepath.Join(path, "*.yaml"))
						path = files[0]
					}
				} else {
					path = writeProject(b, s.n, s.dirs)
				}
				b.ReportAllocs()
				stop := cpuMeter(b)
				for b.Loop() {
					res, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{path}})
					if err != nil {
						b.Fatal(err)
					}
					if res.Objects != s.n || len(res.Errors) > 0 {
						b.Fatalf("%d objects, errors %v", res.Objects, res.Errors)
					}
				}
				stop()
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*s.n), "us/object")
			})
		}
	}
}

// BenchmarkLintKubernetes1000 lints the 1,000 YAML objects with the
// Kubernetes checks alone (no Rego rules), pod-security at restricted so
// that every template fails some: BenchmarkLint/yaml-1000 less this is the
// rule pack's share.
func BenchmarkLintKubernetes1000(b *testing.B) {
	path := writeManifests(b, 1000)
	b.ReportAllocs()
	stop := cpuMeter(b)
	for b.Loop() {
		res, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true, Paths: []string{path}, PodSecurity: "restricted"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Objects != 1000 || len(res.Errors) > 0 {
			b.Fatalf("%d objects, errors %v", res.Objects, res.Errors)
		}
	}
	stop()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*1000), "us/object")
}
