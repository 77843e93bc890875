package mljob.lib

# gpu_resource_pattern matches the extended resources that count GPUs or
# GPU slices: NVIDIA's device plugin (nvidia.com/gpu; nvidia.com/gpu.shared
# when time-slicing renames it; MIG slices such as nvidia.com/mig-1g.5gb),
# AMD's (amd.com/gpu) and Intel's (gpu.intel.com/i915, gpu.intel.com/xe).
gpu_resource_pattern := `^(nvidia\.com/(gpu|gpu\.shared|mig-.+)|amd\.com/gpu|gpu\.intel\.com/.+)$`

# intel_gpu_shares are gpu.intel.com/ resources that are shares of a GPU, not
# GPUs: Intel's GPU Aware Scheduling asks for them beside i915, so they
# neither make a pod a GPU pod nor count towards its GPUs.
intel_gpu_shares := {
	"gpu.intel.com/millicores",
	"gpu.intel.com/memory.max",
	"gpu.intel.com/tiles",
	"gpu.intel.com/i915_monitoring",
	"gpu.intel.com/xe_monitoring",
}

# is_gpu_resource is true when name is a GPU resource: a built-in one or one
# of extra (a rule's extraGPUResources parameter).
is_gpu_resource(name, _) if {
	regex.match(gpu_resource_pattern, name)
	not name in intel_gpu_shares
}

is_gpu_resource(name, extra) if name in extra

# gpu_containers(extra) is each container that asks for GPUs, as
# {"entry": its containers entry, "requests": [request, ...]}, a request
# being {"resource": name, "field": "limits" or "requests", "count": the
# quantity as a number > 0}: limits first, as rules report the first one.
gpu_containers(extra) := [{"entry": entry, "requests": requests} |
	some entry in containers
	requests := [{"resource": name, "field": field, "count": n} |
		some field in ["limits", "requests"]
		some name, q in entry.container.resources[field]
		not name in _core_resources # most names: the cheapest test first
		is_gpu_resource(name, extra)
		n := quantity(q)
		n > 0
	]
	count(requests) > 0
]

_core_resources := {"cpu", "memory", "ephemeral-storage"}

# gpu_requests(extra) is every GPU request of the pod's containers, each
# with its container's entry under "entry".
gpu_requests(extra) := [object.union(r, {"entry": g.entry}) |
	some g in gpu_containers(extra)
	some r in g.requests
]

# request_path is the field path of a GPU request of gpu_requests.
request_path(r) := sprintf("%s.resources.%s[%s]", [container_path(r.entry), r.field, r.resource])
