package importer_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/importer"
	"github.com/mljob/mljob/internal/pipeline"
)

// TestRoundTrip imports every Job and CronJob of the real-world corpus and
// of the rendered examples, writes the CUE, renders it with the real
// pipeline and checks each object is semantically equal to the original.
// A file is refused exactly when lint finds an error the API server would
// answer with a rejection.
func TestRoundTrip(t *testing.T) {
	var files []string
	for _, pat := range []string{"../../testdata/corpus/real-world/*.y*ml", "../../testdata/golden/examples/*.yaml"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("only %d files to import; is testdata/corpus/real-world there?", len(files))
	}
	var refused []string
	imported := 0
	for _, f := range files {
		base := filepath.Base(f)
		t.Run(base, func(t *testing.T) {
			lint, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{f}, NoPolicies: true, PodSecurity: "privileged"})
			if err != nil {
				t.Fatal(err)
			}
			rejected := false
			for _, fd := range lint.Findings {
				rejected = rejected || fd.Severity == finding.Error && (fd.Rule == "schema" || fd.Rule == "api-validation")
			}
			res, err := pipeline.Import(pipeline.ImportOptions{Paths: []string{f}})
			if rejected {
				if err == nil || !strings.Contains(err.Error(), "import takes objects the API server accepts") {
					t.Fatalf("lint rejects %s, but import says %v", base, err)
				}
				refused = append(refused, base)
				return
			}
			if err != nil {
				if strings.Contains(err.Error(), "no batch/v1 Job or CronJob") {
					return
				}
				t.Fatalf("import: %v", err)
			}
			var results []*importer.Result
			var origs []runtime.Object
			for _, o := range res.Objects {
				results = append(results, o.Result)
				origs = append(origs, o.Original)
			}
			cue, err := importer.CUE(results, "test")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "imported.cue"), cue, 0o644); err != nil {
				t.Fatal(err)
			}
			rendered, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
			if err != nil {
				t.Fatalf("render the imported CUE: %v\n%s", err, cue)
			}
			byName := map[string]runtime.Object{}
			for _, d := range rendered.Documents {
				byName[d.Source.Name] = d.Obj
			}
			for i, r := range results {
				got, ok := byName[r.Name]
				if !ok {
					t.Fatalf("workload %s not rendered", r.Name)
				}
				a, err := importer.Canonical(got)
				if err != nil {
					t.Fatal(err)
				}
				fixed, _ := importer.FixName(origs[i])
				b, err := importer.Canonical(fixed)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s: rendered object differs from the original\nCUE:\n%s", r.Name, cue)
				}
				imported++
			}
		})
	}
	if imported < 50 {
		t.Errorf("only %d objects round-tripped", imported)
	}
	if len(refused) == 0 {
		t.Error("no corpus file was refused; the corpus has invalid ones (placeholders such as $ITEM)")
	}
	t.Logf("round-tripped %d objects; refused (invalid): %v", imported, refused)
}
