// Package manifest reads Kubernetes manifests (YAML or JSON, one or many
// documents a file) into documents that keep where every field is: the
// object as JSON, the way kubectl sends it to the API server, and its YAML
// tree, so that a finding about a field path points at a line and column.
package manifest

import (
	"encoding/json"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	yamlv2 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	kruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/parallel"
)

// Document is one object of a manifest stream.
type Document struct {
	// File is the file name as shown to the user.
	File string
	// Index is the document's place among the "---"-separated documents
	// of its file, from 0, empty ones included. The items of a List share
	// the list's index.
	Index int

	APIVersion   string
	Kind         string
	Namespace    string
	Name         string
	GenerateName string

	// JSON is the object as kubectl sends it: YAML resolved as YAML 1.1,
	// the last of duplicate keys winning.
	JSON []byte
	// Duplicates are keys given twice in one mapping, at their second
	// occurrence.
	Duplicates []Field
	// Typed, when set, is the object already decoded: a document mljob
	// generated, which needs no decoding.
	Typed kruntime.Object
	// locator, when set, finds the positions of a generated document.
	locator Locator

	root  *yaml.Node
	spans []span

	memoMu sync.Mutex
	memo   map[any]any
}

// Locator finds where a field of a generated document was written: the
// line of the CUE field it came from.
type Locator interface {
	// PosOf returns the position of the field at a Kubernetes field
	// path; the empty path is the object as a whole.
	PosOf(path string) diag.Pos
}

// FromObject is a document for a typed object mljob generated: obj, its
// JSON (as policies see it) and where its fields come from. It is named
// after the file of its source.
func FromObject(obj kruntime.Object, data []byte, loc Locator) *Document {
	d := &Document{File: loc.PosOf("").File, JSON: data, Typed: obj, locator: loc}
	gvk := obj.GetObjectKind().GroupVersionKind()
	d.APIVersion, d.Kind = gvk.GroupVersion().String(), gvk.Kind
	if m, err := meta.Accessor(obj); err == nil {
		d.Name, d.Namespace, d.GenerateName = m.GetName(), m.GetNamespace(), m.GetGenerateName()
	}
	return d
}

// Memo returns the value compute returns for key, computing it once per
// document: checks share work (decoding) through it. Values must not be
// changed by those who get them.
func (d *Document) Memo(key any, compute func() any) any {
	d.memoMu.Lock()
	defer d.memoMu.Unlock()
	if v, ok := d.memo[key]; ok {
		return v
	}
	if d.memo == nil {
		d.memo = map[any]any{}
	}
	v := compute()
	d.memo[key] = v
	return v
}

// Segment is one step of a path: a mapping key or a sequence index.
type Segment struct {
	Key     string
	Index   int
	IsIndex bool
}

// Field is a field of a document and where it is.
type Field struct {
	Path []Segment
	Pos  diag.Pos
}

// IsObject reports whether the document names a kind and an apiVersion;
// anything else (values files, empty documents) is not a Kubernetes
// object.
func (d *Document) IsObject() bool { return d.Kind != "" && d.APIVersion != "" }

// Object names the document for findings. namespace is the namespace the
// object lands in when it names none.
func (d *Document) Object(namespace string) finding.Object {
	o := finding.Object{APIVersion: d.APIVersion, Kind: d.Kind, Namespace: d.Namespace, Name: d.Name}
	if o.Namespace == "" {
		o.Namespace = namespace
	}
	if o.Name == "" {
		o.Name = d.GenerateName
	}
	return o
}

// Pos is the position of the document's first field.
func (d *Document) Pos() diag.Pos {
	switch {
	case d.locator != nil:
		return d.locator.PosOf("")
	case d.root == nil:
		return diag.Pos{File: d.File}
	}
	return d.pos(d.root)
}

func (d *Document) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: d.File, Line: n.Line, Column: n.Column}
}

// PosOf returns the position of the field at path, a field path as
// Kubernetes prints it (spec.containers[0].resources.limits[nvidia.com/gpu]),
// or of its nearest ancestor present in the document.
func (d *Document) PosOf(path string) diag.Pos {
	if d.locator != nil {
		return d.locator.PosOf(path)
	}
	k, _ := d.lookup(path)
	if k == nil {
		return d.Pos()
	}
	return d.pos(k)
}

