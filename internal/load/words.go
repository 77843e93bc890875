package load

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
)

// Plain words for schema values, so that messages and `mljob explain`
// say "a whole number from 1 to 64" where CUE says uint & >=1 & <=64.
// Everything here is derived from the schema value, so a field added to
// the schema is described without any change here.

// Describe says in plain words what a schema value accepts: "a list of
// strings", "a whole number from 1 to 64", "one of "Allow", "Forbid" or
// "Replace"", "a struct {count, type}", "a DNS label: ...".
func Describe(v cue.Value) string {
	v = strip(v)
	if alts := disjuncts(v); len(alts) > 1 {
		return describeAlternatives(alts)
	}
	k := v.IncompleteKind()
	switch k {
	case cue.BoolKind:
		return "true or false"
	case cue.StringKind:
		if s, err := v.String(); err == nil && v.IsConcrete() {
			return strconv.Quote(s)
		}
		return describeString(v)
	case cue.IntKind:
		return "a whole number" + bounds(v)
	case cue.NumberKind, cue.FloatKind:
		return "a number" + bounds(v)
	case cue.ListKind:
		return describeList(v)
	case cue.StructKind:
		return describeStruct(v)
	case cue.NullKind:
		return "null"
	}
	if k&cue.StringKind != 0 && k&cue.NumberKind != 0 {
		return describeString(v) + " or a number"
	}
	return "a value"
}

// strip evaluates v and removes what FillPath adds (a conjunction with _).
func strip(v cue.Value) cue.Value { return stripTop(v.Eval()) }

func isTop(v cue.Value) bool { return fmt.Sprint(v) == "_" }

// disjuncts returns the alternatives of a disjunction (defaults marked
// with * count as alternatives too), or v alone.
func disjuncts(v cue.Value) []cue.Value {
	v = stripTop(v)
	op, args := v.Expr()
	if op != cue.OrOp {
		// A reference to a disjunction (#EnvValue) is one once evaluated;
		// anything else is kept as it is (patterns survive, which
		// evaluating would drop).
		if e := v.Eval(); e.Exists() {
			if op2, args2 := e.Expr(); op2 == cue.OrOp {
				op, args = op2, args2
			}
		}
	}
	if op != cue.OrOp {
		return []cue.Value{v}
	}
	var out []cue.Value
	for _, a := range args {
		out = append(out, disjuncts(a)...)
	}
	return out
}

// Complete reports whether a value is data: concrete all the way down.
func Complete(v cue.Value) bool {
	return v.Validate(cue.Concrete(true)) == nil && !strings.Contains(fmt.Sprint(v), "...")
}

// Alternatives returns the alternatives of a schema value, or the value
// alone.
func Alternatives(v cue.Value) []cue.Value {
	if !v.Exists() {
		return nil
	}
	return disjuncts(v)
}

// stripTop removes a conjunction with _ (what FillPath adds).
func stripTop(v cue.Value) cue.Value {
	for i := 0; i < 4; i++ {
		op, args := v.Expr()
		if op != cue.AndOp || len(args) != 2 {
			return v
		}
		switch {
		case isTop(args[0]):
			v = args[1]
		case isTop(args[1]):
			v = args[0]
		default:
			return v
		}
	}
	return v
}

func describeAlternatives(alts []cue.Value) string {
	var literals, others, refs []string
	seen := map[string]bool{}
	add := func(list *[]string, s string) {
		if !seen[s] {
			seen[s] = true
			*list = append(*list, s)
		}
	}
	for _, a := range alts {
		switch {
		case a.IsConcrete() && a.IncompleteKind() != cue.StructKind && a.IncompleteKind() != cue.ListKind:
			add(&literals, fmt.Sprint(a))
		case a.IncompleteKind() == cue.StructKind:
			add(&refs, fieldList(a))
		default:
			add(&others, Describe(a))
		}
	}
	if len(others) == 0 && len(refs) == 0 {
		return "one of " + orList(literals)
	}
	words := append(append([]string{}, literals...), others...)
	switch len(refs) {
	case 0:
	case 1:
		words = append(words, "a struct "+refs[0])
	default:
		words = append(words, "a reference "+orList(refs))
	}
	return orList(words)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	last := " or "
	for _, w := range words {
		if strings.Contains(w, " or ") {
			last = ", or " // the items have or's of their own
		}
	}
	return strings.Join(words[:len(words)-1], ", ") + last + words[len(words)-1]
}

