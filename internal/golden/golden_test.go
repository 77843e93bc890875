package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder captures failures instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.errs = append(r.errs, format) }
func (r *recorder) Fatalf(format string, a ...any) { r.errs = append(r.errs, format) }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.golden")
	r := &recorder{TB: t}
	Check(r, path, []byte("a\nb\n"), false)
	if len(r.errs) != 1 {
		t.Fatalf("missing golden: %v", r.errs)
	}
	r.errs = nil
	Check(r, path, []byte("a\nb\n"), true)
	if b, _ := os.ReadFile(path); string(b) != "a\nb\n" || len(r.errs) != 0 {
		t.Fatalf("update wrote %q, errors %v", b, r.errs)
	}
	Check(r, path, []byte("a\nb\n"), false)
	if len(r.errs) != 0 {
		t.Fatalf("equal output failed: %v", r.errs)
	}
	Check(r, path, []byte("a\nc\n"), false)
	if len(r.errs) != 1 {
		t.Fatalf("different output passed")
	}
	if d := Diff("a\nb\n", "a\nc\n"); !strings.Contains(d, "-b\n") || !strings.Contains(d, "+c\n") {
		t.Errorf("diff:\n%s", d)
	}
}