// Has reports whether the field at path is in the document.
func (d *Document) Has(path string) bool {
	if d.locator != nil {
		return hasJSON(d.tree(), ParsePath(path))
	}
	if d.root == nil {
		return false
	}
	n := d.root
	for _, seg := range ParsePath(path) {
		n = deref(n)
		switch {
		case n.Kind == yaml.SequenceNode && seg.IsIndex:
			if seg.Index >= len(n.Content) {
				return false
			}
			n = n.Content[seg.Index]
		case n.Kind == yaml.MappingNode:
			key := seg.Key
			if seg.IsIndex {
				key = strconv.Itoa(seg.Index)
			}
			e, ok := find(n, key)
			if !ok {
				return false
			}
			n = e.v
		default:
			return false
		}
	}
	return true
}

// PosOfValue is PosOf, refined for errors whose path names a mapping
// while the bad value is one of its keys or values (label and annotation
// errors name "metadata.labels" and the offending key or value).
func (d *Document) PosOfValue(path, value string) diag.Pos {
	if d.locator != nil {
		if value != "" && d.Has(path+"["+value+"]") {
			return d.locator.PosOf(path + "[" + value + "]")
		}
		return d.locator.PosOf(path)
	}
	k, v := d.lookup(path)
	if k == nil {
		return d.Pos()
	}
	if v != nil && v.Kind == yaml.MappingNode && value != "" {
		es, _, _ := entries(v)
		for _, e := range es {
			if e.key == value {
				return d.pos(e.k)
			}
			if e.v.Kind == yaml.ScalarNode && e.v.Value == value {
				return d.pos(e.v)
			}
		}
	}
	return d.pos(k)
}

// lookup finds the deepest node present along path: the key (or item)
// node that names it and its value.
func (d *Document) lookup(path string) (at, val *yaml.Node) {
	if d.root == nil {
		return nil, nil
	}
	at, val = d.root, d.root
	for _, seg := range ParsePath(path) {
		val = deref(val)
		switch {
		case val.Kind == yaml.SequenceNode && seg.IsIndex:
			if seg.Index >= len(val.Content) {
				return at, val
			}
			val = val.Content[seg.Index]
			at = val
		case val.Kind == yaml.MappingNode:
			key := seg.Key
			if seg.IsIndex {
				key = strconv.Itoa(seg.Index)
			}
			e, ok := find(val, key)
			if !ok {
				return at, val
			}
			at, val = e.k, e.v
		default:
			return at, val
		}
	}
	return at, deref(val)
}

// ParsePath splits a Kubernetes field path into segments: "a.b[2][k.x]"
// is a, b, index 2, key "k.x". A bracketed number is an index.
func ParsePath(path string) []Segment {
	var segs []Segment
	for i := 0; i < len(path); {
		switch path[i] {
		case '.':
			i++
		case '[':
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				end = len(path) - i
			}
			s := path[i+1 : i+end]
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				segs = append(segs, Segment{Index: n, IsIndex: true})
			} else {
				segs = append(segs, Segment{Key: s})
			}
			i += end + 1
		default:
			end := strings.IndexAny(path[i:], ".[")
			if end < 0 {
				end = len(path) - i
			}
			segs = append(segs, Segment{Key: path[i : i+end]})
			i += end
		}
	}
	return segs
}

