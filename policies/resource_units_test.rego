package mljob.rules.resource_units_test

import data.mljob.fixtures
import data.mljob.rules.resource_units

with_resources(requests, limits) := json.patch(fixtures.job, [{"op": "replace", "path": "/spec/template/spec/containers/0/resources", "value": {"requests": requests, "limits": limits}}])

violations(requests, limits) := found if {
	found := resource_units.violation with input as {"object": with_resources(requests, limits)}
}

test_passes_on_fixtures if {
	count(resource_units.violation) == 0 with input as {"object": fixtures.job}
	count(resource_units.violation) == 0 with input as {"object": fixtures.gpu_job}
}

test_fires_on_bare_memory if {
	violations({"cpu": "1", "memory": 4096}, {"cpu": "1", "memory": "4Gi"}) == {{
		"msg": `container "trainer": memory request 4096 has no unit, so it is 4096 bytes; did you mean "4096Mi"?`,
		"path": "spec.template.spec.containers[0].resources.requests[memory]",
	}}
}

test_fires_on_millibytes if {
	violations({"cpu": "1", "memory": "16Gi"}, {"cpu": "1", "memory": "16m"}) == {{
		"msg": `container "trainer": memory limit "16m" is 16 millibytes (m is milli, Mi is mebibytes); did you mean "16Mi"?`,
		"path": "spec.template.spec.containers[0].resources.limits[memory]",
	}}
}

test_fires_below_min_size if {
	violations({"cpu": "1", "memory": "1Gi", "ephemeral-storage": "512Ki"}, {"cpu": "1", "memory": "1Gi"}) == {{
		"msg": `container "trainer": ephemeral-storage request "512Ki" is less than 1Mi; did you mean "512Mi"?`,
		"path": "spec.template.spec.containers[0].resources.requests[ephemeral-storage]",
	}}
}

# A byte count of a real size is fine in YAML.
test_passes_on_large_byte_counts if {
	count(violations({"cpu": "1", "memory": 2147483648}, {"cpu": "1", "memory": "2147483648"})) == 0
}

test_fires_on_cpu_above_largest_node if {
	violations({"cpu": "500", "memory": "1Gi"}, {"cpu": "500", "memory": "1Gi"}) == {
		{
			"msg": `container "trainer": cpu request "500" is more than the 192 CPUs of the largest node (maxCPU); no node can run it; did you mean "500m"?`,
			"path": "spec.template.spec.containers[0].resources.requests[cpu]",
		},
		{
			"msg": `container "trainer": cpu limit "500" is more than the 192 CPUs of the largest node (maxCPU); no node can run it; did you mean "500m"?`,
			"path": "spec.template.spec.containers[0].resources.limits[cpu]",
		},
	}
}

test_max_cpu_param if {
	obj := with_resources({"cpu": "300", "memory": "1Gi"}, {"cpu": "300", "memory": "1Gi"})
	count(resource_units.violation) == 0 with input as {"object": obj, "params": {"maxCPU": 448}}
}

test_fires_on_emptydir_size if {
	obj := json.patch(fixtures.gpu_job, [{"op": "replace", "path": "/spec/template/spec/volumes/0/emptyDir/sizeLimit", "value": "8m"}])
	resource_units.violation == {{
		"msg": `volume "dshm": sizeLimit "8m" is 8 millibytes (m is milli, Mi is mebibytes); did you mean "8Mi"?`,
		"path": "spec.template.spec.volumes[0].emptyDir.sizeLimit",
	}} with input as {"object": obj}
}