// fieldList names a struct's fields: {count, type}; a struct of pattern
// fields only is {NAME: string}.
func fieldList(v cue.Value) string {
	names := FieldNames(v)
	if len(names) == 0 {
		if p := v.LookupPath(cue.MakePath(cue.AnyString)); p.Exists() {
			return "{NAME: " + Describe(p) + "}"
		}
		return "{...}"
	}
	return "{" + strings.Join(names, ", ") + "}"
}

// FieldNames returns the names of a struct's fields, required and
// optional, in schema order.
func FieldNames(v cue.Value) []string {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var names []string
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	return names
}

func describeStruct(v cue.Value) string {
	if names := FieldNames(v); len(names) > 0 {
		return "a struct {" + strings.Join(names, ", ") + "}"
	}
	// A map: the values its pattern allows.
	if s := fmt.Sprint(v); strings.Contains(s, "[") {
		if m := mapValue.FindStringSubmatch(s); m != nil {
			return "a map of names to " + plural(m[1])
		}
	}
	return "a struct"
}

var mapValue = regexp.MustCompile(`\]:\s*([a-z]+)\s*\}\s*$`)

func plural(kind string) string {
	switch kind {
	case "string", "number", "bool":
		return kind + "s"
	case "int":
		return "whole numbers"
	}
	return "values"
}

func describeList(v cue.Value) string {
	s := fmt.Sprint(v)
	elem := v.LookupPath(cue.MakePath(cue.AnyIndex))
	if !elem.Exists() {
		return "a list"
	}
	what := Describe(elem)
	if strings.HasPrefix(s, "[_,") || strings.HasPrefix(s, "[_ ,") {
		what = "values"
	} else if w, ok := pluralOf(what); ok {
		what = w
	} else {
		what = "items that are each " + what
	}
	prefix := "a list of "
	if strings.HasPrefix(s, "[_") {
		prefix = "a non-empty list of "
	}
	return prefix + what
}

// pluralOf turns "a string" into "strings" where that reads well.
func pluralOf(what string) (string, bool) {
	switch {
	case what == "a string":
		return "strings", true
	case strings.HasPrefix(what, "a whole number"):
		return "whole numbers" + strings.TrimPrefix(what, "a whole number"), true
	case strings.HasPrefix(what, "a struct "):
		return "structs " + strings.TrimPrefix(what, "a struct "), true
	case what == "true or false":
		return "true or false values", true
	}
	return "", false
}

