package input

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"1": 1, "64Mi": 64 << 20, "64MiB": 64 << 20, "100MB": 100e6, "2k": 2000, "1Gi": 1 << 30, " 5 Ki ": 5 << 10} {
		if got, err := ParseSize(s); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0", "-1", "1.5Mi", "12XB", "Mi", "99999999999Gi"} {
		if _, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) accepted", s)
		}
	}
}

func TestLimits(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 2048)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p, 2048); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	var tl *TooLargeError
	if _, err := ReadFile(p, 2047); !errors.As(err, &tl) || tl.Limit != 2047 {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ReadAll(strings.NewReader(strings.Repeat("x", 1<<10+1)), 1<<10); err == nil || err.Error() != "larger than 1 KiB, the input size limit (--max-input-size, lint.maxInputSize in .mljob.yaml)" {
		t.Errorf("stdin over the limit: %v", err)
	}
}
