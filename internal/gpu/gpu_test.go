package gpu

import (
	"context"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/mljob/mljob/policies"
)

// names are resources on both sides of the definition.
var names = []string{
	"nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-1g.5gb", "nvidia.com/mig-3g.20gb",
	"amd.com/gpu", "gpu.intel.com/i915", "gpu.intel.com/xe",
	"cpu", "memory", "ephemeral-storage", "nvidia.com/gpu.product", "nvidia.com/gpux",
	"amd.com/gpus", "habana.ai/gaudi", "gpu.intel.com/millicores", "gpu.intel.com/memory.max",
	"gpu.intel.com/tiles", "gpu.intel.com/i915_monitoring", "gpu.intel.com/xe_monitoring",
}

// TestSameAsRegoLib keeps this package and policies/lib/gpu.rego in step:
// the pattern, the Intel shares, and the verdict on each name.
func TestSameAsRegoLib(t *testing.T) {
	r := rego.New(
		rego.Query(`pattern := data.mljob.lib.gpu_resource_pattern
shares := data.mljob.lib.intel_gpu_shares
gpus := {n | some n in input.names; data.mljob.lib.is_gpu_resource(n, ["habana.ai/gaudi"])}`),
		rego.Input(map[string]any{"names": names}),
	)
	err := fs.WalkDir(policies.FS, "lib", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.rego") {
			return err
		}
		b, err := fs.ReadFile(policies.FS, path)
		rego.Module(path, string(b))(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := r.Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("eval: %v (%d results)", err, len(rs))
	}
	b := rs[0].Bindings
	if b["pattern"] != ResourcePattern {
		t.Errorf("ResourcePattern = %q, gpu.rego has %q", ResourcePattern, b["pattern"])
	}
	var shares []string
	for _, s := range b["shares"].([]any) {
		shares = append(shares, s.(string))
	}
	sort.Strings(shares)
	if !slices.Equal(shares, IntelShares) {
		t.Errorf("IntelShares = %q, gpu.rego has %q", IntelShares, shares)
	}
	rego := map[string]bool{}
	for _, n := range b["gpus"].([]any) {
		rego[n.(string)] = true
	}
	for _, n := range names {
		if got := IsResource(n, []string{"habana.ai/gaudi"}); got != rego[n] {
			t.Errorf("IsResource(%q) = %v, gpu.rego says %v", n, got, rego[n])
		}
	}
}

func TestIsResource(t *testing.T) {
	for _, c := range []struct {
		name  string
		extra []string
		want  bool
	}{
		{"nvidia.com/gpu", nil, true},
		{"nvidia.com/mig-2g.10gb", nil, true},
		{"gpu.intel.com/millicores", nil, false},
		{"habana.ai/gaudi", nil, false},
		{"habana.ai/gaudi", []string{"habana.ai/gaudi"}, true},
		{"cpu", nil, false},
	} {
		if got := IsResource(c.name, c.extra); got != c.want {
			t.Errorf("IsResource(%q, %q) = %v, want %v", c.name, c.extra, got, c.want)
		}
	}
}
