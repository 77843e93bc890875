package generators_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/mljob/mljob/internal/load"
	"github.com/mljob/mljob/internal/pipeline"
)

// A sweep's trials and a sharded workload's shards retry on their own:
// backoffLimitPerIndex (the profile's retriesPerIndex), no job-wide
// backoffLimit, so failures of some indexes never stop the others; the
// API server accepts it (render validates).
func TestIndexedRetriesPerIndex(t *testing.T) {
	docs := renderCUE(t, `
workloads: sweep: {type: "sweep", image: "a:1", command: ["x"], sweep: lr: [1, 2, 3, 4, 5]}
workloads: shards: {type: "inference", image: "a:1", command: ["x"], shards: 8, maxFailedIndexes: 2}
workloads: whole: {type: "inference", image: "a:1", command: ["x"], shards: 8, retries: 1}
`)
	byName := map[string]*batchv1.Job{}
	for _, d := range docs {
		byName[d.Name()] = d.Obj.(*batchv1.Job)
	}
	for _, name := range []string{"sweep", "shards"} {
		s := byName[name].Spec
		if s.BackoffLimit != nil || s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 3 || *s.CompletionMode != batchv1.IndexedCompletion {
			t.Errorf("%s: backoffLimit %v, backoffLimitPerIndex %v", name, s.BackoffLimit, s.BackoffLimitPerIndex)
		}
	}
	if m := byName["shards"].Spec.MaxFailedIndexes; m == nil || *m != 2 {
		t.Errorf("maxFailedIndexes = %v", m)
	}
	if s := byName["whole"].Spec; s.BackoffLimitPerIndex != nil || s.BackoffLimit == nil || *s.BackoffLimit != 1 {
		t.Errorf("retries: backoffLimit %v, backoffLimitPerIndex %v", s.BackoffLimit, s.BackoffLimitPerIndex)
	}
}

// queue creates the Job suspended (a CronJob's Jobs: its jobTemplate) for
// Kueue to admit; priority is Kueue's label, priorityClass the pods'.
func TestQueueSuspends(t *testing.T) {
	docs := renderCUE(t, `
workloads: once: {type: "task", image: "a:1", command: ["x"], queue: "team-a", priority: "high", priorityClass: "low"}
workloads: nightly: {type: "task", image: "a:1", command: ["x"], schedule: "0 2 * * *", queue: "team-a"}
`)
	for _, d := range docs {
		switch o := d.Obj.(type) {
		case *batchv1.Job:
			if o.Spec.Suspend == nil || !*o.Spec.Suspend {
				t.Errorf("Job with queue: suspend %v", o.Spec.Suspend)
			}
			if o.Labels["kueue.x-k8s.io/queue-name"] != "team-a" || o.Labels["kueue.x-k8s.io/priority-class"] != "high" {
				t.Errorf("Job labels %v", o.Labels)
			}
			if o.Spec.Template.Spec.PriorityClassName != "low" {
				t.Errorf("priorityClassName %q", o.Spec.Template.Spec.PriorityClassName)
			}
		case *batchv1.CronJob:
			jt := o.Spec.JobTemplate
			if jt.Spec.Suspend == nil || !*jt.Spec.Suspend || o.Spec.Suspend != nil {
				t.Errorf("CronJob with queue: jobTemplate suspend %v, CronJob suspend %v", jt.Spec.Suspend, o.Spec.Suspend)
			}
			if jt.Labels["kueue.x-k8s.io/queue-name"] != "team-a" {
				t.Errorf("jobTemplate labels %v", jt.Labels)
			}
		}
	}
}

// Unit mistakes are refused (exit 2) at the field's line, with the size
// most likely meant; a cpu no node has is a warning.
func TestUnitMistakes(t *testing.T) {
	for _, tc := range []struct{ field, want string }{
		{`memory: 4096`, `w.cue:1:72: workloads.w.resources.memory: 4096 has no unit, so it is 4096 bytes; did you mean "4096Mi"?`},
		{`memory: "16m"`, `w.cue:1:72: workloads.w.resources.memory: "16m" is 16 millibytes (m is milli, Mi is mebibytes); did you mean "16Mi"?`},
		{`ephemeralStorage: "100Ki"`, `w.cue:1:72: workloads.w.resources.ephemeralStorage: "100Ki" is less than 1Mi, too little for any container; did you mean "100Mi"?`},
	} {
		src := `workloads: w: {type: "task", image: "a:1", command: ["x"], resources: {` + tc.field + `}}`
		_, err := pipeline.Render(pipeline.RenderOptions{Inline: []load.Source{{Name: "w.cue", Data: []byte(src)}}})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.field, err, tc.want)
		}
		var ie *pipeline.InputError
		if err != nil && !asInputError(err, &ie) {
			t.Errorf("%s: %T is not an input error (exit 2)", tc.field, err)
		}
	}
	res, err := pipeline.Render(pipeline.RenderOptions{Inline: []load.Source{{Name: "w.cue", Data: []byte(
		`workloads: w: {type: "task", image: "a:1", command: ["x"], resources: {cpu: "500"}}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Error(), `w.cue:1:72: workloads.w.resources.cpu: cpu "500" is more than the 192 CPUs`) ||
		!strings.Contains(res.Warnings[0].Error(), `did you mean "500m"?`) {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

func asInputError(err error, target **pipeline.InputError) bool {
	ie, ok := err.(*pipeline.InputError)
	*target = ie
	return ok
}

// Under a profile that asks for the restricted Pod Security Standard,
// render checks every object at that level (overrides cannot break it)
// and refuses running as root.
func TestProfilePodSecurityChecked(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`profile: podSecurity: "restricted"
workloads: w: {type: "task", image: "a:1", command: ["x"], overrides: spec: template: spec: initContainers: [{name: "setup", image: "b:1"}]}`,
			`w.cue:2:12: error: [pod-security] Job default/w: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "setup" must set securityContext.allowPrivilegeEscalation=false)`},
		{`profile: podSecurity: "restricted"
workloads: w: {type: "task", image: "a:1", command: ["x"], securityContext: runAsUser: 0}`,
			`w.cue:2:77: workloads.w.securityContext.runAsUser: runAsUser 0 (root) is not allowed by the restricted Pod Security Standard the profile asks for`},
	} {
		_, err := pipeline.Render(pipeline.RenderOptions{Inline: []load.Source{{Name: "w.cue", Data: []byte(tc.src)}}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
	// An explicit level wins over the profile's.
	src := `profile: podSecurity: "restricted"
workloads: w: {type: "task", image: "a:1", command: ["x"], overrides: spec: template: spec: initContainers: [{name: "setup", image: "b:1"}]}`
	if _, err := pipeline.Render(pipeline.RenderOptions{PodSecurity: "privileged", Inline: []load.Source{{Name: "w.cue", Data: []byte(src)}}}); err != nil {
		t.Errorf("--pod-security privileged: %v", err)
	}
}

// Each project is checked at its own profile's level, whatever the order
// objects are written in.
func TestPodSecurityPerProject(t *testing.T) {
	restricted, plain := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(restricted, "w.cue"), []byte(`profile: podSecurity: "restricted"
workloads: zz: {type: "task", image: "a:1", command: ["x"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plain, "w.cue"), []byte(`workloads: aa: {type: "task", image: "a:1", command: ["x"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{restricted, plain}, {plain, restricted}} {
		if _, err := pipeline.Render(pipeline.RenderOptions{Paths: paths}); err != nil {
			t.Errorf("render %v: %v", paths, err)
		}
	}
}
