package generators_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/explain"
	"github.com/mljob/mljob/internal/pipeline"
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
	if len(types) != 5 {
		t.Fatalf("the schema has %d workload types: %v", len(types), types)
	}
	var b strings.Builder
	n := 0
	covered := map[string]bool{}
	for _, typ := range types {
		for _, gpu := range []bool{false, true} {
			for _, schedule := range []bool{false, true} {
				for _, index := range []string{"none", "shards", "sweep"} {
					var fields []string
					switch {
					case index == "sweep" && typ == "sweep":
						fields = append(fields, `sweep: {lr: [0.1, 0.01]}`)
					case index == "shards" && (typ == "inference" || typ == "preprocess"):
						fields = append(fields, `shards: 4`)
					case index == "none" && typ != "sweep":
					default:
						continue // not a valid combination
					}
					if gpu {
						fields = append(fields, `gpu: count: 1`)
					}
					if schedule {
						fields = append(fields, `schedule: "0 2 * * *"`)
					}
					name := fmt.Sprintf("%s-%s-%v-%v", typ, index, gpu, schedule)
					name = strings.NewReplacer("true", "t", "false", "f").Replace(name)
					fmt.Fprintf(&b, "workloads: %q: {type: %q, image: \"ghcr.io/acme/tool:1.0\", command: [\"run\"], %s}\n", name, typ, strings.Join(fields, ", "))
					covered[typ] = true
					n++
				}
			}
		}
	}
	for _, typ := range types {
		if !covered[typ] {
			t.Errorf("no combination covers type %s", typ)
		}
	}
	// 3 types without indexing options, 2 with shards: (3 + 2*2) * 4.
	if n != 28 {
		t.Errorf("%d combinations, want 28", n)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.cue"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rendered, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatalf("render: %v\n%s", err, b.String())
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
