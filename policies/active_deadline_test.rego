package mljob.rules.active_deadline_test

import data.mljob.fixtures
import data.mljob.rules.active_deadline

test_fires_on_gpu_job_without_deadline if {
	obj := json.patch(fixtures.gpu_job, [{"op": "remove", "path": "/spec/activeDeadlineSeconds"}])
	active_deadline.violation == {{
		"msg": `container "trainer" requests nvidia.com/gpu but the Job sets no activeDeadlineSeconds`,
		"path": "spec.activeDeadlineSeconds",
	}} with input as {"object": obj}
}

test_fires_on_gpu_cronjob_without_deadline if {
	pod := json.patch(fixtures.cronjob.spec.jobTemplate.spec.template.spec, [{"op": "add", "path": "/containers/0/resources/limits/amd.com~1gpu", "value": 1}])
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec", "value": pod}])
	active_deadline.violation == {{
		"msg": `container "trainer" requests amd.com/gpu but the Job sets no activeDeadlineSeconds`,
		"path": "spec.jobTemplate.spec.activeDeadlineSeconds",
	}} with input as {"object": obj}
}

test_passes_with_deadline if {
	count(active_deadline.violation) == 0 with input as {"object": fixtures.gpu_job}
}

test_passes_on_cpu_job_without_deadline if {
	count(active_deadline.violation) == 0 with input as {"object": fixtures.job}
}

test_passes_with_zero_gpus if {
	obj := json.patch(fixtures.gpu_job, [
		{"op": "remove", "path": "/spec/activeDeadlineSeconds"},
		{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu", "value": "0"},
	])
	count(active_deadline.violation) == 0 with input as {"object": obj}
}
