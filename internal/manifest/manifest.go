// Package manifest reads Kubernetes manifests (YAML or JSON, one or many
// documents a file) into documents that keep where every field is: the
// object as JSON, the way kubectl sends it to the API server, and its YAML
// tree, so that a finding about a field path points at a line and column.
package manifest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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

	entryMu   sync.Mutex
	entryMemo map[*yaml.Node]*entryList
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

// IsMapping reports whether the document is a mapping, as an object is,
// and not a scalar or a sequence.
func (d *Document) IsMapping() bool {
	return d.root == nil || d.root.Kind == yaml.MappingNode
}

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
			e, ok := d.find(n, key)
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
		es, _, _ := d.entries(v)
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
			e, ok := d.find(val, key)
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
	var docs []*Document
	errs := Scan(file, data, func(d *Document) bool {
		docs = append(docs, d)
		return true
	})
	return docs, errs
}

// Scan reads a stream as Read does, but hands each document to fn, in
// order, as soon as it is read, and keeps none: a caller that drops the
// documents it does not need holds only those it does. Scan stops early
// when fn returns false.
func Scan(file string, data []byte, fn func(*Document) bool) diag.List {
	return ScanWith(file, data, ScanOptions{}, fn)
}

// ScanOptions say what Scan keeps of the documents.
type ScanOptions struct {
	// Want, when set, says from its head which documents (mappings) are
	// needed whole. The head is the document with File, Index,
	// APIVersion, Kind, Name, Namespace and GenerateName, and as JSON its
	// apiVersion and kind fields under whatever case they are written
	// (scalars as values, {} and [] for the others). The documents not wanted (but Lists, whose items may be)
	// are handed over as their head, which a linter that only counts them
	// needs: they are not converted whole, but checked as kubectl would
	// convert them (tags, keys, aliases).
	Want func(head *Document) bool
}

