# METADATA
# scope: package
# title: Spot pods ignore disruptions in podFailurePolicy
# description: |-
#   A pod that can run on spot or preemptible nodes (it selects, requires or
#   prefers their labels, or tolerates their taints: GKE, EKS, Karpenter, AKS
#   and kops ones, plus extraSpotLabels and extraSpotTaints, each a map of
#   key to value, "" for any value) has a podFailurePolicy rule with action
#   Ignore on the DisruptionTarget condition. Otherwise every preemption
#   counts against backoffLimit, and a Job on busy spot capacity fails
#   without any error of its own.
# custom:
#   id: spot-disruption
#   severity: warning
#   remediation: |-
#     Set spot: true in the workload (mljob adds the rule), or add to the Job
#     spec podFailurePolicy.rules an entry {action: Ignore, onPodConditions:
#     [{type: DisruptionTarget}]}, with restartPolicy Never.
package mljob.rules.spot_disruption

import data.mljob.lib

default_params := {"extraSpotLabels": {}, "extraSpotTaints": {}}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	placements := lib.spot_placements(
		object.union(lib.spot_node_labels, params.extraSpotLabels),
		object.union(lib.spot_node_taints, params.extraSpotTaints),
	)
	count(placements) > 0
	not _ignores_disruption
	[path, what] := sort([[p.path, p.what] | some p in placements])[0]
	v := {
		"msg": sprintf("the pod %s, so it may run on spot nodes, but podFailurePolicy does not ignore DisruptionTarget", [what]),
		"path": path,
	}
}

_ignores_disruption if {
	some rule in lib.job_spec.podFailurePolicy.rules
	rule.action == "Ignore"
	some condition in rule.onPodConditions
	condition.type == "DisruptionTarget"
	object.get(condition, "status", "True") == "True"
}
