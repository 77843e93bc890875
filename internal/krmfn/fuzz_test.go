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
// directory (testdata).
func FuzzResourceList(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.input.yaml")
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(resourceList("../..", "workloads/...")))
	f.Add([]byte("{\"apiVersion\":\"config.kubernetes.io/v1\",\"kind\":\"ResourceList\",\"items\":[]}\n---\nkind: List\n"))
	f.Chdir("testdata")
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = krmfn.Run(bytes.NewReader(data), io.Discard, krmfn.LintValidator, 1<<20)
	})
}
