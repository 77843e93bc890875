package mljob.rules.gpu_shared_memory_test

import data.mljob.fixtures
import data.mljob.rules.gpu_shared_memory

test_fires_without_shm_mount if {
	obj := json.patch(fixtures.gpu_job, [{"op": "remove", "path": "/spec/template/spec/containers/0/volumeMounts"}])
	gpu_shared_memory.violation == {{
		"msg": `container "trainer" requests nvidia.com/gpu but mounts nothing at /dev/shm`,
		"path": "spec.template.spec.containers[0].volumeMounts",
	}} with input as {"object": obj}
}

test_fires_on_disk_backed_shm if {
	obj := json.patch(fixtures.gpu_job, [{"op": "remove", "path": "/spec/template/spec/volumes/0/emptyDir/medium"}])
	gpu_shared_memory.violation == {{
		"msg": `container "trainer" mounts volume "dshm" at /dev/shm, which is not an emptyDir with medium Memory`,
		"path": "spec.template.spec.containers[0].volumeMounts[0]",
	}} with input as {"object": obj}
}

test_fires_on_missing_volume if {
	obj := json.patch(fixtures.gpu_job, [{"op": "remove", "path": "/spec/template/spec/volumes"}])
	count(gpu_shared_memory.violation) == 1 with input as {"object": obj}
}

test_passes_with_memory_backed_shm if {
	count(gpu_shared_memory.violation) == 0 with input as {"object": fixtures.gpu_job}
}

test_passes_with_trailing_slash if {
	obj := json.patch(fixtures.gpu_job, [{"op": "replace", "path": "/spec/template/spec/containers/0/volumeMounts/0/mountPath", "value": "/dev/shm/"}])
	count(gpu_shared_memory.violation) == 0 with input as {"object": obj}
}

test_passes_on_cpu_job if {
	count(gpu_shared_memory.violation) == 0 with input as {"object": fixtures.job}
}
