package main

deny contains msg if {
	is_job
	unset(job_spec, "ttlSecondsAfterFinished")
	msg := sprintf("[ttl-after-finished] %s: the Job sets no ttlSecondsAfterFinished (%s.ttlSecondsAfterFinished)", [name, job_spec_path])
}
