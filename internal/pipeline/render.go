// Package pipeline is mljob's library entry point. Data flows one way:
// load (CUE projects, manifests) → generate (typed Jobs and CronJobs) →
// validate (strict decoding, the API server's create validation,
// kube-version, Pod Security) → policy (the Rego rules) → report. Render
// and Lint are two front ends of these stages: Render stops after
// validate and refuses objects the API server would reject; Lint runs
// them all and returns findings. The CLI only parses flags and prints.
package pipeline

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/render"
	"github.com/mljob/mljob/internal/validate"
	"github.com/mljob/mljob/internal/workload"
)

// RenderOptions says what to render.
type RenderOptions struct {
	// Paths are directories (one project each), DIR/... (every project
	// below DIR) or .cue files (one project together). None means ".".
	Paths []string
	// Workers bounds parallel generation and checking; 0 means
	// GOMAXPROCS.
	Workers int
	// Overlay is a kustomize overlay directory built on top of the
	// rendered workloads (each project directory is a base it may name).
	Overlay string
	// Inline is one more project, given as sources rather than files.
	Inline []load.Source
	// KubeVersion is the Kubernetes version objects must be valid for
	// (default: the validation code's); PodSecurity the Pod Security
	// Standards level they must meet (empty: the level of each project's
	// profile, `podSecurity`).
	KubeVersion string
	PodSecurity string
	// MaxInputSize is the largest .cue file read, in bytes; 0 means
	// input.DefaultMaxSize.
	MaxInputSize int64
}

// RenderResult is the rendered documents, sorted by namespace/kind/name.
type RenderResult struct {
	Documents []render.Document
	// Warnings are what renders but most likely does not do what was
	// meant (a CPU request no node has, say), sorted by position.
	Warnings diag.List
}

// InputError is a problem with the user's input (exit code 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Render loads, generates and validates every workload of opts.Paths.
// Any object that fails the API server's checks (or the Pod Security
// level asked for) is refused: the error lists every such finding at the
// CUE field it comes from, and no document is returned.
func Render(opts RenderOptions) (*RenderResult, error) {
	if len(opts.Paths) == 0 && len(opts.Inline) == 0 {
		opts.Paths = []string{"."}
	}
	validators := map[string]*validate.Validator{}
	validator := func(level string) (*validate.Validator, error) {
		if level == "" {
			level = validate.PodSecurityPrivileged // no check
		}
		if v, ok := validators[level]; ok {
			return v, nil
		}
		v, err := validate.New(validate.Options{KubeVersion: opts.KubeVersion, PodSecurity: level})
		validators[level] = v
		return v, err
	}
	if _, err := validator(opts.PodSecurity); err != nil {
		return nil, &InputError{err}
	}
	groups, err := load.FindProjects(opts.Paths)
	if err != nil {
		return nil, &InputError{err}
	}
	if len(opts.Inline) > 0 {
		groups = append(groups, load.Group{Name: "inline", Sources: opts.Inline})
	}
	b, err := build(groups, opts.Workers, opts.MaxInputSize, true)
	if err != nil {
		return nil, err
	}
	if err := b.errs.Err(); err != nil {
		return nil, &InputError{err}
	}
	docs, err := b.withOverlay(opts.Overlay)
	if err != nil {
		return nil, &InputError{err}
	}
	render.Sort(docs)
	// Each object is checked at the Pod Security level asked for, or
	// else at its project profile's.
	byLevel := map[string][]*manifest.Document{}
	for i := range docs {
		md := docs[i].Manifest()
		if md == nil {
			continue
		}
		level := opts.PodSecurity
		if p := b.profiles[docs[i].Source]; level == "" && p != nil {
			level = p.PodSecurity
		}
		byLevel[level] = append(byLevel[level], md)
	}
	var fs []finding.Finding
	for _, level := range slices.Sorted(maps.Keys(byLevel)) {
		v, err := validator(level)
		if err != nil {
			return nil, &InputError{err}
		}
		fs = append(fs, check(byLevel[level], v.Checkers(), v.Namespace(), opts.Workers, settler{})...)
	}
	finding.Sort(fs)
	if list := refusals(fs); len(list) > 0 {
		if opts.Overlay != "" {
			for _, d := range list {
				d.Msg += " (after overlay " + filepath.ToSlash(opts.Overlay) + ")"
			}
		}
		return nil, &InputError{list.Err()}
	}
	return &RenderResult{Documents: docs, Warnings: b.warnings}, nil
}

// refusals are the findings that stop a render: errors, which the API
// server (or the Pod Security admission asked for) would answer with a
// rejection. They read as lint prints them.
func refusals(fs []finding.Finding) diag.List {
	var out diag.List
	for _, f := range fs {
		if f.Severity < finding.Error || f.Suppressed != nil || !validate.IsRule(f.Rule) {
			continue
		}
		out = append(out, &diag.Diagnostic{Pos: f.Pos, Msg: fmt.Sprintf("%s: [%s] %s: %s", f.Severity, f.Rule, f.Object, f.Message)})
	}
	return out
}

// DefaultProfile returns the built-in platform profile with its defaults.
func DefaultProfile() (*workload.Profile, error) {
	l, err := load.NewLoader()
	if err != nil {
		return nil, err
	}
	p, err := l.Load([]load.Source{{Name: "<default>", Data: nil}})
	if err != nil {
		return nil, err
	}
	return p.Profile, nil
}
