package mljob.rules.kueue_queue_test

import data.mljob.fixtures
import data.mljob.rules.kueue_queue

required := {"requireQueue": true}

queued(obj, path) := json.patch(obj, [{"op": "add", "path": path, "value": {"kueue.x-k8s.io/queue-name": "team-a"}}])

test_passes_unless_required if {
	count(kueue_queue.violation) == 0 with input as {"object": fixtures.job}
	count(kueue_queue.violation) == 0 with input as {"object": fixtures.cronjob}
	count(kueue_queue.violation) == 0 with input as {"object": fixtures.job, "params": {"requireQueue": false}}
}

test_fires_on_job_without_queue if {
	kueue_queue.violation == {{
		"msg": "the Job has no kueue.x-k8s.io/queue-name label, so Kueue does not manage it: it starts at once, outside every quota",
		"path": "metadata.labels",
	}} with input as {"object": fixtures.job, "params": required}
}

test_fires_on_empty_queue if {
	obj := json.patch(fixtures.job, [{"op": "add", "path": "/metadata/labels", "value": {"kueue.x-k8s.io/queue-name": ""}}])
	count(kueue_queue.violation) == 1 with input as {"object": obj, "params": required}
}

test_passes_with_queue if {
	count(kueue_queue.violation) == 0 with input as {"object": queued(fixtures.job, "/metadata/labels"), "params": required}
}

test_fires_on_cronjob_template_without_queue if {
	kueue_queue.violation == {{
		"msg": "the CronJob's jobTemplate has no kueue.x-k8s.io/queue-name label, so Kueue does not manage its Jobs: they start at once, outside every quota",
		"path": "spec.jobTemplate.metadata.labels",
	}} with input as {"object": fixtures.cronjob, "params": required}
}

test_fires_when_only_the_cronjob_has_the_label if {
	obj := queued(fixtures.cronjob, "/metadata/labels")
	kueue_queue.violation == {{
		"msg": "the CronJob's jobTemplate has no kueue.x-k8s.io/queue-name label (the CronJob's own label does not reach its Jobs), so Kueue does not manage its Jobs: they start at once, outside every quota",
		"path": "spec.jobTemplate.metadata.labels",
	}} with input as {"object": obj, "params": required}
}

test_passes_with_cronjob_template_queue if {
	obj := json.patch(fixtures.cronjob, [{"op": "add", "path": "/spec/jobTemplate/metadata", "value": {"labels": {"kueue.x-k8s.io/queue-name": "team-a"}}}])
	count(kueue_queue.violation) == 0 with input as {"object": obj, "params": required}
}
