package generators_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden renders every case of testdata/render (one directory of .cue
// files and expected.yaml each) and every example, and compares the YAML
// with the golden file. Run with -update to rewrite them, then read the
// diff.
func TestGolden(t *testing.T) {
	t.Chdir("..") // paths in # Source comments are relative to the repo
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

func checkGolden(t *testing.T, dir, overlay, golden string) {
	t.Run(golden, func(t *testing.T) {
		res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}, Overlay: overlay})
		if err != nil {
			t.Fatalf("render %s:\n%v", dir, err)
		}
		var got bytes.Buffer
		if err := render.WriteStream(&got, res.Documents); err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./generators -update)", err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s differs from %s (run go test ./generators -update and read the diff):\n%s", dir, golden, lineDiff(string(want), got.String()))
		}
	})
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			fmt.Fprintf(&out, "line %d:\n  want: %s\n  got:  %s\n", i+1, a, b)
			if shown++; shown == 5 {
				break
			}
		}
	}
	return out.String()
}
