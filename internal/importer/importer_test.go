package importer_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/importer"
	"github.com/mljob/mljob/internal/pipeline"
)

// notImportable are corpus files import refuses, and why.
var notImportable = map[string]string{
	"kubernetes__website__content__en__examples__application__job__job-tmpl.yaml":              "a template: its name holds the placeholder $ITEM",
	"kubernetes__website__content__en__examples__controllers__job-success-policy-example.yaml": "the Job has neither metadata.name nor metadata.generateName",
}

// TestRoundTrip imports every Job and CronJob of the real-world corpus and
// of the rendered examples, writes the CUE, renders it with the real
// pipeline and checks each object is semantically equal to the original.
func TestRoundTrip(t *testing.T) {
	p, err := pipeline.DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pat := range []string{"../../testdata/corpus/real-world/*.y*ml", "../../testdata/golden/examples/*.yaml"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("only %d files to import; is testdata/corpus/real-world there?", len(files))
	}
	imported := 0
	for _, f := range files {
		base := filepath.Base(f)
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			objs, _, err := importer.Read(f, data)
			if err != nil {
				t.Fatal(err)
			}
			var results []*importer.Result
			var origs []runtime.Object
			for _, o := range objs {
				r, err := importer.Object(o, p)
				if reason, ok := notImportable[base]; ok {
					if err == nil {
						t.Errorf("imported, but listed as not importable: %s", reason)
					}
					return
				}
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				results = append(results, r)
				origs = append(origs, o)
			}
			if len(results) == 0 {
				return // no batch objects
			}
			cue, err := importer.CUE(results, "test")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "imported.cue"), cue, 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
			if err != nil {
				t.Fatalf("render the imported CUE: %v\n%s", err, cue)
			}
			byName := map[string]runtime.Object{}
			for _, d := range res.Documents {
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
	var listed []string
	for f := range notImportable {
		listed = append(listed, f)
	}
	sort.Strings(listed)
	t.Logf("round-tripped %d objects; not importable: %v", imported, listed)
}
