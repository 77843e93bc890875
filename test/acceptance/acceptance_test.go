package acceptance

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/apiserver"
	"github.com/mljob/mljob/internal/mutate"
	"github.com/mljob/mljob/internal/parallel"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/workload"
)

var reportFile = flag.String("report", "", "write every disagreement, with both verdicts and the document, to this file")

// rngSeed fixes the mutants: the same ones on every run.
const rngSeed = 20370215

// minMutants and minSeeds keep the fuzzer from shrinking unnoticed.
const (
	minMutants = 1500
	minSeeds   = 20
)

// concurrency is how many documents are in flight: the API server and
// the lint workers each get about one core.
const concurrency = 4

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(runWorker())
	}
	os.Exit(m.Run())
}

// TestAPIServer runs one kube-apiserver and compares mljob's verdicts
// with its answers, for the examples, the goldens, the real-world corpus
// the minimal workloads of every type, the Services of
// testdata/apiserver/services.yaml and the mutants of the seeds in
// testdata/apiserver/seeds. The Services mljob renders beside
// distributed Jobs (in the examples, goldens and minimal workloads) are
// sent to the server and linted as it lints them, with their Job.
func TestAPIServer(t *testing.T) {
	start := time.Now()
	srv := apiserver.Start(t)
	t.Logf("kube-apiserver and etcd ready in %s", time.Since(start).Round(time.Millisecond))
	lint := newLintPool(t, concurrency-1)
	if *reportFile != "" && !filepath.IsAbs(*reportFile) {
		abs, err := filepath.Abs(*reportFile)
		if err != nil {
			t.Fatal(err)
		}
		*reportFile = abs
	}
	t.Chdir("../..") // paths in names and goldens are relative to the repository

	var outs []outcome
	t.Run("server", func(t *testing.T) { testServerBehaviour(t, srv) })
	t.Run("examples", func(t *testing.T) { outs = append(outs, mustAccept(t, srv, lint, examples(t))...) })
	t.Run("goldens", func(t *testing.T) { outs = append(outs, mustAccept(t, srv, lint, goldens(t))...) })
	t.Run("minimal", func(t *testing.T) { outs = append(outs, mustAccept(t, srv, lint, minimal(t))...) })
	t.Run("services", func(t *testing.T) {
		docs := fileDocuments(t, []string{"testdata/apiserver/services.yaml"}, "service", func(map[string]any) bool { return true })
		outs = append(outs, compareAll(t, srv, lint, docs)...)
		t.Logf("%d Services compared, each linted as the Service of a distributed Job", len(docs))
	})
	t.Run("corpus", func(t *testing.T) {
		docs := corpus(t)
		outs = append(outs, compareAll(t, srv, lint, docs)...)
		t.Logf("%d Jobs and CronJobs of the real-world corpus compared", len(docs))
	})
	t.Run("mutants", func(t *testing.T) {
		seeds := loadSeeds(t, srv, lint)
		mutants := mutate.Generate(seeds, rngSeed)
		if len(seeds) < minSeeds || len(mutants) < minMutants {
			t.Fatalf("%d mutants of %d seeds; want at least %d of %d", len(mutants), len(seeds), minMutants, minSeeds)
		}
		docs := make([]document, len(mutants))
		for i, m := range mutants {
			docs[i] = document{Key: m.Key(), Class: m.Class, Name: m.Seed + ".yaml", Data: m.Doc}
		}
		began := time.Now()
		mouts := compareAll(t, srv, lint, docs)
		t.Logf("%d mutants of %d seeds compared in %s\n%s", len(mouts), len(seeds),
			time.Since(began).Round(time.Millisecond), agreementTable(mouts))
		outs = append(outs, mouts...)
	})
	if *reportFile != "" {
		writeReport(t, outs)
	}
	t.Run("exceptions", func(t *testing.T) { checkExceptions(t, outs, loadExceptions(t)) })
	t.Logf("suite ran in %s", time.Since(start).Round(time.Millisecond))
}

// document is one YAML document to ask both about.
type document struct {
	Key, Class string
	// Name is the file name mljob is told.
	Name string
	Data []byte
}

// compareAll asks the server and mljob about every document, a few at a
// time; the result is in the order of docs.
func compareAll(t *testing.T, srv *apiserver.Server, lint *lintPool, docs []document) []outcome {
	t.Helper()
	outs := make([]outcome, len(docs))
	var failed atomic.Bool
	parallel.For(len(docs), concurrency, func(i int) {
		d := docs[i]
		if failed.Load() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		v, err := srv.DryRunCreate(ctx, d.Data)
		if err != nil {
			failed.Store(true)
			t.Errorf("%s: ask the API server: %v", d.Key, err)
			return
		}
		outs[i] = outcome{Key: d.Key, Class: d.Class, Doc: d.Data, Server: v, Lint: lint.lint(d.Name, d.Data)}
	})
	if failed.Load() {
		t.FailNow()
	}
	return outs
}

