package generators_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/golden"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden renders every case of testdata/render (one directory of .cue
// files and expected.yaml each) and every example, and compares the YAML
// with the golden file. Run with -update to rewrite them, then read the
// diff.
func TestGolden(t *testing.T) {
	t.Chdir("../..") // paths in # Source comments are relative to the repo
	cases, _ := filepath.Glob("testdata/render/*")
	examples, _ := filepath.Glob("examples/*")
	if len(cases) == 0 || len(examples) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, dir := range cases {
		checkGolden(t, dir, "", filepath.Join(dir, "expected.yaml"))
	}
	for _, dir := range examples {
		if files, _ := filepath.Glob(filepath.Join(dir, "*.cue")); len(files) == 0 {
			continue
		}
		checkGolden(t, dir, "", filepath.Join("testdata/golden/examples", filepath.Base(dir)+".yaml"))
	}
	for _, env := range []string{"dev", "prod"} {
		checkGolden(t, "examples/overlays/workloads", "examples/overlays/"+env, "testdata/golden/overlays/"+env+".yaml")
	}
}

func checkGolden(t *testing.T, dir, overlay, goldenPath string) {
	t.Run(goldenPath, func(t *testing.T) {
		res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}, Overlay: overlay})
		if err != nil {
			t.Fatalf("render %s:\n%v", dir, err)
		}
		var got bytes.Buffer
		if err := render.WriteStream(&got, res.Documents); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, goldenPath, got.Bytes(), *update)
	})
}

// TestGoldenLints lints every golden case, every example and the golden
// files themselves with the full rule pack: what mljob writes, mljob must
// accept, so a golden can never be regenerated into something invalid.
func TestGoldenLints(t *testing.T) {
	t.Chdir("../..")
	var paths []string
	for _, pat := range []string{"testdata/render/*", "examples/*", "testdata/golden/examples/*.yaml", "testdata/golden/overlays/*.yaml"} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	res, err := pipeline.Lint(pipeline.LintOptions{Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects < 40 {
		t.Errorf("only %d objects checked", res.Objects)
	}
	for _, e := range res.Errors {
		t.Errorf("input error: %v", e)
	}
	for _, f := range res.Findings {
		if f.Severity >= finding.Error {
			t.Errorf("%s: %s [%s] %s: %s", f.Pos, f.Severity, f.Rule, f.Object, f.Message)
		}
	}
}

// The YAML an example's README shows is what mljob renders: each line of
// its yaml blocks (but for "# ..." lines, which mark what is left out)
// is a line of the example's golden file, in the same order.
func TestExampleREADMEShowsRenderedYAML(t *testing.T) {
	t.Chdir("../..")
	checked := 0
	readmes, _ := filepath.Glob("examples/*/README.md")
	for _, readme := range readmes {
		data, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1)
		if len(blocks) == 0 {
			continue
		}
		name := filepath.Base(filepath.Dir(readme))
		golden, err := os.ReadFile(filepath.Join("testdata/golden/examples", name+".yaml"))
		if err != nil {
			continue // a README of YAML that is not rendered (gitops, ci)
		}
		lines := strings.Split(string(golden), "\n")
		for _, b := range blocks {
			at := 0
			for _, l := range strings.Split(strings.TrimRight(b[1], "\n"), "\n") {
				if strings.TrimSpace(l) == "# ..." {
					continue
				}
				i := slices.Index(lines[at:], l)
				if i < 0 {
					t.Errorf("%s: %q is not in the rendered YAML (after line %d of the golden file)", readme, l, at)
					break
				}
				at += i + 1
			}
			checked++
		}
	}
	if checked < 2 {
		t.Errorf("only %d README blocks checked", checked)
	}
}
