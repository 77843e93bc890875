// Package gpu says which Kubernetes resources are GPUs. It is the Go side
// of the rule pack's definition (policies/lib/gpu.rego: gpu_resource_pattern
// and intel_gpu_shares); a test keeps the two the same, so that lint's GPU
// rules and `mljob plan` count the same resources.
package gpu

import (
	"regexp"
	"slices"
)

// ResourcePattern matches the extended resources that count GPUs or GPU
// slices: NVIDIA's device plugin (nvidia.com/gpu; nvidia.com/gpu.shared
// when time-slicing renames it; MIG slices such as nvidia.com/mig-1g.5gb),
// AMD's (amd.com/gpu) and Intel's (gpu.intel.com/i915, gpu.intel.com/xe).
const ResourcePattern = `^(nvidia\.com/(gpu|gpu\.shared|mig-.+)|amd\.com/gpu|gpu\.intel\.com/.+)$`

// IntelShares are gpu.intel.com/ resources that are shares of a GPU, not
// GPUs: Intel's GPU Aware Scheduling asks for them beside i915, so they
// neither make a pod a GPU pod nor count towards its GPUs. Sorted.
var IntelShares = []string{
	"gpu.intel.com/i915_monitoring",
	"gpu.intel.com/memory.max",
	"gpu.intel.com/millicores",
	"gpu.intel.com/tiles",
	"gpu.intel.com/xe_monitoring",
}

// Resource is the resource of a whole NVIDIA GPU, the one the built-in
// profile asks for.
const Resource = "nvidia.com/gpu"

var resourceRE = regexp.MustCompile(ResourcePattern)

// IsResource reports whether name is a GPU resource: a built-in one or one
// of extra (the rules' extraGPUResources parameter).
func IsResource(name string, extra []string) bool {
	if resourceRE.MatchString(name) {
		_, share := slices.BinarySearch(IntelShares, name)
		return !share
	}
	return slices.Contains(extra, name)
}
