package mljob.lib

# Where a pod may be scheduled: its nodeSelector, node affinity and
# tolerations.

# selects_node_label(keys) is true when the pod can only run on nodes that
# have one of the labels keys: its nodeSelector names one, or every term of
# its required node affinity has an In, Exists or Gt expression on one (the
# terms are ORed, so each must narrow the nodes).
selects_node_label(keys) if {
	some key, _ in pod_spec.nodeSelector
	key in keys
}

selects_node_label(keys) if {
	terms := pod_spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
	count(terms) > 0
	every term in terms {
		some expr in term.matchExpressions
		expr.key in keys
		expr.operator in {"In", "Exists", "Gt"}
	}
}

# tolerates_taint(keys) is true when the pod tolerates a NoSchedule or
# NoExecute taint with one of the keys: a toleration of the key (Exists, or
# Equal with any value) or of every taint (no key, Exists).
tolerates_taint(keys) if {
	some t in pod_spec.tolerations
	_tolerates_key(t, keys)
	object.get(t, "effect", "") in {"", "NoSchedule", "NoExecute"}
}

_tolerates_key(t, keys) if t.key in keys

_tolerates_key(t, _) if {
	object.get(t, "key", "") == ""
	t.operator == "Exists"
}

# spot_node_labels are the node labels (key: value) of spot and preemptible
# capacity on GKE, EKS managed node groups, Karpenter, AKS and kops.
spot_node_labels := {
	"cloud.google.com/gke-spot": "true",
	"cloud.google.com/gke-preemptible": "true",
	"cloud.google.com/gke-provisioning": "spot",
	"eks.amazonaws.com/capacityType": "SPOT",
	"karpenter.sh/capacity-type": "spot",
	"kubernetes.azure.com/scalesetpriority": "spot",
	"node.kubernetes.io/lifecycle": "spot",
}

# spot_node_taints are the taints (key: value) put on spot nodes: by GKE and
# AKS themselves, and by convention on Karpenter and EKS spot node pools.
spot_node_taints := {
	"cloud.google.com/gke-spot": "true",
	"cloud.google.com/gke-preemptible": "true",
	"eks.amazonaws.com/capacityType": "SPOT",
	"karpenter.sh/capacity-type": "spot",
	"kubernetes.azure.com/scalesetpriority": "spot",
}

# spot_placements(labels, taints) is every way the pod can land on spot
# nodes, as {"path": field path, "what": description}: nodeSelector entries
# and node affinity expressions (required or preferred) that match
# labels (key: value, "" for any value), and tolerations of taints (likewise).
spot_placements(labels, taints) := union({
	_spot_selectors(labels),
	_spot_required(labels),
	_spot_preferred(labels),
	_spot_tolerations(taints),
})

_spot_selectors(labels) := {p |
	some key, value in pod_spec.nodeSelector
	_spot_value(labels, key, value)
	p := {
		"path": sprintf("%s.nodeSelector[%s]", [pod_spec_path, key]),
		"what": sprintf("selects %s=%s", [key, value]),
	}
}

_spot_required(labels) := {p |
	some i, term in pod_spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
	some j, expr in term.matchExpressions
	_spot_expression(labels, expr)
	p := {
		"path": sprintf("%s.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[%d].matchExpressions[%d]", [pod_spec_path, i, j]),
		"what": sprintf("requires node label %s", [expr.key]),
	}
}

_spot_preferred(labels) := {p |
	some i, pref in pod_spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution
	some j, expr in pref.preference.matchExpressions
	_spot_expression(labels, expr)
	p := {
		"path": sprintf("%s.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[%d].preference.matchExpressions[%d]", [pod_spec_path, i, j]),
		"what": sprintf("prefers node label %s", [expr.key]),
	}
}

_spot_tolerations(taints) := {p |
	some i, t in pod_spec.tolerations
	_spot_toleration(taints, t)
	p := {
		"path": sprintf("%s.tolerations[%d]", [pod_spec_path, i]),
		"what": _toleration_what(t),
	}
}

_spot_value(m, key, value) if {
	want := m[key]
	want in {"", value}
}

_spot_expression(labels, expr) if {
	expr.operator == "In"
	some value in expr.values
	_spot_value(labels, expr.key, value)
}

_spot_expression(labels, expr) if {
	expr.operator == "Exists"
	labels[expr.key] == ""
}

_spot_toleration(taints, t) if {
	t.operator == "Exists"
	_ := taints[t.key]
}

_spot_toleration(taints, t) if {
	object.get(t, "operator", "Equal") == "Equal"
	_spot_value(taints, t.key, object.get(t, "value", ""))
}

_spot_toleration(_, t) if {
	object.get(t, "key", "") == ""
	t.operator == "Exists"
}

_toleration_what(t) := sprintf("tolerates the %s taint", [t.key]) if t.key != ""

_toleration_what(t) := "tolerates every taint" if object.get(t, "key", "") == ""
