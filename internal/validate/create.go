package validate

// This file is a local copy of what kube-apiserver v1.37.2 runs on create
// for the three kinds mljob checks (batch/v1 Job and CronJob, and the
// core/v1 Service of a distributed Job), so that mljob links the
// validation packages without the registry packages around them (which
// pull in the API server's storage, etcd clients, CEL, client-go and
// prometheus, and half of mljob's start-up time). It mirrors:
//
//	k8s.io/kubernetes@v1.37.2/pkg/registry/batch/job/strategy.go
//	    (jobStrategy.PrepareForCreate, Validate, DeclarativeValidationConfig,
//	    validationOptionsForJob, generateSelectorIfNeeded, generateSelector)
//	k8s.io/kubernetes@v1.37.2/pkg/registry/batch/cronjob/strategy.go
//	    (cronJobStrategy.PrepareForCreate, Validate, DeclarativeValidationConfig)
//	k8s.io/kubernetes@v1.37.2/pkg/registry/core/service/strategy.go
//	    (svcStrategy.PrepareForCreate, Validate, dropServiceDisabledFields)
//	k8s.io/apiserver@v0.37.2/pkg/registry/rest/create.go
//	    (ValidateCreate, validatePathSegment)
//	k8s.io/apiserver@v0.37.2/pkg/registry/rest/meta.go
//	    (WipeObjectMetaSystemFields)
//	k8s.io/apiserver@v0.37.2/pkg/registry/rest/validate.go
//	    (DeclarativeValidation, ValidateDeclarativelyWithMigrationChecks,
//	    validateDeclaratively, requestInfo, runDeclarativeValidationWithRecover)
//
// Upstream's names are kept so that a diff against those files reads
// well. Left out: everything for update, status, warnings, field
// selectors and storage, and the parts of declarative validation that
// only log and count mismatches between handwritten and declarative
// errors (metrics and klog output; they never change the error list).
// The declarative validation functions themselves are the generated ones
// registered in legacyscheme by the batch and core install packages.
//
// When mljob moves to a new Kubernetes version, re-read those files.

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/operation"
	apivalidate "k8s.io/apimachinery/pkg/api/validate"
	"k8s.io/apimachinery/pkg/api/validate/content"
	genericvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericfeatures "k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/kubernetes/pkg/api/job"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/api/pod"
	"k8s.io/kubernetes/pkg/apis/batch"
	batchvalidation "k8s.io/kubernetes/pkg/apis/batch/validation"
	"k8s.io/kubernetes/pkg/apis/core"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	kubefeatures "k8s.io/kubernetes/pkg/features"
)

// createStrategy is the part of rest.RESTCreateStrategy and
// rest.DeclarativeValidationStrategy the create path uses.
type createStrategy interface {
	NamespaceScoped() bool
	PrepareForCreate(ctx context.Context, obj runtime.Object)
	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	ValidateDeclaratively(ctx context.Context, obj, oldObj runtime.Object, validationErrs field.ErrorList, opType operation.Type, config DeclarativeValidationConfig) field.ErrorList
	DeclarativeValidationConfig(ctx context.Context, obj, oldObj runtime.Object) DeclarativeValidationConfig
}

// --- k8s.io/apiserver/pkg/registry/rest/meta.go

// WipeObjectMetaSystemFields erases fields that are managed by the system on ObjectMeta.
func WipeObjectMetaSystemFields(meta metav1.Object) {
	meta.SetCreationTimestamp(metav1.Time{})
	meta.SetUID("")
	meta.SetDeletionTimestamp(nil)
	meta.SetDeletionGracePeriodSeconds(nil)
	meta.SetSelfLink("")
}

// --- k8s.io/apiserver/pkg/registry/rest/create.go

