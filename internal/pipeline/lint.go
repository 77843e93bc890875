package pipeline

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mljob/mljob/internal/config"
	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/input"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/policy"
	"github.com/mljob/mljob/internal/rendezvous"
	"github.com/mljob/mljob/internal/rules"
	"github.com/mljob/mljob/internal/validate"
	"github.com/mljob/mljob/internal/workload"
)

// StdinName is how documents read from standard input are named.
const StdinName = "<stdin>"

// LintOptions says what to lint and against what.
type LintOptions struct {
	// Paths are manifests (.yaml, .yml, .json, multi-document), CUE
	// workload files, directories (walked recursively: directories with
	// .cue files are CUE projects, manifests are linted, hidden
	// directories skipped) or "-" for Stdin. Default ".".
	Paths []string
	Stdin io.Reader
	// KubeVersion, Namespace and PodSecurity configure the checks (see
	// validate.Options).
	KubeVersion string
	Namespace   string
	PodSecurity string
	// Checkers run after the built-in checks, on every Job and CronJob
	// (and the Service of each distributed Job). Their findings may leave
	// the position empty; it is filled from the field path.
	Checkers []validate.Checker
	// NoPolicies leaves out the Rego rules (built-in and the user's).
	NoPolicies bool
	// Only, when set, keeps the findings of these rules alone.
	Only []string
	// Workers bounds parallel checking; 0 means GOMAXPROCS.
	Workers int

	// Config is the .mljob.yaml in force (nil: none): rule settings,
	// policy directories and waivers.
	Config *config.Config
	// Policies are more user policy directories or .rego files.
	Policies []string
	// Now is the date waivers expire against; zero means today.
	Now time.Time
	// WholeProjects makes a .cue file argument stand for its directory's
	// project (its files may refer to each other), as pre-commit passes
	// only the changed files.
	WholeProjects bool
	// Overlay is a kustomize overlay built on the CUE workloads before
	// they are checked, as `render --overlay` does.
	Overlay string
	// Manifests are more manifests given in memory (the items of a KRM
	// ResourceList, say): name and YAML.
	Manifests []Manifest
	// MaxInputSize is the largest file or standard input read, in bytes;
	// 0 means input.DefaultMaxSize. A larger one is an input error.
	MaxInputSize int64
}

// Manifest is a manifest given in memory.
type Manifest struct {
	Name string
	Data []byte
}

// LintResult is what a lint run found.
type LintResult struct {
	// Findings are sorted by file, line and rule, with positions.
	Findings []finding.Finding
	// Objects is the number of Jobs and CronJobs checked, and of the
	// Services of distributed Jobs (checked with them); Skipped the
	// number of other Kubernetes objects.
	Objects, Skipped int
	// Errors are inputs that could not be used (unreadable files, YAML
	// that does not parse, CUE that does not evaluate); everything else
	// was still checked.
	Errors diag.List
	// Empty are the directories named in Paths that hold no Job or
	// CronJob (in a manifest or rendered from CUE).
	Empty []string
	// Rules are the rules of the run: the built-in catalogue and the
	// user's policies.
	Rules *rules.Set
}

