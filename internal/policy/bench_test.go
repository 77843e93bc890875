package policy

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// benchObjects makes n Jobs and CronJobs of the shapes mljob renders and
// users write: CPU and GPU training, spot, sweeps with init containers,
// scheduled jobs; some clean, some with findings. They are decoded from
// JSON, as the lint pipeline decodes YAML.
func benchObjects(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		image := fmt.Sprintf("ghcr.io/acme/train:1.%d.0", i)
		if i%7 == 0 {
			image = "ghcr.io/acme/train:latest"
		}
		env := []any{
			map[string]any{"name": "EPOCHS", "value": fmt.Sprint(i % 50)},
			map[string]any{"name": "WANDB_PROJECT", "value": "resnet"},
			map[string]any{"name": "WANDB_API_KEY", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "wandb", "key": "key"}}},
		}
		if i%11 == 0 {
			env = append(env, map[string]any{"name": "HF_TOKEN", "value": "hf_x"})
		}
		limits := map[string]any{"cpu": "8", "memory": "64Gi"}
		pod := map[string]any{
			"restartPolicy": "Never",
			"containers": []any{map[string]any{
				"name":    "trainer",
				"image":   image,
				"command": []any{"python", "train.py"},
				"env":     env,
				"resources": map[string]any{
					"requests": map[string]any{"cpu": "8", "memory": "64Gi"},
					"limits":   limits,
				},
				"volumeMounts": []any{map[string]any{"name": "data", "mountPath": "/data", "readOnly": true}},
			}},
			"volumes": []any{map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": "imagenet"}}},
		}
		spec := map[string]any{"backoffLimit": 3, "ttlSecondsAfterFinished": 86400}
		switch i % 4 {
		case 1: // GPU
			limits["nvidia.com/gpu"] = 1 + i%8
			pod["nodeSelector"] = map[string]any{"nvidia.com/gpu.present": "true"}
			pod["tolerations"] = []any{map[string]any{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}}
			pod["affinity"] = map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
				"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{
					"key": "nvidia.com/gpu.product", "operator": "In", "values": []any{"NVIDIA-H100-80GB-HBM3"},
				}}}},
			}}}
			c := pod["containers"].([]any)[0].(map[string]any)
			c["volumeMounts"] = append(c["volumeMounts"].([]any), map[string]any{"name": "dshm", "mountPath": "/dev/shm"})
			pod["volumes"] = append(pod["volumes"].([]any), map[string]any{"name": "dshm", "emptyDir": map[string]any{"medium": "Memory", "sizeLimit": "8Gi"}})
			if i%3 == 0 {
				spec["activeDeadlineSeconds"] = 86400
			}
		case 2: // spot sweep with an init container
			pod["tolerations"] = []any{
				map[string]any{"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
				map[string]any{"key": "karpenter.sh/capacity-type", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
			}
			pod["initContainers"] = []any{map[string]any{
				"name": "fetch", "image": "busybox:1.36",
				"resources": map[string]any{"limits": map[string]any{"cpu": "1", "memory": "1Gi"}},
			}}
			spec["completionMode"] = "Indexed"
			spec["completions"] = 16
			spec["parallelism"] = 16
			delete(spec, "backoffLimit")
			spec["backoffLimitPerIndex"] = 2
			if i%3 != 0 {
				spec["podFailurePolicy"] = map[string]any{"rules": []any{map[string]any{
					"action": "Ignore", "onPodConditions": []any{map[string]any{"type": "DisruptionTarget", "status": "True"}},
				}}}
			}
		}
		spec["template"] = map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": fmt.Sprintf("train-%d", i)}},
			"spec":     pod,
		}
		obj := map[string]any{
			"apiVersion": "batch/v1",
			"kind":       "Job",
			"metadata":   map[string]any{"name": fmt.Sprintf("train-%d", i), "namespace": "ml"},
			"spec":       spec,
		}
		if i%4 == 3 {
			delete(spec, "ttlSecondsAfterFinished")
			obj["kind"] = "CronJob"
			obj["spec"] = map[string]any{
				"schedule":                "0 2 * * *",
				"concurrencyPolicy":       "Forbid",
				"startingDeadlineSeconds": 600,
				"jobTemplate":             map[string]any{"spec": spec},
			}
		}
		// Round-trip through JSON, as objects read from YAML are.
		b, err := json.Marshal(obj)
		if err != nil {
			panic(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			panic(err)
		}
		out[i] = m
	}
	return out
}

// BenchmarkRules1000 evaluates every built-in rule on 1,000 objects per
// iteration and reports the time per object.
func BenchmarkRules1000(b *testing.B) {
	e, err := Load(Options{})
	if err != nil {
		b.Fatal(err)
	}
	objs := benchObjects(1000)
	findings := 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		findings = 0
		for _, o := range objs {
			fs, err := e.Eval(o, "bench.yaml")
			if err != nil {
				b.Fatal(err)
			}
			findings += len(fs)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*len(objs)), "ns/object")
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for _, o := range objs {
			if _, err := e.Eval(o, "bench.yaml"); err != nil {
				b.Fatal(err)
			}
		}
	}))/float64(len(objs)), "allocs/object")
	b.ReportMetric(float64(findings)/float64(len(objs)), "findings/object")
}

// BenchmarkLoad is the start-up cost: compiling the pack and preparing a
// query per rule.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPerRule1000 is BenchmarkRules1000 with the built-in rules
// evaluated one query per rule, as before the joined query (joined.go), for
// comparison.
func BenchmarkPerRule1000(b *testing.B) {
	e, err := Load(Options{})
	if err != nil {
		b.Fatal(err)
	}
	e.joined = nil
	objs := benchObjects(1000)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for _, o := range objs {
			if _, err := e.Eval(o, "bench.yaml"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*len(objs)), "ns/object")
}