func validatePathSegment(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

// ValidateCreate performs common and strategy-specific validation for a create operation.
func ValidateCreate(ctx context.Context, obj runtime.Object, strategy createStrategy) field.ErrorList {
	errs := strategy.Validate(ctx, obj)

	if len(errs) == 0 {
		objectMeta, err := meta.Accessor(obj)
		if err != nil {
			return append(errs, field.InternalError(field.NewPath("metadata"), fmt.Errorf("failed to get object metadata: %w", err)))
		}

		// Custom validation (including name validation) passed
		// Now run common validation on object meta
		// Do this *after* custom validation so that specific error messages are shown whenever possible
		errs = append(errs, genericvalidation.ValidateObjectMetaAccessor(objectMeta, strategy.NamespaceScoped(), validatePathSegment, field.NewPath("metadata"))...)
	}

	errs = strategy.ValidateDeclaratively(ctx, obj, nil, errs, operation.Create, strategy.DeclarativeValidationConfig(ctx, obj, nil))

	return errs
}

// --- k8s.io/apiserver/pkg/registry/rest/validate.go

// DeclarativeValidation provides a convenient way for a strategy to
// opt-in to declarative validation.
type DeclarativeValidation struct {
	*runtime.Scheme
}

func (d DeclarativeValidation) ValidateDeclaratively(ctx context.Context, obj, oldObj runtime.Object, validationErrs field.ErrorList, opType operation.Type, config DeclarativeValidationConfig) field.ErrorList {
	if d.Scheme == nil {
		validationErrs = append(validationErrs, field.InternalError(nil, fmt.Errorf("cannot validate declaratively without a scheme")))
		return validationErrs
	}
	return ValidateDeclarativelyWithMigrationChecks(ctx, d.Scheme, obj, oldObj, validationErrs, opType, config)
}

func (d DeclarativeValidation) DeclarativeValidationConfig(ctx context.Context, obj, oldObj runtime.Object) DeclarativeValidationConfig {
	// The zero value of DeclarativeValidationConfig is the default.
	return DeclarativeValidationConfig{}
}

// DeclarativeValidationConfig holds configuration for declarative
// validation. Upstream's SubresourceGVKMapper (for subresources) and
// ShortCircuitMismatch (for mismatch logging) do not apply here.
type DeclarativeValidationConfig struct {
	// Options contains the validation options that declarative validation tags expect,
	// mapping option name to whether it is enabled.
	Options map[string]bool

	// NormalizationRules are applied to field paths when comparing
	// handwritten and declarative validation errors.
	NormalizationRules []field.NormalizationRule
}

// validateDeclaratively validates obj against declarative validation
// tags defined in its Go type, in the API version of the request in ctx.
func validateDeclaratively(ctx context.Context, scheme *runtime.Scheme, obj, oldObj runtime.Object, opType operation.Type, options map[string]bool) field.ErrorList {
	versionedGroupVersion, err := requestInfo(ctx)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	versionedObj, err := scheme.ConvertToVersion(obj, versionedGroupVersion)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("unexpected error converting to versioned type: %w", err))}
	}
	switch opType {
	case operation.Create:
		return scheme.Validate(ctx, options, versionedObj)
	default:
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("unknown operation type: %v", opType))}
	}
}

func requestInfo(ctx context.Context) (schema.GroupVersion, error) {
	requestInfo, found := genericapirequest.RequestInfoFrom(ctx)
	if !found {
		return schema.GroupVersion{}, fmt.Errorf("could not find requestInfo in context")
	}
	return schema.GroupVersion{Group: requestInfo.APIGroup, Version: requestInfo.APIVersion}, nil
}

// runDeclarativeValidationWithRecover invokes validateDeclaratively with panic recovery.
// On panic, an InternalError is appended to the returned errors.
func runDeclarativeValidationWithRecover(ctx context.Context, scheme *runtime.Scheme, obj, oldObj runtime.Object, opType operation.Type, options map[string]bool) (errs field.ErrorList) {
	defer func() {
		if r := recover(); r != nil {
			errs = append(errs, field.InternalError(nil, fmt.Errorf("panic during declarative validation: %v", r)))
		}
	}()
	return validateDeclaratively(ctx, scheme, obj, oldObj, opType, options)
}

