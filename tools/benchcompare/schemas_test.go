package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A swagger document in miniature: a kind whose spec refers to a nested
// type, an IntOrString and a Quantity. In the expected schema, the
// types of template and parallelism stay non-null because JobSpec lists
// required fields; those under oneOf become nullable all the same, as
// openapi2jsonschema makes them (it looks two levels up, which for a list
// item is the properties map).
const swagger = `{"definitions": {
  "io.k8s.api.batch.v1.Job": {
    "type": "object",
    "x-kubernetes-group-version-kind": [{"group": "batch", "version": "v1", "kind": "Job"}],
    "properties": {
      "apiVersion": {"type": "string"},
      "kind": {"type": "string"},
      "spec": {"$ref": "#/definitions/io.k8s.api.batch.v1.JobSpec", "description": "dropped"}
    }
  },
  "io.k8s.api.batch.v1.JobSpec": {
    "type": "object",
    "required": ["template"],
    "properties": {
      "template": {"type": "string"},
      "parallelism": {"type": "integer", "format": "int32"},
      "maxUnavailable": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
      "memory": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"}
    }
  },
  "io.k8s.api.core.v1.Pod": {
    "type": "object",
    "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Pod"}],
    "properties": {"kind": {"type": "string"}}
  },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"}
}}`

func TestKubeSchemas(t *testing.T) {
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(swagger), &doc); err != nil {
		t.Fatal(err)
	}
	got, err := kubeSchemas(doc.Definitions, []string{"batch/v1/Job", "v1/Pod"})
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(`{
  "job-batch-v1.json": {
    "$schema": "http://json-schema.org/schema#",
    "type": "object",
    "additionalProperties": false,
    "x-kubernetes-group-version-kind": [{"group": "batch", "version": "v1", "kind": "Job"}],
    "properties": {
      "apiVersion": {"type": ["string", "null"], "enum": ["batch/v1"]},
      "kind": {"type": ["string", "null"], "enum": ["Job"]},
      "spec": {
        "type": ["object", "null"],
        "required": ["template"],
        "additionalProperties": false,
        "properties": {
          "template": {"type": "string"},
          "parallelism": {"type": "integer", "format": "int32"},
          "maxUnavailable": {"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]},
          "memory": {"oneOf": [{"type": ["string", "null"]}, {"type": ["number", "null"]}]}
        }
      }
    }
  },
  "pod-v1.json": {
    "$schema": "http://json-schema.org/schema#",
    "type": "object",
    "additionalProperties": false,
    "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Pod"}],
    "properties": {"kind": {"type": ["string", "null"], "enum": ["Pod"]}}
  }
}`), &want); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	var gm map[string]any
	if err := json.Unmarshal(g, &gm); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gm, want) {
		gi, _ := json.MarshalIndent(gm, "", "  ")
		t.Errorf("got\n%s", gi)
	}
}

func TestKubeSchemasRecursion(t *testing.T) {
	defs := map[string]any{
		"io.k8s.api.x.v1.Node": map[string]any{
			"x-kubernetes-group-version-kind": []any{map[string]any{"group": "x", "version": "v1", "kind": "Node"}},
			"properties":                      map[string]any{"child": map[string]any{"$ref": "#/definitions/io.k8s.api.x.v1.Node"}},
		},
	}
	if _, err := kubeSchemas(defs, []string{"x/v1/Node"}); err == nil || !strings.Contains(err.Error(), "recursive") {
		t.Fatalf("got %v, want an error about recursion", err)
	}
}

// TestJobSchemaOfKubernetes checks the schema made from the real OpenAPI
// document, when the Go module cache has it: strict down to the
// containers.
func TestJobSchemaOfKubernetes(t *testing.T) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skip("no go command")
	}
	swagger := filepath.Join(strings.TrimSpace(string(out)), "k8s.io", "kubernetes@v1.37.2", "api", "openapi-spec", "swagger.json")
	if _, err := os.Stat(swagger); err != nil {
		t.Skipf("no OpenAPI document: %v", err)
	}
	dir := t.TempDir()
	names, err := writeSchemas(swagger, dir, defaultKinds)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cronjob-batch-v1.json", "job-batch-v1.json", "pod-v1.json"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "job-batch-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var job map[string]any
	if err := json.Unmarshal(b, &job); err != nil {
		t.Fatal(err)
	}
	v := any(job)
	for _, k := range strings.Split("properties.spec.properties.template.properties.spec.properties.containers.items", ".") {
		v = v.(map[string]any)[k]
	}
	c := v.(map[string]any)
	if c["additionalProperties"] != false {
		t.Errorf("containers allow unknown fields: %v", c["additionalProperties"])
	}
	if strings.Contains(string(b), `"$ref"`) {
		t.Error("the schema still has references")
	}
}
