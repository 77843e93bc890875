package mljob.rules.spot_checkpoint_test

import data.mljob.fixtures
import data.mljob.rules.spot_checkpoint

spot_gpu_job := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/spec/template/spec/tolerations/-", "value": {"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"}}])

queued_gpu_job := json.patch(fixtures.gpu_job, [{"op": "add", "path": "/metadata/labels", "value": {"kueue.x-k8s.io/queue-name": "team-a"}}])

with_checkpoint(obj, read_only) := json.patch(obj, [
	{"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "checkpoint", "persistentVolumeClaim": {"claimName": "ckpt"}}},
	{"op": "add", "path": "/spec/template/spec/containers/0/volumeMounts/-", "value": {"name": "checkpoint", "mountPath": "/checkpoints", "readOnly": read_only}},
])

test_fires_on_spot_gpu_training if {
	spot_checkpoint.violation == {{
		"msg": "the GPU training Job may run on spot nodes but has no writable volume for checkpoints and 30s to stop after SIGTERM: a preemption loses all its progress",
		"path": "spec.template.spec.terminationGracePeriodSeconds",
	}} with input as {"object": spot_gpu_job}
}

test_fires_on_queued_gpu_training_with_short_grace if {
	obj := json.patch(queued_gpu_job, [{"op": "add", "path": "/spec/template/spec/terminationGracePeriodSeconds", "value": 10}])
	spot_checkpoint.violation == {{
		"msg": "the GPU training Job is queued in Kueue, which may preempt it, but has no writable volume for checkpoints and 10s to stop after SIGTERM: a preemption loses all its progress",
		"path": "spec.template.spec.terminationGracePeriodSeconds",
	}} with input as {"object": obj}
}

test_fires_on_cronjob_template_queue if {
	cron := json.patch(fixtures.cronjob, [
		{"op": "add", "path": "/spec/jobTemplate/metadata", "value": {"labels": {"kueue.x-k8s.io/queue-name": "team-a"}}},
		{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec", "value": fixtures.gpu_job.spec.template.spec},
	])
	count(spot_checkpoint.violation) == 1 with input as {"object": cron}
}

test_fires_with_read_only_claim if {
	count(spot_checkpoint.violation) == 1 with input as {"object": with_checkpoint(spot_gpu_job, true)}
}

test_passes_with_writable_claim if {
	count(spot_checkpoint.violation) == 0 with input as {"object": with_checkpoint(spot_gpu_job, false)}
}

long_grace := json.patch(spot_gpu_job, [{"op": "add", "path": "/spec/template/spec/terminationGracePeriodSeconds", "value": 120}])

test_passes_with_long_grace if {
	count(spot_checkpoint.violation) == 0 with input as {"object": long_grace}
}

test_fires_when_grace_is_below_the_parameter if {
	count(spot_checkpoint.violation) == 1 with input as {"object": long_grace, "params": {"maxGracePeriodSeconds": 300}}
}

test_fires_with_only_scratch if {
	obj := json.patch(spot_gpu_job, [{"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "scratch", "emptyDir": {}}}, {"op": "add", "path": "/spec/template/spec/containers/0/volumeMounts/-", "value": {"name": "scratch", "mountPath": "/scratch"}}])
	count(spot_checkpoint.violation) == 1 with input as {"object": obj}
}

test_passes_on_dedicated_gpu_nodes if {
	count(spot_checkpoint.violation) == 0 with input as {"object": fixtures.gpu_job}
}

test_passes_on_cpu_spot if {
	count(spot_checkpoint.violation) == 0 with input as {"object": fixtures.spot_job}
}

test_passes_on_other_mljob_types if {
	obj := json.patch(spot_gpu_job, [{"op": "add", "path": "/metadata/labels", "value": {"mljob.dev/type": "inference"}}])
	count(spot_checkpoint.violation) == 0 with input as {"object": obj}
}

test_fires_on_mljob_training if {
	obj := json.patch(spot_gpu_job, [{"op": "add", "path": "/metadata/labels", "value": {"mljob.dev/type": "training"}}])
	count(spot_checkpoint.violation) == 1 with input as {"object": obj}
}
