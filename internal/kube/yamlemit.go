package kube

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// fastYAML writes the JSON tree m (numbers as json.Number) as yaml.v2's
// Marshal writes it, for the trees Kubernetes objects make: block
// mappings and sequences of ASCII strings, integers, booleans and nulls.
// It reports false, having written nothing of use, on anything whose YAML
// takes more of yaml.v2's emitter than this: a float, a string with a
// line break or outside printable ASCII, a string that could be folded
// at column 80, a long key. yaml.v2 writes those (treeYAML).
//
// It is the emitter's behaviour for the cases it takes, copied from
// go.yaml.in/yaml/v2 v2.4.4 (encode.go stringv, resolve.go resolve,
// emitterc.go yaml_emitter_analyze_scalar and select_scalar_style,
// sorter.go keyList.Less; Apache-2.0 and MIT). TestEncodeMatchesJSONToYAML
// and FuzzEncodeYAML hold it to yaml.v2's bytes.
func fastYAML(m map[string]any) ([]byte, bool) {
	if len(m) == 0 {
		return []byte("{}\n"), true
	}
	e := yamlEmitter{buf: make([]byte, 0, 4096)}
	if !e.mapping(m, 0, false) {
		return nil, false
	}
	return e.buf, true
}

// bestWidth is the column after which yaml.v2 folds scalars at spaces;
// maxSimpleKey the longest key it writes as `key:`.
const (
	bestWidth    = 80
	maxSimpleKey = 128
)

type yamlEmitter struct {
	buf []byte
}

func (e *yamlEmitter) indent(n int) {
	for range n {
		e.buf = append(e.buf, ' ')
	}
}

// mapping writes m's entries at indent; inline, the first goes where the
// output is (after a sequence's "- ").
func (e *yamlEmitter) mapping(m map[string]any, indent int, inline bool) bool {
	for i, k := range yamlKeyOrder(m) {
		if i > 0 || !inline {
			e.indent(indent)
		}
		start := len(e.buf)
		if len(k) > maxSimpleKey || !e.str(k, 0, -1) {
			return false
		}
		col := indent + len(e.buf) - start
		e.buf = append(e.buf, ':')
		if !e.value(m[k], col+1, false, indent+2, indent) {
			return false
		}
	}
	return true
}

// sequence writes l's items at indent, the first inline or not.
func (e *yamlEmitter) sequence(l []any, indent int, inline bool) bool {
	for i, item := range l {
		if i > 0 || !inline {
			e.indent(indent)
		}
		e.buf = append(e.buf, '-')
		if !e.value(item, indent+1, true, indent+2, indent+2) {
			return false
		}
	}
	return true
}

// value writes v after a key's ':' or a sequence's '-' (afterDash), the
// space after them at column col: a scalar or an empty collection on the
// same line, a mapping at mapIndent and a sequence at seqIndent on the
// next lines (yaml.v2 does not indent a sequence under a key), or inline
// after "- ".
func (e *yamlEmitter) value(v any, col int, afterDash bool, mapIndent, seqIndent int) bool {
	switch t := v.(type) {
	case map[string]any:
		return e.collection(len(t), " {}\n", col, afterDash, func(inline bool) bool { return e.mapping(t, mapIndent, inline) })
	case []any:
		return e.collection(len(t), " []\n", col, afterDash, func(inline bool) bool { return e.sequence(t, seqIndent, inline) })
	}
	e.buf = append(e.buf, ' ')
	if str, ok := v.(string); ok && strings.IndexByte(str, '\n') >= 0 {
		return e.literal(str, mapIndent)
	}
	if !e.scalar(v, col+1, mapIndent) {
		return false
	}
	e.buf = append(e.buf, '\n')
	return true
}

