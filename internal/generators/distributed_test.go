package generators_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/batch"
	"k8s.io/kubernetes/pkg/fieldpath"
	"k8s.io/kubernetes/pkg/registry/batch/job"

	// The batch types, conversions and defaults, as the API server has them.
	_ "k8s.io/kubernetes/pkg/apis/batch/install"

	"github.com/mljob/mljob/internal/pipeline"
)

// created is job as the API server stores it: defaulted, and with the
// selector and the pod template labels its create strategy adds (the
// Job's name and uid), by the registry's own PrepareForCreate.
func created(t *testing.T, j *batchv1.Job) *batchv1.Job {
	t.Helper()
	j = j.DeepCopy()
	j.UID = types.UID("7a1c9e0e-0000-4000-8000-000000000001")
	legacyscheme.Scheme.Default(j)
	internal := &batch.Job{}
	if err := legacyscheme.Scheme.Convert(j, internal, nil); err != nil {
		t.Fatal(err)
	}
	ctx := genericapirequest.WithNamespace(context.Background(), j.Namespace)
	job.Strategy.PrepareForCreate(ctx, internal)
	out := &batchv1.Job{}
	if err := legacyscheme.Scheme.Convert(internal, out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// podOf is the pod the Job controller creates for index i of an Indexed
// Job (pkg/controller/job: addCompletionIndexAnnotation,
// addCompletionIndexLabel, the hostname <job>-<i>, and
// addCompletionIndexEnvVariables, which appends JOB_COMPLETION_INDEX at
// the end of each container's env unless it is there).
func podOf(j *batchv1.Job, i int) *corev1.Pod {
	t := j.Spec.Template.DeepCopy()
	if t.Annotations == nil {
		t.Annotations = map[string]string{}
	}
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	t.Annotations["batch.kubernetes.io/job-completion-index"] = fmt.Sprint(i)
	t.Labels["batch.kubernetes.io/job-completion-index"] = fmt.Sprint(i)
	t.Spec.Hostname = fmt.Sprintf("%s-%d", j.Name, i)
	for ci := range t.Spec.Containers {
		c := &t.Spec.Containers[ci]
		has := false
		for _, e := range c.Env {
			has = has || e.Name == "JOB_COMPLETION_INDEX"
		}
		if !has {
			c.Env = append(c.Env, corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']"}}})
		}
	}
	pod := &corev1.Pod{ObjectMeta: t.ObjectMeta, Spec: t.Spec}
	pod.Namespace = j.Namespace
	pod.GenerateName = fmt.Sprintf("%s-%d-", j.Name, i)
	pod.Name = pod.GenerateName + "x7k2q"
	legacyscheme.Scheme.Default(pod)
	return pod
}

// kubeletEnv is the environment the kubelet gives container c of pod, as
// pkg/kubelet makeEnvironmentVariables makes it: each variable in order,
// a value's $(NAME) expanded from those before it (and the Service
// variables) with the kubelet's own expansion code, a downward API field
// read with its own fieldpath code.
func kubeletEnv(t *testing.T, pod *corev1.Pod, c corev1.Container) map[string]string {
	t.Helper()
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef == nil {
			t.Fatalf("%s: a source this test does not resolve", e.Name)
		}
	}
	return envOf(c, func(path string) string {
		v, err := fieldpath.ExtractFieldPathAsString(pod, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return v
	})
}

// renderPair renders dir (with overlay, if any) and returns its Job and
// Service.
func renderPair(t *testing.T, dir, overlay string) (*batchv1.Job, *corev1.Service) {
	t.Helper()
	res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}, Overlay: overlay})
	if err != nil {
		t.Fatal(err)
	}
	var j *batchv1.Job
	var s *corev1.Service
	for _, d := range res.Documents {
		switch o := d.Obj.(type) {
		case *batchv1.Job:
			j = o
		case *corev1.Service:
			s = o
		}
	}
	if j == nil || s == nil {
		t.Fatalf("render %s: want a Job and a Service, got %d documents", dir, len(res.Documents))
	}
	return j, s
}