// ValidateDeclarativelyWithMigrationChecks executes declarative validation and implements the Validation Lifecycle strategy:
//   - Standard (no prefix): Enforced.
//   - Beta (+k8s:beta): Enforced when DeclarativeValidationBeta is enabled. Otherwise shadowed (HV remains authoritative).
//   - Alpha (+k8s:alpha): Always shadowed; HV remains authoritative.
func ValidateDeclarativelyWithMigrationChecks(ctx context.Context, scheme *runtime.Scheme, obj, oldObj runtime.Object, errs field.ErrorList, opType operation.Type, config DeclarativeValidationConfig) field.ErrorList {
	// These errors must be errors returned by the handwritten validation.
	errs = errs.MarkFromImperative()

	declarativeErrs := runDeclarativeValidationWithRecover(ctx, scheme, obj, oldObj, opType, config.Options)

	betaEnabled := utilfeature.DefaultFeatureGate.Enabled(genericfeatures.DeclarativeValidationBeta)
	// (Upstream compares handwritten and alpha/beta declarative errors
	// here when DeclarativeValidation is enabled, to log and count
	// mismatches; that changes no error.)

	// Collect the declarative errors that are enforced (i.e. surfaced to the user) in the current mode.
	enforcedDeclarativeErrs := apivalidate.FilterEnforcedDeclarativeErrors(ctx, declarativeErrs, betaEnabled)
	// Remove handwritten errors that are superseded by an enforced declarative counterpart.
	errs = apivalidate.FilterCoveredHandwrittenErrors(ctx, errs, enforcedDeclarativeErrs, betaEnabled, config.NormalizationRules...)

	// Append the enforced declarative errors.
	errs = append(errs, enforcedDeclarativeErrs...)

	return errs
}

// --- k8s.io/kubernetes/pkg/registry/batch/job/strategy.go

// jobStrategy implements verification logic for Jobs.
type jobStrategy struct {
	DeclarativeValidation
}

// jobCreateStrategy is upstream's job.Strategy, create path only.
var jobCreateStrategy = jobStrategy{DeclarativeValidation{Scheme: legacyscheme.Scheme}}

// NamespaceScoped returns true because all jobs need to be within a namespace.
func (jobStrategy) NamespaceScoped() bool {
	return true
}

// PrepareForCreate clears the status of a job before creation.
func (jobStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	newJob := obj.(*batch.Job)
	generateSelectorIfNeeded(newJob)
	newJob.Status = batch.JobStatus{}

	newJob.Generation = 1

	if !utilfeature.DefaultFeatureGate.Enabled(kubefeatures.JobManagedBy) {
		newJob.Spec.ManagedBy = nil
	}

	job.DropDisabledFields(&newJob.Spec, nil)

	pod.DropDisabledTemplateFields(&newJob.Spec.Template, nil)
}

// Validate validates a new job.
func (jobStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	job := obj.(*batch.Job)
	opts := validationOptionsForJob(job, nil)
	return batchvalidation.ValidateJobCreate(job, opts)
}

// DeclarativeValidationConfig declares the options referenced by this type's tags,
// mapped to whether each is enabled.
func (jobStrategy) DeclarativeValidationConfig(ctx context.Context, obj, oldObj runtime.Object) DeclarativeValidationConfig {
	return DeclarativeValidationConfig{Options: map[string]bool{
		string(kubefeatures.WorkloadWithJob): utilfeature.DefaultFeatureGate.Enabled(kubefeatures.WorkloadWithJob),
	}}
}

// validationOptionsForJob is upstream's with oldJob always nil (create).
func validationOptionsForJob(newJob, oldJob *batch.Job) batchvalidation.JobValidationOptions {
	var newPodTemplate, oldPodTemplate *core.PodTemplateSpec
	if newJob != nil {
		newPodTemplate = &newJob.Spec.Template
	}
	if oldJob != nil {
		oldPodTemplate = &oldJob.Spec.Template
	}
	opts := batchvalidation.JobValidationOptions{
		PodValidationOptions:  pod.GetValidationOptionsFromPodTemplate(newPodTemplate, oldPodTemplate),
		RequirePrefixedLabels: true,
	}
	// (Upstream's update-only options, set when oldJob != nil, are left out.)
	return opts
}

// generateSelectorIfNeeded checks the job's manual selector flag and generates selector labels if the flag is true.
func generateSelectorIfNeeded(obj *batch.Job) {
	if !*obj.Spec.ManualSelector {
		generateSelector(obj)
	}
}

