// Package kube is mljob's one boundary with Kubernetes object encoding: it
// identifies the kinds mljob checks, creates their typed objects, decodes
// JSON into them strictly (as the API server does with
// fieldValidation=Strict) and encodes typed objects as the clean JSON and
// YAML that mljob writes.
//
// Every stage that turns bytes into a Job or CronJob (the generator's
// overrides, kustomize overlays, lint's schema check, import) goes through
// Decode, so they all accept and refuse the same documents.
package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	yamlv2 "go.yaml.in/yaml/v2"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
)

// The kinds mljob decodes into typed objects.
var (
	JobV1          = batchv1.SchemeGroupVersion.WithKind("Job")
	CronJobV1      = batchv1.SchemeGroupVersion.WithKind("CronJob")
	CronJobV1beta1 = batchv1beta1.SchemeGroupVersion.WithKind("CronJob")
	ServiceV1      = corev1.SchemeGroupVersion.WithKind("Service")
)

// GVK parses an apiVersion and kind. A malformed apiVersion gives the
// zero group and version.
func GVK(apiVersion, kind string) schema.GroupVersionKind {
	gv, _ := schema.ParseGroupVersion(apiVersion)
	return gv.WithKind(kind)
}

// IsBatch reports whether apiVersion and kind name a Job or a CronJob of
// the batch API group, whatever the version: the objects mljob checks.
func IsBatch(apiVersion, kind string) bool {
	gv, err := schema.ParseGroupVersion(apiVersion)
	return err == nil && gv.Group == batchv1.GroupName && (kind == "Job" || kind == "CronJob")
}

// New returns an empty typed object of kind k, with its apiVersion and
// kind set, or nil for kinds mljob has no type for.
func New(k schema.GroupVersionKind) runtime.Object {
	var obj runtime.Object
	switch k {
	case JobV1:
		obj = &batchv1.Job{}
	case CronJobV1:
		obj = &batchv1.CronJob{}
	case CronJobV1beta1:
		obj = &batchv1beta1.CronJob{}
	case ServiceV1:
		obj = &corev1.Service{}
	default:
		return nil
	}
	obj.GetObjectKind().SetGroupVersionKind(k)
	return obj
}

// Decode decodes the JSON of an object of kind k into its typed object,
// as the API server decodes a request body: strict are the problems
// fieldValidation=Strict refuses (unknown and duplicate fields), err a
// body it cannot decode at all (a wrong type, a bad quantity), in which
// case obj is nil. Decode fails for kinds New does not know.
func Decode(data []byte, k schema.GroupVersionKind) (obj runtime.Object, strict []error, err error) {
	obj = New(k)
	if obj == nil {
		return nil, nil, fmt.Errorf("no type for %s", kindString(k))
	}
	strict, err = kjson.UnmarshalStrict(data, obj)
	if err != nil {
		return nil, strict, err
	}
	return obj, strict, nil
}

// DecodeStrict is Decode that also fails on the strict problems, for
// objects that must be exactly of their type (overrides, overlay output).
func DecodeStrict(data []byte, k schema.GroupVersionKind) (runtime.Object, error) {
	obj, strict, err := Decode(data, k)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		return nil, errors.Join(strict...)
	}
	return obj, nil
}

// Head is what identifies an object: its apiVersion, kind and name.
type Head struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// ReadHead reads the head of an object's JSON; fields of other types
// than string read as empty.
func ReadHead(data []byte) Head {
	var loose struct {
		APIVersion any `json:"apiVersion"`
		Kind       any `json:"kind"`
		Metadata   any `json:"metadata"`
	}
	var h Head
	if json.Unmarshal(data, &loose) != nil {
		return h
	}
	h.APIVersion, _ = loose.APIVersion.(string)
	h.Kind, _ = loose.Kind.(string)
	if m, ok := loose.Metadata.(map[string]any); ok {
		h.Metadata.Name, _ = m["name"].(string)
		h.Metadata.Namespace, _ = m["namespace"].(string)
	}
	return h
}

func kindString(k schema.GroupVersionKind) string {
	return k.GroupVersion().String() + " " + k.Kind
}