// The rendezvous of the distributed example, resolved for the pods of
// indexes 0 and 1 as Kubernetes resolves it: the API server's create
// strategy labels the pods with the Job's name, the Job controller gives
// each its index and hostname, the kubelet expands env. Each rank gets
// its index as PET_NODE_RANK and pod 0's DNS name, which the headless
// Service gives it, as PET_MASTER_ADDR; and so after a kustomize
// namePrefix, which renames the Job and the Service.
func TestRendezvousAsTheKubeletResolvesIt(t *testing.T) {
	t.Chdir("../..")
	cases := []struct{ name, overlay, job string }{
		{"rendered", "", "train-llm"},
		{"namePrefix overlay", "testdata/distributed/overlay", "team-a-train-llm-v2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, svc := renderPair(t, "examples/distributed-training", c.overlay)
			if j.Name != c.job {
				t.Fatalf("Job %s, want %s", j.Name, c.job)
			}
			j = created(t, j)
			master := c.job + "-0." + c.job
			pod0 := podOf(j, 0)
			if host := pod0.Spec.Hostname + "." + pod0.Spec.Subdomain; host != master {
				t.Errorf("pod 0 is %s, want %s", host, master)
			}
			// The Service that gives pod 0 that name: headless, named
			// by the subdomain, selecting the pods.
			if svc.Name != pod0.Spec.Subdomain || svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses {
				t.Errorf("Service %s (clusterIP %q), subdomain %s: pod names do not resolve", svc.Name, svc.Spec.ClusterIP, pod0.Spec.Subdomain)
			}
			for i := range 2 {
				pod := podOf(j, i)
				if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
					t.Errorf("the Service's selector %v does not select pod %d (labels %v)", svc.Spec.Selector, i, pod.Labels)
				}
				env := kubeletEnv(t, pod, pod.Spec.Containers[0])
				want := map[string]string{
					"JOB_COMPLETION_INDEX": fmt.Sprint(i),
					"NODE_RANK":            fmt.Sprint(i),
					"NNODES":               "2",
					"NPROC_PER_NODE":       "8",
					"WORLD_SIZE":           "16",
					"MASTER_ADDR":          master,
					"MASTER_PORT":          "29500",
					"PET_NNODES":           "2",
					"PET_NPROC_PER_NODE":   "8",
					"PET_NODE_RANK":        fmt.Sprint(i),
					"PET_MASTER_ADDR":      master,
					"PET_MASTER_PORT":      "29500",
					"CHECKPOINT_DIR":       "/checkpoints",
					"RUN_LOG":              fmt.Sprintf("/checkpoints/logs/rank-%d.log", i),
				}
				for k, v := range want {
					if env[k] != v {
						t.Errorf("pod %d: %s=%q, want %q", i, k, env[k], v)
					}
				}
				for k, v := range env {
					if strings.Contains(v, "$(") {
						t.Errorf("pod %d: %s=%q is left unexpanded", i, k, v)
					}
				}
			}
		})
	}
}

// Why NODE_RANK reads the index label rather than $(JOB_COMPLETION_INDEX):
// the Job controller appends JOB_COMPLETION_INDEX after every variable
// mljob writes, so a reference to it stays as written.
func TestCompletionIndexIsAppendedLast(t *testing.T) {
	j := &batchv1.Job{}
	j.Name = "probe"
	j.Spec.CompletionMode = ptrTo(batchv1.IndexedCompletion)
	j.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c", Env: []corev1.EnvVar{{Name: "RANK_FROM_INDEX", Value: "$(JOB_COMPLETION_INDEX)"}}}}
	pod := podOf(j, 1)
	env := kubeletEnv(t, pod, pod.Spec.Containers[0])
	if env["JOB_COMPLETION_INDEX"] != "1" || env["RANK_FROM_INDEX"] != "$(JOB_COMPLETION_INDEX)" {
		t.Errorf("JOB_COMPLETION_INDEX=%q, RANK_FROM_INDEX=%q", env["JOB_COMPLETION_INDEX"], env["RANK_FROM_INDEX"])
	}
}

