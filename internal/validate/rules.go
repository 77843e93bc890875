package validate

import (
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/rules"
)

func init() {
	for _, m := range []rules.Meta{
		{
			ID:       RuleSchema,
			Title:    "Manifest decodes strictly into the Kubernetes API types",
			Severity: finding.Error,
			Description: "The object is decoded as the API server decodes a request with strict field validation " +
				"(kubectl's default): unknown or misplaced fields (spec under metadata, restartpolicy for restartPolicy), " +
				"values of the wrong type and keys given twice are rejected before any other check.",
			Remediation: "Fix the field's name, place or type as the API reference for batch/v1 Job and CronJob gives it; " +
				"field names are case-sensitive.",
		},
		{
			ID:       RuleAPIValidation,
			Title:    "The API server accepts the object on create",
			Severity: finding.Error,
			Description: "Runs the API server's own create path from k8s.io/kubernetes in-process: defaulting, the batch " +
				"registry strategy (generated selector and labels, namespace from the object or --namespace) and " +
				"validation, with the feature gates at their defaults. The verdict is what " +
				"`kubectl apply --dry-run=server` says on a default cluster of the validation version, and the message " +
				"is the API server's.",
			Remediation: "Change the field the message names as it says; the message is the one `kubectl apply` would print.",
		},
		{
			ID:       RuleDeprecatedAPI,
			Title:    "The apiVersion is served by the target Kubernetes version",
			Severity: finding.Error,
			Description: "API versions removed in the target version (--kube-version), such as batch/v1beta1 CronJob " +
				"(no longer served since 1.25), alpha versions and unknown ones are rejected with 'no matches for kind'.",
			Remediation: "Use the replacement apiVersion the message names (batch/v1 for Job and CronJob).",
		},
		{
			ID:       RuleKubeVersion,
			Title:    "Fields exist and are enabled by default in the target Kubernetes version",
			Severity: finding.Error,
			Description: "Fields that came with a feature gate (successPolicy, backoffLimitPerIndex, podFailurePolicy, " +
				"managedBy, CronJob timeZone, sidecar init containers, ...) are reported when the target version " +
				"(--kube-version) does not have them or does not enable them by default: older API servers refuse " +
				"unknown fields or silently drop disabled ones.",
			Remediation: "Raise --kube-version to the cluster's real version, upgrade the cluster, or remove the field.",
		},
		{
			ID:       RulePodSecurity,
			Title:    "The pod template meets the Pod Security Standards",
			Severity: finding.Error,
			Description: "Evaluates the pod template with the upstream checks of k8s.io/pod-security-admission at the " +
				"level of --pod-security (baseline by default, restricted, or privileged for none) and the policy " +
				"version of --kube-version; each failing check is one finding. A namespace enforcing the level " +
				"refuses the Job's pods.",
			Remediation: "Drop the privileges the message names (host namespaces, privileged, capabilities, hostPath, ...) " +
				"or, for restricted, set runAsNonRoot, allowPrivilegeEscalation=false, drop ALL capabilities and a " +
				"RuntimeDefault seccomp profile.",
		},
	} {
		m.Engine = "go"
		rules.Register(m)
	}
}