// mustAccept checks that the server accepts every document, and compares
// mljob's verdict too.
func mustAccept(t *testing.T, srv *apiserver.Server, lint *lintPool, docs []document) []outcome {
	t.Helper()
	if len(docs) == 0 {
		t.Fatal("no documents found")
	}
	outs := compareAll(t, srv, lint, docs)
	for _, o := range outs {
		if !o.Server.Accepted {
			t.Errorf("the API server rejects %s:\n%s", o.Key, o.report())
		}
	}
	t.Logf("%d documents accepted", len(outs))
	return outs
}

// examples renders every example project, as internal/generators/golden_test.go
// does.
func examples(t *testing.T) []document {
	dirs, _ := filepath.Glob("examples/*")
	var docs []document
	for _, dir := range dirs {
		if files, _ := filepath.Glob(filepath.Join(dir, "*.cue")); len(files) == 0 {
			continue
		}
		res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
		if err != nil {
			t.Fatalf("render %s: %v", dir, err)
		}
		for i, d := range res.Documents {
			docs = append(docs, document{Key: fmt.Sprintf("%s#%d", dir, i), Class: "example", Name: dir + ".yaml", Data: d.YAML})
		}
	}
	return docs
}

// minimal renders the project of minimal workloads the language promises
// need nothing more (workload.MinimalProject): every type, with and
// without GPUs, schedules, shards and sweeps.
func minimal(t *testing.T) []document {
	project, n := workload.MinimalProject()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "minimal.cue"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatalf("render the minimal workloads: %v", err)
	}
	if len(res.Documents) != n {
		t.Fatalf("%d objects for %d minimal workloads", len(res.Documents), n)
	}
	var docs []document
	for _, d := range res.Documents {
		key := "minimal#" + d.Name()
		if d.Kind() == "Service" {
			key += "#service" // beside its distributed Job
		}
		docs = append(docs, document{Key: key, Class: "minimal", Name: "minimal.yaml", Data: d.YAML})
	}
	return docs
}

// goldens are the documents of every golden render file.
func goldens(t *testing.T) []document {
	files, _ := filepath.Glob("testdata/render/*/expected.yaml")
	err := filepath.WalkDir("testdata/golden", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return fileDocuments(t, files, "golden", func(map[string]any) bool { return true })
}

// corpus are the Jobs and CronJobs (any batch version) of the
// real-world corpus.
func corpus(t *testing.T) []document {
	var files []string
	err := filepath.WalkDir("testdata/corpus/real-world", func(path string, d fs.DirEntry, err error) error {
		ext := filepath.Ext(path)
		if err == nil && !d.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return fileDocuments(t, files, "corpus", func(obj map[string]any) bool {
		kind, _ := obj["kind"].(string)
		apiVersion, _ := obj["apiVersion"].(string)
		return (kind == "Job" || kind == "CronJob") && strings.HasPrefix(apiVersion, "batch/")
	})
}

// fileDocuments splits files into documents as kubectl does and keeps
// the objects keep accepts.
func fileDocuments(t *testing.T, files []string, class string, keep func(map[string]any) bool) []document {
	var docs []document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parts, err := apiserver.SplitDocuments(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, p := range parts {
			var obj map[string]any
			if err := yaml.Unmarshal(p, &obj); err != nil || obj == nil || !keep(obj) {
				continue
			}
			docs = append(docs, document{Key: fmt.Sprintf("%s#%d", f, i), Class: class, Name: f, Data: p})
		}
	}
	return docs
}

// loadSeeds reads the seed manifests; each must be accepted by both.
func loadSeeds(t *testing.T, srv *apiserver.Server, lint *lintPool) []mutate.Seed {
	files, _ := filepath.Glob("testdata/apiserver/seeds/*.yaml")
	var seeds []mutate.Seed
	var docs []document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root, err := mutate.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		seeds = append(seeds, mutate.Seed{Name: name, Root: root})
		// The seed as the mutator writes it, so that the emitter is
		// checked too.
		docs = append(docs, document{Key: name, Class: "seed", Name: name + ".yaml", Data: root.YAML()})
	}
	for _, o := range compareAll(t, srv, lint, docs) {
		if !o.Server.Accepted || o.Lint.Rejected || o.Lint.Panic != "" {
			t.Errorf("seed %s must be valid for both:\n%s", o.Key, o.report())
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return seeds
}

func writeReport(t *testing.T, outs []outcome) {
	var b strings.Builder
	for i := range outs {
		if outs[i].disagreement() != "" {
			b.WriteString(outs[i].report())
			b.WriteString("\n")
		}
	}
	if err := os.WriteFile(*reportFile, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}
