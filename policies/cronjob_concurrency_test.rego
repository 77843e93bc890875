package mljob.rules.cronjob_concurrency_test

import data.mljob.fixtures
import data.mljob.rules.cronjob_concurrency

test_fires_without_concurrency_policy if {
	obj := json.patch(fixtures.cronjob, [{"op": "remove", "path": "/spec/concurrencyPolicy"}])
	cronjob_concurrency.violation == {{
		"msg": "the CronJob sets no concurrencyPolicy, so runs may overlap (the default is Allow)",
		"path": "spec.concurrencyPolicy",
	}} with input as {"object": obj}
}

test_fires_on_allow if {
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/concurrencyPolicy", "value": "Allow"}])
	cronjob_concurrency.violation == {{
		"msg": `concurrencyPolicy is "Allow", not Forbid or Replace`,
		"path": "spec.concurrencyPolicy",
	}} with input as {"object": obj}
}

test_fires_on_replace_when_only_forbid_allowed if {
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/concurrencyPolicy", "value": "Replace"}])
	count(cronjob_concurrency.violation) == 1 with input as {"object": obj, "params": {"allowed": ["Forbid"]}}
}

test_passes_with_forbid if {
	count(cronjob_concurrency.violation) == 0 with input as {"object": fixtures.cronjob}
}

test_passes_with_replace if {
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/concurrencyPolicy", "value": "Replace"}])
	count(cronjob_concurrency.violation) == 0 with input as {"object": obj}
}

test_passes_on_job if {
	count(cronjob_concurrency.violation) == 0 with input as {"object": fixtures.job}
}
