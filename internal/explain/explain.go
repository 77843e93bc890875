// Package explain documents the workload language from the comments of
// the embedded CUE schemas, the way `kubectl explain` documents API types.
package explain

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"

	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/workload"
	"github.com/mljob/mljob/schemas"
)

// Field is one documented field of the schema.
type Field struct {
	Name string
	Doc  string
	// Type is readable: "string (DNS label)", "int (1 to 64)",
	// "{count, type}", with ", default X" when there is one.
	Type     string
	Required bool
	// Types lists the workload types the field is for; empty means all.
	Types []string
	// Fields are the sub-fields, for structs.
	Fields []*Field
}

// Schema is the parsed workload language.
type Schema struct {
	defs    map[string]*ast.StructLit
	defDocs map[string]string
	// formats maps the name a type gives a format in parentheses
	// ("duration") to the documentation of its definition.
	formats  map[string]string
	Workload *Field
	Profile  *Field
	// TypeDocs maps each workload type to its line of the `type` doc.
	TypeDocs map[string]string
}

// Load parses the embedded schemas.
func Load() (*Schema, error) {
	s := &Schema{defs: map[string]*ast.StructLit{}, defDocs: map[string]string{}, TypeDocs: map[string]string{}}
	files, err := schemas.Parse("")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			name, _, _ := ast.LabelName(fd.Label)
			if st := structOf(fd.Value); st != nil {
				s.defs[name] = st
			} else if doc := docOf(fd); doc != "" && strings.HasPrefix(name, "#") {
				s.defDocs[name] = doc
			}
		}
	}
	l, err := load.NewLoader()
	if err != nil {
		return nil, err
	}
	// A format is named after the first definition (by name) that shows
	// as it; a definition that only narrows another (#Size is a #Quantity
	// the language checks further) is named after itself, where a field
	// refers to it (see field).
	s.formats = map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(s.defDocs)) {
		for _, m := range formatName.FindAllStringSubmatch(load.Brief(l.Schema(name)), -1) {
			if _, ok := s.formats[m[1]]; !ok {
				s.formats[m[1]] = s.defDocs[name]
			}
		}
	}
	s.Workload = s.field("#Workload", s.defs["#Workload"], nil, 0, l.Schema("#Workload"))
	s.Profile = s.field("#Profile", s.defs["#Profile"], nil, 0, l.Schema("#Profile"))
	if s.Workload == nil || s.Profile == nil {
		return nil, fmt.Errorf("explain: schema lacks #Workload or #Profile")
	}
	for _, f := range s.Workload.Fields {
		if f.Name != "type" {
			continue
		}
		for _, line := range strings.Split(f.Doc, "\n") {
			t, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok && strings.Contains(f.Type, `"`+t+`"`) {
				s.TypeDocs[t] = strings.TrimSpace(rest)
			}
		}
	}
	return s, nil
}

// structOf returns the struct a value declares: a literal, or the struct
// operand of a conjunction or of a map pattern's value.
func structOf(e ast.Expr) *ast.StructLit {
	switch v := e.(type) {
	case *ast.StructLit:
		return v
	case *ast.BinaryExpr:
		if st := structOf(v.Y); st != nil {
			return st
		}
		return structOf(v.X)
	}
	return nil
}

var formatName = regexp.MustCompile(`\(([a-zA-Z ]+)\)`)