func ptrTo[T any](v T) *T { return &v }

// Every field nodes, launcher, masterPort, topology and checkpoint
// generate, in the Job and in its Service, is recorded as coming from the
// workload field that made it, so a finding about it points at that line.
func TestDistributedProvenance(t *testing.T) {
	src := `workloads: train: {
	type:       "training"
	image:      "ghcr.io/acme/train:1.0"
	nodes:      3
	launcher:   "torchrun"
	masterPort: 23456
	retries:    2
	namespace:  "ml"
	labels: team: "vision"
	queue: "q"
	topology: required: "cloud.google.com/gce-topology-block"
	checkpoint: {
		claim:       "ckpt"
		path:        "/ckpt"
		gracePeriod: "3m"
	}
}
`
	line := map[string]int{}
	for i, l := range strings.Split(src, "\n") {
		if k, _, ok := strings.Cut(strings.TrimSpace(l), ":"); ok {
			line[k] = i + 1
		}
	}
	docs := renderCUE(t, src)
	if len(docs) != 2 {
		t.Fatalf("%d documents, want the Job and its Service", len(docs))
	}
	job, svc := docs[0], docs[1]
	env := map[string]int{}
	for i, e := range job.Obj.(*batchv1.Job).Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = i
	}
	envPath := func(name string) string {
		i, ok := env[name]
		if !ok {
			t.Fatalf("no %s in env", name)
		}
		return fmt.Sprintf("spec.template.spec.containers[0].env[%d]", i)
	}
	for _, c := range []struct {
		doc   string
		path  string
		field string
	}{
		{"job", "spec.completions", "nodes"},
		{"job", "spec.parallelism", "nodes"},
		{"job", "spec.completionMode", "nodes"},
		{"job", "spec.successPolicy.rules[0].succeededIndexes", "nodes"},
		{"job", "spec.podReplacementPolicy", "nodes"},
		{"job", "spec.backoffLimit", "retries"},
		{"job", "spec.template.spec.subdomain", "nodes"},
		{"job", "spec.template.spec.containers[0].ports[0].containerPort", "masterPort"},
		{"job", envPath("NODE_RANK") + ".valueFrom", "nodes"},
		{"job", envPath("MASTER_ADDR") + ".value", "nodes"},
		{"job", envPath("MASTER_PORT"), "masterPort"},
		{"job", envPath("WORLD_SIZE"), "launcher"},
		{"job", envPath("PET_NODE_RANK"), "launcher"},
		{"job", envPath("CHECKPOINT_DIR"), "path"},
		{"job", "spec.template.metadata.annotations[kueue.x-k8s.io/podset-required-topology]", "topology"},
		{"job", "spec.template.spec.volumes[0].persistentVolumeClaim.claimName", "claim"},
		{"job", "spec.template.spec.containers[0].volumeMounts[0].mountPath", "path"},
		{"job", "spec.template.spec.terminationGracePeriodSeconds", "gracePeriod"},
		{"svc", "spec.clusterIP", "nodes"},
		{"svc", "spec.selector[batch.kubernetes.io/job-name]", "nodes"},
		{"svc", "spec.ports[0].port", "masterPort"},
		{"svc", "metadata.namespace", "namespace"},
		{"svc", "metadata.labels[team]", "labels"},
	} {
		d := job
		if c.doc == "svc" {
			d = svc
		}
		if got, want := d.PosOf(c.path).Line, line[c.field]; got != want {
			t.Errorf("%s %s: line %d, want %d (%s)", d.Kind(), c.path, got, want, c.field)
		}
	}
}