// Encoded is a typed object as mljob writes it.
type Encoded struct {
	// JSON is the object without null fields, empty resources and an
	// empty status: what Rego policies see, and what YAML is made of.
	JSON []byte
	// YAML is JSON as YAML, keys sorted.
	YAML []byte
}

// Encode encodes obj as clean JSON and YAML.
//
// The YAML is what sigs.k8s.io/yaml.JSONToYAML makes of the JSON (yaml.v2,
// keys sorted), without its detour: JSONToYAML parses the JSON with a YAML
// parser only to learn each number's Go type, and that parse was an eighth
// of `mljob render`. The tree the JSON was made from is given to yaml.v2
// instead, its numbers typed as yaml.v2's resolver types them
// (TestEncodeMatchesJSONToYAML).
func Encode(obj runtime.Object) (Encoded, error) {
	m, err := cleanTree(obj)
	if err != nil {
		return Encoded{}, err
	}
	j, err := json.Marshal(m)
	if err != nil {
		return Encoded{}, err
	}
	y, err := treeYAML(m)
	if err != nil {
		return Encoded{}, err
	}
	return Encoded{JSON: j, YAML: y}, nil
}

// CleanJSON encodes obj as JSON without the null values typed objects
// marshal for unset timestamps, the empty resources they marshal for
// containers without any, and an empty status (one of empty objects
// only). Keys are sorted.
func CleanJSON(obj runtime.Object) ([]byte, error) {
	m, err := cleanTree(obj)
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// cleanTree is obj as a JSON tree (numbers as json.Number), cleaned as
// CleanJSON says.
func cleanTree(obj runtime.Object) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	prune(m)
	if s, ok := m["status"].(map[string]any); ok && allEmpty(s) {
		delete(m, "status")
	}
	return m, nil
}

// treeYAML is JSONToYAML of the JSON of the tree v, made from the tree:
// by fastYAML when it can, else by yaml.v2, given v with its numbers typed
// and its mappings ordered as fastYAML orders them (so that it is the
// same from run to run; see yamlKeyOrder).
func treeYAML(v any) ([]byte, error) {
	if m, ok := v.(map[string]any); ok {
		if y, ok := fastYAML(m); ok {
			return y, nil
		}
	}
	if err := yamlNumbers(v); err != nil {
		return nil, err
	}
	return yamlv2.Marshal(ordered(v))
}

// ordered is v with each mapping a yaml.v2 MapSlice in yamlKeyOrder.
func ordered(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(yamlv2.MapSlice, 0, len(t))
		for _, k := range yamlKeyOrder(t) {
			out = append(out, yamlv2.MapItem{Key: k, Value: ordered(t[k])})
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = ordered(e)
		}
		return out
	}
	return v
}

// yamlNumbers replaces each json.Number of v, in place, with the value
// yaml.v2 decodes from its text: int when it fits, else uint64, else
// float64 (resolve.go of yaml.v2; a JSON number has no base prefix, no
// underscores and is never a timestamp).
func yamlNumbers(v any) error {
	typed := func(x any) (any, error) {
		n, ok := x.(json.Number)
		if !ok {
			return x, yamlNumbers(x)
		}
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			if i == int64(int(i)) {
				return int(i), nil
			}
			return i, nil
		}
		if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
			return u, nil
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", n, err)
		}
		return f, nil
	}
	var err error
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if t[k], err = typed(e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			if t[i], err = typed(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// allEmpty reports whether m holds nothing but empty objects (a
// Service's status is {loadBalancer: {}} before it has any).
func allEmpty(m map[string]any) bool {
	for _, v := range m {
		if sub, ok := v.(map[string]any); !ok || !allEmpty(sub) {
			return false
		}
	}
	return true
}

// prune drops null values and empty resources, in place.
func prune(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			if m, ok := e.(map[string]any); ok && k == "resources" && len(m) == 0 {
				delete(t, k)
				continue
			}
			prune(e)
		}
	case []any:
		for _, e := range t {
			prune(e)
		}
	}
}