// collection writes a mapping or sequence of n entries after a key or a
// dash: empty as flow style (empty) on the same line, else by write,
// inline after a dash or on the next lines after a key.
func (e *yamlEmitter) collection(n int, empty string, col int, afterDash bool, write func(inline bool) bool) bool {
	if n == 0 {
		e.buf = append(e.buf, empty...)
		return col+3 < bestWidth
	}
	if afterDash {
		e.buf = append(e.buf, ' ')
	} else {
		e.buf = append(e.buf, '\n')
	}
	return write(afterDash)
}

// literal writes a string with line breaks in literal style, its lines at
// indent, as yaml.v2 does (stringv picks the style;
// yaml_emitter_write_literal_scalar and _write_block_scalar_hints write
// it), for the strings whose literal needs no indentation indicator and
// keeps ("|+") no trailing line breaks: the rest go to yaml.v2.
func (e *yamlEmitter) literal(s string, indent int) bool {
	n := len(s)
	for i := 0; i < n; i++ {
		if c := s[i]; (c < 0x20 || c > 0x7e) && c != '\n' {
			return false
		}
	}
	// Block style is not allowed for a trailing space or a space before
	// a break (analyze_scalar); a leading space or break needs an
	// indentation indicator; two trailing breaks need "|+".
	if s[0] == ' ' || s[0] == '\n' || s[n-1] == ' ' || strings.Contains(s, " \n") || strings.HasSuffix(s, "\n\n") {
		return false
	}
	body := s
	if strings.HasSuffix(s, "\n") {
		e.buf = append(e.buf, "|\n"...)
		body = s[:n-1]
	} else {
		e.buf = append(e.buf, "|-\n"...)
	}
	for line := range strings.SplitSeq(body, "\n") {
		if line != "" {
			e.indent(indent)
			e.buf = append(e.buf, line...)
		}
		e.buf = append(e.buf, '\n')
	}
	return true
}

// scalar writes a scalar that starts at column col, its folded lines
// at indent.
func (e *yamlEmitter) scalar(v any, col, indent int) bool {
	switch t := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, t)
	case string:
		return e.str(t, col, indent)
	case json.Number:
		// yaml.v2 is given int, int64 or uint64 for what parses as one
		// (yamlNumbers) and writes it in decimal; floats go to it.
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			e.buf = strconv.AppendInt(e.buf, i, 10)
		} else if u, err := strconv.ParseUint(string(t), 10, 64); err == nil {
			e.buf = strconv.AppendUint(e.buf, u, 10)
		} else {
			return false
		}
	default:
		return false
	}
	return true
}

