package manifest

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mljob/mljob/internal/diag"
)

// span is where one value of the document is in its JSON.
type span struct {
	start, end int
	parent     int
	seg        Segment
	// node is where the field is in the YAML: its key, or the item.
	node *yaml.Node
}

// builder writes a document's JSON and records the span of every value.
type builder struct {
	doc   *Document
	buf   []byte
	count int
	// expanding > 0 while an alias or a merged mapping is written: JSON
	// the document's source does not pay for. expanded counts its bytes,
	// from expandStart for the expansion under way.
	expanding   int
	expandStart int
	expanded    int
}

func (b *builder) value(n *yaml.Node, parent int, seg Segment, at *yaml.Node, merged bool) *diag.Diagnostic {
	if b.count++; b.count > maxValues {
		return b.errorf(at, "document expands to more than %d values, mljob's limit", maxValues)
	}
	if err := b.checkExpansion(at); err != nil {
		return err
	}
	if at == nil {
		at = n
	}
	idx := len(b.doc.spans)
	b.doc.spans = append(b.doc.spans, span{start: len(b.buf), parent: parent, seg: seg, node: at})
	expands := merged || n.Kind == yaml.AliasNode
	if expands {
		if b.expanding == 0 {
			b.expandStart = len(b.buf)
		}
		b.expanding++
	}
	err := b.write(n, idx)
	if expands {
		if b.expanding--; b.expanding == 0 {
			b.expanded += len(b.buf) - b.expandStart
		}
	}
	if err != nil {
		return err
	}
	if err := b.checkExpansion(at); err != nil {
		return err
	}
	b.doc.spans[idx].end = len(b.buf)
	return nil
}

// checkExpansion refuses a document whose aliases and merge keys expand to
// more than maxAliasBytes of JSON.
func (b *builder) checkExpansion(at *yaml.Node) *diag.Diagnostic {
	n := b.expanded
	if b.expanding > 0 {
		n += len(b.buf) - b.expandStart
	}
	if n > maxAliasBytes {
		return b.errorf(at, "aliases expand to more than %s of JSON, mljob's limit per document", sizeString(maxAliasBytes))
	}
	return nil
}

func (b *builder) write(n *yaml.Node, idx int) *diag.Diagnostic {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		es, dups, err := b.doc.entries(n)
		if err != nil {
			return b.errorf(err.at, "%s", err.msg)
		}
		for _, k := range dups {
			key, _ := keyString(k)
			b.doc.Duplicates = append(b.doc.Duplicates, Field{
				Path: append(b.path(idx), Segment{Key: key}),
				Pos:  b.doc.pos(k),
			})
		}
		b.buf = append(b.buf, '{')
		for i, e := range es {
			if i > 0 {
				b.buf = append(b.buf, ',')
			}
			b.buf = appendString(b.buf, e.key)
			b.buf = append(b.buf, ':')
			if err := b.value(e.v, idx, Segment{Key: e.key}, e.k, e.merged); err != nil {
				return err
			}
		}
		b.buf = append(b.buf, '}')
	case yaml.SequenceNode:
		b.buf = append(b.buf, '[')
		for i, it := range n.Content {
			if i > 0 {
				b.buf = append(b.buf, ',')
			}
			if err := b.value(it, idx, Segment{Index: i, IsIndex: true}, nil, false); err != nil {
				return err
			}
		}
		b.buf = append(b.buf, ']')
	case yaml.ScalarNode:
		v := resolve(n)
		switch v.kind {
		case kindError:
			return b.errorf(n, "%s", v.s)
		case kindNull:
			b.buf = append(b.buf, "null"...)
		case kindBool:
			b.buf = strconv.AppendBool(b.buf, v.b)
		case kindInt:
			if v.big {
				b.buf = strconv.AppendUint(b.buf, v.u, 10)
			} else {
				b.buf = strconv.AppendInt(b.buf, v.i, 10)
			}
		case kindFloat:
			if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
				// kubectl fails to encode it too.
				return b.errorf(n, "json: unsupported value: %v", v.f)
			}
			j, _ := json.Marshal(v.f)
			b.buf = append(b.buf, j...)
		case kindMerge:
			b.buf = appendString(b.buf, "<<")
		default:
			b.buf = appendString(b.buf, v.s)
		}
	default:
		b.buf = append(b.buf, "null"...)
	}
	return nil
}

