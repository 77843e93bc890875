// Package load reads a project of CUE workload files, checks each workload
// against the embedded schemas and decodes it into workload values.
//
// The project's files are evaluated once, without the schema. Each workload
// is then unified with #Workload on its own, so the cost grows with the
// number of workloads and one bad workload does not hide the others. The
// schema is compiled once per Loader.
package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/input"
	"github.com/mljob/mljob/internal/workload"
	"github.com/mljob/mljob/schemas"
)

// schemaPrefix marks positions inside the embedded schemas.
const schemaPrefix = "mljob:schemas/"

// Project is one directory (or set of files) of workloads.
type Project struct {
	// Files are the project's .cue files, relative to the working directory.
	Files     []string
	Profile   *workload.Profile
	Workloads []Item
}

// Item is a decoded workload and where it came from.
type Item struct {
	Workload *workload.Workload
	Source   *workload.Source
}

// Loader evaluates projects against the schemas. It is not safe for
// concurrent use (neither is CUE's evaluator).
type Loader struct {
	ctx *cue.Context
	// root is the schemas' package: its definitions name the patterns
	// of map keys.
	root     cue.Value
	workload cue.Value
	profile  cue.Value
	// Cwd is the directory file names are shown relative to.
	Cwd string
	// MaxFileSize is the largest .cue file ReadFiles reads, in bytes; 0
	// means input.DefaultMaxSize.
	MaxFileSize int64

	// child, under Isolate, is the process that evaluates projects.
	child *evaluator

	once sync.Once
	err  error // of compile
}

