package mljob.rules.gpu_limits_test

import data.mljob.fixtures
import data.mljob.rules.gpu_limits

test_fires_on_request_without_limit if {
	obj := json.patch(fixtures.gpu_job, [
		{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu"},
		{"op": "add", "path": "/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu", "value": "2"},
	])
	gpu_limits.violation == {{
		"msg": `container "trainer" requests 2 nvidia.com/gpu without a limit`,
		"path": "spec.template.spec.containers[0].resources.requests[nvidia.com/gpu]",
	}} with input as {"object": obj}
}

test_fires_on_request_unequal_to_limit if {
	obj := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu", "value": 4}])
	gpu_limits.violation == {{
		"msg": `container "trainer" requests 4 nvidia.com/gpu but its limit is 8; they must be equal`,
		"path": "spec.template.spec.containers[0].resources.requests[nvidia.com/gpu]",
	}} with input as {"object": obj}
}

test_fires_on_more_than_max if {
	obj := json.patch(fixtures.gpu_job, [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu", "value": "16"}])
	gpu_limits.violation == {{
		"msg": `container "trainer" requests 16 nvidia.com/gpu; a pod may have at most 8`,
		"path": "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]",
	}} with input as {"object": obj}
}

test_fires_when_containers_add_up_over_max if {
	second := object.union(fixtures.gpu_job.spec.template.spec.containers[0], {"name": "evaluator", "resources": {"limits": {"nvidia.com/gpu": 2}}})
	obj := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/containers/-", "value": second}])
	gpu_limits.violation == {{
		"msg": `container "trainer" and container "evaluator" request 10 nvidia.com/gpu; a pod may have at most 8`,
		"path": "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]",
	}} with input as {"object": obj}
}

test_fires_on_lower_max if {
	gpu_limits.violation == {{
		"msg": `container "trainer" requests 8 nvidia.com/gpu; a pod may have at most 4`,
		"path": "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]",
	}} with input as {"object": fixtures.gpu_job, "params": {"maxPerPod": 4}}
}

test_fires_on_init_container_over_max if {
	init := {"name": "warmup", "image": "cuda:12.4", "resources": {"limits": {"nvidia.com/gpu": 9}}}
	obj := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [init]}])
	gpu_limits.violation == {{
		"msg": `init container "warmup" requests 9 nvidia.com/gpu; a pod may have at most 8`,
		"path": "spec.template.spec.initContainers[0].resources.limits[nvidia.com/gpu]",
	}} with input as {"object": obj}
}

test_passes_with_max_in_limits if {
	count(gpu_limits.violation) == 0 with input as {"object": fixtures.gpu_job}
}

# Init containers run one after another, before the containers: their GPUs
# do not add up with the containers'.
test_passes_with_init_container_gpus if {
	init := {"name": "warmup", "image": "cuda:12.4", "resources": {"limits": {"nvidia.com/gpu": 8}}}
	obj := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [init]}])
	count(gpu_limits.violation) == 0 with input as {"object": obj}
}

# Intel's GPU shares are not GPUs.
test_passes_with_intel_millicores if {
	obj := json.patch(fixtures.gpu_job, [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits", "value": {
		"gpu.intel.com/i915": 1,
		"gpu.intel.com/millicores": 500,
		"cpu": "1",
		"memory": "1Gi",
	}}])
	count(gpu_limits.violation) == 0 with input as {"object": obj}
}

test_passes_with_equal_request_and_limit if {
	obj := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu", "value": "8"}])
	count(gpu_limits.violation) == 0 with input as {"object": obj}
}