// Lint reads every input, renders CUE workloads, and checks every Job and
// CronJob. It returns an error only for unusable options (flags); inputs
// that cannot be used, policies and configuration included, are
// LintResult.Errors.
func Lint(opts LintOptions) (*LintResult, error) {
	v, err := validate.New(validate.Options{
		KubeVersion: opts.KubeVersion,
		Namespace:   opts.Namespace,
		PodSecurity: opts.PodSecurity,
	})
	if err != nil {
		return nil, err
	}
	checkers := append(v.Checkers(), opts.Checkers...)
	if len(opts.Only) > 0 && !needsPolicies(opts.Only) {
		opts.NoPolicies = true // spare compiling the Rego rules
	}
	// The Rego rules compile while the inputs are found and the CUE
	// projects rendered: a pre-commit run of one file waits for the
	// longer of the two, not for both.
	type compiled struct {
		e   *policy.Engine
		err error
	}
	var policies chan compiled
	if !opts.NoPolicies {
		policies = make(chan compiled, 1)
		go func() {
			e, err := loadPolicies(opts)
			policies <- compiled{e, err}
		}()
	}
	if len(opts.Paths) == 0 && len(opts.Manifests) == 0 {
		opts.Paths = []string{"."}
	}
	var inputErrs diag.List
	in := collect(opts, &inputErrs)
	// YAML only for an overlay, which kustomize reads.
	b, buildErr := build(in.projects, opts.Workers, opts.MaxInputSize, opts.Overlay != "")
	set := rules.Builtin()
	var rego *policyChecker
	if policies != nil {
		c := <-policies
		if c.err != nil {
			// Policies that do not load are an unusable input like any
			// other, reported in the result; nothing is checked without
			// them, since a run without the user's rules would pass what
			// they forbid.
			res := &LintResult{Rules: set}
			res.Errors.Append(errors.Unwrap(c.err))
			res.Errors.Sort()
			return res, nil
		}
		pc := newPolicyChecker(c.e)
		rego = &pc
		checkers = append(checkers, pc)
		set = c.e.RuleSet()
	}
	for _, id := range opts.Only {
		if !set.Has(id) {
			return nil, &InputError{fmt.Errorf("--only: unknown rule %q (mljob rules lists them)", id)}
		}
	}
	if buildErr != nil {
		return nil, buildErr
	}
	st := settler{cfg: opts.Config, now: opts.Now, only: opts.Only, rules: set}
	if st.now.IsZero() {
		st.now = time.Now()
	}
	res := &LintResult{Rules: set, Errors: inputErrs}
	// Documents are checked as they are read, and only the findings are
	// kept: memory grows with the objects in flight, not with the input.
	// batchOrigins are the files of the objects checked: a manifest, or
	// the .cue file of a workload.
	//
	// The documents that may be a distributed Job or its Service are held
	// back until every document is read: the rule distributed-rendezvous
	// pairs them across the run. The others have no finding of it and
	// are checked at once (late has no rendezvous yet).
	var late lateRendezvous
	pool := newCheckPool(append(checkers, &late), v.Namespace(), opts.Workers, st)
	var batchOrigins []string
	var held []*manifest.Document
	heldOrigins := map[*manifest.Document]string{}
	take := func(d *manifest.Document, origin string) {
		id := identify(d)
		switch {
		case id == validate.Batch, id == validate.Mistaken:
			res.Objects++
			batchOrigins = append(batchOrigins, origin)
			if id == validate.Batch && rendezvous.Candidate(d) {
				held = append(held, d)
				return
			}
			pool.submit(d)
		case id == validate.Other:
			res.Skipped++
			if validate.IsService(d) {
				held = append(held, d)
				heldOrigins[d] = origin
			}
		}
	}
	for _, m := range in.manifests {
		data, err := m.read(opts.MaxInputSize)
		if err != nil {
			res.Errors = append(res.Errors, fileError(m.name, err))
			continue
		}
		// Only the Jobs and CronJobs (and what may be meant as one) are
		// needed whole; the others are counted.
		errs := manifest.ScanWith(m.name, data, manifest.ScanOptions{Want: wanted}, func(d *manifest.Document) bool {
			if m.explicit && !d.IsMapping() {
				// A file named explicitly is linted whatever its
				// extension, so it must hold YAML or JSON objects: prose
				// parses as a YAML string, and passing it as "0 objects"
				// would hide a wrong argument.
				res.Errors = append(res.Errors, diag.Errorf(d.Pos(), "", "not a Kubernetes manifest: want YAML or JSON objects (mappings with apiVersion and kind)"))
			}
			take(d, d.File)
			return true
		})
		res.Errors = append(res.Errors, errs...)
	}
	res.Errors = append(res.Errors, b.errs...)
	rendered := b.docs
	if opts.Overlay != "" && len(b.docs) > 0 {
		// An overlay of some projects only would name missing bases.
		if len(b.errs) > 0 {
			rendered = nil
		} else if rendered, err = b.withOverlay(opts.Overlay); err != nil {
			res.Errors.Append(err)
		}
	}
	for i := range rendered {
		md := rendered[i].Manifest()
		if md == nil {
			res.Skipped++
			continue
		}
		origin := md.File
		if src := rendered[i].Source; src != nil {
			origin = src.Pos.File
		}
		if p := b.profiles[rendered[i].Source]; p != nil && rego != nil {
			rego.setParams(md, profileParams(p))
		}
		take(md, origin)
	}
	// Distributed Jobs and their Services are checked together, across
	// the run, once every document is read: a Service that belongs to one
	// is checked (and counted) with it, other Services are skipped.
	rz := rendezvous.New(held, v.Namespace())
	late.Store(rz)
	for _, h := range held {
		switch {
		case !validate.IsService(h):
			pool.submit(h)
		case rz.Paired(h):
			res.Objects++
			res.Skipped--
			batchOrigins = append(batchOrigins, heldOrigins[h])
			pool.submit(h)
		}
	}
	res.Findings = pool.wait()
	if rego != nil {
		res.Errors = append(res.Errors, rego.unchecked()...)
	}
	if len(res.Errors) == 0 {
		res.Empty = emptyDirs(in.dirs, batchOrigins)
	}
	res.Findings = append(res.Findings, st.expiredWaivers()...)
	finding.Sort(res.Findings)
	res.Errors.Sort()
	return res, nil
}

