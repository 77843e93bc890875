// Package krmfn is mljob as a KRM function (the kustomize/kpt function
// protocol): it reads a ResourceList, adds the Jobs and CronJobs rendered
// from CUE workloads to its items (generator), and reports lint findings
// on its Jobs and CronJobs as results (validator).
package krmfn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/config"
	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/pipeline"
)

// Config is the functionConfig:
//
//	apiVersion: fn.mljob.dev/v1alpha1
//	kind: MLJob
//	metadata: {name: workloads}
//	spec:
//	  paths: [workloads]      # CUE projects, relative to the working directory
//	  source: |               # or CUE inline
//	    workloads: train: {...}
//	  validate: true          # lint the Jobs and CronJobs of items
type Config struct {
	APIVersion string `json:"apiVersion" yaml:"apiVersion"`
	Kind       string `json:"kind" yaml:"kind"`
	Metadata   struct {
		Name        string            `json:"name" yaml:"name"`
		Annotations map[string]string `json:"annotations,omitempty" yaml:"annotations,omitempty"`
	} `json:"metadata" yaml:"metadata"`
	Spec Spec `json:"spec" yaml:"spec"`
}

// Spec says what the function does.
type Spec struct {
	// Paths are CUE workload projects to render into items.
	Paths []string `json:"paths,omitempty" yaml:"paths,omitempty"`
	// Source is CUE workloads written inline.
	Source string `json:"source,omitempty" yaml:"source,omitempty"`
	// Validate lints the Jobs and CronJobs of the items (after
	// generation) and reports findings as results.
	Validate bool `json:"validate,omitempty" yaml:"validate,omitempty"`
}

// Validator lints items; it is supplied by the caller so that this package
// does not depend on the lint pipeline's options.
type Validator func(items []*yaml.RNode) (framework.Results, error)

// Run processes one ResourceList from r to w.
func Run(r io.Reader, w io.Writer, validate Validator) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if done, err := validateOnly(data, w, validate); done {
		return err
	}
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(data), Writer: w, KeepReaderAnnotations: true}
	return framework.Execute(framework.ResourceListProcessorFunc(func(rl *framework.ResourceList) error {
		return process(rl, validate)
	}), rw)
}

// fail reports err as error results, one per diagnostic with its file and
// field, and fails the function.
func fail(rl *framework.ResourceList, err error) error {
	var list diag.List
	var d *diag.Diagnostic
	switch {
	case errors.As(err, &list):
	case errors.As(err, &d):
		list = diag.List{d}
	default:
		rl.Results = append(rl.Results, &framework.Result{Message: err.Error(), Severity: framework.Error})
		return rl.Results
	}
	for _, d := range list {
		r := &framework.Result{Message: d.Msg, Severity: framework.Error}
		if d.Path != "" {
			r.Field = &framework.Field{Path: d.Path}
		}
		if d.Pos.IsValid() {
			r.File = &framework.File{Path: d.Pos.String()}
		}
		rl.Results = append(rl.Results, r)
	}
	return rl.Results
}

// validateOnly handles a functionConfig that only validates: the items
// go back exactly as they came (kustomize refuses a validator that
// changes them, even an internal annotation), with the results added.
// It reports whether it handled the input.
func validateOnly(data []byte, w io.Writer, validate Validator) (bool, error) {
	rl, err := yaml.Parse(string(data))
	if err != nil {
		return false, nil
	}
	fc := rl.Field("functionConfig")
	if fc == nil || validate == nil {
		return false, nil
	}
	s, err := fc.Value.String()
	if err != nil {
		return false, nil
	}
	var cfg Config
	if sigsyaml.UnmarshalStrict([]byte(s), &cfg) != nil || cfg.Kind != "MLJob" ||
		!cfg.Spec.Validate || len(cfg.Spec.Paths) > 0 || cfg.Spec.Source != "" {
		return false, nil
	}
	var items []*yaml.RNode
	if f := rl.Field("items"); f != nil {
		items, err = f.Value.Elements()
		if err != nil {
			return true, err
		}
	}
	results, err := validate(items)
	if err != nil {
		return true, err
	}
	if len(results) > 0 {
		b, err := sigsyaml.Marshal(results)
		if err != nil {
			return true, err
		}
		node, err := yaml.Parse(string(b))
		if err != nil {
			return true, err
		}
		if err := rl.PipeE(yaml.SetField("results", node)); err != nil {
			return true, err
		}
	}
	out, err := rl.String()
	if err != nil {
		return true, err
	}
	if _, err := io.WriteString(w, out); err != nil {
		return true, err
	}
	for _, r := range results {
		if r.Severity == framework.Error {
			return true, results
		}
	}
	return true, nil
}

