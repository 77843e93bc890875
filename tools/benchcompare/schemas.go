package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// This file makes the JSON schemas kubeconform validates against, offline,
// from the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of
// k8s.io/kubernetes). It does what kubeconform's schemas
// (github.com/yannh/kubernetes-json-schema, "standalone-strict") are made
// with: openapi2jsonschema --kubernetes --expanded --stand-alone --strict.
//
//   - IntOrString becomes oneOf string/integer, Quantity oneOf string/number;
//   - apiVersion and kind of each kind get an enum of their values;
//   - every schema with properties gets additionalProperties: false
//     (strict), as kubectl's validation did;
//   - every $ref is replaced by the definition it names (stand-alone);
//   - optional fields accept null (allow_null_optional_fields);
//   - each kind goes to KIND-GROUP-VERSION.json (KIND-VERSION.json for the
//     core group), lower case, which kubeconform finds with
//     -schema-location 'DIR/{{.ResourceKind}}{{.KindSuffix}}.json'.

// defaultKinds are the kinds written when none are asked for: what a
// batch linter sees.
var defaultKinds = []string{"batch/v1/Job", "batch/v1/CronJob", "v1/Pod"}

// SchemaLocation is kubeconform's -schema-location for a schema directory.
func SchemaLocation(dir string) string {
	return filepath.Join(dir, "{{.ResourceKind}}{{.KindSuffix}}.json")
}

// writeSchemas writes the schemas of kinds ("GROUP/VERSION/KIND", or
// "VERSION/KIND" for the core group) from the swagger file into dir.
func writeSchemas(swaggerPath, dir string, kinds []string) ([]string, error) {
	b, err := os.ReadFile(swaggerPath)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", swaggerPath, err)
	}
	schemas, err := kubeSchemas(doc.Definitions, kinds)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for name, s := range schemas {
		out, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(out, '\n'), 0o644); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// kubeSchemas returns the standalone strict schema of each kind, by file
// name.
func kubeSchemas(defs map[string]any, kinds []string) (map[string]any, error) {
	defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = map[string]any{
		"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}},
	}
	defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = map[string]any{
		"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}},
	}
	titles := map[string]string{} // "group/version/kind" → definition
	for title, d := range defs {
		def, _ := d.(map[string]any)
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		props, _ := def["properties"].(map[string]any)
		for _, g := range gvks {
			gvk, _ := g.(map[string]any)
			group, _ := gvk["group"].(string)
			version, _ := gvk["version"].(string)
			kind, _ := gvk["kind"].(string)
			apiVersion := version
			if group != "" {
				apiVersion = group + "/" + version
			}
			if strings.HasSuffix(title, "."+kind) {
				titles[apiVersion+"/"+kind] = title
			}
			if p, ok := props["apiVersion"].(map[string]any); ok {
				appendEnum(p, apiVersion)
			}
			if p, ok := props["kind"].(map[string]any); ok {
				appendEnum(p, kind)
			}
		}
	}
	for _, d := range defs {
		denyAdditional(d)
	}

	out := map[string]any{}
	for _, k := range kinds {
		title, ok := titles[k]
		if !ok {
			return nil, fmt.Errorf("no definition of %s in the OpenAPI document", k)
		}
		spec, err := inline(defs[title], defs, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		s := spec.(map[string]any)
		s["$schema"] = "http://json-schema.org/schema#"
		if _, ok := s["type"]; !ok {
			s["type"] = "object"
		}
		s["additionalProperties"] = false
		if props, ok := s["properties"].(map[string]any); ok {
			s["properties"] = allowNull(replaceIntOrString(props), nil, nil)
		}
		out[fileName(title)] = s
	}
	return out, nil
}

// fileName is the schema file of a definition, as openapi2jsonschema
// --expanded names it: io.k8s.api.batch.v1.Job → job-batch-v1.json,
// io.k8s.api.core.v1.Pod → pod-v1.json.
func fileName(title string) string {
	parts := strings.Split(strings.ToLower(title), ".")
	kind, version, group := parts[len(parts)-1], parts[len(parts)-2], parts[len(parts)-3]
	if group == "core" || group == "api" {
		return kind + "-" + version + ".json"
	}
	return kind + "-" + group + "-" + version + ".json"
}

func appendEnum(prop map[string]any, v string) {
	enum, _ := prop["enum"].([]any)
	for _, e := range enum {
		if e == v {
			return
		}
	}
	prop["enum"] = append(enum, v)
}

// denyAdditional sets additionalProperties: false on every object with
// properties that does not say otherwise. Like openapi2jsonschema it
// descends into objects only, not lists.
func denyAdditional(v any) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for _, c := range m {
		if cm, ok := c.(map[string]any); ok {
			if _, has := cm["properties"]; has {
				if _, set := cm["additionalProperties"]; !set {
					cm["additionalProperties"] = false
				}
			}
			denyAdditional(cm)
		}
	}
	if _, has := m["properties"]; has {
		if _, set := m["additionalProperties"]; !set {
			m["additionalProperties"] = false
		}
	}
}

// inline returns a copy of v with every "#/definitions/X" $ref replaced by
// (a copy of) X. A definition that refers to itself, directly or not,
// cannot be inlined.
func inline(v any, defs map[string]any, stack []string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			name, ok := strings.CutPrefix(ref, "#/definitions/")
			if !ok {
				return nil, fmt.Errorf("unsupported $ref %q", ref)
			}
			for _, s := range stack {
				if s == name {
					return nil, fmt.Errorf("recursive definition %s", strings.Join(append(stack, name), " → "))
				}
			}
			d, ok := defs[name]
			if !ok {
				return nil, fmt.Errorf("$ref to missing definition %s", name)
			}
			// Siblings of $ref (descriptions) are dropped, as JSON
			// reference resolution does.
			return inline(d, defs, append(stack, name))
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := inline(e, defs, stack)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			c, err := inline(e, defs, stack)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}

// replaceIntOrString turns fields of format int-or-string into oneOf
// string/integer.
func replaceIntOrString(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case map[string]any:
			if t["format"] == "int-or-string" {
				out[k] = map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
			} else {
				out[k] = replaceIntOrString(t)
			}
		case []any:
			l := make([]any, len(t))
			for i, e := range t {
				if em, ok := e.(map[string]any); ok {
					l[i] = replaceIntOrString(em)
				} else {
					l[i] = e
				}
			}
			out[k] = l
		default:
			out[k] = v
		}
	}
	return out
}

// allowNull makes a "type" also allow null unless the schema two levels up
// (the object whose properties hold it) lists required fields: the rule of
// openapi2jsonschema's allow_null_optional_fields, quirks included.
func allowNull(data any, parent, grand any) any {
	m, ok := data.(map[string]any)
	if !ok {
		return data
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case map[string]any:
			out[k] = allowNull(t, m, parent)
		case []any:
			l := make([]any, len(t))
			for i, e := range t {
				l[i] = allowNull(e, t, parent)
			}
			out[k] = l
		case string:
			// Python's `"required" in grand_parent`: a key of an
			// object, an element of a list.
			required := false
			switch g := grand.(type) {
			case map[string]any:
				_, required = g["required"]
			case []any:
				for _, e := range g {
					required = required || e == "required"
				}
			}
			if k == "type" && t != "null" && !required {
				out[k] = []any{t, "null"}
			} else {
				out[k] = t
			}
		default:
			out[k] = v
		}
	}
	return out
}