func (b *builder) path(idx int) []Segment {
	var segs []Segment
	for i := idx; i > 0; i = b.doc.spans[i].parent {
		segs = append(segs, b.doc.spans[i].seg)
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	return segs
}

func (b *builder) errorf(n *yaml.Node, format string, args ...any) *diag.Diagnostic {
	return diag.Errorf(b.doc.pos(n), "", format, args...)
}

// appendString appends s as a JSON string.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			// Escapes, HTML characters and UTF-8 as encoding/json
			// writes them.
			j, _ := json.Marshal(s)
			return append(buf, j...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// entry is one effective key of a mapping.
type entry struct {
	key  string
	k, v *yaml.Node
	// merged is set for a key a merge key (<<) brought in.
	merged bool
}

type entryError struct {
	at  *yaml.Node
	msg string
}

// entryList is the effective keys of a mapping, computed once for a
// mapping with merge keys (see Document.entries).
type entryList struct {
	es   []entry
	dups []*yaml.Node
	err  *entryError
}

// entries returns the keys of a mapping in order of first appearance, each
// with the value assigned last, merge keys (<<) expanded in place, the way
// go-yaml v2 fills a map. dups are the keys written twice. The keys of a
// mapping with merge keys are computed once per document: merged
// mappings are often merged again.
func (d *Document) entries(m *yaml.Node) ([]entry, []*yaml.Node, *entryError) {
	if !hasMerge(m) {
		l := computeEntries(d, m)
		return l.es, l.dups, l.err
	}
	d.entryMu.Lock()
	l, ok := d.entryMemo[m]
	d.entryMu.Unlock()
	if !ok {
		l = computeEntries(d, m)
		d.entryMu.Lock()
		if d.entryMemo == nil {
			d.entryMemo = map[*yaml.Node]*entryList{}
		}
		d.entryMemo[m] = l
		d.entryMu.Unlock()
	}
	return l.es, l.dups, l.err
}

func hasMerge(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMerge(m.Content[i]) {
			return true
		}
	}
	return false
}

func computeEntries(d *Document, m *yaml.Node) *entryList {
	var es []entry
	var index map[string]int
	if len(m.Content) > 16 {
		index = make(map[string]int, len(m.Content)/2)
	}
	assign := func(key string, k, v *yaml.Node, merged bool) {
		i, ok := -1, false
		if index != nil {
			i, ok = index[key]
		} else {
			for j := range es {
				if es[j].key == key {
					i, ok = j, true
					break
				}
			}
		}
		if ok {
			es[i].k, es[i].v, es[i].merged = k, v, merged
			return
		}
		if index == nil && len(es) >= 16 {
			index = make(map[string]int, 2*len(es))
			for j := range es {
				index[es[j].key] = j
			}
		}
		if index != nil {
			index[key] = len(es)
		}
		es = append(es, entry{key: key, k: k, v: v, merged: merged})
	}
	var dups []*yaml.Node
	var seen map[string]bool
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if isMerge(k) {
			if err := d.merge(v, assign); err != nil {
				return &entryList{err: err}
			}
			continue
		}
		key, ok := keyString(k)
		if !ok {
			if dk := deref(k); dk.Kind == yaml.ScalarNode {
				if r := resolve(dk); r.kind == kindError {
					return &entryList{err: &entryError{k, r.s}}
				}
			}
			return &entryList{err: &entryError{k, "unsupported map key: JSON object keys are strings"}}
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		if seen[key] {
			dups = append(dups, k)
		}
		seen[key] = true
		assign(key, k, v, false)
	}
	return &entryList{es: es, dups: dups}
}

func (d *Document) merge(v *yaml.Node, assign func(string, *yaml.Node, *yaml.Node, bool)) *entryError {
	v = deref(v)
	switch v.Kind {
	case yaml.MappingNode:
		es, _, err := d.entries(v)
		if err != nil {
			return err
		}
		for _, e := range es {
			assign(e.key, e.k, e.v, true)
		}
		return nil
	case yaml.SequenceNode:
		// Earlier maps take precedence: assign them last.
		for i := len(v.Content) - 1; i >= 0; i-- {
			it := deref(v.Content[i])
			if it.Kind != yaml.MappingNode {
				return &entryError{it, "map merge requires map or sequence of maps as the value"}
			}
			if err := d.merge(it, assign); err != nil {
				return err
			}
		}
		return nil
	}
	return &entryError{v, "map merge requires map or sequence of maps as the value"}
}

func isMerge(k *yaml.Node) bool {
	if k.Kind != yaml.ScalarNode || k.Value != "<<" {
		return false
	}
	if k.Style&yaml.TaggedStyle != 0 {
		// v2 reads "! <<" as a plain, implicit "<<".
		return k.ShortTag() == "!!merge" || k.Tag == nonSpecific
	}
	return k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

// find returns the effective entry for key in mapping m.
func (d *Document) find(m *yaml.Node, key string) (entry, bool) {
	hasMerge := false
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		k := m.Content[i]
		if isMerge(k) {
			hasMerge = true
			continue
		}
		if !hasMerge {
			if s, ok := keyString(k); ok && s == key {
				return entry{key: key, k: k, v: m.Content[i+1]}, true
			}
		}
	}
	if !hasMerge {
		return entry{}, false
	}
	es, _, err := d.entries(m)
	if err != nil {
		return entry{}, false
	}
	for _, e := range es {
		if e.key == key {
			return e, true
		}
	}
	return entry{}, false
}

// newHead is the head of a mapping document: its names, and as JSON its
// apiVersion and kind, under whatever case they are written (the fields
// that say what the document is meant to be).
func newHead(file string, index int, root *yaml.Node) (*Document, *diag.Diagnostic) {
	d := &Document{File: file, Index: index, root: root}
	var es []entry
	if hasMerge(root) {
		var err *entryError
		if es, _, err = d.entries(root); err != nil {
			return nil, diag.Errorf(d.pos(err.at), "", "%s", err.msg)
		}
	} else {
		// Without merge keys, the keys as written (a key given twice is
		// written twice: the last wins in JSON as in YAML).
		for i := 0; i+1 < len(root.Content); i += 2 {
			if key, ok := keyString(root.Content[i]); ok {
				es = append(es, entry{key: key, k: root.Content[i], v: root.Content[i+1]})
			}
		}
	}
	b := &builder{doc: d}
	b.buf = append(b.buf, '{')
	n := 0
	for _, e := range es {
		if !strings.EqualFold(e.key, "apiVersion") && !strings.EqualFold(e.key, "kind") {
			continue
		}
		if n++; n > 1 {
			b.buf = append(b.buf, ',')
		}
		b.buf = appendString(b.buf, e.key)
		b.buf = append(b.buf, ':')
		switch v := deref(e.v); v.Kind {
		case yaml.MappingNode:
			b.buf = append(b.buf, "{}"...)
		case yaml.SequenceNode:
			b.buf = append(b.buf, "[]"...)
		default:
			if err := b.write(v, 0); err != nil {
				return nil, err
			}
		}
	}
	d.JSON = append(b.buf, '}')
	d.spans = nil
	d.readHead()
	return d, nil
}

// checkScalars reports what would stop kubectl from converting a
// document mljob does not convert: a key JSON cannot have, a value its
// tag does not fit, a float JSON cannot encode. Every node is visited
// once (aliases are not followed: their targets are visited where they
// are).
func checkScalars(d *Document, n *yaml.Node) *diag.Diagnostic {
	switch n.Kind {
	case yaml.MappingNode:
		if hasMerge(n) {
			if _, _, err := d.entries(n); err != nil {
				return diag.Errorf(d.pos(err.at), "", "%s", err.msg)
			}
			break
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, ok := keyString(k); !ok {
				if dk := deref(k); dk.Kind == yaml.ScalarNode {
					if r := resolve(dk); r.kind == kindError {
						return diag.Errorf(d.pos(k), "", "%s", r.s)
					}
				}
				return diag.Errorf(d.pos(k), "", "unsupported map key: JSON object keys are strings")
			}
		}
	case yaml.ScalarNode:
		switch v := resolve(n); {
		case v.kind == kindError:
			return diag.Errorf(d.pos(n), "", "%s", v.s)
		case v.kind == kindFloat && (math.IsNaN(v.f) || math.IsInf(v.f, 0)):
			return diag.Errorf(d.pos(n), "", "json: unsupported value: %v", v.f)
		}
	}
	for _, c := range n.Content {
		if err := checkScalars(d, c); err != nil {
			return err
		}
	}
	return nil
}
