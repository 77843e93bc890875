# METADATA
# scope: package
# title: GPUs are requested in limits, at most maxPerPod per pod
# description: |-
#   GPUs are extended resources: Kubernetes schedules them by limits, a
#   request must equal the limit, and a request without a limit is refused.
#   A pod asks for at most maxPerPod (default 8, the GPUs of the largest
#   common node) of each GPU resource: more can never be scheduled. The count
#   is the containers' (and sidecars') sum, or one init container's.
# custom:
#   id: gpu-limits
#   severity: error
#   remediation: |-
#     Set gpu.count in the workload (mljob puts it in limits), or set the GPU
#     resource in resources.limits; split work that needs more GPUs than one
#     node has across pods (an Indexed Job or a distributed training
#     operator).
package mljob.rules.gpu_limits

import data.mljob.lib

default_params := {"extraGPUResources": [], "maxPerPod": 8}

params := object.union(default_params, object.get(input, "params", {}))

requests := lib.gpu_requests(params.extraGPUResources)

violation contains v if {
	some r in requests
	r.field == "requests"
	not lib.is_set(object.get(r.entry.container.resources, "limits", {}), r.resource)
	v := {
		"msg": sprintf("%s requests %v %s without a limit", [lib.container_desc(r.entry), r.count, r.resource]),
		"path": lib.request_path(r),
	}
}

violation contains v if {
	some r in requests
	r.field == "requests"
	limit := lib.quantity(r.entry.container.resources.limits[r.resource])
	limit != r.count
	v := {
		"msg": sprintf("%s requests %v %s but its limit is %v; they must be equal", [lib.container_desc(r.entry), r.count, r.resource, limit]),
		"path": lib.request_path(r),
	}
}

# counted is each container's GPUs of each resource: its limit, or its
# request where it has no limit.
counted := [r |
	some r in requests
	_counts(r)
]

_counts(r) if r.field == "limits"

_counts(r) if {
	r.field == "requests"
	not lib.is_set(object.get(r.entry.container.resources, "limits", {}), r.resource)
}

# Containers and sidecars run together: their GPUs add up.
violation contains v if {
	some resource in {r.resource | some r in counted}
	together := [r | some r in counted; r.resource == resource; lib.runs_with_pod(r.entry)]
	total := sum([r.count | some r in together])
	total > params.maxPerPod
	v := {
		"msg": sprintf("%s %v %s; a pod may have at most %v", [_who(together), total, resource, params.maxPerPod]),
		"path": lib.request_path(together[0]),
	}
}

# Init containers run one at a time.
violation contains v if {
	some r in counted
	not lib.runs_with_pod(r.entry)
	r.count > params.maxPerPod
	v := {
		"msg": sprintf("%s requests %v %s; a pod may have at most %v", [lib.container_desc(r.entry), r.count, r.resource, params.maxPerPod]),
		"path": lib.request_path(r),
	}
}

_who(rs) := sprintf("%s requests", [lib.container_desc(rs[0].entry)]) if count(rs) == 1

_who(rs) := sprintf("%s request", [lib.join_and([lib.container_desc(r.entry) | some r in rs])]) if count(rs) > 1
