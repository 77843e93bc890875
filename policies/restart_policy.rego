# METADATA
# scope: package
# title: The pod template sets restartPolicy Never or OnFailure
# description: |-
#   A Job's pod template sets restartPolicy explicitly to Never or OnFailure
#   (parameter allowOnFailure: false allows only Never). podFailurePolicy and
#   backoffLimitPerIndex need Never: with OnFailure the kubelet restarts the
#   container in place, so the Job controller never sees the pod fail.
# custom:
#   id: restart-policy
#   severity: error
#   remediation: |-
#     Set restartPolicy: Never in the pod template (mljob always does); use
#     the Job's backoffLimit for retries.
package mljob.rules.restart_policy

import data.mljob.lib

default_params := {"allowOnFailure": true}

params := object.union(default_params, object.get(input, "params", {}))

allowed := ["Never", "OnFailure"] if params.allowOnFailure

allowed := ["Never"] if not params.allowOnFailure

path := sprintf("%s.restartPolicy", [lib.pod_spec_path])

violation contains v if {
	lib.unset(lib.pod_spec, "restartPolicy")
	v := {"msg": "the pod template sets no restartPolicy (the default, Always, is not allowed in a Job)", "path": path}
}

violation contains v if {
	policy := lib.pod_spec.restartPolicy
	policy != null
	not policy in allowed
	v := {"msg": sprintf("restartPolicy is %q, not %s", [policy, lib.join_or(allowed)]), "path": path}
}

violation contains v if {
	lib.pod_spec.restartPolicy == "OnFailure"
	"OnFailure" in allowed
	some field in ["podFailurePolicy", "backoffLimitPerIndex"]
	lib.is_set(lib.job_spec, field)
	v := {"msg": sprintf("restartPolicy is \"OnFailure\" but %s needs Never", [field]), "path": path}
}
