package validate

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	kjson "sigs.k8s.io/json"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/kube"
	"github.com/mljob/mljob/internal/manifest"
)

// decoded is a document decoded as the API server decodes a request body.
type decoded struct {
	obj runtime.Object
	// strict are the unknown fields (the API server refuses them with
	// fieldValidation=Strict, kubectl's default).
	strict []error
	// err is a fatal decoding error (wrong type, bad quantity): the API
	// server answers 400 and validates nothing.
	err error
	// offset maps an offset in the decoded JSON to one in doc.JSON.
	offset func(int64) int64
}

type decodedKey struct{}

// decode decodes doc into its versioned type once per document, status
// included: the API server decodes the whole body strictly (an unknown
// field or a wrong type in status refuses the request) and only then
// drops status. It returns nil when there is no such type. The object is
// shared: checks that change it change a DeepCopy. A generated document
// is decoded already.
func decode(doc *manifest.Document) *decoded {
	if doc.Typed != nil {
		return &decoded{obj: doc.Typed, offset: func(o int64) int64 { return o }}
	}
	return doc.Memo(decodedKey{}, func() any {
		k := gvk(doc)
		if kube.New(k) == nil {
			return (*decoded)(nil)
		}
		obj, strict, err := kube.Decode(doc.JSON, k)
		return &decoded{obj: obj, strict: strict, err: err, offset: func(o int64) int64 { return o }}
	}).(*decoded)
}

// Decoded returns the document decoded into its typed object, or nil when
// it does not decode (the schema check says why) or mljob has no type for
// it. The object is shared: do not change it.
func Decoded(doc *manifest.Document) runtime.Object {
	d := decode(doc)
	if d == nil || d.err != nil {
		return nil
	}
	return d.obj
}

// schemaCheck is the strict decoding the API server does with
// fieldValidation=Strict, plus duplicate keys in YAML, which kubectl reads
// silently (a warning).
type schemaCheck struct{}

func (schemaCheck) Check(doc *manifest.Document) []finding.Finding {
	if !isChecked(doc) {
		return nil
	}
	d := decode(doc)
	if d == nil {
		return nil
	}
	t := reflect.TypeOf(kube.New(gvk(doc))).Elem()
	var out []finding.Finding
	// kubectl reads YAML without refusing repeated keys: the last value
	// wins and the server never sees the others. The object is accepted,
	// but what the earlier line says is lost: a warning.
	for _, dup := range doc.Duplicates {
		f := newFinding(RuleSchema, finding.Warning, typedPath(t, dup.Path),
			"duplicate field %q: kubectl keeps this value and silently drops the earlier one", jsonPath(dup.Path))
		f.Pos = dup.Pos
		out = append(out, f)
	}
	for _, e := range d.strict {
		path := ""
		var fe kjson.FieldError
		if errors.As(e, &fe) {
			path = fe.FieldPath()
		}
		out = append(out, newFinding(RuleSchema, finding.Error, path, "%s", e.Error()))
	}
	if d.err != nil {
		out = append(out, decodeError(doc, d, t))
	}
	return out
}

// decodeError turns a fatal decoding error into a finding at the
// offending value when the error says where it is.
func decodeError(doc *manifest.Document, d *decoded, t reflect.Type) finding.Finding {
	f := newFinding(RuleSchema, finding.Error, "", "%s", d.err.Error())
	var te *json.UnmarshalTypeError
	if errors.As(d.err, &te) {
		if fld, ok := doc.FieldAt(d.offset(te.Offset)); ok {
			f.Path = typedPath(t, fld.Path)
			f.Pos = fld.Pos
		}
		return f
	}
	// Errors of custom decoders (quantities) say nothing of where; find
	// the first value that fails the same way.
	if path, ok := findBadQuantity(doc); ok {
		f.Path = path
	}
	return f
}

// typedPath renders a path the way Kubernetes field paths read: struct
// fields as .name, map keys and list indexes in brackets. t is the Go type
// the path starts in; where the type is unknown, keys read as fields.
func typedPath(t reflect.Type, segs []manifest.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case s.IsIndex:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				t = t.Elem()
			} else {
				t = nil
			}
		case t != nil && t.Kind() == reflect.Map:
			b.WriteString("[" + s.Key + "]")
			t = t.Elem()
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
			if t != nil && t.Kind() == reflect.Struct {
				f, ok := kube.JSONField(t, s.Key)
				t = f.Type
				if !ok {
					t = nil
				}
			} else {
				t = nil
			}
		}
	}
	return b.String()
}

// jsonPath renders a path as the API server's strict decoding errors do:
// every key after a dot.
func jsonPath(segs []manifest.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.IsIndex {
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Key)
	}
	return b.String()
}
