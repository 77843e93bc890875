# METADATA
# scope: package
# title: GPU containers mount a memory-backed /dev/shm
# description: |-
#   A container that requests GPUs mounts an emptyDir with medium Memory at
#   /dev/shm. Container runtimes give /dev/shm 64Mi; PyTorch DataLoader
#   workers and NCCL pass data through it and crash with "bus error" or
#   hang when it fills.
# custom:
#   id: gpu-shared-memory
#   severity: warning
#   remediation: |-
#     Keep mljob's shm on (the default for GPU workloads; shm: "16Gi" sets
#     its size), or add an emptyDir volume with medium: Memory and mount it
#     at /dev/shm.
package mljob.rules.gpu_shared_memory

import data.mljob.lib

default_params := {"extraGPUResources": []}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	some g in lib.gpu_containers(params.extraGPUResources)
	not _shm_mounts(g.entry.container)
	v := {
		"msg": sprintf("%s requests %s but mounts nothing at /dev/shm", [lib.container_desc(g.entry), g.requests[0].resource]),
		"path": sprintf("%s.volumeMounts", [lib.container_path(g.entry)]),
	}
}

violation contains v if {
	some g in lib.gpu_containers(params.extraGPUResources)
	some i, mount in g.entry.container.volumeMounts
	_is_shm(mount)
	not _memory_backed(mount.name)
	v := {
		"msg": sprintf("%s mounts volume %q at /dev/shm, which is not an emptyDir with medium Memory", [lib.container_desc(g.entry), mount.name]),
		"path": sprintf("%s.volumeMounts[%d]", [lib.container_path(g.entry), i]),
	}
}

_shm_mounts(container) if {
	some mount in container.volumeMounts
	_is_shm(mount)
}

_is_shm(mount) if trim_right(mount.mountPath, "/") == "/dev/shm"

_memory_backed(name) if {
	some volume in lib.pod_spec.volumes
	volume.name == name
	volume.emptyDir.medium == "Memory"
}
