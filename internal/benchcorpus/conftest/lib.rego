# The conftest equivalent of six of mljob's built-in rules (policies/),
# for the comparison of make bench-compare: the same checks, with
# conftest's conventions (package main, deny rules, one input document per
# object). Each message starts with the mljob rule id in brackets, so that
# findings can be counted by rule. TestConftestMatchesRules checks that
# they find what mljob's rules find on the corpus.
#
# This file is mljob's policies/lib/kubernetes.rego and gpu.rego, cut down
# to what the six rules use.
package main

is_job if {
	input.apiVersion == "batch/v1"
	input.kind == "Job"
}

is_cronjob if {
	input.apiVersion == "batch/v1"
	input.kind == "CronJob"
}

job_spec := input.spec if is_job

job_spec := input.spec.jobTemplate.spec if is_cronjob

job_spec_path := "spec" if is_job

job_spec_path := "spec.jobTemplate.spec" if is_cronjob

pod_spec := job_spec.template.spec

pod_spec_path := concat("", [job_spec_path, ".template.spec"])

containers := [{"container": c, "field": field, "index": i, "init": init} |
	some [field, init] in [["initContainers", true], ["containers", false]]
	some i, c in pod_spec[field]
]

container_desc(entry) := sprintf("init container %q", [object.get(entry.container, "name", "")]) if entry.init

container_desc(entry) := sprintf("container %q", [object.get(entry.container, "name", "")]) if not entry.init

container_path(entry) := sprintf("%s.%s[%d]", [pod_spec_path, entry.field, entry.index])

unset(obj, key) if object.get(obj, key, null) == null

is_set(obj, key) if object.get(obj, key, null) != null

name := object.get(input, ["metadata", "name"], "")

quantity(q) := q if is_number(q)

quantity(q) := units.parse(q) if is_string(q)

gpu_resource_pattern := `^(nvidia\.com/(gpu|gpu\.shared|mig-.+)|amd\.com/gpu|gpu\.intel\.com/.+)$`

intel_gpu_shares := {
	"gpu.intel.com/millicores",
	"gpu.intel.com/memory.max",
	"gpu.intel.com/tiles",
	"gpu.intel.com/i915_monitoring",
	"gpu.intel.com/xe_monitoring",
}

is_gpu_resource(res) if {
	regex.match(gpu_resource_pattern, res)
	not res in intel_gpu_shares
}

gpu_containers := [{"entry": entry, "requests": requests} |
	some entry in containers
	requests := [{"resource": res, "field": field, "count": n} |
		some field in ["limits", "requests"]
		some res, q in entry.container.resources[field]
		is_gpu_resource(res)
		n := quantity(q)
		n > 0
	]
	count(requests) > 0
]
