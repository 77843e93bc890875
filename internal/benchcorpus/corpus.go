// Package benchcorpus makes the inputs of mljob's benchmarks and of the
// comparison with its peers (make bench-compare): a seeded, deterministic
// mix of ML workloads, written as an mljob CUE project, as the Job and
// CronJob YAML mljob renders from it (with some defects for the linters to
// find), and as the same objects in plain CUE for `cue export`.
//
// Workload i depends only on the seed and i, so the corpus of 1,000 is the
// first tenth of the corpus of 10,000: scaling figures compare more of the
// same mix, not a different one.
package benchcorpus

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// DefaultSeed is the seed of the corpora that benchmarks and bench-compare
// use; figures from different runs are comparable only with the same one.
const DefaultSeed = 13

// Workload is one generated workload, in the fields of the workload
// language that the corpus uses (schemas/workload.cue). The CUE template of
// the equivalent plain-CUE corpus (template.cue) implements exactly these.
type Workload struct {
	Name    string
	Type    string // training, inference, preprocess, sweep or task
	Image   string
	Command []string
	Args    []string
	Env     []Env

	CPU, Memory string // "" for the profile's default

	GPUCount int
	GPUType  string // "" for the profile's default GPU

	Retries, RetriesPerIndex *int
	Timeout                  string
	ExitFail                 []int
	Spot                     bool

	Shards, Completions, Parallelism int
	Sweep                            []Param

	Schedule, TimeZone string

	Namespace      string
	Team           string // labels: team: ...
	ServiceAccount string
	Datasets       []Volume
	Outputs        []Volume
}

// Env is an environment variable: a literal value, or a key of a Secret.
type Env struct {
	Name, Value string
	Secret, Key string
}

// Param is a sweep parameter: its values as CUE literals.
type Param struct {
	Name   string
	Values []string
}

// Volume is a dataset or output backed by a PersistentVolumeClaim.
type Volume struct {
	Name, Claim, Path string
}

// Workloads returns workloads 0..n-1 of the seed's corpus.
func Workloads(seed uint64, n int) []Workload {
	ws := make([]Workload, n)
	for i := range ws {
		ws[i] = workload(seed, i)
	}
	return ws
}

// pick returns one of xs.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func intp(n int) *int { return &n }

var (
	teams      = []string{"vision", "nlp", "recsys", "speech", "data-platform"}
	namespaces = []string{"", "ml", "ml-batch", "research"}
	gpuTypes   = []string{"", "t4", "l4", "a10g", "a100", "a100-80gb", "h100"}
)

