# Package mljob.lib holds what every rule needs to read a batch/v1 Job or
# CronJob: its JobSpec and pod spec, their field paths, and the containers.
#
# Paths are Kubernetes field paths (field.Path.String()): ".child", "[index]"
# for list items and "[key]" for map keys. The lint pipeline maps them to
# file:line, so every violation carries one.
package mljob.lib

# is_job is true for a standalone batch/v1 Job.
is_job if {
	input.object.apiVersion == "batch/v1"
	input.object.kind == "Job"
}

# is_cronjob is true for a batch/v1 CronJob.
is_cronjob if {
	input.object.apiVersion == "batch/v1"
	input.object.kind == "CronJob"
}

# job_spec is the JobSpec: a Job's spec, or a CronJob's jobTemplate.spec.
job_spec := input.object.spec if is_job

job_spec := input.object.spec.jobTemplate.spec if is_cronjob

# job_spec_path is the field path of job_spec.
job_spec_path := "spec" if is_job

job_spec_path := "spec.jobTemplate.spec" if is_cronjob

# pod_spec is the PodSpec of the Job's pod template.
pod_spec := job_spec.template.spec

# pod_spec_path is the field path of pod_spec.
pod_spec_path := concat("", [job_spec_path, ".template.spec"])

# containers is every container of the pod, init containers first, each as
# {"container": the container, "field": "initContainers" or "containers",
# "index": its index there, "init": whether it is an init container}.
# Messages and paths are made by container_desc and container_path, only
# for the containers a rule reports: most are never reported.
containers := [{"container": c, "field": field, "index": i, "init": init} |
	some [field, init] in [["initContainers", true], ["containers", false]]
	some i, c in pod_spec[field]
]

# container_desc is how messages name a container: `container "x"` or
# `init container "x"`.
container_desc(entry) := sprintf("init container %q", [object.get(entry.container, "name", "")]) if entry.init

container_desc(entry) := sprintf("container %q", [object.get(entry.container, "name", "")]) if not entry.init

# container_path is the field path of a container.
container_path(entry) := sprintf("%s.%s[%d]", [pod_spec_path, entry.field, entry.index])

# runs_with_pod is true for a container that runs alongside the pod's
# containers: a container, or a sidecar (an init container with
# restartPolicy Always); other init containers run one at a time, first.
runs_with_pod(entry) if not entry.init

runs_with_pod(entry) if entry.container.restartPolicy == "Always"

# quantity is a resource quantity as a number: YAML gives 2 or "2", "500m",
# "8Gi". It is undefined for what is not a quantity.
quantity(q) := q if is_number(q)

quantity(q) := units.parse(q) if is_string(q)
