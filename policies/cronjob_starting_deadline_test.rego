package mljob.rules.cronjob_starting_deadline_test

import data.mljob.fixtures
import data.mljob.rules.cronjob_starting_deadline

test_fires_without_starting_deadline if {
	obj := json.patch(fixtures.cronjob, [{"op": "remove", "path": "/spec/startingDeadlineSeconds"}])
	cronjob_starting_deadline.violation == {{
		"msg": "the CronJob sets no startingDeadlineSeconds",
		"path": "spec.startingDeadlineSeconds",
	}} with input as {"object": obj}
}

test_fires_below_min if {
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/startingDeadlineSeconds", "value": 5}])
	cronjob_starting_deadline.violation == {{
		"msg": "startingDeadlineSeconds is 5, below 10",
		"path": "spec.startingDeadlineSeconds",
	}} with input as {"object": obj}
}

test_passes_with_starting_deadline if {
	count(cronjob_starting_deadline.violation) == 0 with input as {"object": fixtures.cronjob}
}

test_passes_with_lower_min if {
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/startingDeadlineSeconds", "value": 5}])
	count(cronjob_starting_deadline.violation) == 0 with input as {"object": obj, "params": {"minSeconds": 5}}
}

test_passes_on_job if {
	count(cronjob_starting_deadline.violation) == 0 with input as {"object": fixtures.job}
}
