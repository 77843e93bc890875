# METADATA
# scope: package
# title: Jobs name a Kueue queue where the platform requires one
# description: |-
#   With the parameter requireQueue, every Job carries Kueue's
#   kueue.x-k8s.io/queue-name label and every CronJob's jobTemplate does (its
#   Jobs get their labels from there, not from the CronJob's own): a Job
#   without it is not managed by Kueue, starts at once and takes capacity
#   outside every quota. requireQueue is off by default. A project's
#   profile (requireQueue: true) turns it on for the workloads of that
#   project; .mljob.yaml (rules: kueue-queue: params: {requireQueue: true})
#   turns it on for everything lint checks. Leave it off where Kueue gives
#   Jobs a default LocalQueue itself (managedJobsNamespaceSelector).
# custom:
#   id: kueue-queue
#   severity: error
#   remediation: |-
#     Set queue in the workload (mljob adds the label and creates the Job
#     suspended for Kueue to admit), or add the label
#     kueue.x-k8s.io/queue-name: <LocalQueue> to the Job's metadata.labels
#     (a CronJob's spec.jobTemplate.metadata.labels).
package mljob.rules.kueue_queue

import data.mljob.lib

default_params := {"requireQueue": false}

params := object.union(default_params, object.get(input, "params", {}))

queue_label := "kueue.x-k8s.io/queue-name"

violation contains v if {
	params.requireQueue
	lib.is_job
	not _queued(input.object)
	v := {
		"msg": sprintf("the Job has no %s label, so Kueue does not manage it: it starts at once, outside every quota", [queue_label]),
		"path": "metadata.labels",
	}
}

violation contains v if {
	params.requireQueue
	lib.is_cronjob
	not _queued(input.object.spec.jobTemplate)
	v := {
		"msg": sprintf("the CronJob's jobTemplate has no %s label%s, so Kueue does not manage its Jobs: they start at once, outside every quota", [queue_label, _on_cronjob]),
		"path": "spec.jobTemplate.metadata.labels",
	}
}

_queued(obj) if {
	q := obj.metadata.labels[queue_label]
	is_string(q)
	q != ""
}

# A label on the CronJob itself does not reach its Jobs.
_on_cronjob := " (the CronJob's own label does not reach its Jobs)" if _queued(input.object)

_on_cronjob := "" if not _queued(input.object)