// NewLoader compiles the embedded schemas.
func NewLoader() (*Loader, error) {
	cwd, _ := os.Getwd()
	l := &Loader{Cwd: cwd}
	if !isIsolated() {
		// A library caller evaluates here: a schema that does not build
		// is the constructor's error.
		if err := l.compile(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// compile builds the schemas, once: under Isolate, a run whose projects
// all go to the child evaluator never needs them here.
func (l *Loader) compile() error {
	l.once.Do(func() {
		ctx := cuecontext.New()
		inst := build.NewContext().NewInstance("schemas", nil)
		files, err := schemas.Parse(schemaPrefix)
		if err != nil {
			l.err = err
			return
		}
		for _, f := range files {
			if err := inst.AddSyntax(f); err != nil {
				l.err = fmt.Errorf("load schema: %w", err)
				return
			}
		}
		v := ctx.BuildInstance(inst)
		if err := v.Err(); err != nil {
			l.err = fmt.Errorf("build schema: %w", err)
			return
		}
		l.ctx, l.root = ctx, v
		l.workload = v.LookupPath(cue.ParsePath("#Workload"))
		l.profile = v.LookupPath(cue.ParsePath("#Profile"))
	})
	return l.err
}

// Schema returns a definition of the schemas: #Workload, #Profile.
func (l *Loader) Schema(def string) cue.Value {
	if l.compile() != nil {
		return cue.Value{}
	}
	return l.root.LookupPath(cue.ParsePath(def))
}

// Source is one input file: its name as shown to the user and its content.
type Source struct {
	Name string
	Data []byte
}

// ReadFiles reads the named files, with names relative to the loader's
// working directory.
func (l *Loader) ReadFiles(files []string) ([]Source, error) {
	srcs := make([]Source, 0, len(files))
	for _, f := range files {
		b, err := input.ReadFile(f, l.MaxFileSize)
		var tl *input.TooLargeError
		if errors.As(err, &tl) {
			return nil, diag.Errorf(diag.Pos{File: l.display(f)}, "", "file is %v", err)
		}
		if err != nil {
			return nil, fmt.Errorf("read workloads: %w", err)
		}
		srcs = append(srcs, Source{Name: l.display(f), Data: b})
	}
	return srcs, nil
}

func (l *Loader) display(f string) string {
	if l.Cwd != "" {
		if abs, err := filepath.Abs(f); err == nil {
			if rel, err := filepath.Rel(l.Cwd, abs); err == nil {
				f = rel
			}
		}
	}
	return filepath.ToSlash(f)
}

// Load evaluates one project made of srcs. Every problem found is returned
// as a diag.List; the project is nil then.
func (l *Loader) Load(srcs []Source) (*Project, error) {
	// Files are read in name order, whatever order they were named in:
	// where a workload is declared in several files, the first
	// declaration is its position (and its "# Source:" line).
	srcs = sortedSources(srcs)
	if isIsolated() && !plainData(srcs) {
		return l.loadIsolated(srcs)
	}
	if err := l.compile(); err != nil {
		return nil, err
	}
	p := &Project{}
	inst := build.NewContext().NewInstance("", nil)
	user := map[string]bool{}
	fields := map[string]diag.Pos{}
	decls := map[string][]decl{}
	var errs diag.List
	pkg := ""
	var files []*ast.File
	for _, s := range srcs {
		p.Files = append(p.Files, s.Name)
		user[s.Name] = true
		f, err := parser.ParseFile(s.Name, s.Data, parser.ParseComments)
		if err != nil {
			errs = append(errs, l.cueDiags(err, "", diag.Pos{File: s.Name}, user)...)
			continue
		}
		// A package clause is allowed; all files of a project are one
		// package, whatever they call it.
		if name := f.PackageName(); name != "" {
			if pkg != "" && name != pkg {
				errs = append(errs, diag.Errorf(pos(f.Pos()), "", "package %q differs from package %q of the other files", name, pkg))
				continue
			}
			pkg = name
		}
		recordFields(f.Decls, "", fields, decls)
		files = append(files, f)
	}
	if pkg == "" {
		pkg = "workloads"
	}
	// Every file gets the same package clause: hidden fields (_x) and
	// definitions (#X) are scoped to a package, and files without a
	// clause would each be a package of their own.
	for _, f := range files {
		if err := inst.AddSyntax(withPackage(f, pkg)); err != nil {
			errs = append(errs, l.cueDiags(err, "", diag.Pos{File: f.Filename}, user)...)
		}
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	root := l.ctx.BuildInstance(inst)
	// Errors in the values (a field set to two values in two files) are
	// explained field by field below; the root's error is only reported
	// when nothing below explains it.
	rootErr := root.Err()

	it, err := root.Fields(cue.Optional(true))
	if err != nil {
		if rootErr != nil {
			err = rootErr
		}
		return nil, l.cueDiags(err, "", diag.Pos{File: p.Files[0]}, user).Err()
	}
	var wls, prof cue.Value
	for it.Next() {
		switch it.Selector().String() {
		case "workloads":
			wls = it.Value()
		case "profile":
			prof = it.Value()
		default:
			msg := "unknown top-level field (want workloads or profile; use _name or #Name for helpers)"
			if best := closest(it.Selector().Unquoted(), []string{"workloads", "profile"}); best != "" {
				msg = "unknown top-level field; did you mean " + best + "?"
			}
			at := diag.Pos{File: p.Files[0]}
			if ds := decls[it.Selector().Unquoted()]; len(ds) > 0 {
				at = ds[0].pos
			}
			errs = append(errs, diag.Errorf(l.userPos(it.Value(), user, at), it.Selector().String(), "%s", msg))
		}
	}

	sortDecls(decls)
	profile, perrs := l.loadProfile(prof, user, p.Files[0], fields, narrow(decls, "profile"))
	errs = append(errs, perrs...)
	p.Profile = profile

	if wls.Exists() {
		if k := wls.IncompleteKind(); k != cue.StructKind && k != cue.BottomKind {
			errs = append(errs, diag.Errorf(l.userPos(wls, user, diag.Pos{File: p.Files[0]}), "workloads", "want a struct of workloads, got %v", wls.IncompleteKind()))
		} else {
			items, werrs := l.loadWorkloads(wls, user, fields, decls)
			errs = append(errs, werrs...)
			p.Workloads = items
		}
	}
	if len(errs) == 0 && rootErr != nil {
		errs = l.cueDiags(rootErr, "", diag.Pos{File: p.Files[0]}, user)
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return p, nil
}

func (l *Loader) loadProfile(prof cue.Value, user map[string]bool, file string, fields map[string]diag.Pos, decls map[string][]decl) (*workload.Profile, diag.List) {
	v := l.profile
	fallback := diag.Pos{File: file}
	if prof.Exists() {
		fallback = l.userPos(prof, user, fallback)
		var errs diag.List
		if v, errs = l.check(prof, l.profile, "profile", fallback, user, decls); len(errs) > 0 {
			return nil, errs
		}
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, l.cueDiags(err, "profile", fallback, user)
	}
	p, err := workload.DecodeProfile(b)
	if err != nil {
		return nil, diag.List{diag.Errorf(fallback, "profile", "%v", err)}
	}
	// What the schema cannot say (units, durations) is checked in Go, at
	// the line of the field.
	var errs diag.List
	for _, pr := range p.Check() {
		path := "profile." + pr.Field
		at := fallback
		for f := path; f != ""; {
			if q, ok := fields[f]; ok {
				at = q
				break
			}
			i := strings.LastIndexByte(f, '.')
			if i < 0 {
				break
			}
			f = f[:i]
		}
		errs = append(errs, diag.Errorf(at, path, "%s", pr.Msg))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

func (l *Loader) loadWorkloads(wls cue.Value, user map[string]bool, fields map[string]diag.Pos, decls map[string][]decl) ([]Item, diag.List) {
	var items []Item
	var errs diag.List
	unchecked, firstUnchecked := 0, diag.Pos{}
	// Group field positions by workload once: looking them up per
	// workload would cost workloads x fields.
	byWorkload := map[string]map[string]diag.Pos{}
	for k, p := range fields {
		rest, ok := strings.CutPrefix(k, "workloads.")
		if !ok {
			continue
		}
		name, field, _ := strings.Cut(rest, ".")
		m := byWorkload[name]
		if m == nil {
			m = map[string]diag.Pos{}
			byWorkload[name] = m
		}
		m[field] = p
	}
	declsBy := map[string]map[string][]decl{}
	for k, ds := range decls {
		rest, ok := strings.CutPrefix(k, "workloads.")
		if !ok {
			continue
		}
		name, field, _ := strings.Cut(rest, ".")
		m := declsBy[name]
		if m == nil {
			m = map[string][]decl{}
			declsBy[name] = m
		}
		m[field] = ds
	}
	it, err := wls.Fields()
	if err != nil {
		return nil, l.cueDiags(err, "workloads", diag.Pos{}, user)
	}
	for it.Next() {
		sel := it.Selector()
		raw := it.Value()
		src := &workload.Source{Name: sel.Unquoted(), Fields: byWorkload[sel.Unquoted()]}
		src.Pos = src.Fields[""]
		if !src.Pos.IsValid() {
			// Made by a comprehension: CUE's own position is the best.
			src.Pos = l.userPos(raw, user, diag.Pos{})
		}

		prefix := src.Path("")
		if len(errs) >= maxDiagnosed {
			// Enough said: checking a workload and telling why it is
			// wrong costs up to a millisecond, and a file of thousands
			// of wrong workloads would take minutes. The rest are
			// counted, not checked.
			if unchecked == 0 {
				firstUnchecked = src.Pos
			}
			unchecked++
			continue
		}
		v, verrs := l.check(raw, l.workload, prefix, src.Pos, user, declsBy[sel.Unquoted()])
		if len(verrs) > 0 {
			errs = append(errs, verrs...)
			continue
		}
		b, err := v.MarshalJSON()
		if err != nil {
			errs = append(errs, l.cueDiags(err, prefix, src.Pos, user)...)
			continue
		}
		w, err := workload.Decode(b)
		if err != nil {
			errs = append(errs, diag.Errorf(src.Pos, prefix, "%v", err))
			continue
		}
		items = append(items, Item{Workload: w, Source: src})
	}
	if unchecked > 0 {
		errs = append(errs, diag.Errorf(firstUnchecked, "workloads", "%d more %s not checked: mljob stops checking a project's workloads after %d errors; fix them and run it again",
			unchecked, countNoun(unchecked, "workload was", "workloads were"), maxDiagnosed))
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Source.Name < items[j].Source.Name })
	return items, errs
}

// maxDiagnosed is how many errors of a project's workloads are found and
// explained; the workloads after them are counted, not checked.
const maxDiagnosed = 100

func countNoun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sortedSources returns srcs sorted by name, each name once.
func sortedSources(srcs []Source) []Source {
	out := append([]Source(nil), srcs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	uniq := out[:0]
	for i, s := range out {
		if i > 0 && s.Name == out[i-1].Name {
			continue
		}
		uniq = append(uniq, s)
	}
	return uniq
}

// recordFields records where each field path is declared in a file, as
// the position of its label: "workloads.train.gpu.type". fields keeps
// the first declaration, decls every one (with its value when it is a
// literal), so that a conflict can name each place. Pattern and dynamic
// labels are skipped, since they declare no particular field.
func recordFields(decls []ast.Decl, prefix string, m map[string]diag.Pos, all map[string][]decl) {
	for _, d := range decls {
		switch f := d.(type) {
		case *ast.Field:
			name, _, err := ast.LabelName(f.Label)
			if err != nil {
				continue
			}
			key := name
			if prefix != "" {
				key = prefix + "." + name
			}
			at := pos(f.Label.Pos())
			if _, ok := m[key]; !ok {
				m[key] = at
			}
			value := ""
			if lit, ok := f.Value.(*ast.BasicLit); ok {
				value = lit.Value
			}
			all[key] = append(all[key], decl{pos: at, value: value})
			if st, ok := f.Value.(*ast.StructLit); ok {
				recordFields(st.Elts, key, m, all)
			}
		case *ast.EmbedDecl:
			if st, ok := f.Expr.(*ast.StructLit); ok {
				recordFields(st.Elts, prefix, m, all)
			}
		}
	}
}

// userPos returns the position of v in a user file, or fallback.
func (l *Loader) userPos(v cue.Value, user map[string]bool, fallback diag.Pos) diag.Pos {
	if p := pos(v.Pos()); user[p.File] {
		return p
	}
	return fallback
}

// cueDiags turns a CUE error that is not about a field's value (syntax,
// a package that does not build) into diagnostics that point into the
// user's files. Paths are prefixed with prefix.
func (l *Loader) cueDiags(err error, prefix string, fallback diag.Pos, user map[string]bool) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		p := fallback
		for _, cp := range cueerrors.Positions(e) {
			if q := pos(cp); user[q.File] {
				p = q
				break
			}
		}
		format, args := e.Msg()
		path := e.Path()
		if len(path) > 0 && strings.HasPrefix(path[0], "#") {
			path = path[1:]
		}
		fieldPath := strings.Join(path, ".")
		if prefix != "" && fieldPath != "" {
			fieldPath = prefix + "." + fieldPath
		} else if fieldPath == "" {
			fieldPath = prefix
		}
		out = append(out, &diag.Diagnostic{Pos: p, Path: fieldPath, Msg: scrub(fmt.Sprintf(format, args...))})
	}
	out.Sort()
	return out
}

func pos(p token.Pos) diag.Pos {
	if !p.IsValid() {
		return diag.Pos{}
	}
	pp := p.Position()
	return diag.Pos{File: pp.Filename, Line: pp.Line, Column: pp.Column}
}

// withPackage gives f the package clause pkg, in place of its own.
func withPackage(f *ast.File, pkg string) *ast.File {
	decls := []ast.Decl{&ast.Package{Name: ast.NewIdent(pkg)}}
	for _, d := range f.Decls {
		if _, ok := d.(*ast.Package); ok {
			continue
		}
		decls = append(decls, d)
	}
	f.Decls = decls
	return f
}

// IsSchemaFile reports whether a position is inside the embedded schemas.
func IsSchemaFile(file string) bool { return strings.HasPrefix(file, schemaPrefix) }
