package mljob.lib_test

import data.mljob.fixtures
import data.mljob.lib

test_is_gpu_resource if {
	every name in ["nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-3g.20gb", "amd.com/gpu", "gpu.intel.com/i915", "gpu.intel.com/xe"] {
		lib.is_gpu_resource(name, [])
	}
	every name in ["cpu", "memory", "gpu.intel.com/millicores", "gpu.intel.com/memory.max", "habana.ai/gaudi", "nvidia.com/gpu.product"] {
		not lib.is_gpu_resource(name, [])
	}
	lib.is_gpu_resource("habana.ai/gaudi", ["habana.ai/gaudi"])
}

test_gpu_requests if {
	obj := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu", "value": "8"}])
	[[r.resource, r.field, r.count, lib.request_path(r)] | some r in lib.gpu_requests([])] == [
		["nvidia.com/gpu", "limits", 8, "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]"],
		["nvidia.com/gpu", "requests", 8, "spec.template.spec.containers[0].resources.requests[nvidia.com/gpu]"],
	] with input as {"object": obj}
}

test_gpu_requests_skip_zero if {
	obj := json.patch(fixtures.gpu_job, [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu", "value": 0}])
	lib.gpu_requests([]) == [] with input as {"object": obj}
	lib.gpu_containers([]) == [] with input as {"object": obj}
}

test_gpu_containers if {
	init := {"name": "warmup", "image": "cuda:12.4", "resources": {"requests": {"amd.com/gpu": "1"}}}
	obj := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [init]}])
	[[lib.container_desc(g.entry), g.requests] | some g in lib.gpu_containers([])] == [
		[`init container "warmup"`, [{"resource": "amd.com/gpu", "field": "requests", "count": 1}]],
		[`container "trainer"`, [{"resource": "nvidia.com/gpu", "field": "limits", "count": 8}]],
	] with input as {"object": obj}
}
