package main

_allowed_restart := ["Never", "OnFailure"]

deny contains msg if {
	unset(pod_spec, "restartPolicy")
	msg := sprintf("[restart-policy] %s: the pod template sets no restartPolicy (%s.restartPolicy)", [name, pod_spec_path])
}

deny contains msg if {
	policy := pod_spec.restartPolicy
	policy != null
	not policy in _allowed_restart
	msg := sprintf("[restart-policy] %s: restartPolicy is %q, not Never or OnFailure", [name, policy])
}

deny contains msg if {
	pod_spec.restartPolicy == "OnFailure"
	some field in ["podFailurePolicy", "backoffLimitPerIndex"]
	is_set(job_spec, field)
	msg := sprintf("[restart-policy] %s: restartPolicy is \"OnFailure\" but %s needs Never", [name, field])
}