// profileParams are the rule parameters a project's profile sets for its
// workloads: requireQueue turns kueue-queue on (it cannot turn off what
// the configuration turns on for every object).
func profileParams(p *workload.Profile) map[string]map[string]any {
	if !p.RequireQueue {
		return nil
	}
	return map[string]map[string]any{"kueue-queue": {"requireQueue": true}}
}

// wanted reports whether a document is checked, from its head: a Job or
// a CronJob, or an object meant as one, or a Service (that of a
// distributed Job is checked with it).
func wanted(head *manifest.Document) bool {
	id := identify(head)
	return id == validate.Batch || id == validate.Mistaken || id == validate.Other && validate.IsService(head)
}

type identityKey struct{}

// identify is validate.Identify's verdict on d, worked out once.
func identify(d *manifest.Document) validate.Identity {
	if d.APIVersion != "" && d.Kind != "" && d.Typed == nil {
		// Both strings: what they say (most documents, quickly).
		return validate.IdentifyHead(d.APIVersion, d.Kind)
	}
	return d.Memo(identityKey{}, func() any {
		id, _ := validate.Identify(d)
		return id
	}).(validate.Identity)
}

// lateRendezvous is the rule distributed-rendezvous, known once every
// document is read; until then it finds nothing (it is given only
// documents that are not rendezvous.Candidate before then).
type lateRendezvous struct {
	c atomic.Pointer[rendezvous.Check]
}

func (*lateRendezvous) Name() string { return rendezvous.Rule }

func (l *lateRendezvous) Check(doc *manifest.Document) []finding.Finding {
	if c := l.c.Load(); c != nil {
		return c.Check(doc)
	}
	return nil
}

func (l *lateRendezvous) Store(c *rendezvous.Check) { l.c.Store(c) }

// needsPolicies reports whether some of ids are not Go rules (so are, or
// may be, Rego rules).
func needsPolicies(ids []string) bool {
	for _, id := range ids {
		if !rules.IsGo(id) {
			return true
		}
	}
	return false
}

// loadPolicies compiles the built-in and the user's Rego rules, with the
// configuration's parameters, and checks the configuration's rule ids.
func loadPolicies(opts LintOptions) (*policy.Engine, error) {
	popts := policy.Options{Paths: opts.Policies, Only: opts.Only}
	if c := opts.Config; c != nil {
		popts.Paths = append(c.PolicyDirs(), opts.Policies...)
		popts.Params = c.Params()
		popts.Disabled = c.Disabled()
	}
	e, err := policy.Load(popts)
	if err != nil {
		// An unknown rule id in the configuration fails the load too; say
		// where it is written.
		if c := opts.Config; c != nil && strings.Contains(err.Error(), "unknown rule") {
			if cerr := c.CheckRules(rules.Builtin().Has); cerr != nil {
				return nil, &InputError{cerr}
			}
		}
		return nil, &InputError{err}
	}
	if c := opts.Config; c != nil {
		if err := c.CheckRules(e.RuleSet().Has); err != nil {
			return nil, &InputError{err}
		}
	}
	return e, nil
}

// source is a manifest: its name, and its content or the file to read it
// from.
type source struct {
	name string
	data []byte
	// path, when set, is read when the source is: files are read one at a
	// time, not all before the first is checked.
	path string
	// stdin, when set, is read instead.
	stdin io.Reader
	// explicit is set for a file named as a path (not found by walking
	// a directory, where other YAML is expected).
	explicit bool
}

func (s source) read(max int64) ([]byte, error) {
	switch {
	case s.stdin != nil:
		return input.ReadAll(s.stdin, max)
	case s.path != "":
		return input.ReadFile(s.path, max)
	}
	return s.data, nil
}

