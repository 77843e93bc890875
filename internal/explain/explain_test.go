package explain_test

import (
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/explain"
)

// TestReadableFields: every field of the language, at every depth, is
// documented once, with a type in words rather than CUE.
func TestReadableFields(t *testing.T) {
	s, err := explain.Load()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, fs []*explain.Field)
	n := 0
	walk = func(path string, fs []*explain.Field) {
		seen := map[string]bool{}
		for _, f := range fs {
			n++
			p := path + "." + f.Name
			if seen[f.Name] {
				t.Errorf("%s is listed twice", p)
			}
			seen[f.Name] = true
			for _, raw := range []string{"#", "&", "=~", "*", "{...}", "_|_", "<", "[_"} {
				if strings.Contains(f.Type, raw) {
					t.Errorf("%s: type %q shows CUE (%s)", p, f.Type, raw)
				}
			}
			if f.Type == "" {
				t.Errorf("%s has no type", p)
			}
			walk(p, f.Fields)
		}
	}
	walk("workload", s.Workload.Fields)
	walk("profile", s.Profile.Fields)
	if n < 60 {
		t.Fatalf("only %d fields", n)
	}
	for path, want := range map[string]string{
		"training.gpu":             "{count, type}",
		"containerName":            "string (DNS label)",
		"gpu.count":                "int (1 to 64)",
		"concurrency":              `"Allow" | "Forbid" | "Replace"`,
		"profile.namespace":        `string (DNS label), default "default"`,
		"profile.retries":          "int (at least 0), default 3",
		"datasets.readOnly":        "bool, default true",
		"command":                  "list of string",
		"timeout":                  "string (duration)",
		"profile.gpuTypes":         "{NAME: {resource, products, productLabel, nodeSelector, tolerations, perGPU}}",
		"secretFiles":              "{NAME: string (absolute path)}",
		"overrides":                "struct (any fields)",
		"profile.spot.tolerations": "list of {key, operator, value, effect, tolerationSeconds}",
	} {
		_, f, err := s.Lookup(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if f.Type != want {
			t.Errorf("%s: type %q, want %q", path, f.Type, want)
		}
	}
}
