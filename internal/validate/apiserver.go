package validate

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/batch"
	"k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/pkg/capabilities"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"

	// CronJob time zones are checked against the time zone database; the
	// API server embeds one, and so does mljob, so that the verdict does
	// not depend on the machine.
	_ "time/tzdata"

	// Register the batch and core types, conversions and defaults in
	// legacyscheme, as the API server does.
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
)

// The API server fills uid, creationTimestamp and, from generateName, the
// name with random values; fixed ones keep lint output deterministic.
// They appear in messages only where the random ones would.
const (
	fixedUID        = types.UID("00000000-0000-0000-0000-000000000000")
	generatedSuffix = "xxxxx"
	// maxGeneratedNameBase is names.SimpleNameGenerator's cut: 63 minus
	// the 5 random characters.
	maxGeneratedNameBase = 58
)

var fixedCreation = metav1.NewTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))

func init() {
	// kube-apiserver's --allow-privileged defaults to false, but kubeadm
	// (kind, most distributions) runs it with true: privileged containers
	// are a Pod Security matter there, not a validation error.
	capabilities.Setup(true, 0)
}

// apiCheck runs what the API server runs on create, after decoding:
// defaulting, conversion to the internal type, the registry strategy
// (PrepareForCreate, then Validate with object-meta and declarative
// validation; create.go has a copy of it), with the feature gates at
// their defaults.
type apiCheck struct {
	namespace string
}

func (c *apiCheck) Check(doc *manifest.Document) []finding.Finding {
	if !isChecked(doc) {
		return nil
	}
	d := decode(doc)
	if d == nil || d.err != nil {
		// No type for this version (deprecated-api says so), or a body
		// the API server could not decode (schema says so).
		return nil
	}
	errs, err := c.validate(d.obj.DeepCopyObject())
	if err != nil {
		return []finding.Finding{newFinding(RuleAPIValidation, finding.Error, "", "%v", err)}
	}
	var out []finding.Finding
	seen := map[string]bool{}
	for _, e := range errs {
		// The API server's message lists each distinct error once.
		msg := e.Error()
		if seen[msg] {
			continue
		}
		seen[msg] = true
		f := newFinding(RuleAPIValidation, finding.Error, e.Field, "%s", msg)
		switch v := e.BadValue.(type) {
		case string:
			f.Pos = valuePos(doc, e.Field, v)
		case *string:
			if v != nil {
				f.Pos = valuePos(doc, e.Field, *v)
			}
		}
		out = append(out, f)
	}
	return out
}

// valuePos is where an error about value at path points. Fields the API
// server fills in from the name (the job-name labels of the template and
// selector) are not in the document: an error about them is the name's.
func valuePos(doc *manifest.Document, path, value string) diag.Pos {
	if !doc.Has(path) && value != "" && (value == doc.Name || value == generatedName(doc.GenerateName)) {
		if doc.Name != "" {
			return doc.PosOf("metadata.name")
		}
		return doc.PosOf("metadata.generateName")
	}
	return doc.PosOfValue(path, value)
}

// generatedName is the name the API server would generate, with the
// random part fixed.
func generatedName(base string) string {
	if base == "" {
		return ""
	}
	if len(base) > maxGeneratedNameBase {
		base = base[:maxGeneratedNameBase]
	}
	return base + generatedSuffix
}

// validate runs the create path on a decoded versioned object.
func (c *apiCheck) validate(versioned runtime.Object) (field.ErrorList, error) {
	ctx, internal, strategy, err := c.prepare(versioned)
	if err != nil {
		return nil, err
	}
	// rest.BeforeCreate, minus the checks the steps of prepare satisfy,
	// so that the errors come back as a list rather than one status.
	strategy.PrepareForCreate(ctx, internal)
	return validateCreate(ctx, internal, strategy)
}

