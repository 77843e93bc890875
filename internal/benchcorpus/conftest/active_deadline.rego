package main

deny contains msg if {
	unset(job_spec, "activeDeadlineSeconds")
	count(gpu_containers) > 0
	g := gpu_containers[0]
	msg := sprintf("[active-deadline] %s: %s requests %s but the Job sets no activeDeadlineSeconds", [name, container_desc(g.entry), g.requests[0].resource])
}
