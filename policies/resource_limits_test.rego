package mljob.rules.resource_limits_test

import data.mljob.fixtures
import data.mljob.rules.resource_limits

test_fires_without_memory_limit if {
	obj := json.patch(fixtures.job, [{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/memory"}])
	resource_limits.violation == {{
		"msg": `container "trainer" sets no memory limit`,
		"path": "spec.template.spec.containers[0].resources",
	}} with input as {"object": obj}
}

test_fires_without_resources_in_cronjob_init_container if {
	init := {"name": "fetch", "image": "busybox:1.36"}
	obj := json.patch(fixtures.cronjob, [{"op": "add", "path": "/spec/jobTemplate/spec/template/spec/initContainers", "value": [init]}])
	resource_limits.violation == {{
		"msg": `init container "fetch" sets no cpu request, cpu limit, memory request or memory limit`,
		"path": "spec.jobTemplate.spec.template.spec.initContainers[0].resources",
	}} with input as {"object": obj}
}

test_fires_on_null_limits if {
	obj := json.patch(fixtures.job, [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits", "value": null}])
	resource_limits.violation == {{
		"msg": `container "trainer" sets no cpu limit or memory limit`,
		"path": "spec.template.spec.containers[0].resources",
	}} with input as {"object": obj}
}

test_passes_with_requests_and_limits if {
	count(resource_limits.violation) == 0 with input as {"object": fixtures.job}
}

# The API server copies a limit into a request left out.
test_passes_with_limits_only if {
	obj := json.patch(fixtures.job, [{"op": "remove", "path": "/spec/template/spec/containers/0/resources/requests"}])
	count(resource_limits.violation) == 0 with input as {"object": obj}
}

test_passes_without_cpu_limit_when_optional if {
	obj := json.patch(fixtures.job, [{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/cpu"}])
	count(resource_limits.violation) == 0 with input as {"object": obj, "params": {"requireCPULimit": false}}
}

test_fires_without_cpu_request_when_cpu_limit_optional if {
	obj := json.patch(fixtures.job, [
		{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/cpu"},
		{"op": "remove", "path": "/spec/template/spec/containers/0/resources/requests/cpu"},
	])
	resource_limits.violation == {{
		"msg": `container "trainer" sets no cpu request`,
		"path": "spec.template.spec.containers[0].resources",
	}} with input as {"object": obj, "params": {"requireCPULimit": false}}
}
