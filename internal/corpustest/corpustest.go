// Package corpustest gives tests the real-world manifests of
// testdata/corpus/real-world (see its SOURCES.md), one document at a time.
package corpustest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"sigs.k8s.io/yaml"
)

// Document is one YAML document of the corpus, as JSON.
type Document struct {
	File string // the file's base name
	JSON []byte
}

// Documents returns every document of the corpus's .yaml files that is a
// mapping, in file order. It fails t when the corpus is missing.
func Documents(t testing.TB) []Document {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	files, err := filepath.Glob(filepath.Join(filepath.Dir(here), "..", "..", "testdata", "corpus", "real-world", "*.yaml"))
	if err != nil || len(files) < 50 {
		t.Fatalf("only %d corpus files (%v): is testdata/corpus/real-world there?", len(files), err)
	}
	var out []Document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			j, err := yaml.YAMLToJSON(doc)
			if err != nil || !bytes.HasPrefix(j, []byte("{")) {
				continue
			}
			out = append(out, Document{File: filepath.Base(f), JSON: j})
		}
	}
	return out
}
