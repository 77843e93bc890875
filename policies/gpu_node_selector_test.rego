package mljob.rules.gpu_node_selector_test

import data.mljob.fixtures
import data.mljob.rules.gpu_node_selector

no_selector := json.patch(fixtures.gpu_job, [{"op": "remove", "path": "/spec/template/spec/nodeSelector"}])

test_fires_without_node_selector if {
	gpu_node_selector.violation == {{
		"msg": `container "trainer" requests nvidia.com/gpu but the pod selects no GPU nodes`,
		"path": "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]",
	}} with input as {"object": no_selector}
}

test_fires_with_unrelated_node_selector if {
	obj := json.patch(no_selector, [{"op": "add", "path": "/spec/template/spec/nodeSelector", "value": {"kubernetes.io/os": "linux"}}])
	count(gpu_node_selector.violation) == 1 with input as {"object": obj}
}

# Node affinity terms are ORed: one that does not select GPU nodes lets the
# pod land anywhere.
test_fires_when_one_affinity_term_selects_no_gpu if {
	obj := json.patch(no_selector, [{"op": "add", "path": "/spec/template/spec/affinity", "value": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
		{"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-H100-80GB-HBM3"]}]},
		{"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]},
	]}}}}])
	count(gpu_node_selector.violation) == 1 with input as {"object": obj}
}

test_fires_for_intel_and_mig_in_requests if {
	obj := json.patch(no_selector, [
		{"op": "replace", "path": "/spec/template/spec/containers/0/resources", "value": {
			"requests": {"gpu.intel.com/i915": "1", "cpu": "1", "memory": "1Gi"},
			"limits": {"cpu": "1", "memory": "1Gi"},
		}},
		{"op": "add", "path": "/spec/template/spec/initContainers", "value": [{
			"name": "warmup", "image": "cuda:12.4",
			"resources": {"limits": {"nvidia.com/mig-1g.5gb": 1, "cpu": "1", "memory": "1Gi"}},
		}]},
	])
	gpu_node_selector.violation == {
		{
			"msg": `container "trainer" requests gpu.intel.com/i915 but the pod selects no GPU nodes`,
			"path": "spec.template.spec.containers[0].resources.requests[gpu.intel.com/i915]",
		},
		{
			"msg": `init container "warmup" requests nvidia.com/mig-1g.5gb but the pod selects no GPU nodes`,
			"path": "spec.template.spec.initContainers[0].resources.limits[nvidia.com/mig-1g.5gb]",
		},
	} with input as {"object": obj}
}

test_fires_for_extra_gpu_resource if {
	obj := json.patch(no_selector, [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits", "value": {"habana.ai/gaudi": 8}}])
	count(gpu_node_selector.violation) == 0 with input as {"object": obj}
	gpu_node_selector.violation == {{
		"msg": `container "trainer" requests habana.ai/gaudi but the pod selects no GPU nodes`,
		"path": "spec.template.spec.containers[0].resources.limits[habana.ai/gaudi]",
	}} with input as {"object": obj, "params": {"extraGPUResources": ["habana.ai/gaudi"]}}
}

test_fires_without_toleration_when_required if {
	obj := json.patch(fixtures.gpu_job, [{"op": "remove", "path": "/spec/template/spec/tolerations"}])
	count(gpu_node_selector.violation) == 0 with input as {"object": obj}
	gpu_node_selector.violation == {{
		"msg": `container "trainer" requests nvidia.com/gpu but the pod does not tolerate the nvidia.com/gpu taint`,
		"path": "spec.template.spec.tolerations",
	}} with input as {"object": obj, "params": {"requireToleration": true}}
}

test_fires_with_prefer_no_schedule_toleration_when_required if {
	obj := json.patch(fixtures.gpu_job, [{"op": "replace", "path": "/spec/template/spec/tolerations/0/effect", "value": "PreferNoSchedule"}])
	count(gpu_node_selector.violation) == 1 with input as {"object": obj, "params": {"requireToleration": true}}
}

test_passes_with_node_selector if {
	count(gpu_node_selector.violation) == 0 with input as {"object": fixtures.gpu_job, "params": {"requireToleration": true}}
}

test_passes_with_required_affinity_in_cronjob if {
	pod := json.patch(no_selector.spec.template.spec, [{"op": "add", "path": "/affinity", "value": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
		{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
		{"key": "cloud.google.com/gke-accelerator", "operator": "Exists"},
	]}]}}}}])
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec", "value": pod}])
	count(gpu_node_selector.violation) == 0 with input as {"object": obj}
}

test_passes_with_configured_label_and_wildcard_toleration if {
	obj := json.patch(fixtures.gpu_job, [
		{"op": "replace", "path": "/spec/template/spec/nodeSelector", "value": {"pool": "a100"}},
		{"op": "replace", "path": "/spec/template/spec/tolerations", "value": [{"operator": "Exists"}]},
	])
	count(gpu_node_selector.violation) == 0 with input as {"object": obj, "params": {"gpuNodeLabels": ["pool"], "requireToleration": true}}
}

test_passes_without_gpus if {
	count(gpu_node_selector.violation) == 0 with input as {"object": fixtures.job}
}