// workload makes workload i: the type by weight (training 30%, inference
// 25%, preprocess 20%, task 15%, sweep 10%), then the fields that type
// uses in practice. A few workloads carry what lint warns about (a latest
// tag, a GPU job without timeout), as real repositories do.
func workload(seed uint64, i int) Workload {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	team := pick(r, teams...)
	w := Workload{Namespace: pick(r, namespaces...), Team: team}
	tag := fmt.Sprintf("%d.%d.%d", 1+r.IntN(3), r.IntN(20), r.IntN(10))
	if chance(r, 0.03) {
		tag = "latest"
	}
	switch t := r.IntN(100); {
	case t < 30:
		w.Type = "training"
		w.Name = fmt.Sprintf("train-%s-%d", team, i)
		w.Image = fmt.Sprintf("ghcr.io/acme/%s-train:%s", team, tag)
		w.Command = []string{"python", "train.py"}
		w.Args = []string{fmt.Sprintf("--epochs=%d", 5+r.IntN(50)), "--data=/data/train", "--out=/checkpoints"}
		w.Env = []Env{
			{Name: "WANDB_PROJECT", Value: team},
			{Name: "WANDB_API_KEY", Secret: "wandb", Key: "api-key"},
		}
		w.CPU, w.Memory = pick(r, "4", "8", "16"), pick(r, "16Gi", "32Gi", "64Gi")
		if chance(r, 0.7) {
			w.GPUCount, w.GPUType = pick(r, 1, 1, 2, 4, 8), pick(r, gpuTypes...)
		}
		w.Retries = intp(r.IntN(5))
		if w.GPUCount == 0 || chance(r, 0.9) {
			w.Timeout = pick(r, "6h", "12h", "1d", "2d", "90m")
		}
		w.Spot = chance(r, 0.2)
		if chance(r, 0.2) {
			w.Schedule, w.Name = "0 3 * * 0", fmt.Sprintf("retrain-%s-%d", team, i)
		}
		w.Datasets = []Volume{{Name: "train", Claim: team + "-datasets", Path: "/data/train"}}
		w.Outputs = []Volume{{Name: "checkpoints", Claim: fmt.Sprintf("ckpt-%d", i), Path: "/checkpoints"}}
	case t < 55:
		w.Type = "inference"
		w.Name = fmt.Sprintf("score-%s-%d", team, i)
		w.Image = fmt.Sprintf("ghcr.io/acme/%s-scorer:%s", team, tag)
		w.Command = []string{"python", "score.py", fmt.Sprintf("--input=s3://acme-ml/%s/%d/", team, i)}
		w.Env = []Env{{Name: "AWS_REGION", Value: pick(r, "eu-west-1", "us-east-1")}}
		w.CPU, w.Memory = pick(r, "2", "4"), pick(r, "16Gi", "32Gi")
		w.Shards = pick(r, 4, 8, 10, 16, 32)
		if chance(r, 0.5) {
			w.Parallelism = 1 + r.IntN(w.Shards)
		}
		if chance(r, 0.3) {
			w.GPUCount, w.GPUType = 1, pick(r, "t4", "l4")
		}
		if chance(r, 0.5) {
			w.RetriesPerIndex = intp(1 + r.IntN(3))
		}
		w.Timeout = pick(r, "2h", "4h")
		w.Spot = chance(r, 0.4)
		if chance(r, 0.3) {
			w.ExitFail = []int{42}
		}
		if chance(r, 0.3) {
			w.ServiceAccount = "scorer"
		}
	case t < 75:
		w.Type = "preprocess"
		w.Name = fmt.Sprintf("etl-%s-%d", team, i)
		w.Image = fmt.Sprintf("ghcr.io/acme/etl:%s", tag)
		w.Command = []string{"python", "-m", "etl." + team}
		w.Args = []string{"--since=24h"}
		w.Env = []Env{
			{Name: "DB_HOST", Value: "warehouse.data.svc"},
			{Name: "DB_PASSWORD", Secret: "warehouse", Key: "password"},
		}
		w.CPU, w.Memory = pick(r, "1", "2", "4"), pick(r, "4Gi", "8Gi")
		if chance(r, 0.5) {
			w.Schedule = fmt.Sprintf("%d %d * * *", r.IntN(60), r.IntN(6))
			if chance(r, 0.5) {
				w.TimeZone = pick(r, "Europe/Berlin", "America/New_York", "UTC")
			}
		}
		if chance(r, 0.3) {
			w.Shards = pick(r, 2, 4, 8)
		}
		w.Timeout = "2h"
		w.Datasets = []Volume{{Name: "raw", Claim: "raw-" + team, Path: "/data/raw"}}
		w.Outputs = []Volume{{Name: "parquet", Claim: "parquet-" + team, Path: "/data/out"}}
	case t < 90:
		w.Type = "task"
		w.Name = fmt.Sprintf("task-%s-%d", team, i)
		w.Image = pick(r, "busybox:1.36", "python:3.12-slim", "ghcr.io/acme/tools:"+tag)
		w.Command = []string{"sh", "-c", fmt.Sprintf("echo task %d", i)}
		w.CPU, w.Memory = pick(r, "500m", "1"), pick(r, "512Mi", "1Gi")
		if chance(r, 0.5) {
			w.Completions = 1 + r.IntN(8)
			if chance(r, 0.5) {
				w.Parallelism = 1 + r.IntN(w.Completions)
			}
		}
		if chance(r, 0.5) {
			w.Retries = intp(r.IntN(4))
		}
	default:
		w.Type = "sweep"
		w.Name = fmt.Sprintf("sweep-%s-%d", team, i)
		w.Image = fmt.Sprintf("ghcr.io/acme/%s-train:%s", team, tag)
		w.Command = []string{"python", "train.py", "--epochs=3"}
		w.Sweep = []Param{
			{Name: "lr", Values: pickN(r, "0.1", "0.01", "0.001", "0.0003")},
			{Name: "batch", Values: pickN(r, "32", "64", "128")},
		}
		if chance(r, 0.3) {
			w.Sweep = append(w.Sweep, Param{Name: "optimizer", Values: []string{`"adam"`, `"sgd"`}})
		}
		w.CPU, w.Memory = "4", pick(r, "16Gi", "32Gi")
		w.GPUCount, w.GPUType = 1, pick(r, "t4", "l4", "a10g")
		if chance(r, 0.5) {
			w.Parallelism = pick(r, 2, 4)
		}
		w.Timeout = "4h"
		w.Spot = chance(r, 0.5)
	}
	return w
}

