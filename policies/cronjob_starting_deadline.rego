# METADATA
# scope: package
# title: CronJobs set startingDeadlineSeconds
# description: |-
#   A CronJob sets startingDeadlineSeconds, of at least minSeconds (default
#   10). Without it a run missed while the controller was down starts
#   whenever it comes back, however late, and after more than 100 missed
#   runs the CronJob stops scheduling altogether. Below 10 seconds runs may
#   never start: the controller checks every 10 seconds.
# custom:
#   id: cronjob-starting-deadline
#   severity: warning
#   remediation: |-
#     Set startingDeadline in the workload (the profile's default is 10m),
#     or startingDeadlineSeconds in the CronJob spec: how late a run is
#     still worth starting.
package mljob.rules.cronjob_starting_deadline

import data.mljob.lib

default_params := {"minSeconds": 10}

params := object.union(default_params, object.get(input, "params", {}))

path := "spec.startingDeadlineSeconds"

violation contains v if {
	lib.is_cronjob
	lib.unset(input.object.spec, "startingDeadlineSeconds")
	v := {"msg": "the CronJob sets no startingDeadlineSeconds", "path": path}
}

violation contains v if {
	lib.is_cronjob
	seconds := input.object.spec.startingDeadlineSeconds
	is_number(seconds)
	seconds < params.minSeconds
	v := {"msg": sprintf("startingDeadlineSeconds is %v, below %v", [seconds, params.minSeconds]), "path": path}
}
