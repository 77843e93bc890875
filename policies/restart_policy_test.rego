package mljob.rules.restart_policy_test

import data.mljob.fixtures
import data.mljob.rules.restart_policy

test_fires_without_restart_policy if {
	obj := json.patch(fixtures.job, [{"op": "remove", "path": "/spec/template/spec/restartPolicy"}])
	restart_policy.violation == {{
		"msg": "the pod template sets no restartPolicy (the default, Always, is not allowed in a Job)",
		"path": "spec.template.spec.restartPolicy",
	}} with input as {"object": obj}
}

test_fires_on_always_in_cronjob if {
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec/restartPolicy", "value": "Always"}])
	restart_policy.violation == {{
		"msg": `restartPolicy is "Always", not Never or OnFailure`,
		"path": "spec.jobTemplate.spec.template.spec.restartPolicy",
	}} with input as {"object": obj}
}

test_fires_on_on_failure_with_pod_failure_policy if {
	obj := json.patch(fixtures.spot_job, [{"op": "replace", "path": "/spec/template/spec/restartPolicy", "value": "OnFailure"}])
	restart_policy.violation == {{
		"msg": `restartPolicy is "OnFailure" but podFailurePolicy needs Never`,
		"path": "spec.template.spec.restartPolicy",
	}} with input as {"object": obj}
}

test_fires_on_on_failure_with_backoff_limit_per_index if {
	obj := json.patch(fixtures.job, [
		{"op": "replace", "path": "/spec/template/spec/restartPolicy", "value": "OnFailure"},
		{"op": "add", "path": "/spec/backoffLimitPerIndex", "value": 1},
	])
	restart_policy.violation == {{
		"msg": `restartPolicy is "OnFailure" but backoffLimitPerIndex needs Never`,
		"path": "spec.template.spec.restartPolicy",
	}} with input as {"object": obj}
}

test_fires_on_on_failure_when_not_allowed if {
	obj := json.patch(fixtures.job, [{"op": "replace", "path": "/spec/template/spec/restartPolicy", "value": "OnFailure"}])
	restart_policy.violation == {{
		"msg": `restartPolicy is "OnFailure", not Never`,
		"path": "spec.template.spec.restartPolicy",
	}} with input as {"object": obj, "params": {"allowOnFailure": false}}
}

test_passes_with_never if {
	count(restart_policy.violation) == 0 with input as {"object": fixtures.spot_job}
}

test_passes_with_on_failure if {
	obj := json.patch(fixtures.job, [
		{"op": "replace", "path": "/spec/template/spec/restartPolicy", "value": "OnFailure"},
		{"op": "add", "path": "/spec/backoffLimitPerIndex", "value": null},
	])
	count(restart_policy.violation) == 0 with input as {"object": obj}
}
