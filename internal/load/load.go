// Package load reads a project of CUE workload files, checks each workload
// against the embedded schemas and decodes it into workload values.
//
// The project's files are evaluated once, without the schema. Each workload
// is then unified with #Workload on its own, so the cost grows with the
// number of workloads and one bad workload does not hide the others. The
// schema is compiled once per Loader.
package load

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/mljob/mljob/internal/diag"
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
	ctx      *cue.Context
	workload cue.Value
	profile  cue.Value
	// Cwd is the directory file names are shown relative to.
	Cwd string
}

// NewLoader compiles the embedded schemas.
func NewLoader() (*Loader, error) {
	ctx := cuecontext.New()
	inst := build.NewContext().NewInstance("schemas", nil)
	files, err := schemas.Parse(schemaPrefix)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			return nil, fmt.Errorf("load schema: %w", err)
		}
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("build schema: %w", err)
	}
	cwd, _ := os.Getwd()
	return &Loader{
		ctx:      ctx,
		workload: v.LookupPath(cue.ParsePath("#Workload")),
		profile:  v.LookupPath(cue.ParsePath("#Profile")),
		Cwd:      cwd,
	}, nil
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
		b, err := os.ReadFile(f)
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
	p := &Project{}
	inst := build.NewContext().NewInstance("", nil)
	user := map[string]bool{}
	fields := map[string]diag.Pos{}
	var errs diag.List
	pkg := ""
	var files []*ast.File
	for _, s := range srcs {
		p.Files = append(p.Files, s.Name)
		user[s.Name] = true
		f, err := parser.ParseFile(s.Name, s.Data, parser.ParseComments)
		if err != nil {
			errs = append(errs, l.cueDiags(err, cue.Value{}, "", diag.Pos{File: s.Name}, user)...)
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
		recordFields(f.Decls, "", fields)
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
			errs = append(errs, l.cueDiags(err, cue.Value{}, "", diag.Pos{File: f.Filename}, user)...)
		}
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	root := l.ctx.BuildInstance(inst)
	if err := root.Err(); err != nil {
		return nil, l.cueDiags(err, cue.Value{}, "", diag.Pos{File: p.Files[0]}, user).Err()
	}

	it, err := root.Fields(cue.Optional(true))
	if err != nil {
		return nil, l.cueDiags(err, cue.Value{}, "", diag.Pos{File: p.Files[0]}, user).Err()
	}
	var wls, prof cue.Value
	for it.Next() {
		switch it.Selector().String() {
		case "workloads":
			wls = it.Value()
		case "profile":
			prof = it.Value()
		default:
			errs = append(errs, diag.Errorf(l.userPos(it.Value(), user, diag.Pos{File: p.Files[0]}), it.Selector().String(),
				"unknown top-level field (want workloads or profile; use _name or #Name for helpers)"))
		}
	}

	profile, perrs := l.loadProfile(prof, user, p.Files[0], fields)
	errs = append(errs, perrs...)
	p.Profile = profile

	if wls.Exists() {
		if wls.IncompleteKind() != cue.StructKind {
			errs = append(errs, diag.Errorf(l.userPos(wls, user, diag.Pos{File: p.Files[0]}), "workloads", "want a struct of workloads, got %v", wls.IncompleteKind()))
		} else {
			items, werrs := l.loadWorkloads(wls, user, fields)
			errs = append(errs, werrs...)
			p.Workloads = items
		}
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return p, nil
}

func (l *Loader) loadProfile(prof cue.Value, user map[string]bool, file string, fields map[string]diag.Pos) (*workload.Profile, diag.List) {
	v := l.profile
	fallback := diag.Pos{File: file}
	if prof.Exists() {
		v = v.Unify(prof)
		fallback = l.userPos(prof, user, fallback)
	}
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, l.cueDiags(err, l.profile, "profile", fallback, user)
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, l.cueDiags(err, l.profile, "profile", fallback, user)
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

func (l *Loader) loadWorkloads(wls cue.Value, user map[string]bool, fields map[string]diag.Pos) ([]Item, diag.List) {
	var items []Item
	var errs diag.List
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
	it, err := wls.Fields()
	if err != nil {
		return nil, l.cueDiags(err, cue.Value{}, "workloads", diag.Pos{}, user)
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
		v := l.workload.Unify(raw)
		if err := v.Validate(cue.Concrete(true)); err != nil {
			errs = append(errs, l.cueDiags(err, l.workload, prefix, src.Pos, user)...)
			continue
		}
		b, err := v.MarshalJSON()
		if err != nil {
			errs = append(errs, l.cueDiags(err, l.workload, prefix, src.Pos, user)...)
			continue
		}
		w, err := workload.Decode(b)
		if err != nil {
			errs = append(errs, diag.Errorf(src.Pos, prefix, "%v", err))
			continue
		}
		items = append(items, Item{Workload: w, Source: src})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Source.Name < items[j].Source.Name })
	return items, errs
}

// recordFields records where each field path is declared in a file, as
// the position of its label: "workloads.train.gpu.type". The first
// declaration wins; pattern and dynamic labels are skipped, since they
// declare no particular field.
func recordFields(decls []ast.Decl, prefix string, m map[string]diag.Pos) {
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
			if _, ok := m[key]; !ok {
				m[key] = pos(f.Label.Pos())
			}
			if st, ok := f.Value.(*ast.StructLit); ok {
				recordFields(st.Elts, key, m)
			}
		case *ast.EmbedDecl:
			if st, ok := d.(*ast.EmbedDecl).Expr.(*ast.StructLit); ok {
				recordFields(st.Elts, prefix, m)
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

// cueDiags turns a CUE error into diagnostics that point into the user's
// files. Paths are prefixed with prefix (the workload's path).
func (l *Loader) cueDiags(err error, schema cue.Value, prefix string, fallback diag.Pos, user map[string]bool) diag.List {
	type item struct {
		d      *diag.Diagnostic
		format string
		args   []any
	}
	var items []item
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
		// Errors of a workload are reported below workloads.NAME, not
		// below the schema definition it was checked against.
		if len(path) > 0 && strings.HasPrefix(path[0], "#") {
			path = path[1:]
		}
		fieldPath := strings.Join(path, ".")
		if prefix != "" && fieldPath != "" {
			fieldPath = prefix + "." + fieldPath
		} else if fieldPath == "" {
			fieldPath = prefix
		}
		msg := friendly(format, args)
		if format == "field not allowed" && len(path) > 0 && schema.Exists() {
			msg += suggest(schema, path)
		}
		d := &diag.Diagnostic{Pos: p, Path: fieldPath, Msg: msg}
		items = append(items, item{d, format, args})
	}

	// CUE reports a value that matches no alternative of a disjunction as
	// "N errors in empty disjunction" followed by one error per
	// alternative. Say it once: the value and what it may be.
	byPath := map[string][]item{}
	for _, it := range items {
		byPath[it.d.Path] = append(byPath[it.d.Path], it)
	}
	var out diag.List
	done := map[string]bool{}
	for _, it := range items {
		group := byPath[it.d.Path]
		if done[it.d.Path] {
			continue
		}
		if !isDisjunctionGroup(group[0].format) {
			out = append(out, it.d)
			continue
		}
		done[it.d.Path] = true
		var conflicts [][2]string
		var alts []string
		at := group[0].d.Pos
		for _, c := range group[1:] {
			at = c.d.Pos
			switch {
			case strings.HasPrefix(c.format, "conflicting values") && len(c.args) >= 2:
				conflicts = append(conflicts, [2]string{fmt.Sprint(c.args[0]), fmt.Sprint(c.args[1])})
			default:
				alts = append(alts, c.d.Msg)
			}
		}
		value := commonValue(conflicts)
		if value == "" {
			// Not the usual shape: keep every message.
			for _, c := range group[1:] {
				out = append(out, c.d)
			}
			continue
		}
		want := map[string]bool{}
		for _, a := range alts {
			want[a] = true
		}
		if len(alts) == 0 {
			for _, c := range conflicts {
				other := c[0]
				if other == value {
					other = c[1]
				}
				want[shortStruct(other)] = true
			}
		}
		list := make([]string, 0, len(want))
		for w := range want {
			list = append(list, w)
		}
		sort.Strings(list)
		msg := fmt.Sprintf("invalid value %s (want %s)", value, strings.Join(list, " | "))
		if len(alts) > 0 {
			msg = strings.Join(list, "; ")
		}
		out = append(out, &diag.Diagnostic{Pos: at, Path: it.d.Path, Msg: msg})
	}
	out.Sort()
	return out
}

// suggest names the closest field the schema allows where path's last
// element is, as "; did you mean gpu?".
func suggest(schema cue.Value, path []string) string {
	parent := schema
	for _, p := range path[:len(path)-1] {
		parent = parent.LookupPath(cue.MakePath(cue.Str(p)))
		if !parent.Exists() {
			return ""
		}
	}
	bad := path[len(path)-1]
	it, err := parent.Fields(cue.Optional(true))
	if err != nil {
		return ""
	}
	best, bestDist := "", 3
	for it.Next() {
		name := it.Selector().Unquoted()
		if d := editDistance(strings.ToLower(bad), strings.ToLower(name)); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var structField = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)[!?]?:`)

// shortStruct shows a struct alternative by its field names:
// {secret!:#DNSSubdomain,key!:string} becomes {secret, key}.
func shortStruct(s string) string {
	if !strings.HasPrefix(s, "{") {
		return s
	}
	var names []string
	for _, m := range structField.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return "{" + strings.Join(names, ", ") + "}"
}

func isDisjunctionGroup(format string) bool {
	return strings.Contains(format, "errors in empty disjunction")
}

// commonValue returns the value that every conflict shares: the user's
// value, the other being an alternative of the schema.
func commonValue(conflicts [][2]string) string {
	if len(conflicts) == 0 {
		return ""
	}
	for _, cand := range conflicts[0] {
		ok := true
		for _, c := range conflicts[1:] {
			if c[0] != cand && c[1] != cand {
				ok = false
				break
			}
		}
		if ok {
			return cand
		}
	}
	return ""
}

// patterns names the schema's regular expressions, so that a message says
// "a duration such as ..." instead of repeating the expression.
var patterns = []struct{ fragment, want string }{
	{`[numkMGTPE]|[KMGTPE]i`, `a quantity such as "500m", "2" or "32Gi"`},
	{`([0-9]+d)?([0-9]+h)?`, `a duration such as "90m", "6h", "1h30m" or "2d"`},
	{`(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`, `a DNS subdomain: lower-case letters, digits, '-' and '.'`},
	{`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, `a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit`},
	{`=~"^/"`, `an absolute path`},
	{`^[A-Za-z_][A-Za-z0-9_]*$`, `a name of letters, digits and '_'`},
	{`^[^\\s]+$`, `no spaces`},
}

// friendly formats a CUE message, naming known patterns.
func friendly(format string, args []any) string {
	msg := fmt.Sprintf(format, args...)
	if strings.HasPrefix(format, "invalid value") && len(args) >= 2 {
		bound := fmt.Sprint(args[1])
		for _, p := range patterns {
			if strings.Contains(bound, p.fragment) {
				return fmt.Sprintf("invalid value %v (want %s)", args[0], p.want)
			}
		}
	}
	return msg
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