// str writes a string as yaml.v2 does: plain when it reads back as the
// same string and plain style can hold it, else single-quoted, or
// double-quoted when plain it would read as another type. A value that
// starts at column col is folded as yaml.v2 folds it, its next lines at
// indent; a key (indent < 0) is never folded.
func (e *yamlEmitter) str(s string, col, indent int) bool {
	if s == "" {
		e.buf = append(e.buf, `""`...)
		return true
	}
	if s == "<<" {
		// yaml.v2 writes it plain, which YAML readers take for a merge
		// key; left to yaml.v2 so the bytes stay its own.
		return false
	}
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return false
		}
		space = space || c == ' '
	}
	fold := indent >= 0 && space
	if resolvesOther(s) || isBase60Float(s) {
		if strings.ContainsAny(s, `"\`) || fold && col+len(s)+2 > bestWidth {
			return false // escapes, or folding double-quoted
		}
		e.buf = append(e.buf, '"')
		e.buf = append(e.buf, s...)
		e.buf = append(e.buf, '"')
		return true
	}
	if plainAllowed(s) {
		if !fold {
			e.buf = append(e.buf, s...)
			return true
		}
		e.folded(s, col, indent, false)
		return true
	}
	if !fold {
		e.buf = append(e.buf, '\'')
		e.buf = append(e.buf, strings.ReplaceAll(s, "'", "''")...)
		e.buf = append(e.buf, '\'')
		return true
	}
	e.buf = append(e.buf, '\'')
	e.folded(s, col+1, indent, true)
	e.buf = append(e.buf, '\'')
	return true
}

// folded writes s, printable ASCII, from column col, plain or inside
// single quotes, breaking the line at a space as yaml.v2 does
// (yaml_emitter_write_plain_scalar, _write_single_quoted): at the first
// space of a run, not followed by another, once the line is past
// bestWidth; single-quoted, never at the first or last character.
func (e *yamlEmitter) folded(s string, col, indent int, quoted bool) {
	spaces := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			next := i+1 < len(s) && s[i+1] == ' '
			if !spaces && col > bestWidth && !next && (!quoted || i > 0 && i < len(s)-1) {
				e.buf = append(e.buf, '\n')
				e.indent(indent)
				col = indent
			} else {
				e.buf = append(e.buf, ' ')
				col++
			}
			spaces = true
			continue
		}
		if quoted && c == '\'' {
			e.buf = append(e.buf, '\'')
			col++
		}
		e.buf = append(e.buf, c)
		col++
		spaces = false
	}
}

// plainAllowed is yaml_emitter_analyze_scalar's block_plain_allowed for a
// string of printable ASCII.
func plainAllowed(s string) bool {
	n := len(s)
	if s[0] == ' ' || s[n-1] == ' ' {
		return false
	}
	if n >= 3 && (s[:3] == "---" || s[:3] == "...") {
		return false
	}
	blankAfter := func(i int) bool { return i+1 >= n || s[i+1] == ' ' }
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if blankAfter(0) {
			return false
		}
	}
	for i := 1; i < n; i++ {
		switch s[i] {
		case ':':
			if blankAfter(i) {
				return false
			}
		case '#':
			if s[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// resolvesOther reports whether yaml.v2 resolves s, written plain, to
// another type than a string (resolve.go).
func resolvesOther(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
		"", "~", "null", "Null", "NULL",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		// yaml.v2 looks these up only for a string that starts as one
		// of them can; "<<", which starts otherwise, stays a string.
		return true
	}
	switch c := s[0]; {
	case c == '.':
		_, err := strconv.ParseFloat(s, 64)
		return err == nil
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		if isTimestamp(s) {
			return true
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return true
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return true
			}
		}
		if rest, ok := strings.CutPrefix(plain, "0b"); ok {
			if _, err := strconv.ParseInt(rest, 2, 64); err == nil {
				return true
			}
			_, err := strconv.ParseUint(rest, 2, 64)
			return err == nil
		}
		if rest, ok := strings.CutPrefix(plain, "-0b"); ok {
			_, err := strconv.ParseInt("-"+rest, 2, 64)
			return err == nil
		}
	}
	return false
}

var (
	yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	base60Float    = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

func isBase60Float(s string) bool {
	c := s[0]
	if !(c == '+' || c == '-' || c >= '0' && c <= '9') || strings.IndexByte(s, ':') < 0 {
		return false
	}
	return base60Float.MatchString(s)
}

// isTimestamp is yaml.v2's parseTimestamp succeeding.
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}

// yamlKeyOrder is m's keys in yaml.v2's order for string keys
// (sorter.go): letters before other characters, runs of digits by their
// value. That order is not a strict weak one for every set of keys, and
// yaml.v2 sorts keys as the map gives them, so for such keys its output
// changes from run to run; sorting the keys by bytes first and then
// stably makes ours the same every time, and yaml.v2's wherever it is
// the same every time.
func yamlKeyOrder(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sort.Stable(yamlKeys(keys))
	return keys
}

type yamlKeys []string

func (k yamlKeys) Len() int           { return len(k) }
func (k yamlKeys) Swap(i, j int)      { k[i], k[j] = k[j], k[i] }
func (k yamlKeys) Less(i, j int) bool { return yamlKeyLess(k[i], k[j]) }

func yamlKeyLess(a, b string) bool {
	ar, br := []rune(a), []rune(b)
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := unicode.IsLetter(ar[i])
		bl := unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}
