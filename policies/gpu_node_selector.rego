# METADATA
# scope: package
# title: GPU pods select GPU nodes
# description: |-
#   A pod that requests GPUs (nvidia.com/gpu, amd.com/gpu, gpu.intel.com/*,
#   NVIDIA MIG slices, plus extraGPUResources) selects GPU nodes: by
#   nodeSelector, or by a required node affinity in every term, on one of the
#   labels gpuNodeLabels (GPU feature discovery, GKE, EKS, Karpenter, AKS,
#   NFD and instance-type labels by default). Without it the pod stays
#   Pending on clusters that autoscale GPU pools by label, or lands on
#   whatever GPU nodes happen to exist. With requireToleration (default
#   false: GKE and clusters with the ExtendedResourceToleration admission
#   plugin add the toleration themselves, and many GPU nodes are not
#   tainted) the pod must also tolerate one of the gpuTaints.
# custom:
#   id: gpu-node-selector
#   severity: error
#   remediation: |-
#     Set gpu.type in the workload (the profile's gpuTypes say how its nodes
#     are selected and tolerated), or add a nodeSelector (e.g.
#     nvidia.com/gpu.present: "true") and a toleration of the nvidia.com/gpu
#     taint to the pod template.
package mljob.rules.gpu_node_selector

import data.mljob.lib

default_params := {
	"extraGPUResources": [],
	"gpuNodeLabels": [
		"accelerator",
		"amd.com/gpu.family",
		"amd.com/gpu.product-name",
		"cloud.google.com/gke-accelerator",
		"eks.amazonaws.com/instance-gpu-count",
		"eks.amazonaws.com/instance-gpu-manufacturer",
		"eks.amazonaws.com/instance-gpu-name",
		"feature.node.kubernetes.io/pci-10de.present",
		"feature.node.kubernetes.io/pci-1002.present",
		"intel.feature.node.kubernetes.io/gpu",
		"karpenter.k8s.aws/instance-gpu-count",
		"karpenter.k8s.aws/instance-gpu-manufacturer",
		"karpenter.k8s.aws/instance-gpu-name",
		"kubernetes.azure.com/accelerator",
		"node.kubernetes.io/instance-type",
		"nvidia.com/gpu",
		"nvidia.com/gpu.count",
		"nvidia.com/gpu.family",
		"nvidia.com/gpu.machine",
		"nvidia.com/gpu.memory",
		"nvidia.com/gpu.present",
		"nvidia.com/gpu.product",
	],
	"requireToleration": false,
	"gpuTaints": ["nvidia.com/gpu"],
}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	some g in lib.gpu_containers(params.extraGPUResources)
	not lib.selects_node_label(params.gpuNodeLabels)
	r := object.union(g.requests[0], {"entry": g.entry})
	v := {
		"msg": sprintf("%s requests %s but the pod selects no GPU nodes", [lib.container_desc(g.entry), r.resource]),
		"path": lib.request_path(r),
	}
}

violation contains v if {
	params.requireToleration
	some g in lib.gpu_containers(params.extraGPUResources)
	not lib.tolerates_taint(params.gpuTaints)
	v := {
		"msg": sprintf("%s requests %s but the pod does not tolerate the %s taint", [lib.container_desc(g.entry), g.requests[0].resource, lib.join_or(params.gpuTaints)]),
		"path": sprintf("%s.tolerations", [lib.pod_spec_path]),
	}
}
