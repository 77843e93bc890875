// Package validate checks batch Job and CronJob manifests the way a
// Kubernetes API server would, in-process: strict decoding (schema), the
// API server's own create-time validation (api-validation), API versions
// (deprecated-api), fields the target version lacks (kube-version) and the
// Pod Security Standards (pod-security).
//
// Each check is a Checker: a document in, findings out, with a field path
// and the object set. Positions are left to the caller, who knows the
// document (manifest.Document.PosOf), unless a check knows better.
package validate

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/kube"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/rules"
)

// Checker checks one document.
type Checker interface {
	Check(doc *manifest.Document) []finding.Finding
}

// Name names a checker's stage for messages: its rule, or "check".
func Name(c Checker) string {
	if n, ok := c.(interface{ Name() string }); ok {
		return n.Name()
	}
	return "check"
}

// CheckerFunc is a function used as a Checker.
type CheckerFunc func(doc *manifest.Document) []finding.Finding

// Check calls f.
func (f CheckerFunc) Check(doc *manifest.Document) []finding.Finding { return f(doc) }

// Rule ids.
const (
	RuleSchema        = rules.Schema
	RuleAPIValidation = rules.APIValidation
	RuleDeprecatedAPI = rules.DeprecatedAPI
	RuleKubeVersion   = rules.KubeVersion
	RulePodSecurity   = rules.PodSecurity
)

// IsRule reports whether id is the rule of one of these checks.
func IsRule(id string) bool {
	switch id {
	case RuleSchema, RuleAPIValidation, RuleDeprecatedAPI, RuleKubeVersion, RulePodSecurity:
		return true
	}
	return false
}

// Options configures the checks.
type Options struct {
	// KubeVersion is the target Kubernetes version, "1.30" or "v1.30";
	// empty means ValidationVersion.
	KubeVersion string
	// Namespace is the namespace of objects that name none; empty means
	// "default", as for kubectl without --namespace.
	Namespace string
	// PodSecurity is the Pod Security Standards level pod templates must
	// meet: "baseline" (the default when empty), "restricted", or
	// "privileged" (no check).
	PodSecurity string
}

// Validator holds the configured checks.
type Validator struct {
	target    Version
	namespace string
	checkers  []Checker
}

// New returns the checks configured by opts.
func New(opts Options) (*Validator, error) {
	target := ValidationVersion
	if opts.KubeVersion != "" {
		v, err := ParseVersion(opts.KubeVersion)
		if err != nil {
			return nil, err
		}
		if ValidationVersion.Less(v) {
			return nil, fmt.Errorf("kube-version %s is newer than the validation code (%s)", v, ValidationVersion)
		}
		if v.Less(MinVersion) {
			return nil, fmt.Errorf("kube-version %s is older than %s, the oldest supported", v, MinVersion)
		}
		target = v
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "default"
	}
	ps, err := newPodSecurity(opts.PodSecurity, target)
	if err != nil {
		return nil, err
	}
	v := &Validator{target: target, namespace: ns}
	v.checkers = []Checker{
		identityCheck{},
		&schemaCheck{},
		&deprecatedCheck{target: target},
		&apiCheck{namespace: ns},
		newKubeVersion(target),
		ps,
	}
	return v, nil
}

// Target is the Kubernetes version checked against.
func (v *Validator) Target() Version { return v.target }

// Namespace is the namespace of objects that name none.
func (v *Validator) Namespace() string { return v.namespace }

// Checkers returns the configured checks, in a fixed order.
func (v *Validator) Checkers() []Checker { return slices.Clone(v.checkers) }

// IsBatch reports whether doc is a Job or a CronJob of the batch API
// group, whatever its version: the objects mljob checks.
func IsBatch(doc *manifest.Document) bool { return kube.IsBatch(doc.APIVersion, doc.Kind) }

// IsService reports whether doc is a core/v1 Service: the Service of a
// distributed Job, which schema and api-validation check too.
func IsService(doc *manifest.Document) bool { return gvk(doc) == kube.ServiceV1 }

// isChecked reports whether the API server checks (schema and
// api-validation) apply to doc.
func isChecked(doc *manifest.Document) bool { return IsBatch(doc) || IsService(doc) }

// gvk returns the document's group, version and kind.
func gvk(doc *manifest.Document) schema.GroupVersionKind { return kube.GVK(doc.APIVersion, doc.Kind) }

func newFinding(rule string, sev finding.Severity, path, format string, args ...any) finding.Finding {
	return finding.Finding{Rule: rule, Severity: sev, Path: path, Message: fmt.Sprintf(format, args...)}
}

// joinPath appends a relative field path to a prefix.
func joinPath(prefix, rel string) string {
	switch {
	case rel == "":
		return prefix
	case prefix == "":
		return rel
	case strings.HasPrefix(rel, "["):
		return prefix + rel
	}
	return prefix + "." + rel
}

// Names of the checks' stages, for messages about them.
func (schemaCheck) Name() string       { return RuleSchema }
func (*deprecatedCheck) Name() string  { return RuleDeprecatedAPI }
func (*apiCheck) Name() string         { return RuleAPIValidation }
func (*kubeVersionCheck) Name() string { return RuleKubeVersion }
func (*podSecurityCheck) Name() string { return RulePodSecurity }
