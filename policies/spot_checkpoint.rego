# METADATA
# scope: package
# title: Preemptible GPU training can save its progress
# description: |-
#   A GPU training Job that may be preempted (it can run on spot or
#   preemptible nodes, or it is queued in Kueue, which evicts lower-priority
#   workloads) has a writable volume that outlives its pods (a
#   PersistentVolumeClaim, NFS or CSI volume mounted read-write) or a grace
#   period after SIGTERM long enough to upload a checkpoint elsewhere (more
#   than maxGracePeriodSeconds, default 30, Kubernetes' default). Otherwise
#   a preemption loses everything since the start. Jobs that mljob renders
#   for other workload types (its mljob.dev/type label) are left alone.
# custom:
#   id: spot-checkpoint
#   severity: warning
#   remediation: |-
#     Add checkpoint: {claim: "<pvc>"} to the workload: mljob mounts the
#     claim read-write, puts its path in CHECKPOINT_DIR, gives the pods 2m
#     after SIGTERM (gracePeriod) and replaces a pod only once it has
#     stopped. In YAML, mount a writable PersistentVolumeClaim and set
#     terminationGracePeriodSeconds to the time a checkpoint takes to write.
package mljob.rules.spot_checkpoint

import data.mljob.lib

default_params := {"extraGPUResources": [], "maxGracePeriodSeconds": 30}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	_training
	count(lib.gpu_containers(params.extraGPUResources)) > 0
	why := _preemptible
	not _writable_volume
	grace := object.get(lib.pod_spec, "terminationGracePeriodSeconds", 30)
	grace <= params.maxGracePeriodSeconds
	v := {
		"msg": sprintf("the GPU training Job %s but has no writable volume for checkpoints and %vs to stop after SIGTERM: a preemption loses all its progress", [why, grace]),
		"path": sprintf("%s.terminationGracePeriodSeconds", [lib.pod_spec_path]),
	}
}

# The labels of the Job (a CronJob's jobTemplate's).
_job_meta := input.object.metadata if lib.is_job

_job_meta := object.get(input.object.spec.jobTemplate, "metadata", {}) if lib.is_cronjob

_job_labels := object.get(_job_meta, "labels", {})

_training if not _job_labels["mljob.dev/type"]

_training if _job_labels["mljob.dev/type"] == "training"

# _preemptible says why the pods may be stopped before they finish.
_preemptible := "may run on spot nodes" if {
	count(lib.spot_placements(lib.spot_node_labels, lib.spot_node_taints)) > 0
} else := "is queued in Kueue, which may preempt it," if {
	_job_labels["kueue.x-k8s.io/queue-name"]
}

_writable_volume if {
	some entry in lib.containers
	lib.runs_with_pod(entry)
	some m in entry.container.volumeMounts
	not m.readOnly
	some vol in lib.pod_spec.volumes
	vol.name == m.name
	_persistent(vol)
}

_persistent(vol) if {
	some kind in ["persistentVolumeClaim", "nfs", "csi"]
	source := vol[kind]
	not source.readOnly
}
