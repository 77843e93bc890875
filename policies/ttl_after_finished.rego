# METADATA
# scope: package
# title: Jobs set ttlSecondsAfterFinished
# description: |-
#   A standalone Job sets ttlSecondsAfterFinished, so that the finished Job
#   and its pods (and their logs, and the node resources they pin) are
#   deleted. A CronJob's jobTemplate does not need it: the CronJob's history
#   limits clean up its Jobs.
# custom:
#   id: ttl-after-finished
#   severity: warning
#   remediation: |-
#     Set ttl in the workload (the profile's ttl is the default), or
#     ttlSecondsAfterFinished in the Job spec; ship logs and metrics
#     elsewhere if they must outlive it.
package mljob.rules.ttl_after_finished

import data.mljob.lib

default_params := {}

violation contains v if {
	lib.is_job
	lib.unset(lib.job_spec, "ttlSecondsAfterFinished")
	v := {
		"msg": "the Job sets no ttlSecondsAfterFinished, so it and its pods are kept until deleted by hand",
		"path": sprintf("%s.ttlSecondsAfterFinished", [lib.job_spec_path]),
	}
}
