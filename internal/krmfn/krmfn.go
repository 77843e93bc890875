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
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/config"
	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/input"
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

// InputError is a ResourceList or functionConfig mljob cannot use: the
// function fails with it (exit status 2), not with findings.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Run processes one ResourceList from r to w, reading at most maxInput
// bytes (0: input.DefaultMaxSize).
func Run(r io.Reader, w io.Writer, validate Validator, maxInput int64) error {
	data, err := input.ReadAll(r, maxInput)
	if err != nil {
		return &InputError{fmt.Errorf("read ResourceList from stdin: %w", err)}
	}
	if done, err := validateOnly(data, w, validate); done {
		return err
	}
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(data), Writer: w, KeepReaderAnnotations: true}
	processed := false
	err = framework.Execute(framework.ResourceListProcessorFunc(func(rl *framework.ResourceList) error {
		processed = true
		return process(rl, validate)
	}), rw)
	if err != nil && !processed {
		// The ResourceList itself did not parse.
		return &InputError{err}
	}
	return err
}

// fail reports err, a problem with the function's input, as error
// results, one per diagnostic with its file and field, and fails the
// function.
func fail(rl *framework.ResourceList, err error) error {
	var list diag.List
	var d *diag.Diagnostic
	switch {
	case errors.As(err, &list):
	case errors.As(err, &d):
		list = diag.List{d}
	default:
		rl.Results = append(rl.Results, &framework.Result{Message: err.Error(), Severity: framework.Error})
		return &InputError{rl.Results}
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
	return &InputError{rl.Results}
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
	var bad *InputError
	if err != nil && !errors.As(err, &bad) {
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
	if bad != nil {
		return true, &InputError{results}
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
		paths, err := confine(cfg.Spec.Paths)
		if err != nil {
			return fail(rl, err)
		}
		opts := pipeline.RenderOptions{Paths: paths}
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
				return fmt.Errorf("parse rendered %s %s: %w", d.Kind(), d.Name(), err)
			}
			rl.Items = append(rl.Items, n)
		}
	}
	if cfg.Spec.Validate && validate != nil {
		results, err := validate(rl.Items)
		var bad *InputError
		if err != nil && !errors.As(err, &bad) {
			return err
		}
		rl.Results = append(rl.Results, results...)
		if bad != nil {
			return &InputError{rl.Results}
		}
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
// each finding no waiver covers as a result. Items that cannot be read
// are error results too, and make the error an *InputError.
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
	} else if res, err = pipeline.Lint(pipeline.LintOptions{Manifests: ms, Config: cfg, MaxInputSize: cfg.MaxInputSize()}); err != nil {
		var ie *pipeline.InputError
		if errors.As(err, &ie) {
			return nil, &InputError{err}
		}
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
	if len(res.Errors) > 0 {
		return out, &InputError{res.Errors}
	}
	return out, nil
}

// confine checks that the functionConfig's paths name directories below
// the working directory (where kustomize runs the function: the
// kustomization's directory), so that a kustomization cannot render
// another tenant's workloads: no absolute paths, no "..", and no symbolic
// link that leads out. It returns the paths as given.
func confine(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return paths, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(wd)
	if err != nil {
		return nil, err
	}
	var errs diag.List
	for i, p := range paths {
		field := fmt.Sprintf("spec.paths[%d]", i)
		dir, _ := strings.CutSuffix(p, "/...")
		if dir == "..." {
			dir = "."
		}
		clean := filepath.Clean(filepath.FromSlash(dir))
		switch {
		case p == "":
			errs = append(errs, diag.Errorf(diag.Pos{}, field, "empty path"))
			continue
		case filepath.IsAbs(clean) || filepath.VolumeName(clean) != "" || strings.HasPrefix(filepath.ToSlash(dir), "/"):
			errs = append(errs, diag.Errorf(diag.Pos{}, field, "%q is absolute; paths are relative to the kustomization's directory and stay below it", p))
			continue
		case clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) || containsDotDot(dir):
			errs = append(errs, diag.Errorf(diag.Pos{}, field, "%q leaves the kustomization's directory (..); paths stay below it", p))
			continue
		}
		real, err := filepath.EvalSymlinks(filepath.Join(root, clean))
		if err != nil {
			errs = append(errs, diag.Errorf(diag.Pos{}, field, "%q: %v", p, unwrapPathError(err)))
			continue
		}
		if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			errs = append(errs, diag.Errorf(diag.Pos{}, field, "%q leads out of the kustomization's directory through a symbolic link; paths stay below it", p))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return paths, nil
}

// containsDotDot reports whether a slash- or backslash-separated path
// has a ".." element anywhere.
func containsDotDot(p string) bool {
	for _, e := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if e == ".." {
			return true
		}
	}
	return false
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