// prepare runs the create path up to the strategy: decoding (defaults,
// conversion to the internal type), the create handler and the registry
// store's system fields. It returns the request context, the internal
// object and its strategy.
func (c *apiCheck) prepare(versioned runtime.Object) (context.Context, runtime.Object, createStrategy, error) {
	var internal runtime.Object
	var strategy createStrategy
	prefix, group := "apis", batch.GroupName
	switch versioned.GetObjectKind().GroupVersionKind().Kind {
	case "Job":
		internal, strategy = &batch.Job{}, jobCreateStrategy
	case "CronJob":
		internal, strategy = &batch.CronJob{}, cronJobCreateStrategy
	case "Service":
		// The Service of a distributed Job. Its registry allocates cluster
		// IPs and node ports before it validates, which a headless Service
		// needs none of (and validation takes an unset clusterIP for one
		// still to be allocated).
		internal, strategy = &core.Service{}, svcCreateStrategy
		prefix, group = "api", core.GroupName
	default:
		return nil, nil, nil, fmt.Errorf("unexpected kind %q", versioned.GetObjectKind().GroupVersionKind().Kind)
	}
	// The API server's decoder defaults the versioned object, then
	// converts it.
	legacyscheme.Scheme.Default(versioned)
	if err := legacyscheme.Scheme.Convert(versioned, internal, nil); err != nil {
		return nil, nil, nil, fmt.Errorf("convert %s: %w", versioned.GetObjectKind().GroupVersionKind(), err)
	}
	m, err := meta.Accessor(internal)
	if err != nil {
		return nil, nil, nil, err
	}
	// The create handler: system fields from the request are wiped, the
	// namespace comes from the object or the request.
	WipeObjectMetaSystemFields(m)
	ns := m.GetNamespace()
	if ns == "" {
		ns = c.namespace
	}
	m.SetNamespace(ns)
	// managedFields are recomputed by the field manager.
	m.SetManagedFields(nil)
	// The registry store: system fields, then the generated name.
	m.SetUID(fixedUID)
	m.SetCreationTimestamp(fixedCreation)
	if m.GetName() == "" {
		m.SetName(generatedName(m.GetGenerateName()))
	}
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true,
		Verb:              "create",
		APIPrefix:         prefix,
		APIGroup:          group,
		APIVersion:        "v1",
		Namespace:         ns,
		Resource:          resourceOf(internal),
	})
	if svc, ok := internal.(*core.Service); ok {
		// The Service registry's first step on create (its beginCreate
		// hook, normalizeClusterIPs): clusterIP alone stands for
		// clusterIPs.
		if svc.Spec.ClusterIP != "" && len(svc.Spec.ClusterIPs) == 0 {
			svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
		}
	}
	return ctx, internal, strategy, nil
}

// validateCreate runs the strategy's validation. The Kubernetes code
// dereferences nil in a case validation does not catch first (an Indexed
// Job with successPolicy and no completions); the API server fails on the
// request (v1.37.2 drops the connection), so the object is rejected: say
// so, naming the field to set.
// Any other panic goes up, to be reported as an internal error.
func validateCreate(ctx context.Context, obj runtime.Object, strategy createStrategy) (errs field.ErrorList, err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if spec, path := jobSpecOf(obj); spec != nil && spec.SuccessPolicy != nil && spec.Completions == nil {
			errs = field.ErrorList{field.Required(path.Child("completions"),
				"successPolicy needs completions: the API server crashes on this object (Kubernetes 1.37 drops the connection) and does not create it")}
			return
		}
		panic(v)
	}()
	return ValidateCreate(ctx, obj, strategy), nil
}

// jobSpecOf returns the Job spec of an internal Job or CronJob and its path.
func jobSpecOf(obj runtime.Object) (*batch.JobSpec, *field.Path) {
	switch o := obj.(type) {
	case *batch.Job:
		return &o.Spec, field.NewPath("spec")
	case *batch.CronJob:
		return &o.Spec.JobTemplate.Spec, field.NewPath("spec", "jobTemplate", "spec")
	}
	return nil, nil
}

func resourceOf(obj runtime.Object) string {
	switch obj.(type) {
	case *batch.CronJob:
		return "cronjobs"
	case *core.Service:
		return "services"
	}
	return "jobs"
}
