package krmfn_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mljob/mljob/internal/krmfn"
)

// FuzzResourceList feeds the function arbitrary ResourceLists, as
// kustomize or kpt would pipe them: it must write a ResourceList or fail
// with an error, never panic, never read or render outside the working
// directory.
func FuzzResourceList(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.input.yaml")
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		// Paths are relative to the package's directory: fuzzing runs
		// there (a worker cannot change directory).
		f.Add(bytes.ReplaceAll(b, []byte("[workloads]"), []byte("[testdata/workloads]")))
	}
	f.Add([]byte(resourceList("../..", "testdata/workloads/...")))
	f.Add([]byte("{\"apiVersion\":\"config.kubernetes.io/v1\",\"kind\":\"ResourceList\",\"items\":[]}\n---\nkind: List\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Without the validator (which compiles the rule pack on each
		// run): the reader and the function's own processing.
		_ = krmfn.Run(bytes.NewReader(data), io.Discard, nil, 1<<20)
	})
}