func process(rl *framework.ResourceList, validate Validator) error {
	var cfg Config
	if rl.FunctionConfig != nil {
		s, err := rl.FunctionConfig.String()
		if err != nil {
			return err
		}
		if err := sigsyaml.UnmarshalStrict([]byte(s), &cfg); err != nil {
			return fail(rl, fmt.Errorf("functionConfig: %w", err))
		}
	}
	if cfg.Kind != "" && cfg.Kind != "MLJob" {
		return fail(rl, fmt.Errorf("functionConfig: kind %q, want MLJob", cfg.Kind))
	}
	if len(cfg.Spec.Paths) > 0 || cfg.Spec.Source != "" {
		opts := pipeline.RenderOptions{Paths: cfg.Spec.Paths}
		if cfg.Spec.Source != "" {
			opts.Inline = []load.Source{{Name: "functionConfig:" + cfg.Metadata.Name, Data: []byte(cfg.Spec.Source)}}
		}
		if len(opts.Paths) == 0 {
			opts.Paths = []string{}
		}
		res, err := pipeline.Render(opts)
		if err != nil {
			return fail(rl, err)
		}
		// What renders but is most likely not what was meant: a warning
		// result, as render prints it on stderr.
		for _, d := range res.Warnings {
			r := &framework.Result{Message: d.Msg, Severity: framework.Warning, Field: &framework.Field{Path: d.Path}}
			if d.Pos.IsValid() {
				r.File = &framework.File{Path: d.Pos.String()}
			}
			rl.Results = append(rl.Results, r)
		}
		for _, d := range res.Documents {
			n, err := yaml.Parse(string(d.YAML))
			if err != nil {
				return err
			}
			rl.Items = append(rl.Items, n)
		}
	}
	if cfg.Spec.Validate && validate != nil {
		results, err := validate(rl.Items)
		if err != nil {
			return err
		}
		rl.Results = append(rl.Results, results...)
		for _, r := range results {
			if r.Severity == framework.Error {
				return rl.Results
			}
		}
	}
	return nil
}

// LintValidator lints the Jobs and CronJobs of items as `mljob lint` does,
// with the configuration found from the working directory, and reports
// each finding no waiver covers as a result.
func LintValidator(items []*yaml.RNode) (framework.Results, error) {
	var ms []pipeline.Manifest
	for i, it := range items {
		if it.GetApiVersion() != "batch/v1" || (it.GetKind() != "Job" && it.GetKind() != "CronJob") {
			continue
		}
		s, err := it.String()
		if err != nil {
			return nil, err
		}
		name := it.GetAnnotations()[kioutil.PathAnnotation]
		if name == "" {
			name = it.GetAnnotations()[kioutil.LegacyPathAnnotation]
		}
		if name == "" {
			name = fmt.Sprintf("items[%d]", i)
		}
		ms = append(ms, pipeline.Manifest{Name: name, Data: []byte(s)})
	}
	if len(ms) == 0 {
		return nil, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	res := &pipeline.LintResult{}
	// A configuration that does not load is an input error: a result,
	// like a manifest that does not parse.
	if cfg, cerr := config.Find(wd); cerr != nil {
		res.Errors.Append(cerr)
	} else if res, err = pipeline.Lint(pipeline.LintOptions{Manifests: ms, Config: cfg}); err != nil {
		return nil, err
	}
	var out framework.Results
	for _, e := range res.Errors {
		r := &framework.Result{Message: e.Error(), Severity: framework.Error}
		if e.Pos.File != "" {
			r.File = &framework.File{Path: e.Pos.File}
		}
		out = append(out, r)
	}
	for _, f := range res.Findings {
		if f.Suppressed != nil {
			continue
		}
		r := &framework.Result{
			Message:  fmt.Sprintf("[%s] %s", f.Rule, f.Message),
			Severity: severity(f.Severity),
			Field:    &framework.Field{Path: f.Path},
			File:     &framework.File{Path: f.File},
			Tags:     map[string]string{"rule": f.Rule},
		}
		if f.Object.Kind != "" {
			r.ResourceRef = &yaml.ResourceIdentifier{
				TypeMeta: yaml.TypeMeta{APIVersion: f.Object.APIVersion, Kind: f.Object.Kind},
				NameMeta: yaml.NameMeta{Name: f.Object.Name, Namespace: f.Object.Namespace},
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func severity(s finding.Severity) framework.Severity {
	switch s {
	case finding.Error:
		return framework.Error
	case finding.Warning:
		return framework.Warning
	}
	return framework.Info
}
