package pipeline

import (
	"fmt"
	"io"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/importer"
	"github.com/mljob/mljob/internal/input"
	"github.com/mljob/mljob/internal/kube"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/validate"
)

// ImportOptions says which manifests to import.
type ImportOptions struct {
	// Paths are manifest files (YAML or JSON, one or many documents);
	// "-" is Stdin.
	Paths []string
	Stdin io.Reader
}

// ImportResult is the imported workloads, in the order of the inputs.
type ImportResult struct {
	Objects []Imported
	// Skipped counts, per input, the objects that are not batch/v1 Jobs
	// or CronJobs.
	Skipped map[string]int
}

// pairServices finds, for each Job of docs, the Service of services its
// pods' subdomain names in its namespace.
func pairServices(docs, services []*manifest.Document, namespace string) map[*manifest.Document]*manifest.Document {
	ns := func(d *manifest.Document) string {
		if d.Namespace == "" {
			return namespace
		}
		return d.Namespace
	}
	out := map[*manifest.Document]*manifest.Document{}
	for _, d := range docs {
		j, ok := validate.Decoded(d).(*batchv1.Job)
		if !ok || j.Spec.Template.Spec.Subdomain == "" {
			continue
		}
		for _, s := range services {
			if s.Name == j.Spec.Template.Spec.Subdomain && ns(s) == ns(d) {
				out[d] = s
				break
			}
		}
	}
	return out
}

// Imported is one imported object.
type Imported struct {
	// File is the input it was read from.
	File     string
	Result   *importer.Result
	Original runtime.Object
}

// Import reads manifests as lint does, refuses every Job or CronJob the
// API server would reject (an import would only carry the mistake into
// the workload), and lifts the others into workloads. A Job and the
// Service its pods' subdomain names, in the same namespace, are imported
// together: the pair mljob renders for `nodes` becomes that workload; the
// Service of any other pair is not imported (a note says so).
func Import(opts ImportOptions) (*ImportResult, error) {
	p, err := DefaultProfile()
	if err != nil {
		return nil, err
	}
	v, err := validate.New(validate.Options{PodSecurity: validate.PodSecurityPrivileged})
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Skipped: map[string]int{}}
	var docs, services []*manifest.Document
	var errs diag.List
	for _, f := range opts.Paths {
		var data []byte
		if f == "-" {
			data, err = readAll(opts.Stdin, 0)
			f = StdinName
		} else {
			data, err = input.ReadFile(f, 0)
		}
		if err != nil {
			errs = append(errs, fileError(f, err))
			continue
		}
		ds, derrs := manifest.Read(f, data)
		errs = append(errs, derrs...)
		for _, d := range ds {
			k := kube.GVK(d.APIVersion, d.Kind)
			switch id, _ := validate.Identify(d); {
			case id == validate.Mistaken, k == kube.JobV1, k == kube.CronJobV1:
				docs = append(docs, d) // refused below when Mistaken
			case k == kube.ServiceV1:
				services = append(services, d)
			case id != validate.NotObject:
				res.Skipped[f]++
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, &InputError{err}
	}
	pairs := pairServices(docs, services, v.Namespace())
	var paired []*manifest.Document
	for _, s := range pairs {
		paired = append(paired, s)
	}
	if err := refusals(check(append(slices.Clone(docs), paired...), v.Checkers(), v.Namespace(), 0, settler{})).Err(); err != nil {
		return nil, &InputError{fmt.Errorf("%w\nimport takes objects the API server accepts; fix these first", err)}
	}
	imported := map[*manifest.Document]bool{}
	for _, d := range docs {
		obj := validate.Decoded(d)
		var svc *corev1.Service
		if s := pairs[d]; s != nil {
			svc, _ = validate.Decoded(s).(*corev1.Service)
		}
		r, err := importer.Pair(obj, svc, p)
		if err != nil {
			return nil, &InputError{diag.Errorf(d.Pos(), "", "%s %s: %v", d.Kind, d.Name, err)}
		}
		if r.Service != nil {
			imported[pairs[d]] = true
		} else if s := pairs[d]; s != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("Service %s (%s) is not imported: the pair is not the one nodes renders; keep its YAML beside the workload", s.Name, s.Pos()))
		}
		res.Objects = append(res.Objects, Imported{File: d.File, Result: r, Original: obj})
	}
	for _, s := range services {
		if !imported[s] {
			res.Skipped[s.File]++
		}
	}
	if len(res.Objects) == 0 {
		return nil, &InputError{fmt.Errorf("no batch/v1 Job or CronJob in %s", strings.Join(opts.Paths, ", "))}
	}
	return res, nil
}
