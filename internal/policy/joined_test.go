package policy

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/mljob/mljob/internal/corpustest"
)

// joinedObjects are the objects the joined query is checked on: the bench
// objects, the real-world corpus, and objects with fields of the wrong
// type or missing, where rules take their less travelled paths.
func joinedObjects(t *testing.T) []map[string]any {
	objs := benchObjects(400)
	for _, d := range corpustest.Documents(t) {
		var m map[string]any
		if err := json.Unmarshal(d.JSON, &m); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, m)
	}
	odd := []string{
		`{"apiVersion":"batch/v1","kind":"Job","spec":{"template":{"spec":{"containers":[{"name":"c","image":7,"env":[{"name":"API_KEY","value":12}],"resources":{"limits":{"memory":"512","cpu":1000,"nvidia.com/gpu":"x"}}}]}}}}`,
		`{"apiVersion":"batch/v1","kind":"Job","spec":{"template":{"spec":{"containers":"none","volumes":[{"name":"v","emptyDir":{"sizeLimit":"10m"}}]}}}}`,
		`{"apiVersion":"batch/v1","kind":"CronJob","spec":{"schedule":5,"jobTemplate":{"spec":{"template":{"spec":{"initContainers":[{"name":"i","image":"x@sha256:bad","restartPolicy":"Always"}],"containers":[{"name":"c","image":"localhost:5000/x","env":[{"name":"X","value":"$(Y)"},{"name":"Y"}]}],"tolerations":[{"key":"karpenter.sh/capacity-type","value":"spot"}]}}}}}}`,
		`{"apiVersion":"batch/v1","kind":"Job","metadata":{"labels":{"kueue.x-k8s.io/queue-name":3}},"spec":{"suspend":"yes","template":{"metadata":null,"spec":null}}}`,
		`{"apiVersion":"batch/v1","kind":"Job"}`,
	}
	for _, s := range odd {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, m)
	}
	return objs
}

// TestJoinedMatchesPerRule: evaluating the built-in rules in one query
// finds what evaluating each on its own finds, object by object, with
// default parameters, with configured ones and with an object's own.
func TestJoinedMatchesPerRule(t *testing.T) {
	objs := joinedObjects(t)
	cases := []struct {
		name   string
		opts   Options
		params map[string]map[string]any
		joined int // rules in the joined query
	}{
		{name: "defaults", joined: len(rulesOf(t, Options{}))},
		{name: "configured", opts: Options{Params: map[string]map[string]any{"image-tag": {"requireDigest": true}, "resource-units": {"maxCPU": 8}}},
			joined: len(rulesOf(t, Options{})) - 2},
		{name: "configured as the defaults", opts: Options{Params: map[string]map[string]any{"resource-limits": {"requireCPULimit": true}}},
			joined: len(rulesOf(t, Options{}))},
		{name: "object's own", params: map[string]map[string]any{"kueue-queue": {"requireQueue": true}, "backoff-limit": {"unknown": 1}},
			joined: len(rulesOf(t, Options{}))},
		{name: "only", opts: Options{Only: []string{"image-tag", "plaintext-secret", "env-var-reference"}}, joined: 3},
		{name: "one", opts: Options{Only: []string{"image-tag"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := Load(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			if e.joined != nil {
				n = len(e.joined.rules)
			}
			if n != c.joined {
				t.Fatalf("%d rules joined, want %d", n, c.joined)
			}
			per, err := Load(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			per.joined = nil
			total := 0
			for i, o := range objs {
				got, err1 := e.EvalWith(o, "f.yaml", c.params)
				want, err2 := per.EvalWith(o, "f.yaml", c.params)
				if err1 != nil || err2 != nil {
					t.Fatalf("object %d: %v / %v", i, err1, err2)
				}
				if len(got) == 0 && len(want) == 0 {
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("object %d (%v):\njoined:   %+v\nper rule: %+v", i, o["metadata"], got, want)
				}
				total += len(got)
			}
			if c.name != "one" && total < len(objs)/10 {
				t.Errorf("only %d findings on %d objects: the comparison says little", total, len(objs))
			}
		})
	}
}

// TestJoinedStopped: an object whose time is spent before the joined query
// ends gets each rule's "stopped" finding, as evaluating rule by rule gives.
func TestJoinedStopped(t *testing.T) {
	e, err := Load(Options{Limits: Limits{Object: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Eval(benchObjects(1)[0], "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(e.rules) {
		t.Fatalf("%d findings for %d rules: %+v", len(fs), len(e.rules), fs)
	}
	for _, f := range fs {
		if f.Rule != "policy-error" {
			t.Errorf("finding %+v, want a policy error", f)
		}
	}
	if len(e.Stopped()) != len(e.rules) {
		t.Errorf("stopped: %+v", e.Stopped())
	}
}

func rulesOf(t *testing.T, opts Options) []*rule {
	e, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e.rules
}