// generateSelector adds a selector to a job and labels to its template
// which can be used to uniquely identify the pods created by that job,
// if the user has requested this behavior.
func generateSelector(obj *batch.Job) {
	if obj.Spec.Template.Labels == nil {
		obj.Spec.Template.Labels = make(map[string]string)
	}
	// The job-name label is unique except in cases that are expected to be
	// quite uncommon, and is more user friendly than uid.  So, we add it as
	// a label.
	jobNameLabels := []string{batch.LegacyJobNameLabel, batch.JobNameLabel}
	for _, value := range jobNameLabels {
		_, found := obj.Spec.Template.Labels[value]
		if found {
			// User asked us to automatically generate a selector, but set manual labels.
			// If there is a conflict, we will reject in validation.
		} else {
			obj.Spec.Template.Labels[value] = string(obj.ObjectMeta.Name)
		}
	}

	// The controller-uid label makes the pods that belong to this job
	// only match this job.
	controllerUidLabels := []string{batch.LegacyControllerUidLabel, batch.ControllerUidLabel}
	for _, value := range controllerUidLabels {
		_, found := obj.Spec.Template.Labels[value]
		if found {
			// User asked us to automatically generate a selector, but set manual labels.
			// If there is a conflict, we will reject in validation.
		} else {
			obj.Spec.Template.Labels[value] = string(obj.ObjectMeta.UID)
		}
	}
	// Select the controller-uid label.  This is sufficient for uniqueness.
	if obj.Spec.Selector == nil {
		obj.Spec.Selector = &metav1.LabelSelector{}
	}
	if obj.Spec.Selector.MatchLabels == nil {
		obj.Spec.Selector.MatchLabels = make(map[string]string)
	}

	if _, found := obj.Spec.Selector.MatchLabels[batch.ControllerUidLabel]; !found {
		obj.Spec.Selector.MatchLabels[batch.ControllerUidLabel] = string(obj.ObjectMeta.UID)
	}
	// If the user specified matchLabel controller-uid=$WRONGUID, then it should fail
	// in validation, either because the selector does not match the pod template
	// (controller-uid=$WRONGUID does not match controller-uid=$UID, which we applied
	// above, or we will reject in validation because the template has the wrong
	// labels.
}

// --- k8s.io/kubernetes/pkg/registry/batch/cronjob/strategy.go

// cronJobStrategy implements verification logic for CronJobs.
type cronJobStrategy struct {
	DeclarativeValidation
}

// cronJobCreateStrategy is upstream's cronjob.Strategy, create path only.
var cronJobCreateStrategy = cronJobStrategy{DeclarativeValidation{Scheme: legacyscheme.Scheme}}

// NamespaceScoped returns true because all scheduled jobs need to be within a namespace.
func (cronJobStrategy) NamespaceScoped() bool {
	return true
}

// PrepareForCreate clears the status of a scheduled job before creation.
func (cronJobStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	cronJob := obj.(*batch.CronJob)
	cronJob.Status = batch.CronJobStatus{}

	cronJob.Generation = 1

	job.DropDisabledFields(&cronJob.Spec.JobTemplate.Spec, nil)

	pod.DropDisabledTemplateFields(&cronJob.Spec.JobTemplate.Spec.Template, nil)
}

// Validate validates a new scheduled job.
func (cronJobStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	cronJob := obj.(*batch.CronJob)
	opts := pod.GetValidationOptionsFromPodTemplate(&cronJob.Spec.JobTemplate.Spec.Template, nil)
	return batchvalidation.ValidateCronJobCreate(cronJob, opts)
}

// DeclarativeValidationConfig declares the options referenced by this type's tags,
// mapped to whether each is enabled.
func (cronJobStrategy) DeclarativeValidationConfig(ctx context.Context, obj, oldObj runtime.Object) DeclarativeValidationConfig {
	return DeclarativeValidationConfig{Options: map[string]bool{
		string(kubefeatures.WorkloadWithJob): utilfeature.DefaultFeatureGate.Enabled(kubefeatures.WorkloadWithJob),
	}}
}

// --- k8s.io/kubernetes/pkg/registry/core/service/strategy.go

// svcStrategy implements behavior for Services
type svcStrategy struct {
	DeclarativeValidation
}

// svcCreateStrategy is upstream's service.Strategy, create path only.
var svcCreateStrategy = svcStrategy{DeclarativeValidation{Scheme: legacyscheme.Scheme}}

// NamespaceScoped is true for services.
func (svcStrategy) NamespaceScoped() bool {
	return true
}

// PrepareForCreate sets contextual defaults and clears fields that are not allowed to be set by end users on creation.
func (svcStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	service := obj.(*core.Service)
	service.Status = core.ServiceStatus{}

	dropServiceDisabledFields(service, nil)
}

// Validate validates a new service.
func (svcStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	service := obj.(*core.Service)
	allErrs := corevalidation.ValidateServiceCreate(service)
	return allErrs
}

// dropServiceDisabledFields drops fields that are not used if their associated feature gates
// are not enabled. (Empty in v1.37.2: no Service field is gated.)
func dropServiceDisabledFields(newSvc *core.Service, oldSvc *core.Service) {}
