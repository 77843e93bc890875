package pipeline

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/validate"
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
	// Checkers run after the built-in checks, on every Job and CronJob:
	// other engines (the policy rule pack) plug in here. Their findings
	// may leave the position empty; it is filled from the field path.
	Checkers []validate.Checker
	// Workers bounds parallel checking; 0 means GOMAXPROCS.
	Workers int
}

// LintResult is what a lint run found.
type LintResult struct {
	// Findings are sorted by file, line and rule, with positions.
	Findings []finding.Finding
	// Objects is the number of Jobs and CronJobs checked; Skipped the
	// number of other Kubernetes objects.
	Objects, Skipped int
	// Errors are inputs that could not be used (unreadable files, YAML
	// that does not parse, CUE that does not evaluate); everything else
	// was still checked.
	Errors diag.List
}

// Lint reads every input, renders CUE workloads, and checks every Job and
// CronJob. It returns an error only for unusable options.
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
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"."}
	}
	res := &LintResult{}
	in := collect(opts, &res.Errors)
	var docs []*manifest.Document
	for _, m := range in.manifests {
		ds, errs := manifest.Read(m.name, m.data)
		res.Errors = append(res.Errors, errs...)
		docs = append(docs, ds...)
	}
	for _, g := range in.projects {
		ds, err := renderProject(g)
		if err != nil {
			res.Errors.Append(err)
			continue
		}
		docs = append(docs, ds...)
	}
	var batch []*manifest.Document
	for _, d := range docs {
		switch {
		case validate.IsBatch(d):
			batch = append(batch, d)
		case d.IsObject():
			res.Skipped++
		}
	}
	res.Objects = len(batch)
	res.Findings = check(batch, checkers, v.Namespace(), opts.Workers)
	finding.Sort(res.Findings)
	res.Errors.Sort()
	return res, nil
}

// check runs the checkers on every document in parallel and fills in
// positions. The result does not depend on the order workers finish in.
func check(docs []*manifest.Document, checkers []validate.Checker, namespace string, workers int) []finding.Finding {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	per := make([][]finding.Finding, len(docs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				per[i] = checkOne(docs[i], checkers, namespace)
			}
		}()
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []finding.Finding
	for _, fs := range per {
		out = append(out, fs...)
	}
	return out
}

func checkOne(doc *manifest.Document, checkers []validate.Checker, namespace string) []finding.Finding {
	obj := doc.Object(namespace)
	var out []finding.Finding
	for _, c := range checkers {
		for _, f := range c.Check(doc) {
			if !f.Pos.IsValid() {
				f.Pos = doc.PosOf(f.Path)
			}
			f.Object = obj
			out = append(out, f)
		}
	}
	return out
}

// source is a manifest file's name and content.
type source struct {
	name string
	data []byte
}

type inputs struct {
	manifests []source
	projects  []load.Group
}

// manifestExt are the extensions a directory walk lints as manifests.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// collect turns paths into manifests and CUE projects. Problems are
// added to errs; the other paths are still collected.
func collect(opts LintOptions, errs *diag.List) inputs {
	var in inputs
	var loose []string
	for _, p := range opts.Paths {
		if p == "-" {
			data, err := readAll(opts.Stdin)
			if err != nil {
				*errs = append(*errs, &diag.Diagnostic{Pos: diag.Pos{File: StdinName}, Msg: "cannot read: " + err.Error()})
				continue
			}
			in.manifests = append(in.manifests, source{name: StdinName, data: data})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			*errs = append(*errs, fileError(p, err))
			continue
		}
		if !info.IsDir() {
			// A file named explicitly is linted whatever its extension.
			if strings.HasSuffix(p, ".cue") {
				loose = append(loose, p)
				continue
			}
			in.readFile(p, errs)
			continue
		}
		groups, err := load.FindProjects([]string{strings.TrimSuffix(p, "/") + "/..."})
		if err != nil {
			*errs = append(*errs, fileError(p, err))
		}
		in.projects = append(in.projects, groups...)
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
				in.readFile(path, errs)
			}
			return nil
		})
		if err != nil {
			*errs = append(*errs, fileError(p, err))
		}
	}
	if len(loose) > 0 {
		in.projects = append(in.projects, load.Group{Name: "files", Files: loose})
	}
	return in
}

func (in *inputs) readFile(path string, errs *diag.List) {
	data, err := os.ReadFile(path)
	if err != nil {
		*errs = append(*errs, fileError(path, err))
		return
	}
	in.manifests = append(in.manifests, source{name: filepath.ToSlash(path), data: data})
}

func readAll(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, errors.New("no standard input")
	}
	return io.ReadAll(r)
}

// fileError is an unusable path, named once.
func fileError(path string, err error) *diag.Diagnostic {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &diag.Diagnostic{Pos: diag.Pos{File: filepath.ToSlash(path)}, Msg: "cannot read: " + err.Error()}
}

// renderProject renders one CUE project; its documents point at the
// workloads they come from.
func renderProject(g load.Group) ([]*manifest.Document, error) {
	r, err := Render(RenderOptions{Paths: g.Files})
	if err != nil {
		return nil, err
	}
	docs := make([]*manifest.Document, 0, len(r.Documents))
	for _, rd := range r.Documents {
		d, err := manifest.Generated(rd.Source.Pos.File, rd.YAML, rd.Source.Pos)
		if err != nil {
			return nil, rd.Source.Errorf("", "read generated %s: %v", rd.Kind(), err)
		}
		docs = append(docs, d)
	}
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].Origin.Less(docs[j].Origin) })
	return docs, nil
}