type inputs struct {
	manifests []source
	projects  []load.Group
	// dirs are the directories named as paths.
	dirs []string
	// seen are the files taken, by absolute path: a file named twice, or
	// by a path and a directory above it, is read once.
	seen map[string]bool
}

// first reports whether the file at path is not taken yet, and takes it.
func (in *inputs) first(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = filepath.Clean(path)
	}
	if in.seen == nil {
		in.seen = map[string]bool{}
	}
	if in.seen[abs] {
		return false
	}
	in.seen[abs] = true
	return true
}

// addProjects adds the projects of groups, without the files taken
// already.
func (in *inputs) addProjects(groups []load.Group) {
	if in.seen == nil {
		in.seen = map[string]bool{}
	}
	in.projects = append(in.projects, load.Once(groups, in.seen)...)
}

// emptyDirs returns the dirs no file of origins is in.
func emptyDirs(dirs, origins []string) []string {
	var empty []string
	for _, dir := range dirs {
		found := false
		for _, o := range origins {
			if within(o, dir) {
				found = true
				break
			}
		}
		if !found {
			empty = append(empty, dir)
		}
	}
	return empty
}

// within reports whether the file path is inside dir, whichever of the
// two is relative ("../x" and "/abs/x" name the same directory).
func within(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		p, d = filepath.Clean(path), filepath.Clean(dir)
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// manifestExt are the extensions a directory walk lints as manifests.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// collect turns paths into manifests and CUE projects. Problems are
// added to errs; the other paths are still collected.
func collect(opts LintOptions, errs *diag.List) inputs {
	var in inputs
	for _, m := range opts.Manifests {
		in.manifests = append(in.manifests, source{name: m.Name, data: m.Data})
	}
	var loose []string
	wholeDirs := map[string]bool{}
	for _, p := range opts.Paths {
		if p == "-" {
			if opts.Stdin == nil {
				*errs = append(*errs, &diag.Diagnostic{Pos: diag.Pos{File: StdinName}, Msg: "cannot read: no standard input"})
				continue
			}
			in.manifests = append(in.manifests, source{name: StdinName, stdin: opts.Stdin, explicit: true})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			*errs = append(*errs, fileError(p, err))
			continue
		}
		if !info.IsDir() {
			// A file named explicitly is linted whatever its extension.
			if strings.HasSuffix(p, ".cue") && opts.WholeProjects {
				dir := filepath.Dir(p)
				if !wholeDirs[dir] {
					wholeDirs[dir] = true
					groups, err := load.FindProjects([]string{dir})
					if err != nil {
						*errs = append(*errs, fileError(p, err))
					}
					in.addProjects(groups)
				}
				continue
			}
			if strings.HasSuffix(p, ".cue") {
				loose = append(loose, p)
				continue
			}
			in.readFile(p, true, errs)
			continue
		}
		in.dirs = append(in.dirs, p)
		groups, err := load.FindProjects([]string{strings.TrimSuffix(p, "/") + "/..."})
		if err != nil {
			*errs = append(*errs, fileError(p, err))
		}
		in.addProjects(groups)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				*errs = append(*errs, fileError(path, err))
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && manifestExt[strings.ToLower(filepath.Ext(path))] && !strings.HasPrefix(d.Name(), ".") {
				in.readFile(path, false, errs)
			}
			return nil
		})
		if err != nil {
			*errs = append(*errs, fileError(p, err))
		}
	}
	if len(loose) > 0 {
		in.addProjects([]load.Group{{Name: "files", Files: loose}})
	}
	return in
}

func (in *inputs) readFile(path string, explicit bool, errs *diag.List) {
	if !in.first(path) {
		return
	}
	in.manifests = append(in.manifests, source{name: filepath.ToSlash(path), path: path, explicit: explicit})
}

func readAll(r io.Reader, max int64) ([]byte, error) {
	return input.ReadAll(r, max)
}

// fileError is an unusable path, named once.
func fileError(path string, err error) *diag.Diagnostic {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var tl *input.TooLargeError
	if errors.As(err, &tl) {
		return &diag.Diagnostic{Pos: diag.Pos{File: filepath.ToSlash(path)}, Msg: "file is " + tl.Error()}
	}
	return &diag.Diagnostic{Pos: diag.Pos{File: filepath.ToSlash(path)}, Msg: "cannot read: " + err.Error()}
}
