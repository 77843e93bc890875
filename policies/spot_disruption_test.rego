package mljob.rules.spot_disruption_test

import data.mljob.fixtures
import data.mljob.rules.spot_disruption

without_policy := json.patch(fixtures.spot_job, [{"op": "remove", "path": "/spec/podFailurePolicy"}])

test_fires_on_spot_toleration if {
	spot_disruption.violation == {{
		"msg": "the pod tolerates the cloud.google.com/gke-spot taint, so it may run on spot nodes, but podFailurePolicy does not ignore DisruptionTarget",
		"path": "spec.template.spec.tolerations[0]",
	}} with input as {"object": without_policy}
}

test_fires_on_eks_node_selector if {
	obj := json.patch(fixtures.job, [{"op": "add", "path": "/spec/template/spec/nodeSelector", "value": {"eks.amazonaws.com/capacityType": "SPOT"}}])
	spot_disruption.violation == {{
		"msg": "the pod selects eks.amazonaws.com/capacityType=SPOT, so it may run on spot nodes, but podFailurePolicy does not ignore DisruptionTarget",
		"path": "spec.template.spec.nodeSelector[eks.amazonaws.com/capacityType]",
	}} with input as {"object": obj}
}

test_fires_on_preferred_affinity_in_cronjob if {
	pod := json.patch(fixtures.cronjob.spec.jobTemplate.spec.template.spec, [{"op": "add", "path": "/affinity", "value": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
		"weight": 50,
		"preference": {"matchExpressions": [{"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot", "on-demand"]}]},
	}]}}}])
	obj := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec", "value": pod}])
	spot_disruption.violation == {{
		"msg": "the pod prefers node label karpenter.sh/capacity-type, so it may run on spot nodes, but podFailurePolicy does not ignore DisruptionTarget",
		"path": "spec.jobTemplate.spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0]",
	}} with input as {"object": obj}
}

test_fires_on_configured_label if {
	obj := json.patch(fixtures.job, [{"op": "add", "path": "/spec/template/spec/nodeSelector", "value": {"acme.dev/pool": "preemptible"}}])
	count(spot_disruption.violation) == 0 with input as {"object": obj}
	count(spot_disruption.violation) == 1 with input as {"object": obj, "params": {"extraSpotLabels": {"acme.dev/pool": "preemptible"}}}
}

test_fires_when_the_rule_does_not_ignore if {
	obj := json.patch(fixtures.spot_job, [{"op": "replace", "path": "/spec/podFailurePolicy/rules/0/action", "value": "FailJob"}])
	count(spot_disruption.violation) == 1 with input as {"object": obj}
}

test_passes_with_disruption_ignored if {
	count(spot_disruption.violation) == 0 with input as {"object": fixtures.spot_job}
}

test_passes_on_on_demand_nodes if {
	obj := json.patch(fixtures.job, [
		{"op": "add", "path": "/spec/template/spec/nodeSelector", "value": {"karpenter.sh/capacity-type": "on-demand"}},
		{"op": "add", "path": "/spec/template/spec/tolerations", "value": [{"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "regular"}]},
	])
	count(spot_disruption.violation) == 0 with input as {"object": obj}
}