// FieldAt returns the innermost field whose JSON encoding in d.JSON
// spans offset: decoding errors report byte offsets.
func (d *Document) FieldAt(offset int64) (Field, bool) {
	best := -1
	for i, s := range d.spans {
		if int64(s.start) < offset && offset <= int64(s.end) {
			if best < 0 || s.start >= d.spans[best].start {
				best = i
			}
		}
	}
	if best < 0 {
		return Field{}, false
	}
	var segs []Segment
	for i := best; i > 0; i = d.spans[i].parent {
		segs = append(segs, d.spans[i].seg)
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	return Field{Path: segs, Pos: d.pos(d.spans[best].node)}, true
}

// Read parses a stream of YAML or JSON documents. Documents that do not
// parse are reported in the list, with their line; the others are
// returned. Empty documents are dropped; Lists are flattened into their
// items.
func Read(file string, data []byte) ([]*Document, diag.List) {
	var chunks []chunk
	if isJSON(data) {
		chunks = splitJSON(data)
	} else {
		chunks = splitYAML(data)
	}
	type result struct {
		docs []*Document
		err  *diag.Diagnostic
	}
	results := make([]result, len(chunks))
	// Documents are independent: large streams are parsed in parallel,
	// and put back in order.
	workers := min(runtime.GOMAXPROCS(0), len(chunks)/8+1)
	parallel.For(len(chunks), workers, func(i int) {
		results[i].docs, results[i].err = readChunk(file, i, chunks[i])
	})
	var docs []*Document
	var errs diag.List
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		docs = append(docs, r.docs...)
	}
	return docs, errs
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func readChunk(file string, index int, c chunk) ([]*Document, *diag.Diagnostic) {
	var doc yaml.Node
	if err := yaml.Unmarshal(c.data, &doc); err != nil {
		// kubectl parses with go-yaml v2, whose error lines are right
		// where v3's are sometimes one short: show kubectl's message.
		var v any
		if err2 := yamlv2.Unmarshal(c.data, &v); err2 != nil {
			err = err2
		}
		pos := diag.Pos{File: file, Line: c.line}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			pos.Line, msg = c.line+n-1, m[2]
		}
		return nil, &diag.Diagnostic{Pos: pos, Msg: "invalid YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	shift(&doc, c.line-1, c.col-1)
	root := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && resolve(root).kind == kindNull {
		return nil, nil
	}
	d, err := newDocument(file, index, root)
	if err != nil {
		return nil, err
	}
	if items, ok := listItems(d, root); ok {
		var docs []*Document
		for _, it := range items {
			item, err := newDocument(file, index, deref(it))
			if err != nil {
				return nil, err
			}
			docs = append(docs, item)
		}
		return docs, nil
	}
	return []*Document{d}, nil
}

// listItems returns the items of a v1 List (or any kind ending in List
// with an items sequence), which kubectl applies one by one.
func listItems(d *Document, root *yaml.Node) ([]*yaml.Node, bool) {
	if !strings.HasSuffix(d.Kind, "List") {
		return nil, false
	}
	e, ok := find(root, "items")
	if !ok || deref(e.v).Kind != yaml.SequenceNode {
		return nil, false
	}
	return deref(e.v).Content, true
}

// shift moves node positions from the chunk to the file. Every node is
// in exactly one Content list (aliases point into the tree, they hold no
// content), so each is moved once.
func shift(n *yaml.Node, lines, cols int) {
	if n.Line == 1 {
		n.Column += cols
	}
	n.Line += lines
	for _, c := range n.Content {
		shift(c, lines, cols)
	}
}

func newDocument(file string, index int, root *yaml.Node) (*Document, *diag.Diagnostic) {
	d := &Document{File: file, Index: index, root: root}
	if root.Kind != yaml.MappingNode {
		// Not an object; kept so that it is counted and skipped.
		return d, nil
	}
	b := &builder{doc: d}
	if err := b.value(root, 0, Segment{}, nil); err != nil {
		return nil, err
	}
	d.JSON = b.buf
	sort.SliceStable(d.Duplicates, func(i, j int) bool { return d.Duplicates[i].Pos.Less(d.Duplicates[j].Pos) })
	d.APIVersion = d.str("apiVersion")
	d.Kind = d.str("kind")
	d.Name = d.str("metadata", "name")
	d.GenerateName = d.str("metadata", "generateName")
	d.Namespace = d.str("metadata", "namespace")
	return d, nil
}

// str returns the string at a path of keys, or "".
func (d *Document) str(keys ...string) string {
	n := d.root
	for _, k := range keys {
		n = deref(n)
		if n.Kind != yaml.MappingNode {
			return ""
		}
		e, ok := find(n, k)
		if !ok {
			return ""
		}
		n = e.v
	}
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	if v := resolve(n); v.kind == kindString {
		return v.s
	}
	return ""
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return deref(n.Content[0])
	}
	return n
}

type treeKey struct{}

// tree is the document's JSON decoded, once.
func (d *Document) tree() any {
	return d.Memo(treeKey{}, func() any {
		var v any
		_ = json.Unmarshal(d.JSON, &v)
		return v
	})
}

// hasJSON reports whether a decoded JSON value has a value at segs.
func hasJSON(v any, segs []Segment) bool {
	for _, s := range segs {
		switch t := v.(type) {
		case map[string]any:
			key := s.Key
			if s.IsIndex {
				key = strconv.Itoa(s.Index)
			}
			e, ok := t[key]
			if !ok {
				return false
			}
			v = e
		case []any:
			if !s.IsIndex || s.Index >= len(t) {
				return false
			}
			v = t[s.Index]
		default:
			return false
		}
	}
	return true
}
