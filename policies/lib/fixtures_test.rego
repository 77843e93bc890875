# Package mljob.fixtures holds the objects the rule tests start from: each
# passes every rule (see pack_test.rego), and a test breaks one thing in one
# of them to make its rule fire.
package mljob.fixtures

container := {
	"name": "trainer",
	"image": "ghcr.io/acme/train:1.4.2",
	"resources": {
		"requests": {"cpu": "4", "memory": "16Gi"},
		"limits": {"cpu": "4", "memory": "16Gi"},
	},
}

# job is a CPU Job as mljob renders one.
job := {
	"apiVersion": "batch/v1",
	"kind": "Job",
	"metadata": {"name": "train", "namespace": "ml"},
	"spec": {
		"backoffLimit": 3,
		"ttlSecondsAfterFinished": 86400,
		"template": {"spec": {
			"restartPolicy": "Never",
			"containers": [container],
		}},
	},
}

# gpu_job is a GPU Job as mljob renders one: 8 GPUs in limits, GPU nodes
# selected and their taint tolerated, /dev/shm in memory, a deadline.
gpu_job := {
	"apiVersion": "batch/v1",
	"kind": "Job",
	"metadata": {"name": "train-gpu", "namespace": "ml"},
	"spec": {
		"backoffLimit": 3,
		"activeDeadlineSeconds": 86400,
		"ttlSecondsAfterFinished": 86400,
		"template": {"spec": {
			"restartPolicy": "Never",
			"nodeSelector": {"nvidia.com/gpu.present": "true"},
			"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
			"containers": [object.union(container, {
				"resources": {"limits": {"nvidia.com/gpu": 8}},
				"volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
			})],
			"volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}}],
		}},
	},
}

# spot_job is a Job on spot nodes, as mljob renders `spot: true`.
spot_job := json.patch(job, [
	{"op": "add", "path": "/spec/template/spec/tolerations", "value": [
		{"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
		{"key": "karpenter.sh/capacity-type", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
	]},
	{"op": "add", "path": "/spec/podFailurePolicy", "value": {"rules": [{
		"action": "Ignore",
		"onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
	}]}},
])

# cronjob is a scheduled Job.
cronjob := {
	"apiVersion": "batch/v1",
	"kind": "CronJob",
	"metadata": {"name": "nightly", "namespace": "ml"},
	"spec": {
		"schedule": "0 2 * * *",
		"concurrencyPolicy": "Forbid",
		"startingDeadlineSeconds": 600,
		"successfulJobsHistoryLimit": 3,
		"failedJobsHistoryLimit": 3,
		"jobTemplate": {"spec": {
			"backoffLimit": 3,
			"template": {"spec": {
				"restartPolicy": "Never",
				"containers": [container],
			}},
		}},
	},
}

# all are the fixtures by name.
all := {
	"job": job,
	"gpu_job": gpu_job,
	"spot_job": spot_job,
	"cronjob": cronjob,
}