// ScanWith is Scan with options.
func ScanWith(file string, data []byte, opts ScanOptions, fn func(*Document) bool) diag.List {
	if bytes.Contains(data, []byte("\r\n")) {
		// kubectl and kustomize read lines without their CR; positions
		// do not move.
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	s := scanner{file: file, fn: fn, want: opts.Want, workers: runtime.GOMAXPROCS(0)}
	split(file, data, s.add)
	s.flush()
	return s.errs
}

// scanner parses the chunks of a stream in windows: a window's documents
// are parsed in parallel and handed over in order.
type scanner struct {
	file    string
	fn      func(*Document) bool
	want    func(head *Document) bool
	workers int
	window  []chunk
	size    int // bytes in window
	errs    diag.List
	// aliasBytes is what aliases expanded to in the file so far.
	aliasBytes int
	stopped    bool
}

// Windows hold at most this many documents or bytes; a window of less
// than parallelBytes is parsed by one worker.
const (
	windowDocs    = 512
	windowBytes   = 4 << 20
	parallelBytes = 16 << 10
)

func (s *scanner) add(c chunk) bool {
	if c.err == nil && isBlank(c.data) {
		return true
	}
	s.window = append(s.window, c)
	s.size += len(c.data)
	if len(s.window) >= windowDocs || s.size >= windowBytes {
		s.flush()
	}
	return !s.stopped
}

func (s *scanner) flush() {
	if len(s.window) == 0 || s.stopped {
		s.window, s.size = s.window[:0], 0
		return
	}
	type result struct {
		docs       []*Document
		err        *diag.Diagnostic
		aliasBytes int
	}
	results := make([]result, len(s.window))
	work := func(i int) {
		c := s.window[i]
		if c.err != nil {
			results[i].err = c.err
			return
		}
		results[i].docs, results[i].aliasBytes, results[i].err = readChunk(s.file, c, s.want)
	}
	if s.size < parallelBytes || len(s.window) == 1 {
		for i := range s.window {
			work(i)
		}
	} else {
		parallel.For(len(s.window), min(s.workers, len(s.window)), work)
	}
	for i, r := range results {
		if r.err != nil {
			s.errs = append(s.errs, r.err)
			continue
		}
		if s.aliasBytes += r.aliasBytes; s.aliasBytes > maxFileAliasBytes {
			s.errs = append(s.errs, diag.Errorf(diag.Pos{File: s.file, Line: s.window[i].line}, "",
				"aliases in this file expand to more than %s of JSON, mljob's limit per file; the rest of the file is not read", sizeString(maxFileAliasBytes)))
			s.stopped = true
			break
		}
		for _, d := range r.docs {
			if !s.fn(d) {
				s.stopped = true
				break
			}
		}
		if s.stopped {
			break
		}
	}
	clear(s.window)
	s.window, s.size = s.window[:0], 0
}

// isBlank reports whether a chunk holds nothing but blanks and comments.
func isBlank(data []byte) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		// A tab is not blank: v2 refuses it where a token may start.
		t := bytes.TrimLeft(line, " \r")
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// readChunk parses one document. It returns the documents (the items of a
// List, or the document) and the JSON bytes its aliases expanded to.
func readChunk(file string, c chunk, want func(head *Document) bool) ([]*Document, int, *diag.Diagnostic) {
	at := diag.Pos{File: file, Line: c.line}
	if n := countItems(c.data); n > maxItems {
		return nil, 0, diag.Errorf(at, "", "document has more than %d keys and items, mljob's limit per document (the API server accepts objects of at most 3 MiB)", maxItems)
	}
	if want != nil {
		if h, ok := quickHead(file, c); ok && !want(h) {
			return []*Document{h}, 0, nil
		}
	}
	return parseChunk(file, c, want)
}

// parseChunk is readChunk with the YAML parser.
func parseChunk(file string, c chunk, want func(head *Document) bool) ([]*Document, int, *diag.Diagnostic) {
	at := diag.Pos{File: file, Line: c.line}
	var doc yaml.Node
	if err := yaml.Unmarshal(c.data, &doc); err != nil {
		// kubectl parses with go-yaml v2, whose error lines are right
		// where v3's are sometimes one short: show kubectl's message.
		var v any
		if err2 := yamlv2.Unmarshal(c.data, &v); err2 != nil {
			err = err2
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			at.Line, msg = c.line+n-1, m[2]
		}
		return nil, 0, &diag.Diagnostic{Pos: at, Msg: "invalid YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return nil, 0, nil
	}
	markNonSpecific(&doc, c.data)
	aliases := shift(&doc, c.line-1, c.col-1)
	root := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && resolve(root).kind == kindNull {
		return nil, 0, nil
	}
	if aliases {
		if f := checkAliases(&doc); f != nil {
			return nil, 0, diag.Errorf(diag.Pos{File: file, Line: f.at.Line, Column: f.at.Column}, "", "%s", f.msg)
		}
	}
	if want != nil && root.Kind == yaml.MappingNode {
		h, err := newHead(file, c.index, root)
		if err != nil {
			return nil, 0, err
		}
		if !want(h) && !strings.HasSuffix(h.Kind, "List") {
			if err := checkScalars(h, root); err != nil {
				return nil, 0, err
			}
			expanded := 0
			if aliases {
				if expanded = expansion(root); expanded > maxAliasBytes {
					return nil, 0, diag.Errorf(h.Pos(), "", "aliases expand to more than %s of JSON, mljob's limit per document", sizeString(maxAliasBytes))
				}
			}
			h.root = nil
			return []*Document{h}, expanded, nil
		}
	}
	d, expanded, err := newDocument(file, c.index, root)
	if err != nil {
		return nil, 0, err
	}
	if items, ok := listItems(d, root); ok {
		var docs []*Document
		for _, it := range items {
			item, _, err := newDocument(file, c.index, deref(it))
			if err != nil {
				return nil, 0, err
			}
			docs = append(docs, item)
		}
		return docs, expanded, nil
	}
	return []*Document{d}, expanded, nil
}

// listItems returns the items of a v1 List (or any kind ending in List
// with an items sequence), which kubectl applies one by one.
func listItems(d *Document, root *yaml.Node) ([]*yaml.Node, bool) {
	if !strings.HasSuffix(d.Kind, "List") {
		return nil, false
	}
	e, ok := d.find(root, "items")
	if !ok || deref(e.v).Kind != yaml.SequenceNode {
		return nil, false
	}
	return deref(e.v).Content, true
}

// shift moves node positions from the chunk to the file. Every node is
// in exactly one Content list (aliases point into the tree, they hold no
// content), so each is moved once. It reports whether there are aliases.
func shift(n *yaml.Node, lines, cols int) bool {
	if n.Line == 1 {
		n.Column += cols
	}
	n.Line += lines
	aliases := n.Kind == yaml.AliasNode
	for _, c := range n.Content {
		if shift(c, lines, cols) {
			aliases = true
		}
	}
	return aliases
}

// markNonSpecific finds the plain scalars written with the non-specific
// tag "!" ("! 12"), which v3 resolves as if untagged and v2, so kubectl,
// keeps as text, and gives them the tag "!". src is the chunk the nodes'
// positions are in.
func markNonSpecific(n *yaml.Node, src []byte) {
	if !mayHaveNonSpecific(src) {
		return
	}
	idx := newSourceIndex(src)
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag != "!!str" {
			if i, ok := idx.offset(n.Line, n.Column); ok && hasNonSpecificTag(src[i:]) {
				n.Tag, n.Style = nonSpecific, yaml.TaggedStyle
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
}

// mayHaveNonSpecific reports whether src has a "!" that ends where it
// starts, as the tag "!" does.
func mayHaveNonSpecific(src []byte) bool {
	for i := bytes.IndexByte(src, '!'); i >= 0; {
		if i+1 == len(src) || bytes.IndexByte([]byte(" \t\r\n,]}"), src[i+1]) >= 0 {
			return true
		}
		j := bytes.IndexByte(src[i+1:], '!')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

// sourceIndex maps line:column positions (columns count characters, as
// the YAML parser does) to byte offsets.
type sourceIndex struct {
	src   []byte
	lines []int           // offsets of line starts
	runes map[int][]int32 // per non-ASCII line, offsets of its characters
}

func newSourceIndex(src []byte) *sourceIndex {
	x := &sourceIndex{src: src, lines: []int{0}, runes: map[int][]int32{}}
	for i, c := range src {
		if c == '\n' {
			x.lines = append(x.lines, i+1)
		}
	}
	return x
}

func (x *sourceIndex) offset(line, col int) (int, bool) {
	if line < 1 || line > len(x.lines) || col < 1 {
		return 0, false
	}
	start, end := x.lines[line-1], len(x.src)
	if line < len(x.lines) {
		end = x.lines[line]
	}
	text := x.src[start:end]
	ascii := true
	for i := 0; i < len(text) && i < col; i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		if col-1 >= len(text) {
			return 0, false
		}
		return start + col - 1, true
	}
	offs, ok := x.runes[line]
	if !ok {
		for i := 0; i < len(text); {
			offs = append(offs, int32(i))
			_, n := utf8.DecodeRune(text[i:])
			i += n
		}
		x.runes[line] = offs
	}
	if col-1 >= len(offs) {
		return 0, false
	}
	return start + int(offs[col-1]), true
}

// hasNonSpecificTag reports whether the node properties (anchor, tag) at
// the start of src include the tag "!" alone.
func hasNonSpecificTag(src []byte) bool {
	i := 0
	for i < len(src) && (src[i] == '!' || src[i] == '&') {
		j := i
		for j < len(src) && !isBlankByte(src[j]) {
			j++
		}
		if j == i+1 && src[i] == '!' {
			return true
		}
		for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
			j++
		}
		i = j
	}
	return false
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func newDocument(file string, index int, root *yaml.Node) (*Document, int, *diag.Diagnostic) {
	d := &Document{File: file, Index: index, root: root}
	// A document that is not a mapping is no object; it is kept (with
	// its JSON) so that it is counted and skipped.
	b := &builder{doc: d}
	if err := b.value(root, 0, Segment{}, nil, false); err != nil {
		return nil, 0, err
	}
	d.JSON = b.buf
	sort.SliceStable(d.Duplicates, func(i, j int) bool { return d.Duplicates[i].Pos.Less(d.Duplicates[j].Pos) })
	d.readHead()
	return d, b.expanded, nil
}

// readHead reads the document's apiVersion, kind and names.
func (d *Document) readHead() {
	d.APIVersion = d.str("apiVersion")
	d.Kind = d.str("kind")
	d.Name = d.str("metadata", "name")
	d.GenerateName = d.str("metadata", "generateName")
	d.Namespace = d.str("metadata", "namespace")
}

// str returns the string at a path of keys, or "".
func (d *Document) str(keys ...string) string {
	n := d.root
	for _, k := range keys {
		n = deref(n)
		if n.Kind != yaml.MappingNode {
			return ""
		}
		e, ok := d.find(n, k)
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
