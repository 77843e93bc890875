package mljob.lib_test

import data.mljob.fixtures
import data.mljob.lib

test_job_spec_of_job if {
	lib.job_spec == fixtures.job.spec with input as {"object": fixtures.job}
	lib.job_spec_path == "spec" with input as {"object": fixtures.job}
	lib.pod_spec_path == "spec.template.spec" with input as {"object": fixtures.job}
	lib.is_job with input as {"object": fixtures.job}
	not lib.is_cronjob with input as {"object": fixtures.job}
}

test_job_spec_of_cronjob if {
	lib.job_spec == fixtures.cronjob.spec.jobTemplate.spec with input as {"object": fixtures.cronjob}
	lib.pod_spec == fixtures.cronjob.spec.jobTemplate.spec.template.spec with input as {"object": fixtures.cronjob}
	lib.pod_spec_path == "spec.jobTemplate.spec.template.spec" with input as {"object": fixtures.cronjob}
	lib.is_cronjob with input as {"object": fixtures.cronjob}
}

test_no_spec_of_other_objects if {
	pod := {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a"}]}}
	not lib.job_spec with input as {"object": pod}
	not lib.pod_spec_path with input as {"object": pod}
	lib.containers == [] with input as {"object": pod}
}

test_containers_lists_init_containers_first if {
	obj := json.patch(fixtures.job, [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [
		{"name": "fetch", "image": "busybox:1.36"},
		{"name": "proxy", "image": "envoy:1.30", "restartPolicy": "Always"},
	]}])
	described := [[lib.container_desc(c), lib.container_path(c), c.init] | some c in lib.containers] with input as {"object": obj}
	described == [
		[`init container "fetch"`, "spec.template.spec.initContainers[0]", true],
		[`init container "proxy"`, "spec.template.spec.initContainers[1]", true],
		[`container "trainer"`, "spec.template.spec.containers[0]", false],
	]

	# The sidecar and the container run with the pod, the init container before.
	[c.container.name | some c in lib.containers; lib.runs_with_pod(c)] == ["proxy", "trainer"] with input as {"object": obj}
}

test_container_desc_without_name if {
	lib.container_desc({"container": {}, "init": false}) == `container ""`
}

test_quantity if {
	lib.quantity(2) == 2
	lib.quantity("8") == 8
	lib.quantity("500m") == 0.5
	lib.quantity("1Ki") == 1024
	not lib.quantity("eight")
	not lib.quantity(null)
}
