package mljob.lib_test

import data.mljob.fixtures
import data.mljob.lib

with_pod(patch) := json.patch(fixtures.job, [object.union(p, {"path": concat("", ["/spec/template/spec", p.path])}) | some p in patch])

test_selects_node_label_by_node_selector if {
	obj := with_pod([{"op": "add", "path": "/nodeSelector", "value": {"pool": "gpu"}}])
	lib.selects_node_label(["pool"]) with input as {"object": obj}
	not lib.selects_node_label(["zone"]) with input as {"object": obj}
}

test_selects_node_label_by_affinity if {
	terms := [
		{"matchExpressions": [{"key": "pool", "operator": "In", "values": ["gpu"]}]},
		{"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}, {"key": "pool", "operator": "Exists"}]},
	]
	obj := with_pod([{"op": "add", "path": "/affinity", "value": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}}])
	lib.selects_node_label(["pool"]) with input as {"object": obj}

	# NotIn does not select.
	not_in := json.patch(obj, [{"op": "replace", "path": "/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/0/operator", "value": "NotIn"}])
	not lib.selects_node_label(["pool"]) with input as {"object": not_in}

	# No terms select nothing.
	empty := json.patch(obj, [{"op": "replace", "path": "/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms", "value": []}])
	not lib.selects_node_label(["pool"]) with input as {"object": empty}
}

test_tolerates_taint if {
	tolerates(["nvidia.com/gpu"], [{"key": "nvidia.com/gpu", "operator": "Exists"}])
	tolerates(["nvidia.com/gpu"], [{"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}])
	tolerates(["nvidia.com/gpu"], [{"operator": "Exists"}])
	not tolerates(["nvidia.com/gpu"], [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "PreferNoSchedule"}])
	not tolerates(["nvidia.com/gpu"], [{"key": "other", "operator": "Exists"}])
	not tolerates(["nvidia.com/gpu"], [])
}

tolerates(keys, tolerations) if {
	obj := with_pod([{"op": "add", "path": "/tolerations", "value": tolerations}])
	lib.tolerates_taint(keys) with input as {"object": obj}
}

test_spot_placements if {
	obj := with_pod([
		{"op": "add", "path": "/nodeSelector", "value": {"cloud.google.com/gke-spot": "true", "zone": "a"}},
		{"op": "add", "path": "/tolerations", "value": [
			{"key": "kubernetes.azure.com/scalesetpriority", "operator": "Exists"},
			{"key": "karpenter.sh/capacity-type", "operator": "Equal", "value": "on-demand"},
			{"operator": "Exists"},
		]},
		{"op": "add", "path": "/affinity", "value": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
			{"key": "pool", "operator": "Exists"},
			{"key": "karpenter.sh/capacity-type", "operator": "NotIn", "values": ["spot"]},
		]}]}}}},
	])
	placements := lib.spot_placements(object.union(lib.spot_node_labels, {"pool": ""}), lib.spot_node_taints) with input as {"object": obj}
	placements == {
		{"path": "spec.template.spec.nodeSelector[cloud.google.com/gke-spot]", "what": "selects cloud.google.com/gke-spot=true"},
		{"path": "spec.template.spec.tolerations[0]", "what": "tolerates the kubernetes.azure.com/scalesetpriority taint"},
		{"path": "spec.template.spec.tolerations[2]", "what": "tolerates every taint"},
		{"path": "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]", "what": "requires node label pool"},
	}
}

test_no_spot_placements_on_plain_job if {
	lib.spot_placements(lib.spot_node_labels, lib.spot_node_taints) == set() with input as {"object": fixtures.job}
}
