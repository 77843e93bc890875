package load

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	fuzzOnce   sync.Once
	fuzzLoader *Loader
)

// FuzzLoad feeds the CUE loader arbitrary files, as the command line
// loads them (in the evaluator child, under the budget): a project or
// diagnostics, never a panic; the evaluator never crashes but over its
// budget.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../../examples/*/*.cue")
	more, _ := filepath.Glob("../../testdata/render/*/*.cue")
	for _, name := range append(files, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("_s0: \"xx\"\n_s1: _s0 + _s0\nworkloads: w: {type: \"task\", image: \"x:1\", args: [_s1]}\n"))
	f.Add([]byte("import \"list\"\nworkloads: {for i in list.Range(0, 3, 1) {\"w\\(i)\": {type: \"task\", image: \"x:1\"}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzOnce.Do(func() {
			Isolate()
			l, err := NewLoader()
			if err != nil {
				panic(err)
			}
			fuzzLoader = l
		})
		p, err := fuzzLoader.Load([]Source{{Name: "f.cue", Data: data}})
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "the CUE evaluator failed") || strings.Contains(msg, "start the CUE evaluator") {
				t.Fatalf("the evaluator crashed: %v", err)
			}
			return
		}
		for _, it := range p.Workloads {
			if it.Workload == nil || it.Source == nil {
				t.Fatalf("workload without value or source")
			}
		}
	})
}