// field documents a field whose value is st (or a reference to a
// definition) and whose schema value is v; depth stops runaway
// recursion. A field declared twice (a map's pattern, then its
// defaults) is one field.
func (s *Schema) field(name string, st *ast.StructLit, fd *ast.Field, depth int, v cue.Value) *Field {
	f := &Field{Name: name}
	if fd != nil {
		f.Doc = docOf(fd)
		f.Type = typeString(fd.Value)
		if v.Exists() {
			f.Type = load.Brief(v)
		}
		if id, ok := fd.Value.(*ast.Ident); ok && s.defDocs[id.Name] != "" {
			// A field of a documented definition reads as its name.
			own := strings.ToLower(strings.TrimPrefix(id.Name, "#"))
			if m := formatName.FindStringSubmatch(f.Type); m != nil && m[1] != own && s.formats[m[1]] != s.defDocs[id.Name] {
				f.Type = strings.Replace(f.Type, "("+m[1]+")", "("+own+")", 1)
				s.formats[own] = s.defDocs[id.Name]
			}
		}
		f.Required = fd.Constraint.String() == "!"
		for _, a := range fd.Attrs {
			key, body := a.Split()
			if key != "mljob" {
				continue
			}
			if v, ok := strings.CutPrefix(body, "types="); ok {
				f.Types = strings.Split(strings.Trim(v, `"`), ",")
			}
		}
		if st == nil {
			st = s.structOfValue(fd.Value)
		}
	}
	if st == nil || depth > 4 || mixed(v) || mixed(load.MapElem(v)) {
		// A value of alternatives (env's literal or references) is
		// described by its type; it has no fields of its own.
		return f
	}
	for _, d := range st.Elts {
		sub, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		n, _, err := ast.LabelName(sub.Label)
		if err != nil || strings.HasPrefix(n, "#") || strings.HasPrefix(n, "_") {
			continue
		}
		var sv cue.Value
		if alts := load.Alternatives(v); len(alts) > 1 {
			// Struct alternatives (a definition, or a default): the
			// definition's fields, not the default's values.
			for _, a := range alts {
				if !load.Complete(a) {
					v = a
					break
				}
			}
		}
		if v.Exists() {
			if sv = load.Field(v, n); !sv.Exists() { // a map: its entries' fields
				sv = load.Field(load.MapElem(v), n)
			}
		}
		next := s.field(n, nil, sub, depth+1, sv)
		if prev := fieldByName(f.Fields, n); prev != nil {
			// Declared again (a map's pattern, then its default
			// entries): one field, documented by the first.
			if prev.Doc == "" {
				prev.Doc = next.Doc
			}
			if len(prev.Fields) == 0 {
				prev.Fields = next.Fields
			}
			continue
		}
		f.Fields = append(f.Fields, next)
	}
	return f
}

// mixed reports whether a schema value has alternatives that are not
// all structs (a literal or a reference, for env).
func mixed(v cue.Value) bool {
	alts := load.Alternatives(v)
	if len(alts) < 2 {
		return false
	}
	for _, a := range alts {
		if a.IncompleteKind() != cue.StructKind {
			return true
		}
	}
	return false
}

func fieldByName(fs []*Field, name string) *Field {
	for _, f := range fs {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// structOfValue finds the struct of a field's value: a literal, a
// definition it references, or the value of a map pattern ([K]: V).
func (s *Schema) structOfValue(e ast.Expr) *ast.StructLit {
	switch v := e.(type) {
	case *ast.StructLit:
		// A map: {[K]: V} has one pattern field.
		if len(v.Elts) == 1 {
			if pf, ok := v.Elts[0].(*ast.Field); ok {
				if _, isPattern := pf.Label.(*ast.ListLit); isPattern {
					return s.structOfValue(pf.Value)
				}
			}
		}
		return v
	case *ast.Ident:
		return s.defs[v.Name]
	case *ast.BinaryExpr:
		if st := s.structOfValue(v.Y); st != nil {
			return st
		}
		return s.structOfValue(v.X)
	case *ast.UnaryExpr:
		return s.structOfValue(v.X)
	case *ast.ParenExpr:
		return s.structOfValue(v.X)
	}
	return nil
}

func docOf(fd *ast.Field) string {
	var lines []string
	for _, cg := range ast.Comments(fd) {
		if !cg.Doc {
			continue
		}
		for _, c := range cg.List {
			lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(c.Text, "//"), " "))
		}
	}
	return strings.Join(lines, "\n")
}

