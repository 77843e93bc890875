package pipeline_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/plan"
)

// TestPlanProfileTypes plans CUE workloads: GPU types are the names of
// the project profile's gpuTypes, the built-in ones (a100 and a100-80gb
// share products: the exact set decides) and the project's own.
func TestPlanProfileTypes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "w.cue", `
profile: gpuTypes: "pool-b": {resource: "nvidia.com/gpu", nodeSelector: pool: "b"}
workloads: {
	a: {type: "training", image: "x:1", gpu: {count: 2, type: "a100"}}
	b: {type: "training", image: "x:1", gpu: {count: 4, type: "a100-80gb"}}
	c: {type: "inference", image: "x:1", shards: 10, parallelism: 3, gpu: {count: 1, type: "pool-b"}}
	d: {type: "training", image: "x:1", gpu: {count: 1}}
	e: {type: "sweep", image: "x:1", command: ["t"], sweep: lr: [1, 2, 3], gpu: {count: 1, type: "h100"}}
}
`)
	res, err := pipeline.Plan(pipeline.PlanOptions{Paths: []string{dir}, Plan: plan.Options{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, w := range res.Plan.Workloads {
		var gs []string
		for _, g := range w.GPUs {
			gs = append(gs, fmt.Sprintf("%s %dx%d=%d", g.Type, g.PerPod, w.PodsAtPeak, g.AtPeak))
		}
		got[w.Name] = strings.Join(gs, ",")
	}
	want := map[string]string{"a": "a100 2x1=2", "b": "a100-80gb 4x1=4", "c": "pool-b 1x3=3", "d": "any 1x1=1", "e": "h100 1x3=3"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

// TestPlanInputErrors: what cannot be used is an input error naming each
// file and line, whether CUE or manifest, and nothing is planned.
func TestPlanInputErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "cj.yaml", `apiVersion: batch/v1
kind: CronJob
metadata:
  name: c
spec:
  schedule: "0 2 * * *"
  timeZone: Nowhere/City
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: "x:1"}]
`)
	res, err := pipeline.Plan(pipeline.PlanOptions{Paths: []string{dir}})
	var ie *pipeline.InputError
	if res != nil || !errors.As(err, &ie) {
		t.Fatalf("res %v, err %v", res, err)
	}
	if want := filepath.ToSlash(filepath.Join(dir, "cj.yaml")) + ":7:3: error: [api-validation] CronJob default/c: spec.timeZone: Invalid value: \"Nowhere/City\""; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want %q...", err, want)
	}
}