// pickN returns a non-empty prefix of xs.
func pickN(r *rand.Rand, xs ...string) []string { return xs[:1+r.IntN(len(xs))] }

// CUE returns the workload as a top-level `workloads` entry, formatted
// as cue fmt would.
func (w *Workload) CUE() string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, "\t"+format+"\n", args...) }
	fmt.Fprintf(&b, "workloads: %q: {\n", w.Name)
	f("type:  %q", w.Type)
	f("image: %q", w.Image)
	if len(w.Command) > 0 {
		f("command: %s", cueStrings(w.Command))
	}
	if len(w.Args) > 0 {
		f("args: %s", cueStrings(w.Args))
	}
	if len(w.Env) > 0 {
		f("env: {")
		for _, e := range w.Env {
			if e.Secret != "" {
				f("\t%s: {secret: %q, key: %q}", e.Name, e.Secret, e.Key)
			} else {
				f("\t%s: %q", e.Name, e.Value)
			}
		}
		f("}")
	}
	switch {
	case w.CPU != "" && w.Memory != "":
		f("resources: {cpu: %q, memory: %q}", w.CPU, w.Memory)
	case w.CPU != "":
		f("resources: cpu: %q", w.CPU)
	case w.Memory != "":
		f("resources: memory: %q", w.Memory)
	}
	if w.GPUCount > 0 {
		if w.GPUType != "" {
			f("gpu: {count: %d, type: %q}", w.GPUCount, w.GPUType)
		} else {
			f("gpu: count: %d", w.GPUCount)
		}
	}
	if w.Retries != nil {
		f("retries: %d", *w.Retries)
	}
	if w.RetriesPerIndex != nil {
		f("retriesPerIndex: %d", *w.RetriesPerIndex)
	}
	if w.Timeout != "" {
		f("timeout: %q", w.Timeout)
	}
	if len(w.ExitFail) > 0 {
		codes := make([]string, len(w.ExitFail))
		for i, c := range w.ExitFail {
			codes[i] = strconv.Itoa(c)
		}
		f("exitCodes: fail: [%s]", strings.Join(codes, ", "))
	}
	if w.Spot {
		f("spot: true")
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"shards", w.Shards}, {"completions", w.Completions}, {"parallelism", w.Parallelism}} {
		if n.v > 0 {
			f("%s: %d", n.name, n.v)
		}
	}
	if len(w.Sweep) > 0 {
		f("sweep: {")
		for _, p := range w.Sweep {
			f("\t%s: [%s]", p.Name, strings.Join(p.Values, ", "))
		}
		f("}")
	}
	if w.Schedule != "" {
		f("schedule: %q", w.Schedule)
	}
	if w.TimeZone != "" {
		f("timeZone: %q", w.TimeZone)
	}
	if w.Namespace != "" {
		f("namespace: %q", w.Namespace)
	}
	if w.Team != "" {
		f("labels: team: %q", w.Team)
	}
	if w.ServiceAccount != "" {
		f("serviceAccount: %q", w.ServiceAccount)
	}
	for _, vs := range []struct {
		field string
		vols  []Volume
	}{{"datasets", w.Datasets}, {"outputs", w.Outputs}} {
		for _, v := range vs.vols {
			f("%s: %s: {claim: %q, path: %q}", vs.field, v.Name, v.Claim, v.Path)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func cueStrings(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
