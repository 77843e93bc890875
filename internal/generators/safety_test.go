package generators_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/explain"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/workload"
)

// TestMinimalWorkloadsLintClean is the promise of the defaults: for every
// workload type, with and without GPUs, with and without a schedule, and
// with each way of indexing the type allows (none, shards, a sweep), a
// minimal workload (image, command, type) renders, and linting what it
// renders to with the full rule pack under the default configuration
// finds nothing at all: no error, no warning, no info.
func TestMinimalWorkloadsLintClean(t *testing.T) {
	s, err := explain.Load()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for typ := range s.TypeDocs {
		types = append(types, typ)
	}
	sort.Strings(types)
	if want := append([]string(nil), workload.Types...); !slices.Equal(types, slices.Sorted(slices.Values(want))) {
		t.Fatalf("the schema's workload types %v are not workload.Types %v", types, want)
	}
	project, n := workload.MinimalProject()
	for _, typ := range types {
		if !strings.Contains(project, fmt.Sprintf("type: %q", typ)) {
			t.Errorf("no combination covers type %s", typ)
		}
	}
	// 3 types without indexing options, 2 with shards: (3 + 2*2) * 4
	// workloads of one object; training with nodes, GPU or not and no
	// schedule: 2 workloads of a Job and a Service.
	if n != 28+2*2 {
		t.Errorf("%d objects, want %d", n, 28+2*2)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.cue"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	rendered, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatalf("render: %v\n%s", err, project)
	}
	if len(rendered.Documents) != n {
		t.Errorf("%d objects rendered, want %d", len(rendered.Documents), n)
	}
	for _, w := range rendered.Warnings {
		t.Errorf("render warns: %v", w)
	}
	res, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != n {
		t.Errorf("%d objects linted, want %d", res.Objects, n)
	}
	for _, e := range res.Errors {
		t.Errorf("input error: %v", e)
	}
	for _, f := range res.Findings {
		t.Errorf("%s: %s [%s] %s: %s", f.Pos, f.Severity, f.Rule, f.Object, f.Message)
	}
}

// TestExamplesRestricted renders every example under a profile that asks
// for the restricted Pod Security Standard and lints the result at that
// level with the full rule pack: nothing may be found.
func TestExamplesRestricted(t *testing.T) {
	examples, _ := filepath.Glob("../../examples/*")
	nested, _ := filepath.Glob("../../examples/*/*")
	checked := 0
	for _, ex := range append(examples, nested...) {
		files, _ := filepath.Glob(filepath.Join(ex, "*.cue"))
		if len(files) == 0 {
			continue
		}
		t.Run(strings.TrimPrefix(ex, "../../examples/"), func(t *testing.T) {
			dir := t.TempDir()
			restricted := false
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				restricted = restricted || strings.Contains(string(data), `podSecurity: "restricted"`)
				if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if !restricted {
				if err := os.WriteFile(filepath.Join(dir, "zz-restricted.cue"), []byte("profile: podSecurity: \"restricted\"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}}); err != nil {
				t.Fatalf("render under a restricted profile: %v", err)
			}
			res, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{dir}, PodSecurity: "restricted"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Objects == 0 {
				t.Fatal("no objects linted")
			}
			for _, e := range res.Errors {
				t.Errorf("input error: %v", e)
			}
			for _, f := range res.Findings {
				t.Errorf("%s: %s [%s] %s: %s", f.Pos, f.Severity, f.Rule, f.Object, f.Message)
			}
			checked++
		})
	}
	if checked < 10 {
		t.Errorf("only %d examples checked", checked)
	}
}
