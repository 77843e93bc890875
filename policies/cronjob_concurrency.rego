# METADATA
# scope: package
# title: CronJobs forbid or replace overlapping runs
# description: |-
#   A CronJob sets concurrencyPolicy to one of allowed (default Forbid or
#   Replace). The default, Allow, starts the next run while the last one is
#   still going: two trainings write the same checkpoints, or a slow nightly
#   job piles up copies of itself on the GPUs.
# custom:
#   id: cronjob-concurrency
#   severity: warning
#   remediation: |-
#     Set concurrency: "Forbid" (mljob's default) or "Replace" in the
#     workload, or concurrencyPolicy in the CronJob spec.
package mljob.rules.cronjob_concurrency

import data.mljob.lib

default_params := {"allowed": ["Forbid", "Replace"]}

params := object.union(default_params, object.get(input, "params", {}))

path := "spec.concurrencyPolicy"

violation contains v if {
	lib.is_cronjob
	lib.unset(input.object.spec, "concurrencyPolicy")
	v := {"msg": "the CronJob sets no concurrencyPolicy, so runs may overlap (the default is Allow)", "path": path}
}

violation contains v if {
	lib.is_cronjob
	policy := input.object.spec.concurrencyPolicy
	policy != null
	not policy in params.allowed
	v := {"msg": sprintf("concurrencyPolicy is %q, not %s", [policy, lib.join_or(params.allowed)]), "path": path}
}
