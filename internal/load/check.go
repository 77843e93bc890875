package load

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"

	"github.com/mljob/mljob/internal/diag"
)

// decl is one place a field is set in the user's files: where its label
// is, and its value when that is a literal.
type decl struct {
	pos   diag.Pos
	value string
}

// checker checks one user value (a workload, the profile) against its
// schema definition and says what is wrong in the user's words.
//
// CUE stops looking at a struct once one of its fields has a value error:
// a wrong type hides a misspelt sibling. So the checker does not rely on
// CUE's closedness errors alone: when the value does not validate, it
// also walks what the user wrote, field by field, and looks each field up
// in the schema (unknown fields at any depth, with the closest name the
// schema has there). Value errors come from CUE, one per field, in plain
// words derived from the schema value at that field.
type checker struct {
	l      *Loader
	schema cue.Value
	raw    cue.Value
	top    cue.Value
	// prefix is the value's path, e.g. workloads.train.
	prefix   string
	fallback diag.Pos
	user     map[string]bool
	// decls are where each field of the value is set, by relative path.
	decls map[string][]decl
	// unknown are the unknown fields found (relative dotted paths).
	unknown map[string]bool
}

// check unifies raw with schema; it returns the unified value, or every
// problem found.
func (l *Loader) check(raw, schema cue.Value, prefix string, fallback diag.Pos, user map[string]bool, decls map[string][]decl) (cue.Value, diag.List) {
	v := schema.Unify(raw)
	err := v.Validate(cue.Concrete(true))
	if err == nil {
		return v, nil
	}
	c := &checker{l: l, schema: schema, raw: raw, top: l.ctx.CompileString("_"), prefix: prefix,
		fallback: fallback, user: user, decls: decls, unknown: map[string]bool{}}
	var out diag.List
	c.walk(raw, nil, &out)

	type group struct {
		labels []string
		errs   []cueerrors.Error
	}
	var groups []*group
	byPath := map[string]*group{}
	for _, e := range cueerrors.Errors(err) {
		labels := e.Path()
		if len(labels) > 0 && strings.HasPrefix(labels[0], "#") {
			labels = labels[1:]
		}
		key := strings.Join(labels, ".")
		if c.belowUnknown(key) {
			continue
		}
		if format, _ := e.Msg(); format == "field not allowed" {
			// Found by the walk, unless CUE knows of one it did not
			// see (a field made by a comprehension, say).
			if !c.unknown[key] && len(labels) > 0 {
				sels := c.selectors(labels)
				// Below alternatives, the disjunction's own error says
				// which fields the closest one has.
				if parent := c.at(sels[:len(sels)-1]); len(disjuncts(strip(parent))) == 1 {
					out = append(out, c.unknownField(sels, parent, c.posOf(key, e)))
					c.unknown[key] = true
				}
			}
			continue
		}
		g := byPath[key]
		if g == nil {
			g = &group{labels: labels}
			byPath[key] = g
			groups = append(groups, g)
		}
		g.errs = append(g.errs, e)
	}
	for _, g := range groups {
		out = append(out, c.explain(g.labels, g.errs)...)
	}
	if len(out) == 0 {
		// Nothing we could say better: CUE's own words, positioned.
		for _, e := range cueerrors.Errors(err) {
			format, args := e.Msg()
			out = append(out, &diag.Diagnostic{Pos: c.posOf("", e), Path: c.full(strings.Join(e.Path(), ".")), Msg: scrub(fmt.Sprintf(format, args...))})
		}
	}
	out.Sort()
	return cue.Value{}, out
}

// full is a relative path below the prefix.
func (c *checker) full(rel string) string {
	switch {
	case rel == "":
		return c.prefix
	case c.prefix == "":
		return rel
	}
	return c.prefix + "." + rel
}

func (c *checker) belowUnknown(key string) bool {
	for k := range c.unknown {
		if key == k || strings.HasPrefix(key, k+".") {
			return true
		}
	}
	return false
}

