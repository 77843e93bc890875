# METADATA
# scope: package
# title: GPU jobs set activeDeadlineSeconds
# description: |-
#   A Job whose pods request GPUs sets activeDeadlineSeconds. A hung
#   training run (a deadlocked collective, a stuck data loader) otherwise
#   holds its GPUs until someone notices.
# custom:
#   id: active-deadline
#   severity: warning
#   remediation: |-
#     Set timeout in the workload (or the profile's timeout for every
#     workload), or activeDeadlineSeconds in the Job spec, to a generous
#     bound on the run time.
package mljob.rules.active_deadline

import data.mljob.lib

default_params := {"extraGPUResources": []}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	lib.unset(lib.job_spec, "activeDeadlineSeconds")
	gpus := lib.gpu_containers(params.extraGPUResources)
	count(gpus) > 0
	g := gpus[0]
	v := {
		"msg": sprintf("%s requests %s but the Job sets no activeDeadlineSeconds", [lib.container_desc(g.entry), g.requests[0].resource]),
		"path": sprintf("%s.activeDeadlineSeconds", [lib.job_spec_path]),
	}
}
