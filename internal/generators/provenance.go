package generators

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mljob/mljob/internal/kube"
)

// Provenance maps field paths of a generated object, written as Kubernetes
// writes them in errors (spec.template.spec.containers[0].image,
// metadata.labels[app]), to the workload field they came from ("image",
// "datasets.train", "overrides.spec.template.spec.restartPolicy"). A path
// that is not in the map comes from its nearest ancestor that is; a path
// with no such ancestor comes from the workload as a whole.
type Provenance map[string]string

// Field returns the workload field that path came from.
func (p Provenance) Field(path string) (string, bool) {
	for q := path; q != ""; q = ParentPath(q) {
		if f, ok := p[q]; ok {
			return f, true
		}
	}
	return "", false
}

// set records that path came from field; an empty field is the workload.
func (p Provenance) set(path, field string) {
	p[path] = field
}

// ParentPath drops the last step of a Kubernetes field path:
// "a.b[x.y].c" → "a.b[x.y]" → "a.b" → "a" → "".
func ParentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
		return ""
	}
	i := strings.LastIndexAny(p, ".]")
	switch {
	case i < 0:
		return ""
	case p[i] == ']':
		return p[:i+1]
	}
	return p[:i]
}

// recordOverrides records the fields an `overrides` patch set in the
// merged object obj: each leaf of the patch comes from its line under
// overrides, and what the generator recorded below it is forgotten.
// Items of lists that merge by key (containers by name, ...) are found in
// the merged list by that key, others by their index.
func (p Provenance) recordOverrides(patch json.RawMessage, obj runtime.Object) {
	var pv, mv any
	if json.Unmarshal(patch, &pv) != nil {
		return
	}
	merged, err := json.Marshal(obj)
	if err != nil || json.Unmarshal(merged, &mv) != nil {
		return
	}
	p.walkPatch(pv, mv, reflect.TypeOf(obj), "", "overrides", "")
}

// walkPatch walks patch and the merged value side by side; t is their Go
// type (nil where unknown) and key the merge key of a list (empty for
// lists the patch replaces).
func (p Provenance) walkPatch(patch, merged any, t reflect.Type, path, field, key string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch pt := patch.(type) {
	case map[string]any:
		mm, _ := merged.(map[string]any)
		for k, v := range pt {
			if strings.HasPrefix(k, "$") {
				continue // patch directives
			}
			sub, ft, mk := kube.ChildPath(t, path, k)
			p.walkPatch(v, mm[k], ft, sub, field+"."+k, mk)
		}
		return
	case []any:
		ml, _ := merged.([]any)
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			elem = t.Elem()
		}
		if key == "" {
			break // replaced as a whole: a leaf
		}
		for i, item := range pt {
			j := i
			if im, ok := item.(map[string]any); ok {
				if kv, ok := im[key]; ok {
					j = indexOf(ml, key, kv)
				}
			}
			if j < 0 || j >= len(ml) {
				continue // deleted by a directive
			}
			p.walkPatch(item, ml[j], elem, path+"["+strconv.Itoa(j)+"]", field+"."+strconv.Itoa(i), "")
		}
		return
	}
	for q := range p {
		if strings.HasPrefix(q, path) && (len(q) == len(path) || q[len(path)] == '.' || q[len(path)] == '[') {
			delete(p, q)
		}
	}
	p.set(path, field)
}

func indexOf(list []any, key string, v any) int {
	for i, it := range list {
		if m, ok := it.(map[string]any); ok && reflect.DeepEqual(m[key], v) {
			return i
		}
	}
	return -1
}