// patterns name the regular expressions of the schema in words; a
// pattern not listed is shown as is.
var patterns = []struct{ fragment, want, short string }{
	{`[numkMGTPE]|[KMGTPE]i`, `a quantity such as "500m", "2" or "32Gi"`, "quantity"},
	{`([0-9]+d)?([0-9]+h)?`, `a duration such as "90m", "6h", "1h30m" or "2d"`, "duration"},
	{`(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`, `a DNS subdomain (lower-case letters, digits, '-' and '.')`, "DNS subdomain"},
	{`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, `a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit)`, "DNS label"},
	{`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`, `a Kueue name (lower-case letters, digits, '-' and '.', at most 63, starting and ending with a letter or digit)`, "Kueue name"},
	{`=~"^/"`, `an absolute path`, "absolute path"},
	{`^[A-Za-z_][A-Za-z0-9_]*$`, `a name of letters, digits and '_'`, "identifier"},
	{`^[-._a-zA-Z][-._a-zA-Z0-9]*$`, `an environment variable name (letters, digits, '_', '-' and '.')`, "variable name"},
	{`^[^\\s]+$`, `a string without spaces`, "no spaces"},
}

// patternShort names the pattern in s briefly ("DNS label").
func patternShort(s string) (string, bool) {
	for _, p := range patterns {
		if strings.Contains(s, p.fragment) {
			return p.short, true
		}
	}
	return "", false
}

// Brief is a compact, readable type for `mljob explain`: "string (DNS
// label)", "int (1 to 64)", "{count, type}", ""Allow" | "Forbid"",
// "list of string", with ", default X" when the schema has one.
func Brief(v cue.Value) string {
	def, hasDef := v.Default()
	alts := disjuncts(v)
	// [...T] defaults to [] without saying so.
	hasDef = hasDef && (v.IncompleteKind() != cue.ListKind || len(alts) > 1)
	if hasDef {
		// The default is an alternative of its own (*"x" | string): the
		// type is the others, when one of them allows the default; an
		// enumeration (*"a" | "b" | "c") keeps every value.
		var rest []cue.Value
		for _, a := range alts {
			if !(a.IsConcrete() && (a.Equals(def) || fmt.Sprint(a) == fmt.Sprint(def))) {
				rest = append(rest, a)
			}
		}
		allowed := false
		for _, a := range rest {
			allowed = allowed || a.Subsume(def) == nil
		}
		if len(rest) > 0 && allowed {
			alts = rest
		}
	}
	parts := make([]string, 0, len(alts))
	seen := map[string]bool{}
	for _, a := range alts {
		if b := briefOne(a); !seen[b] {
			seen[b] = true
			parts = append(parts, b)
		}
	}
	out := strings.Join(parts, " | ")
	if hasDef && def.IsConcrete() {
		if d := strings.Join(strings.Fields(fmt.Sprint(def)), " "); len(d) <= 40 {
			out += ", default " + d
		}
	}
	return out
}

func briefOne(orig cue.Value) string {
	v := strip(orig)
	switch k := v.IncompleteKind(); k {
	case cue.BoolKind:
		if v.IsConcrete() {
			return fmt.Sprint(v)
		}
		return "bool"
	case cue.StringKind:
		if s, err := v.String(); err == nil && v.IsConcrete() {
			return strconv.Quote(s)
		}
		src := fmt.Sprint(v)
		if w, ok := patternShort(src); ok {
			return "string (" + w + ")"
		}
		if strings.Contains(src, "=~") {
			return "string (matching " + strings.TrimSpace(src[strings.Index(src, "=~")+2:]) + ")"
		}
		return "string"
	case cue.IntKind, cue.NumberKind, cue.FloatKind:
		name := "int"
		if k != cue.IntKind {
			name = "number"
		}
		if v.IsConcrete() {
			return fmt.Sprint(v)
		}
		if b := strings.TrimSpace(bounds(v)); b != "" {
			return name + " (" + strings.TrimPrefix(strings.TrimPrefix(b, "of "), "from ") + ")"
		}
		return name
	case cue.ListKind:
		if Complete(v) {
			if s := strings.Join(strings.Fields(fmt.Sprint(v)), " "); len(s) <= 40 {
				return s
			}
		}
		prefix := "list of "
		if strings.HasPrefix(fmt.Sprint(v), "[_") {
			prefix = "non-empty list of "
		}
		if elem := v.LookupPath(cue.MakePath(cue.AnyIndex)); elem.Exists() {
			return prefix + Brief(elem)
		}
		return "list"
	case cue.StructKind:
		// A map (with or without entries of its own): its entries; an
		// open struct takes anything.
		if elem := mapElem(orig); elem.Exists() {
			if b := Brief(elem); b != "any" {
				return "{NAME: " + b + "}"
			}
			if len(FieldNames(v)) == 0 {
				return "struct (any fields)"
			}
		}
		if names := FieldNames(v); len(names) > 0 {
			return "{" + strings.Join(names, ", ") + "}"
		}
		if v.IsConcrete() {
			return "{}"
		}
		return "struct (any fields)"
	}
	return "any"
}

// mapElem is the value of a map's entries ([K]: V), whatever K is.
func mapElem(v cue.Value) cue.Value {
	if !v.Exists() {
		return cue.Value{}
	}
	if e := v.LookupPath(cue.MakePath(cue.AnyString)); e.Exists() {
		return e
	}
	p := cue.MakePath(cue.Str("x"))
	e := v.FillPath(p, v.Context().CompileString("_")).LookupPath(p)
	if e.Err() != nil {
		return cue.Value{}
	}
	return e
}

// Field returns the schema value of a struct's field, required,
// optional or regular.
func Field(parent cue.Value, name string) cue.Value {
	if !parent.Exists() {
		return cue.Value{}
	}
	// Not LookupPath: it answers for any name a pattern allows.
	it, err := parent.Fields(cue.Optional(true))
	if err != nil {
		return cue.Value{}
	}
	for it.Next() {
		if it.Selector().Unquoted() == name {
			return it.Value()
		}
	}
	return cue.Value{}
}

// MapElem is the value of a map's entries.
func MapElem(v cue.Value) cue.Value {
	if !v.Exists() {
		return cue.Value{}
	}
	return mapElem(stripTop(v))
}

// patternWords names the pattern in s, if it is a known one.
func patternWords(s string) (string, bool) {
	for _, p := range patterns {
		if strings.Contains(s, p.fragment) {
			return p.want, true
		}
	}
	return "", false
}

var maxRunes = regexp.MustCompile(`strings\.MaxRunes\((\d+)\)`)

func describeString(v cue.Value) string {
	s := fmt.Sprint(v)
	words := "a string"
	if w, ok := patternWords(s); ok {
		words = w
	} else if strings.Contains(s, "=~") {
		words = "a string matching " + s[strings.Index(s, "=~")+2:]
	}
	if m := maxRunes.FindStringSubmatch(s); m != nil {
		words += " of at most " + m[1] + " characters"
	}
	if strings.Contains(s, `!=""`) {
		words = "a non-empty " + strings.TrimPrefix(words, "a ")
	}
	return words
}

var boundRE = regexp.MustCompile(`(>=|<=|>|<)\s*(-?[0-9.]+)`)

// bounds says the range of a number: " from 1 to 64", " of at least 0".
func bounds(v cue.Value) string {
	s := fmt.Sprint(v)
	lo, hi := "", ""
	if regexp.MustCompile(`\buint\b`).MatchString(s) {
		lo = "0"
	}
	for _, m := range boundRE.FindAllStringSubmatch(s, -1) {
		switch m[1] {
		case ">=":
			lo = m[2]
		case ">":
			lo = "more than " + m[2]
		case "<=":
			hi = m[2]
		case "<":
			hi = "less than " + m[2]
		}
	}
	switch {
	case lo != "" && hi != "":
		if strings.HasPrefix(lo, "more") || strings.HasPrefix(hi, "less") {
			return " " + lo + " and " + hi
		}
		return " from " + lo + " to " + hi
	case lo != "":
		if strings.HasPrefix(lo, "more") {
			return " " + lo
		}
		return " of at least " + lo
	case hi != "":
		if strings.HasPrefix(hi, "less") {
			return " " + hi
		}
		return " of at most " + hi
	}
	return ""
}

var exampleRE = regexp.MustCompile(`e\.g\. ("[^"]*"|\[[^\]]*\]|\{[^}]*\}|-?[0-9][0-9.]*)`)

// example is an example value for a field: the first "e.g." of its
// documentation, else one made from what the user wrote (a list of the
// words of a string given for a list of strings), else none.
func example(schema cue.Value, doc string, user cue.Value) string {
	if m := exampleRE.FindStringSubmatch(doc); m != nil {
		return m[1]
	}
	if schema.IncompleteKind() == cue.ListKind {
		if s, err := user.String(); err == nil {
			if words := strings.Fields(s); len(words) > 0 {
				b, _ := json.Marshal(words)
				return strings.ReplaceAll(string(b), `","`, `", "`)
			}
		}
	}
	return ""
}

// kindOf names the kind of a user's value: "a string", "a list".
func kindOf(v cue.Value) string {
	switch v.IncompleteKind() {
	case cue.StringKind:
		return "a string"
	case cue.IntKind:
		return "a whole number"
	case cue.FloatKind, cue.NumberKind:
		return "a number"
	case cue.BoolKind:
		return "a boolean"
	case cue.ListKind:
		return "a list"
	case cue.StructKind:
		return "a struct"
	case cue.NullKind:
		return "null"
	}
	return "another kind of value"
}

// closest returns the candidate nearest to bad, or "": the same but for
// case, a typo (a few edits, transpositions included), or a shared
// beginning of most of the shorter word (retry for retries).
func closest(bad string, candidates []string) string {
	best, bestScore := "", 0
	lb := strings.ToLower(bad)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		score := 0
		switch d := editDistance(lb, lc); {
		case lb == lc:
			score = 100
		case d <= 2 && d < len(lb)-1 || d <= len(lb)/3:
			score = 50 - d
		default:
			p := commonPrefix(lb, lc)
			if p >= 4 && p*10 >= min(len(lb), len(lc))*6 {
				score = 20 + p
			}
		}
		if score > bestScore || score == bestScore && score > 0 && c < best {
			best, bestScore = c, score
		}
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