// typeString formats a field's constraint on one line; struct literals
// show as {...}.
func typeString(e ast.Expr) string {
	if st, ok := e.(*ast.StructLit); ok {
		if len(st.Elts) == 1 {
			if pf, ok := st.Elts[0].(*ast.Field); ok {
				if l, isPattern := pf.Label.(*ast.ListLit); isPattern {
					return "{[" + oneLine(l.Elts[0]) + "]: " + typeString(pf.Value) + "}"
				}
			}
		}
		return "{...}"
	}
	return oneLine(e)
}

func oneLine(n ast.Node) string {
	b, err := format.Node(n, format.Simplify())
	if err != nil {
		return "?"
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	// Drop comments that came along with struct literals.
	return s
}

// Lookup resolves a path such as "training", "training.gpu", "gpu.type" or
// "profile.gpuTypes". It returns the workload type named (if any) and the
// field.
func (s *Schema) Lookup(path string) (typ string, f *Field, err error) {
	parts := strings.Split(path, ".")
	f = s.Workload
	if parts[0] == "profile" {
		f, parts = s.Profile, parts[1:]
	} else if _, ok := s.TypeDocs[parts[0]]; ok {
		typ, parts = parts[0], parts[1:]
	}
	for _, p := range parts {
		if p == "" {
			continue
		}
		var next *Field
		for _, sub := range f.Fields {
			if sub.Name == p {
				next = sub
			}
		}
		if next == nil {
			if f == s.Workload && typ == "" {
				return "", nil, fmt.Errorf("%q is neither a workload type (%s) nor a workload field (%s)", p, strings.Join(slices.Sorted(maps.Keys(s.TypeDocs)), ", "), strings.Join(names(f.Fields), ", "))
			}
			return "", nil, fmt.Errorf("%q has no field %q (fields: %s)", displayName(f), p, strings.Join(names(f.Fields), ", "))
		}
		if typ != "" && !next.AppliesTo(typ) {
			return "", nil, fmt.Errorf("%s is not a field of %s workloads (it is for %s)", p, typ, strings.Join(next.Types, ", "))
		}
		f = next
	}
	return typ, f, nil
}

// AppliesTo reports whether the field is for workloads of type typ.
func (f *Field) AppliesTo(typ string) bool {
	if len(f.Types) == 0 {
		return true
	}
	for _, t := range f.Types {
		if t == typ {
			return true
		}
	}
	return false
}

func displayName(f *Field) string { return strings.TrimPrefix(f.Name, "#") }

func names(fs []*Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// Write prints the documentation of path ("" for the overview). profile
// supplies the GPU types to list for gpu fields.
func (s *Schema) Write(path string, profile *workload.Profile) (string, error) {
	var b bytes.Buffer
	if path == "" {
		s.overview(&b)
		return b.String(), nil
	}
	typ, f, err := s.Lookup(path)
	if err != nil {
		return "", err
	}
	switch {
	case typ != "":
		fmt.Fprintf(&b, "WORKLOAD TYPE: %s\n", typ)
	case f == s.Profile:
		b.WriteString("PROFILE: the platform's defaults; a project sets any of them with a top-level `profile: {...}`\n")
	case f == s.Workload:
		b.WriteString("WORKLOAD: one batch workload, under `workloads: NAME: {...}`\n")
	}
	if f != s.Workload && f != s.Profile {
		fmt.Fprintf(&b, "FIELD:    %s <%s>%s\n", path, f.Type, requiredMark(f))
	}
	if f == s.Workload && typ != "" {
		fmt.Fprintf(&b, "\nDESCRIPTION:\n%s\n", indent(s.TypeDocs[typ], "    "))
	} else if f.Doc != "" {
		fmt.Fprintf(&b, "\nDESCRIPTION:\n%s\n", indent(f.Doc, "    "))
	}
	if len(f.Types) > 0 {
		fmt.Fprintf(&b, "\nFOR TYPES: %s\n", strings.Join(f.Types, ", "))
	}
	if len(f.Fields) > 0 {
		b.WriteString("\nFIELDS:\n")
		for _, sub := range f.Fields {
			if typ != "" && !sub.AppliesTo(typ) {
				continue
			}
			fmt.Fprintf(&b, "    %s <%s>%s\n", sub.Name, sub.Type, requiredMark(sub))
			if sub.Doc != "" {
				fmt.Fprintf(&b, "%s\n", indent(sub.Doc, "        "))
			}
		}
	}
	s.writeDefs(&b, f)
	last := path[strings.LastIndexByte(path, '.')+1:]
	if (last == "gpu" || last == "type" && strings.Contains(path, "gpu") || last == "gpuTypes") && profile != nil {
		writeGPUTypes(&b, profile)
	}
	return b.String(), nil
}

// writeDefs explains the formats (quantity, duration, ...) that the
// field's type and its sub-fields' name.
func (s *Schema) writeDefs(b *bytes.Buffer, f *Field) {
	var lines []string
	types := f.Type
	for _, sub := range f.Fields {
		types += " " + sub.Type
	}
	for _, name := range slices.Sorted(maps.Keys(s.formats)) {
		if strings.Contains(types, "("+name+")") {
			lines = append(lines, fmt.Sprintf("    %s: %s", name, strings.ReplaceAll(s.formats[name], "\n", " ")))
		}
	}
	if len(lines) > 0 {
		b.WriteString("\nWHERE:\n" + strings.Join(lines, "\n") + "\n")
	}
}

func (s *Schema) overview(b *bytes.Buffer) {
	b.WriteString("The mljob workload language: a project's .cue files set `workloads`\n(name -> workload) and, optionally, `profile` (platform defaults).\n\nWORKLOAD TYPES:\n")
	types := make([]string, 0, len(s.TypeDocs))
	for t := range s.TypeDocs {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(b, "    %-11s %s\n", t, s.TypeDocs[t])
	}
	b.WriteString("\nWORKLOAD FIELDS:\n")
	for _, f := range s.Workload.Fields {
		fmt.Fprintf(b, "    %s <%s>%s\n", f.Name, f.Type, requiredMark(f))
	}
	b.WriteString("\nMore: mljob explain TYPE, mljob explain [TYPE.]FIELD[.FIELD], mljob explain profile[.FIELD]\n")
}

func writeGPUTypes(b *bytes.Buffer, p *workload.Profile) {
	b.WriteString("\nKNOWN GPU TYPES (profile gpuTypes):\n")
	for _, name := range slices.Sorted(maps.Keys(p.GPUTypes)) {
		t := p.GPUTypes[name]
		fmt.Fprintf(b, "    %-10s %s", name, t.Resource)
		if len(t.Products) > 0 {
			label := t.ProductLabel
			fmt.Fprintf(b, ", nodes with %s in %s", label, strings.Join(t.Products, ", "))
		}
		for _, k := range slices.Sorted(maps.Keys(t.NodeSelector)) {
			fmt.Fprintf(b, ", nodes with %s=%s", k, t.NodeSelector[k])
		}
		writePerGPU(b, t)
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "    (no type)  %s", p.DefaultGPU.Resource)
	for _, k := range slices.Sorted(maps.Keys(p.DefaultGPU.NodeSelector)) {
		fmt.Fprintf(b, ", nodes with %s=%s", k, p.DefaultGPU.NodeSelector[k])
	}
	writePerGPU(b, p.DefaultGPU)
	b.WriteString("\n")
}

// writePerGPU says what a workload of the type gets per GPU when it sets
// no resources.
func writePerGPU(b *bytes.Buffer, t workload.GPUType) {
	if t.PerGPU == nil || t.PerGPU.CPU == "" && t.PerGPU.Memory == "" {
		return
	}
	var parts []string
	if t.PerGPU.CPU != "" {
		parts = append(parts, "cpu "+string(t.PerGPU.CPU))
	}
	if t.PerGPU.Memory != "" {
		parts = append(parts, "memory "+string(t.PerGPU.Memory))
	}
	fmt.Fprintf(b, "; per GPU: %s", strings.Join(parts, ", "))
}

func requiredMark(f *Field) string {
	if f.Required {
		return " -required-"
	}
	return ""
}

func indent(s, pre string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pre + l
		}
	}
	return strings.Join(lines, "\n")
}
