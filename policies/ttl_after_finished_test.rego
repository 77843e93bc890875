package mljob.rules.ttl_after_finished_test

import data.mljob.fixtures
import data.mljob.rules.ttl_after_finished

test_fires_without_ttl if {
	obj := json.patch(fixtures.job, [{"op": "remove", "path": "/spec/ttlSecondsAfterFinished"}])
	ttl_after_finished.violation == {{
		"msg": "the Job sets no ttlSecondsAfterFinished, so it and its pods are kept until deleted by hand",
		"path": "spec.ttlSecondsAfterFinished",
	}} with input as {"object": obj}
}

test_passes_with_ttl if {
	count(ttl_after_finished.violation) == 0 with input as {"object": fixtures.job}
}

# A CronJob's history limits clean up its Jobs.
test_passes_on_cronjob_without_ttl if {
	count(ttl_after_finished.violation) == 0 with input as {"object": fixtures.cronjob}
}
