package pipeline_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/pipeline"
)

// benchJobs writes n Jobs, of the size of a real training Job, as one
// multi-document stream.
func benchJobs(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `---
apiVersion: batch/v1
kind: Job
metadata:
  name: train-%d
  namespace: ml
  labels: {app.kubernetes.io/name: train-%d, team: vision}
spec:
  backoffLimit: 4
  completions: 4
  parallelism: 2
  completionMode: Indexed
  ttlSecondsAfterFinished: 86400
  template:
    metadata:
      labels: {app.kubernetes.io/name: train-%d}
    spec:
      restartPolicy: Never
      nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}
      tolerations:
      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
      - name: trainer
        image: ghcr.io/acme/train:1.%d
        command: [python, train.py, --epochs=10]
        env:
        - {name: RUN, value: "%d"}
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: hf, key: token}}
        resources:
          requests: {cpu: "8", memory: 32Gi, nvidia.com/gpu: 1}
          limits: {memory: 32Gi, nvidia.com/gpu: 1}
        volumeMounts:
        - {name: data, mountPath: /data, readOnly: true}
        - {name: shm, mountPath: /dev/shm}
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: datasets}
      - name: shm
        emptyDir: {medium: Memory, sizeLimit: 8Gi}
`, i, i, i, i, i)
	}
	return write(tb, tb.TempDir(), "jobs.yaml", b.String())
}

// BenchmarkLint1000 lints 1,000 Job objects from one file with every
// check (pod-security at restricted, so every template fails some).
func BenchmarkLint1000(b *testing.B) {
	path := benchJobs(b, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := pipeline.Lint(pipeline.LintOptions{NoPolicies: true, Paths: []string{path}, PodSecurity: "restricted"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Objects != 1000 || len(res.Errors) > 0 {
			b.Fatalf("%d objects, errors %v", res.Objects, res.Errors)
		}
	}
}

// BenchmarkLintAllRules1000 lints the same 1,000 Jobs with the Kubernetes
// checks and the whole Rego rule pack: what `mljob lint` costs per object.
func BenchmarkLintAllRules1000(b *testing.B) {
	path := benchJobs(b, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := pipeline.Lint(pipeline.LintOptions{Paths: []string{path}})
		if err != nil {
			b.Fatal(err)
		}
		if res.Objects != 1000 || len(res.Errors) > 0 {
			b.Fatalf("%d objects, errors %v", res.Objects, res.Errors)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "us/object")
}