// selectors turns the labels of an error path into selectors, indexes
// where the user's value is a list.
func (c *checker) selectors(labels []string) []cue.Selector {
	sels := make([]cue.Selector, 0, len(labels))
	v := c.raw
	for _, l := range labels {
		var s cue.Selector
		if n, err := strconv.Atoi(l); err == nil && v.IncompleteKind() == cue.ListKind {
			s = cue.Index(n)
		} else {
			s = cue.Str(l)
		}
		sels = append(sels, s)
		v = v.LookupPath(cue.MakePath(s))
	}
	return sels
}

func relKey(sels []cue.Selector) string {
	parts := make([]string, len(sels))
	for i, s := range sels {
		if s.Type() == cue.IndexLabel {
			parts[i] = s.String()
		} else {
			parts[i] = s.Unquoted()
		}
	}
	return strings.Join(parts, ".")
}

// at is the schema value at a path of the user's value: pattern
// constraints (env.NAME, datasets.NAME) and list elements applied.
func (c *checker) at(sels []cue.Selector) cue.Value {
	if len(sels) == 0 {
		return c.schema
	}
	p := cue.MakePath(sels...)
	return c.schema.FillPath(p, c.top).LookupPath(p)
}

// userAt is the user's value at a path.
func (c *checker) userAt(sels []cue.Selector) cue.Value {
	return c.raw.LookupPath(cue.MakePath(sels...))
}

func notAllowed(v cue.Value) bool {
	err := v.Err()
	return err != nil && strings.Contains(err.Error(), "field not allowed")
}

// walk finds the fields of the user's value that the schema does not
// have, at every depth.
func (c *checker) walk(v cue.Value, sels []cue.Selector, out *diag.List) {
	switch v.IncompleteKind() {
	case cue.StructKind, cue.BottomKind: // a struct with a conflict in it is bottom
		parent := c.at(sels)
		if len(disjuncts(strip(parent))) > 1 || fmt.Sprint(strip(parent)) == "{...}" {
			// Alternatives are explained with the value errors; an
			// open struct allows anything.
			return
		}
		it, err := v.Fields()
		if err != nil {
			return
		}
		for it.Next() {
			child := append(append([]cue.Selector{}, sels...), it.Selector())
			if notAllowed(c.at(child)) {
				key := relKey(child)
				*out = append(*out, c.unknownField(child, parent, c.posOf(key, nil)))
				c.unknown[key] = true
				continue
			}
			c.walk(it.Value(), child, out)
		}
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return
		}
		for i := 0; it.Next(); i++ {
			c.walk(it.Value(), append(append([]cue.Selector{}, sels...), cue.Index(i)), out)
		}
	}
}

// unknownField says that the last of sels is not a field of parent, and
// which one was meant.
func (c *checker) unknownField(sels []cue.Selector, parent cue.Value, pos diag.Pos) *diag.Diagnostic {
	name := sels[len(sels)-1].Unquoted()
	path := c.full(relKey(sels))
	names := FieldNames(strip(parent))
	if len(names) == 0 {
		// A map whose names must match a pattern (datasets, secretFiles).
		key := c.l.keyWords(parent)
		return &diag.Diagnostic{Pos: pos, Path: path, Msg: fmt.Sprintf("invalid name %q: want %s", name, key)}
	}
	if best := closest(name, names); best != "" {
		return &diag.Diagnostic{Pos: pos, Path: path, Msg: "unknown field; did you mean " + best + "?"}
	}
	return &diag.Diagnostic{Pos: pos, Path: path, Msg: "unknown field (want " + orList(names) + ")"}
}

// posOf is where the field at the relative path is set: the error's
// first position in a user file, else the field's label, else the
// fallback.
func (c *checker) posOf(key string, e cueerrors.Error) diag.Pos {
	if e != nil {
		for _, cp := range cueerrors.Positions(e) {
			if q := pos(cp); c.user[q.File] {
				return q
			}
		}
	}
	if ds := c.decls[key]; len(ds) > 0 {
		return ds[0].pos
	}
	if key != "" {
		if v := c.userAt(c.selectors(strings.Split(key, "."))); v.Exists() {
			if q := pos(v.Pos()); c.user[q.File] {
				return q
			}
		}
	}
	return c.fallback
}

