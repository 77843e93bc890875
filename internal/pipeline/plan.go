package pipeline

import (
	"io"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/plan"
	"github.com/mljob/mljob/internal/validate"
	"github.com/mljob/mljob/internal/workload"
)

// PlanOptions says what to plan.
type PlanOptions struct {
	// Paths are what lint reads: manifests, CUE workload files,
	// directories (CUE projects are rendered, manifests read) or "-" for
	// Stdin. Default ".".
	Paths []string
	Stdin io.Reader
	// Overlay is a kustomize overlay built on the CUE workloads first, as
	// `render --overlay` does.
	Overlay string
	// Workers bounds parallel generation; 0 means GOMAXPROCS.
	Workers int
	// Plan says over which hours and how to plan.
	Plan plan.Options
}

// PlanResult is the plan and what it left out.
type PlanResult struct {
	Plan *plan.Plan
	// Skipped is the number of objects that are not Jobs or CronJobs.
	Skipped int
	// Empty are the directories named in Paths without a Job or CronJob.
	Empty []string
}

// Plan reads every input as Lint does (CUE projects rendered, Job and
// CronJob manifests decoded) and plans the GPUs of every Job and CronJob.
// Inputs that cannot be used, and objects the API server would reject
// (a schedule it cannot parse, an unknown time zone), are an
// *InputError naming each file and line; nothing is planned then.
func Plan(opts PlanOptions) (*PlanResult, error) {
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"."}
	}
	var errs diag.List
	in := collect(LintOptions{Paths: opts.Paths, Stdin: opts.Stdin}, &errs)
	var docs []*manifest.Document
	var origins []string
	for _, m := range in.manifests {
		data, err := m.read(0)
		if err != nil {
			errs = append(errs, fileError(m.name, err))
			continue
		}
		ds, rerrs := manifest.Read(m.name, data)
		errs = append(errs, rerrs...)
		for _, d := range ds {
			if m.explicit && !d.IsMapping() {
				errs = append(errs, diag.Errorf(d.Pos(), "", "not a Kubernetes manifest: want YAML or JSON objects (mappings with apiVersion and kind)"))
			}
			docs = append(docs, d)
			origins = append(origins, d.File)
		}
	}
	b, err := build(in.projects, opts.Workers, 0, opts.Overlay != "")
	if err != nil {
		return nil, err
	}
	errs = append(errs, b.errs...)
	rendered := b.docs
	if opts.Overlay != "" && len(b.docs) > 0 {
		// An overlay of some projects only would name missing bases.
		if len(b.errs) > 0 {
			rendered = nil
		} else if rendered, err = b.withOverlay(opts.Overlay); err != nil {
			errs.Append(err)
		}
	}
	profiles := map[*manifest.Document]*workload.Profile{}
	res := &PlanResult{}
	for i := range rendered {
		md := rendered[i].Manifest()
		if md == nil {
			res.Skipped++
			continue
		}
		docs = append(docs, md)
		origin := md.File
		if src := rendered[i].Source; src != nil {
			origin = src.Pos.File
			profiles[md] = b.profiles[src]
		}
		origins = append(origins, origin)
	}

	// Objects the API server would refuse never run: their GPUs are no
	// plan. They are refused as render refuses them, with every other
	// input that cannot be used.
	var batch []*manifest.Document
	var batchOrigins []string
	for i, d := range docs {
		switch id, _ := validate.Identify(d); id {
		case validate.Batch, validate.Mistaken:
			batch = append(batch, d)
			batchOrigins = append(batchOrigins, origins[i])
		case validate.Other:
			res.Skipped++
		}
	}
	v, err := validate.New(validate.Options{PodSecurity: validate.PodSecurityPrivileged})
	if err != nil {
		return nil, err
	}
	errs = append(errs, refusals(check(batch, v.Checkers(), v.Namespace(), opts.Workers, settler{}))...)
	if err := errs.Err(); err != nil {
		return nil, &InputError{err}
	}
	res.Empty = emptyDirs(in.dirs, batchOrigins)

	inputs := make([]plan.Input, 0, len(batch))
	for _, d := range batch {
		obj := d.Typed
		if obj == nil {
			obj = validate.Decoded(d)
		}
		switch obj.(type) {
		case *batchv1.Job, *batchv1.CronJob:
		default:
			// batch/v1beta1 CronJobs: the deprecated-api check refuses
			// them above; nothing else decodes to another type.
			return nil, &InputError{diag.Errorf(d.Pos(), "", "%s %s: cannot plan %s objects, only batch/v1", d.Kind, d.Name, d.APIVersion)}
		}
		inputs = append(inputs, plan.Input{Obj: obj, Profile: profiles[d], PosOf: d.PosOf})
	}
	p, perrs := plan.Compute(inputs, opts.Plan)
	if len(perrs) > 0 {
		return nil, &InputError{perrs.Err()}
	}
	res.Plan = p
	return res, nil
}
