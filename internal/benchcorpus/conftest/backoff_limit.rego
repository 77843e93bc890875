package main

_max_retries := 6

deny contains msg if {
	unset(job_spec, "backoffLimit")
	unset(job_spec, "backoffLimitPerIndex")
	msg := sprintf("[backoff-limit] %s: the Job sets no backoffLimit (%s.backoffLimit)", [name, job_spec_path])
}

deny contains msg if {
	some field in ["backoffLimit", "backoffLimitPerIndex"]
	limit := job_spec[field]
	is_number(limit)
	limit > _max_retries
	msg := sprintf("[backoff-limit] %s: %s is %v; at most %v retries are allowed", [name, field, limit, _max_retries])
}