// explain turns CUE's errors about one field into one message.
func (c *checker) explain(labels []string, errs []cueerrors.Error) diag.List {
	sels := c.selectors(labels)
	key := strings.Join(labels, ".")
	path := c.full(key)
	schema := c.at(sels)
	user := c.userAt(sels)
	// The value's position: the first in a user's file of any of the
	// errors (a disjunction's own error has none, its alternatives do).
	at := c.posOf(key, nil)
	found := false
	for _, e := range errs {
		for _, cp := range cueerrors.Positions(e) {
			if q := pos(cp); c.user[q.File] && !found {
				at, found = q, true
			}
		}
	}
	one := func(msg string) diag.List { return diag.List{{Pos: at, Path: path, Msg: msg}} }
	format, args := errs[0].Msg()
	switch {
	case strings.Contains(format, "errors in empty disjunction"):
		return c.alternatives(sels, path, at, schema, user)
	case strings.HasPrefix(format, "conflicting values"):
		if d := c.conflict(key, path, at); d != nil {
			return diag.List{d}
		}
		return one(c.mustBe(schema, user, true))
	case strings.HasPrefix(format, "incompatible list lengths"):
		return one(c.mustBe(schema, user, false))
	case format == "field is required but not present":
		return one("required, but not set")
	case strings.HasPrefix(format, "invalid value"), strings.HasPrefix(format, "incomplete value"):
		if !user.Exists() {
			return one("required, but not set")
		}
		return one(c.mustBe(schema, user, false))
	}
	return one(scrub(fmt.Sprintf(format, args...)))
}

// mustBe says what the field must be: "must be a list of strings, e.g.
// ["python", "train.py"], not a string", "must be a whole number from 1
// to 64, got 0".
func (c *checker) mustBe(schema, user cue.Value, typeErr bool) string {
	want := Describe(schema)
	msg := "must be " + want
	if typeErr && user.IncompleteKind() != strip(schema).IncompleteKind() {
		if ex := example(strip(schema), docOf(schema), user); ex != "" {
			msg += ", e.g. " + ex
		}
		return msg + ", not " + kindOf(user)
	}
	if user.Exists() {
		msg += ", got " + short(user)
	}
	return msg
}

