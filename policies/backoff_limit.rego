# METADATA
# scope: package
# title: backoffLimit is set, and at most maxRetries
# description: |-
#   The Job sets backoffLimit (or backoffLimitPerIndex, for Indexed Jobs)
#   explicitly, to at most maxRetries (default 6). Left out, Kubernetes
#   retries a failing pod 6 times, which for a GPU job that fails on bad
#   input is hours of wasted accelerators; a large limit does the same on
#   purpose. A distributed Job (Indexed, with a subdomain, all its N ranks
#   running at once) may have N × maxRetries: one failure usually fails
#   every rank, and each failed pod counts.
# custom:
#   id: backoff-limit
#   severity: warning
#   remediation: |-
#     Set retries (or retriesPerIndex) in the workload, or backoffLimit (or
#     backoffLimitPerIndex) in the Job spec, to the retries a transient
#     failure needs; use exitCodes (podFailurePolicy) to stop retrying on
#     errors that will not go away.
package mljob.rules.backoff_limit

import data.mljob.lib

default_params := {"maxRetries": 6}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	lib.unset(lib.job_spec, "backoffLimit")
	lib.unset(lib.job_spec, "backoffLimitPerIndex")
	v := {
		"msg": "the Job sets no backoffLimit (Kubernetes then retries 6 times)",
		"path": sprintf("%s.backoffLimit", [lib.job_spec_path]),
	}
}

violation contains v if {
	some field in ["backoffLimit", "backoffLimitPerIndex"]
	limit := lib.job_spec[field]
	is_number(limit)
	allowed := _allowed(field)
	limit > allowed
	v := {
		"msg": sprintf("%s is %v; at most %v retries are allowed%s", [field, limit, allowed, _why(field)]),
		"path": sprintf("%s.%s", [lib.job_spec_path, field]),
	}
}

# _ranks is the number of ranks of a distributed Job, whose pods all run
# at once and find each other through the subdomain; 1 for other Jobs.
_ranks := n if {
	lib.job_spec.completionMode == "Indexed"
	lib.pod_spec.subdomain != ""
	n := lib.job_spec.completions
	lib.job_spec.parallelism == n
	n > 1
} else := 1

_allowed("backoffLimit") := params.maxRetries * _ranks

_allowed("backoffLimitPerIndex") := params.maxRetries

_why(field) := sprintf(" (%v for each of the %v ranks of a distributed Job)", [params.maxRetries, _ranks]) if {
	field == "backoffLimit"
	_ranks > 1
} else := ""
