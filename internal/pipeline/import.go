package pipeline

import (
	"fmt"
	"io"
	"strings"

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

// Imported is one imported object.
type Imported struct {
	// File is the input it was read from.
	File     string
	Result   *importer.Result
	Original runtime.Object
}

// Import reads manifests as lint does, refuses every Job or CronJob the
// API server would reject (an import would only carry the mistake into
// the workload), and lifts the others into workloads.
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
	var docs []*manifest.Document
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
			case id != validate.NotObject:
				res.Skipped[f]++
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, &InputError{err}
	}
	if err := refusals(check(docs, v.Checkers(), v.Namespace(), 0, settler{})).Err(); err != nil {
		return nil, &InputError{fmt.Errorf("%w\nimport takes objects the API server accepts; fix these first", err)}
	}
	for _, d := range docs {
		obj := validate.Decoded(d)
		r, err := importer.Object(obj, p)
		if err != nil {
			return nil, &InputError{diag.Errorf(d.Pos(), "", "%s %s: %v", d.Kind, d.Name, err)}
		}
		res.Objects = append(res.Objects, Imported{File: d.File, Result: r, Original: obj})
	}
	if len(res.Objects) == 0 {
		return nil, &InputError{fmt.Errorf("no batch/v1 Job or CronJob in %s", strings.Join(opts.Paths, ", "))}
	}
	return res, nil
}
