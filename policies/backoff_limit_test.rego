package mljob.rules.backoff_limit_test

import data.mljob.fixtures
import data.mljob.rules.backoff_limit

test_fires_without_backoff_limit if {
	obj := json.patch(fixtures.job, [{"op": "remove", "path": "/spec/backoffLimit"}])
	backoff_limit.violation == {{
		"msg": "the Job sets no backoffLimit (Kubernetes then retries 6 times)",
		"path": "spec.backoffLimit",
	}} with input as {"object": obj}
}

test_fires_on_too_many_retries_in_cronjob if {
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/jobTemplate/spec/backoffLimit", "value": 10}])
	backoff_limit.violation == {{
		"msg": "backoffLimit is 10; at most 6 retries are allowed",
		"path": "spec.jobTemplate.spec.backoffLimit",
	}} with input as {"object": obj}
}

test_fires_on_too_many_retries_per_index if {
	obj := json.patch(fixtures.job, [
		{"op": "remove", "path": "/spec/backoffLimit"},
		{"op": "add", "path": "/spec/backoffLimitPerIndex", "value": 3},
	])
	backoff_limit.violation == {{
		"msg": "backoffLimitPerIndex is 3; at most 2 retries are allowed",
		"path": "spec.backoffLimitPerIndex",
	}} with input as {"object": obj, "params": {"maxRetries": 2}}
}

test_passes_with_backoff_limit if {
	count(backoff_limit.violation) == 0 with input as {"object": fixtures.job}
}

test_passes_with_backoff_limit_per_index_only if {
	obj := json.patch(fixtures.job, [
		{"op": "replace", "path": "/spec/backoffLimit", "value": null},
		{"op": "add", "path": "/spec/backoffLimitPerIndex", "value": 1},
	])
	count(backoff_limit.violation) == 0 with input as {"object": obj}
}

distributed(obj, n, limit) := json.patch(obj, [
	{"op": "add", "path": "/spec/completionMode", "value": "Indexed"},
	{"op": "add", "path": "/spec/completions", "value": n},
	{"op": "add", "path": "/spec/parallelism", "value": n},
	{"op": "add", "path": "/spec/template/spec/subdomain", "value": "train"},
	{"op": "replace", "path": "/spec/backoffLimit", "value": limit},
])

test_passes_with_retries_for_each_rank_of_a_distributed_job if {
	count(backoff_limit.violation) == 0 with input as {"object": distributed(fixtures.job, 4, 24)}
}

test_fires_beyond_the_retries_of_each_rank if {
	backoff_limit.violation == {{
		"msg": "backoffLimit is 25; at most 24 retries are allowed (6 for each of the 4 ranks of a distributed Job)",
		"path": "spec.backoffLimit",
	}} with input as {"object": distributed(fixtures.job, 4, 25)}
}

test_fires_on_parallel_job_without_subdomain if {
	obj := json.patch(distributed(fixtures.job, 4, 24), [{"op": "remove", "path": "/spec/template/spec/subdomain"}])
	count(backoff_limit.violation) == 1 with input as {"object": obj}
}
