package manifest

import (
	"bytes"
	"math"
	"strings"
)

// quickHead reads the head of a document without the YAML parser, when
// the document is written in the plain block style that generated
// manifests and most hand-written ones use: mappings of plain keys, plain
// or simply quoted scalars, literal and folded block scalars, {} and [],
// comments. Anything else (sequences, flow collections, anchors, tags,
// tabs, non-ASCII bytes, multi-line plain scalars, odd indentation, a
// head field given twice or as a non-string...) makes it say no, and the
// document goes to the YAML parser. When it says yes, the document is
// valid YAML that kubectl converts, and the head is the one newHead makes
// of it: TestQuickHeadAgrees and FuzzQuickHead hold it to that.
//
// It exists for speed: a stream of many small objects that are not
// checked (20 MB of ConfigMaps) spends most of its time in the YAML
// parser, only to learn their kind.
func quickHead(file string, c chunk) (*Document, bool) {
	if c.col != 1 || c.err != nil {
		return nil, false
	}
	for _, b := range c.data {
		if b < 0x20 && b != '\n' || b >= 0x7f {
			return nil, false
		}
	}
	d := &Document{File: file, Index: c.index}
	q := quick{data: c.data}
	// levels are the indentations of the open mappings; path the keys
	// that lead to the innermost.
	levels := []int{0}
	var path []string
	var pending string // a key whose value is on the next lines
	pendingOpen := false
	first := true
	var seenTop, seenMeta []string
	seen := func(list *[]string, k string) bool {
		for _, s := range *list {
			if strings.EqualFold(s, k) {
				return true
			}
		}
		*list = append(*list, k)
		return false
	}
	for {
		line, ok := q.next()
		if !ok {
			break
		}
		t := bytes.TrimLeft(line, " ")
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		ind := len(line) - len(t)
		if first {
			if ind != 0 {
				return nil, false
			}
			first = false
		}
		top := levels[len(levels)-1]
		switch {
		case pendingOpen && ind > top:
			levels = append(levels, ind)
			path = append(path, pending)
			top = ind
		case pendingOpen:
			// key: with nothing under it is null.
			if !headValue(d, path, pending, scalar{kind: kindNull}) {
				return nil, false
			}
		case ind > top:
			return nil, false
		}
		pendingOpen = false
		for ind < top {
			levels = levels[:len(levels)-1]
			path = path[:len(path)-1]
			top = levels[len(levels)-1]
		}
		if ind != top {
			return nil, false
		}
		key, rest, ok := plainKey(t)
		if !ok {
			return nil, false
		}
		switch len(path) {
		case 0:
			if seen(&seenTop, key) {
				return nil, false
			}
			if key == "apiVersion" || key == "kind" {
				q.order = append(q.order, key)
			}
		case 1:
			if path[0] == "metadata" && seen(&seenMeta, key) {
				return nil, false
			}
		}
		value, kind := splitValue(rest)
		switch kind {
		case valueNone:
			pending, pendingOpen = key, true
			continue
		case valueBlock:
			if isHeadField(path, key) || !q.blockScalar(top) {
				return nil, false
			}
		case valueQuoted:
			if !headValue(d, path, key, scalar{kind: kindString, s: value}) {
				return nil, false
			}
		case valueEmpty:
			// {} or []: not a scalar.
			if isHeadField(path, key) || len(path) == 0 && (strings.EqualFold(key, "apiVersion") || strings.EqualFold(key, "kind")) {
				return nil, false
			}
		case valuePlain:
			v := resolveV2("", value)
			switch {
			case v.kind == kindError, v.kind == kindMerge:
				return nil, false
			case v.kind == kindFloat && (math.IsNaN(v.f) || math.IsInf(v.f, 0)):
				return nil, false
			}
			if !headValue(d, path, key, v) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if pendingOpen && !headValue(d, path, pending, scalar{kind: kindNull}) {
		return nil, false
	}
	if first || d.APIVersion == "" || d.Kind == "" || strings.HasSuffix(d.Kind, "List") {
		return nil, false
	}
	// The head's JSON, as newHead writes it: the keys in the order
	// written.
	buf := []byte{'{'}
	for i, k := range q.order {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, k)
		buf = append(buf, ':')
		if k == "kind" {
			buf = appendString(buf, d.Kind)
		} else {
			buf = appendString(buf, d.APIVersion)
		}
	}
	d.JSON = append(buf, '}')
	return d, true
}

// isHeadField reports whether the key at path is one a head holds.
func isHeadField(path []string, key string) bool {
	switch len(path) {
	case 0:
		return key == "apiVersion" || key == "kind" || key == "metadata"
	case 1:
		return path[0] == "metadata" && (key == "name" || key == "namespace" || key == "generateName")
	}
	return false
}

// headValue records a scalar value in the head, when it is a head field,
// as Document.str reads it: strings only. It says no to a head field
// that is not written simply: apiVersion or kind that is not a string, a
// metadata that is not a mapping.
func headValue(d *Document, path []string, key string, v scalar) bool {
	switch len(path) {
	case 0:
		if strings.EqualFold(key, "apiVersion") || strings.EqualFold(key, "kind") {
			if v.kind != kindString || v.s == "" || key != "apiVersion" && key != "kind" {
				return false
			}
			if key == "apiVersion" {
				d.APIVersion = v.s
			} else {
				d.Kind = v.s
			}
		}
		if key == "metadata" && v.kind != kindNull {
			return false
		}
	case 1:
		if path[0] != "metadata" {
			return true
		}
		s := ""
		if v.kind == kindString {
			s = v.s
		}
		switch key {
		case "name":
			d.Name = s
		case "namespace":
			d.Namespace = s
		case "generateName":
			d.GenerateName = s
		}
	}
	return true
}

// quick walks the lines of a document.
type quick struct {
	data []byte
	off  int
	// order is the order apiVersion and kind are written in.
	order []string
}

func (q *quick) next() ([]byte, bool) {
	if q.off >= len(q.data) {
		return nil, false
	}
	rest := q.data[q.off:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		q.off += i + 1
		return rest[:i], true
	}
	q.off = len(q.data)
	return rest, true
}

// peek returns the next line without taking it.
func (q *quick) peek() ([]byte, bool) {
	off := q.off
	line, ok := q.next()
	q.off = off
	return line, ok
}

// blockScalar takes the lines of a literal or folded block scalar whose
// key is at indentation parent. It says no to what the YAML parser might
// read otherwise: blank lines with spaces before the first line of text,
// a line indented less than the text but more than the key.
func (q *quick) blockScalar(parent int) bool {
	textIndent := -1
	for {
		line, ok := q.peek()
		if !ok {
			return true
		}
		t := bytes.TrimLeft(line, " ")
		ind := len(line) - len(t)
		if len(t) == 0 {
			if textIndent < 0 && ind > 0 {
				return false
			}
			q.next()
			continue
		}
		if ind <= parent {
			return true // the next key (or a comment)
		}
		if textIndent < 0 {
			textIndent = ind
		} else if ind < textIndent {
			return false
		}
		q.next()
	}
}

type valueKind int

const (
	valueNone   valueKind = iota // nothing after the colon: on the next lines
	valuePlain                   // a plain scalar
	valueQuoted                  // a quoted scalar, without escapes
	valueBlock                   // | or >, the text on the next lines
	valueEmpty                   // {} or []
	valueOther                   // anything else
)

// plainKey reads "key:" at the start of t: a plain key of letters,
// digits and ._/- (starting with a letter, a digit or _), which resolves
// to the same string in YAML 1.1, followed by a colon and a space or the
// end of the line.
func plainKey(t []byte) (key string, rest []byte, ok bool) {
	i := 0
	for i < len(t) && isKeyByte(t[i]) {
		i++
	}
	if i == 0 || i > 1024 || i >= len(t) || t[i] != ':' {
		return "", nil, false
	}
	if c := t[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
		return "", nil, false
	}
	if i+1 < len(t) && t[i+1] != ' ' {
		return "", nil, false
	}
	key = string(t[:i])
	if v := resolveV2("", key); v.kind != kindString || v.timestamp {
		return "", nil, false
	}
	return key, t[i+1:], true
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-'
}

// splitValue reads what follows "key:" on its line.
func splitValue(rest []byte) (string, valueKind) {
	v := bytes.TrimLeft(rest, " ")
	if len(v) == 0 || v[0] == '#' {
		if len(v) > 0 && len(v) == len(rest) {
			return "", valueOther // "key:#" cannot be: the colon is followed by a space
		}
		return "", valueNone
	}
	// What follows the value: nothing, or a comment after a space.
	tail := func(t []byte) bool {
		u := bytes.TrimLeft(t, " ")
		return len(u) == 0 || u[0] == '#' && len(u) < len(t)
	}
	switch v[0] {
	case '"', '\'':
		end := bytes.IndexByte(v[1:], v[0])
		if end < 0 {
			return "", valueOther
		}
		s := v[1 : 1+end]
		if v[0] == '"' && bytes.IndexByte(s, '\\') >= 0 || !tail(v[2+end:]) {
			return "", valueOther
		}
		if v[0] == '\'' && 2+end < len(v) && v[2+end] == '\'' {
			return "", valueOther // '' is an escaped quote
		}
		return string(s), valueQuoted
	case '|', '>':
		h := v[1:]
		if len(h) > 0 && (h[0] == '-' || h[0] == '+') {
			h = h[1:]
		}
		if !tail(h) {
			return "", valueOther
		}
		return "", valueBlock
	case '{', '[':
		if len(v) >= 2 && v[1] == v[0]+2 && tail(v[2:]) {
			return "", valueEmpty
		}
		return "", valueOther
	case '-', '?', ':', ',', ']', '}', '#', '&', '*', '!', '%', '@', '`':
		return "", valueOther
	}
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		v = v[:i]
	}
	v = bytes.TrimRight(v, " ")
	if bytes.Contains(v, []byte(": ")) || v[len(v)-1] == ':' {
		return "", valueOther
	}
	return string(v), valuePlain
}
