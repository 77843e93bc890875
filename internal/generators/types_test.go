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

// The schema's @mljob(types=...) attributes, which `mljob explain` shows,
// and the generator's checks must agree: a field is accepted exactly for
// the types the attribute names.
func TestFieldTypesMatchGenerator(t *testing.T) {
	s, err := explain.Load()
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string]string{
		"shards":           "shards: 2",
		"completions":      "completions: 2",
		"parallelism":      "parallelism: 2, shards: 2, completions: 2, sweep: {a: [1]}",
		"sweep":            "sweep: {a: [1]}",
		"retriesPerIndex":  "retriesPerIndex: 1, shards: 2, sweep: {a: [1]}",
		"maxFailedIndexes": "maxFailedIndexes: 1, shards: 2, sweep: {a: [1]}",
		"successPolicy":    "successPolicy: [{count: 1}], shards: 2, sweep: {a: [1]}",
		"nodes":            "nodes: 2",
		"launcher":         "launcher: \"none\", nodes: 2",
		"masterPort":       "masterPort: 29400, nodes: 2",
		"checkpoint":       "checkpoint: {claim: \"ckpt\"}",
	}
	checked := 0
	for _, f := range s.Workload.Fields {
		if len(f.Types) == 0 {
			continue
		}
		sample, ok := samples[f.Name]
		if !ok {
			t.Errorf("field %s has @mljob(types) but no sample value in this test", f.Name)
			continue
		}
		for typ := range s.TypeDocs {
			// Keep only the sample fields that are valid for typ, apart
			// from the field under test, so that only it can be wrong.
			var parts []string
			for _, p := range strings.Split(sample, ", ") {
				name := strings.SplitN(p, ":", 2)[0]
				other := fieldByName(s.Workload.Fields, name)
				if name == f.Name || other == nil || other.AppliesTo(typ) {
					parts = append(parts, p)
				}
			}
			if typ == "sweep" && !strings.Contains(strings.Join(parts, ","), "sweep:") {
				parts = append(parts, "sweep: {a: [1]}")
			}
			src := fmt.Sprintf("workloads: w: {type: %q, image: \"a:1\", command: [\"x\"], %s}\n", typ, strings.Join(parts, ", "))
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "w.cue"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
			rejected := err != nil && strings.Contains(err.Error(), "workloads.w."+f.Name+":")
			if rejected == f.AppliesTo(typ) {
				t.Errorf("%s on a %s workload: rejected=%v, schema says applies=%v\nsource: %s\nerror: %v", f.Name, typ, rejected, f.AppliesTo(typ), src, err)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no typed fields checked")
	}
}

func fieldByName(fs []*explain.Field, name string) *explain.Field {
	for _, f := range fs {
		if f.Name == name {
			return f
		}
	}
	return nil
}
