// Package golden compares test output with golden files. With update set
// (each test package's -update flag) it rewrites the file instead; the
// reviewer reads the diff of the rewrite. A golden is never written
// unless asked.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

// Check compares got with the file at path, or rewrites the file when
// update is set.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it, then review it)", err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run the test with -update and review the diff):\n%s", path, Diff(string(want), string(got)))
	}
}

// Diff is a unified diff from want to got.
func Diff(want, got string) string {
	s, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(want),
		B:        difflib.SplitLines(got),
		FromFile: "want",
		ToFile:   "got",
		Context:  2,
	})
	return s
}
