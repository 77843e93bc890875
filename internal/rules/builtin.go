package rules

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/policies"
)

// Ids of the rules written in Go.
const (
	Schema        = "schema"
	APIValidation = "api-validation"
	DeprecatedAPI = "deprecated-api"
	KubeVersion   = "kube-version"
	PodSecurity   = "pod-security"
	WaiverExpired = "waiver-expired"
	InvalidWaiver = "invalid-waiver"
	PolicyError   = "policy-error"
	InternalError = "internal-error"
	// DistributedRendezvous is checked across the documents of a run
	// (internal/rendezvous).
	DistributedRendezvous = "distributed-rendezvous"
)

// goRules are the rules written in Go: the Kubernetes checks of
// internal/validate and the waiver and policy checks of the pipeline.
var goRules = []Meta{
	{
		ID:       Schema,
		Title:    "Manifest decodes strictly into the Kubernetes API types",
		Severity: finding.Error,
		Description: "The object is decoded as the API server decodes a request with strict field validation " +
			"(kubectl's default): unknown or misplaced fields (spec under metadata, restartpolicy for restartPolicy), " +
			"values of the wrong type and keys given twice are rejected before any other check.",
		Remediation: "Fix the field's name, place or type as the API reference for batch/v1 Job and CronJob gives it; " +
			"field names are case-sensitive.",
	},
	{
		ID:       APIValidation,
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
		ID:       DeprecatedAPI,
		Title:    "The apiVersion is served by the target Kubernetes version",
		Severity: finding.Error,
		Description: "API versions removed in the target version (--kube-version), such as batch/v1beta1 CronJob " +
			"(no longer served since 1.25), alpha versions and unknown ones are rejected with 'no matches for kind'.",
		Remediation: "Use the replacement apiVersion the message names (batch/v1 for Job and CronJob).",
	},
	{
		ID:       KubeVersion,
		Title:    "Fields exist and are enabled by default in the target Kubernetes version",
		Severity: finding.Error,
		Description: "Fields that came with a feature gate (successPolicy, backoffLimitPerIndex, podFailurePolicy, " +
			"managedBy, CronJob timeZone, sidecar init containers, ...) are reported when the target version " +
			"(--kube-version) does not have them (an error: the API server refuses the unknown field) or has them " +
			"behind a gate that is off by default (a warning: the API server accepts the object and silently drops " +
			"the field, so the Job runs without it).",
		Remediation: "Raise --kube-version to the cluster's real version, upgrade the cluster, or remove the field.",
	},
	{
		ID:       PodSecurity,
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
	{
		ID:       DistributedRendezvous,
		Title:    "Distributed Jobs and their headless Service agree",
		Severity: finding.Error,
		Description: "A distributed Job (a Job of several pods with a subdomain, or one that sets MASTER_ADDR or " +
			"PET_MASTER_ADDR) needs, in the same lint run and namespace, the headless Service its pods' subdomain " +
			"names: without it the pods have no DNS names and the rendezvous never happens. Checked across the " +
			"documents of the run: the Job is Indexed and runs all its ranks at once (parallelism = completions), " +
			"the Service exists, is headless (clusterIP: None) and selects the Job's pods, and MASTER_ADDR, as the " +
			"kubelet expands it, is pod 0's name <job>-0.<subdomain> (optionally with .<namespace>.svc and the " +
			"cluster domain). CronJobs are not checked: each of their Jobs has a new name. Each finding is on the " +
			"object and line to change, the Job's or the Service's.",
		Remediation: "Use nodes in the workload (mljob renders the Job and its Service together, and lint them " +
			"together), or make the pair agree as the finding's fix says: subdomain = the Service's name, the " +
			"Service's selector batch.kubernetes.io/job-name: <job>, clusterIP: None, parallelism = completions, " +
			"MASTER_ADDR = <job>-0.<service>.",
	},
	{
		ID:          WaiverExpired,
		Title:       "Waivers in the configuration have not expired",
		Severity:    finding.Error,
		Description: "A waiver in .mljob.yaml whose expires date has passed no longer suppresses anything and is itself an error, so exceptions are revisited instead of living forever.",
		Remediation: "Fix what the waiver excused and delete the waiver, or extend its expires date with a reason that still holds.",
	},
	{
		ID:          InvalidWaiver,
		Title:       "Inline waivers name a rule and give a reason",
		Severity:    finding.Error,
		Description: "An annotation mljob.dev/waive.RULE on a Job or CronJob waives RULE's findings on that object. It must name a known rule and its value must say why; otherwise it waives nothing.",
		Remediation: "Write the reason as the annotation's value, e.g. mljob.dev/waive.image-tag: \"vendor image, pinned by digest upstream\", and check the rule id with mljob rules.",
	},
	{
		ID:          PolicyError,
		Title:       "Policies evaluate without errors",
		Severity:    finding.Error,
		Description: "A Rego policy failed while evaluating an object (for example a rule that produced conflicting values), so its verdict on that object is unknown.",
		Remediation: "Fix the policy; mljob policy test runs its tests.",
	},
}

// internalError is appended to goRules (kept apart to keep the list
// above about checks of the user's input).
var internalError = Meta{
	ID:       InternalError,
	Title:    "mljob checked the object without failing",
	Severity: finding.Error,
	Description: "One of mljob's checks of this object failed unexpectedly (a panic, in mljob or in the " +
		"Kubernetes code it runs). The object is reported as not checked by that stage; every other check " +
		"and object still is. The API server may well fail on the same object (it answers such requests " +
		"with an internal error).",
	Remediation: "Report the object and the message to mljob's maintainers; meanwhile look at the fields the " +
		"message names, which the API server may also not handle.",
}

func init() { goRules = append(goRules, internalError) }

// Builtin returns the catalogue of built-in rules: the Go rules and the
// Rego pack's, whose metadata and default parameters come from the pack's
// generated catalogue (policies/catalogue.json), so listing or checking
// rule ids compiles no Rego.
var Builtin = sync.OnceValue(func() *Set {
	var rego []Doc
	if err := json.Unmarshal(policies.Catalogue, &rego); err != nil {
		panic(fmt.Sprintf("rules: policies/catalogue.json: %v", err))
	}
	docs := make([]Doc, 0, len(goRules)+len(rego))
	for _, m := range goRules {
		m.Engine = "go"
		docs = append(docs, Doc{Meta: m, Params: map[string]any{}})
	}
	s, err := NewSet(append(docs, rego...)...)
	if err != nil {
		panic(err)
	}
	return s
})

// IsGo reports whether id is a built-in rule written in Go.
func IsGo(id string) bool {
	m, ok := Builtin().Get(id)
	return ok && m.Engine == "go"
}