// short shows a user's value on one line.
func short(v cue.Value) string {
	s := strings.Join(strings.Fields(fmt.Sprint(v)), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

func docOf(v cue.Value) string {
	var b strings.Builder
	for _, d := range v.Doc() {
		b.WriteString(d.Text())
	}
	return b.String()
}

// conflict reports a field set to different values in several places,
// naming each; nil when the field is set in one place only.
func (c *checker) conflict(key, path string, at diag.Pos) *diag.Diagnostic {
	ds := c.decls[key]
	if len(ds) < 2 {
		return nil
	}
	var parts []string
	for _, d := range ds {
		if d.value != "" {
			parts = append(parts, d.value+" at "+d.pos.String())
		} else {
			parts = append(parts, "at "+d.pos.String())
		}
	}
	return &diag.Diagnostic{Pos: ds[0].pos, Path: path, Msg: "set to different values: " + strings.Join(parts, ", ") + "; set it once, or to the same value"}
}

// alternatives explains a value that matches none of the schema's
// alternatives: an enumeration (with the closest value), or a struct
// that is almost one of the alternatives (what it lacks, what it has
// too much), or a value of the wrong kind.
func (c *checker) alternatives(sels []cue.Selector, path string, at diag.Pos, schema, user cue.Value) diag.List {
	alts := disjuncts(strip(schema))
	one := func(msg string) diag.List { return diag.List{{Pos: at, Path: path, Msg: msg}} }
	if user.IncompleteKind() == cue.StructKind {
		if d := c.nearStruct(sels, path, at, alts, user); d != nil {
			return d
		}
	}
	msg := "must be " + describeAlternatives(alts)
	if user.Exists() {
		msg += ", got " + short(user)
	}
	if s, err := user.String(); err == nil {
		var lits []string
		for _, a := range alts {
			if l, err := a.String(); err == nil && a.IsConcrete() {
				lits = append(lits, l)
			}
		}
		if best := closest(s, lits); best != "" {
			msg += "; did you mean " + strconv.Quote(best) + "?"
		}
	}
	return one(msg)
}

// nearStruct finds the struct alternative the user's struct is closest
// to (most fields in common, a required one among them) and says what
// it lacks and what it has that the alternative does not.
func (c *checker) nearStruct(sels []cue.Selector, path string, at diag.Pos, alts []cue.Value, user cue.Value) diag.List {
	have := map[string]bool{}
	for _, n := range FieldNames(user) {
		have[n] = true
	}
	var best cue.Value
	bestScore, bestKey := 0, ""
	for _, a := range alts {
		if a.IncompleteKind() != cue.StructKind {
			continue
		}
		score, key := 0, ""
		it, err := a.Fields(cue.Optional(true))
		if err != nil {
			continue
		}
		for it.Next() {
			n := it.Selector().Unquoted()
			if have[n] {
				score++
				if key == "" && it.Selector().ConstraintType() == cue.RequiredConstraint {
					key = n
					score += 10
				}
			}
		}
		if score > bestScore {
			best, bestScore, bestKey = a, score, key
		}
	}
	if bestScore == 0 {
		return nil
	}
	var out diag.List
	names := FieldNames(best)
	var missing []string
	it, _ := best.Fields(cue.Optional(true))
	for it.Next() {
		if n := it.Selector().Unquoted(); it.Selector().ConstraintType() == cue.RequiredConstraint && !have[n] {
			missing = append(missing, n)
		}
	}
	what := "a struct " + fieldList(best)
	if bestKey != "" {
		what = "a reference with " + bestKey + " is " + fieldList(best)
	}
	if len(missing) > 0 {
		out = append(out, &diag.Diagnostic{Pos: at, Path: path, Msg: "missing " + orList(missing) + ": " + what})
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	for _, n := range slices.Sorted(maps.Keys(have)) {
		if known[n] {
			continue
		}
		child := append(append([]cue.Selector{}, sels...), cue.Str(n))
		key := relKey(child)
		d := &diag.Diagnostic{Pos: c.posOf(key, nil), Path: c.full(key), Msg: "unknown field (want " + orList(names) + ")"}
		if b := closest(n, names); b != "" && !have[b] {
			d.Msg = "unknown field; did you mean " + b + "?"
		}
		out = append(out, d)
		c.unknown[key] = true
	}
	if len(out) == 0 {
		// The fields are right; one of their values is not.
		if _, errs := c.l.check(user, best, path, at, c.user, narrow(c.decls, relKey(sels))); len(errs) > 0 {
			return errs
		}
		return nil
	}
	return out
}

var patternLabel = regexp.MustCompile(`\[(#[A-Za-z0-9_]+|=~"(?:[^"\\]|\\.)*")\]:`)

// keyWords says what the names of a map must be, from its pattern
// constraint: a definition ([#DNSLabel]: ...) or a regular expression.
func (l *Loader) keyWords(m cue.Value) string {
	b, err := format.Node(m.Syntax(cue.Raw()))
	if err != nil {
		return "a name"
	}
	match := patternLabel.FindStringSubmatch(string(b))
	if match == nil {
		return "a name"
	}
	if strings.HasPrefix(match[1], "#") {
		if d := l.root.LookupPath(cue.ParsePath(match[1])); d.Exists() {
			return Describe(d)
		}
	}
	if w, ok := patternWords(match[1]); ok {
		return w
	}
	return "a name matching " + strings.TrimPrefix(match[1], "=~")
}

var definition = regexp.MustCompile(`#[A-Z][A-Za-z0-9]*\.?`)

// scrub removes what only CUE's authors understand from a message.
func scrub(msg string) string {
	msg = definition.ReplaceAllString(msg, "")
	if w, ok := patternWords(msg); ok && strings.Contains(msg, "=~") {
		msg = msg[:strings.Index(msg, "(")] + "(want " + w + ")"
	}
	return msg
}

// narrow returns the declarations below prefix, relative to it.
func narrow(decls map[string][]decl, prefix string) map[string][]decl {
	out := map[string][]decl{}
	for k, ds := range decls {
		if k == prefix {
			out[""] = ds
		} else if rest, ok := strings.CutPrefix(k, prefix+"."); ok {
			out[rest] = ds
		}
	}
	return out
}

// sortDecls orders each field's declarations by position.
func sortDecls(m map[string][]decl) {
	for _, ds := range m {
		sort.Slice(ds, func(i, j int) bool { return ds[i].pos.Less(ds[j].pos) })
	}
}
