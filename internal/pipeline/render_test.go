package pipeline_test

import (
	"encoding/json"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/mljob/mljob/internal/pipeline"
)

func renderOne(t *testing.T, dir string) *pipeline.RenderResult {
	t.Helper()
	res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatalf("render %s: %v", dir, err)
	}
	if len(res.Documents) == 0 {
		t.Fatalf("render %s: no documents", dir)
	}
	return res
}

// The examples do what the guide's exercises ask; these checks read the
// typed objects, independent of the golden files.
func TestExampleGPUTraining(t *testing.T) {
	job := renderOne(t, "../../examples/gpu-training").Documents[0].Obj.(*batchv1.Job)
	pod := job.Spec.Template.Spec
	c := pod.Containers[0]
	if q, ok := c.Resources.Limits["nvidia.com/gpu"]; !ok || q.Value() != 2 {
		t.Errorf("limits nvidia.com/gpu = %v, want 2", c.Resources.Limits)
	}
	aff := pod.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0]
	if aff.Key != "nvidia.com/gpu.product" || aff.Operator != corev1.NodeSelectorOpIn || len(aff.Values) == 0 {
		t.Errorf("GPU node affinity = %+v", aff)
	}
	tolerated := false
	for _, tol := range pod.Tolerations {
		tolerated = tolerated || tol.Key == "nvidia.com/gpu" && tol.Operator == corev1.TolerationOpExists
	}
	if !tolerated {
		t.Errorf("no nvidia.com/gpu toleration in %+v", pod.Tolerations)
	}
	shm := false
	for _, m := range c.VolumeMounts {
		if m.MountPath != "/dev/shm" {
			continue
		}
		for _, v := range pod.Volumes {
			shm = shm || v.Name == m.Name && v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory
		}
	}
	if !shm {
		t.Error("no memory-backed /dev/shm volume")
	}
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %q", pod.RestartPolicy)
	}
}

func TestExampleCronJob(t *testing.T) {
	cj, ok := renderOne(t, "../../examples/cronjob").Documents[0].Obj.(*batchv1.CronJob)
	if !ok {
		t.Fatal("examples/cronjob is not a CronJob")
	}
	if cj.Spec.Schedule != "0 2 * * *" || cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent || cj.Spec.StartingDeadlineSeconds == nil {
		t.Errorf("spec = %+v", cj.Spec)
	}
}

func TestExampleBatchInference(t *testing.T) {
	job := renderOne(t, "../../examples/batch-inference").Documents[0].Obj.(*batchv1.Job)
	s := job.Spec
	if *s.Completions != 10 || *s.Parallelism != 3 || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completions %d parallelism %d mode %s, want 10, 3, Indexed", *s.Completions, *s.Parallelism, *s.CompletionMode)
	}
}

func TestExampleSweep(t *testing.T) {
	job := renderOne(t, "../../examples/sweep").Documents[0].Obj.(*batchv1.Job)
	var grid []map[string]any
	if err := json.Unmarshal([]byte(job.Annotations["mljob.dev/sweep"]), &grid); err != nil {
		t.Fatal(err)
	}
	if len(grid) != 4 || *job.Spec.Completions != 4 || *job.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("grid %v, completions %d", grid, *job.Spec.Completions)
	}
	seen := map[string]bool{}
	for _, p := range grid {
		b, _ := json.Marshal(p)
		seen[string(b)] = true
	}
	for _, want := range []string{`{"batch":32,"lr":0.1}`, `{"batch":32,"lr":0.01}`, `{"batch":64,"lr":0.1}`, `{"batch":64,"lr":0.01}`} {
		if !seen[want] {
			t.Errorf("grid lacks %s: %v", want, grid)
		}
	}
}
