package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/benchcorpus"
)

const defaultSeed = benchcorpus.DefaultSeed

// Sizes of the corpora: the 1,000 comparisons and the 10,000 scaling ones.
const (
	small = 1000
	large = 10000
	// splitDirs is how many projects the split corpus of 10,000 has.
	splitDirs = 100
)

// The layout of the output directory, relative to it: run uses the same
// names.
const (
	schemaDir   = "schemas"
	conftestDir = "conftest"
	template    = benchcorpus.TemplateFile
	oneJob      = "one/job.yaml"
	oneWorkload = "one/workload"
	renderedDir = "rendered-10000"
	tmpDir      = "tmp"
)

func yamlDir(n int) string  { return fmt.Sprintf("yaml-%d", n) }
func cueDir(n int) string   { return fmt.Sprintf("cue-%d", n) }
func splitDir(n int) string { return fmt.Sprintf("cue-%d-split", n) }
func dataDir(n int) string  { return fmt.Sprintf("cue-data-%d", n) }

type prepareOptions struct {
	out, swagger string
	seed         uint64
	large        bool
}

// prepare writes everything run needs. The corpora are made again each
// time: they depend on mljob's generators (the YAML is what mljob
// renders), which the code under measurement may change.
func prepare(o prepareOptions) error {
	start := time.Now()
	names, err := writeSchemas(o.swagger, filepath.Join(o.out, schemaDir), defaultKinds)
	if err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	logf("kubeconform schemas from %s: %s", o.swagger, strings.Join(names, ", "))

	var files []benchcorpus.File
	for name, data := range benchcorpus.ConftestPolicy() {
		files = append(files, benchcorpus.File{Name: filepath.Join(conftestDir, name), Data: data})
	}
	files = append(files, benchcorpus.File{Name: template, Data: benchcorpus.Template()})

	n := small
	if o.large {
		n = large
	}
	ws := benchcorpus.Workloads(o.seed, n)
	for _, size := range []int{small, large} {
		if size > n {
			continue
		}
		for _, f := range benchcorpus.ProjectFiles(ws[:size]) {
			f.Name = filepath.Join(cueDir(size), f.Name)
			files = append(files, f)
		}
	}
	if o.large {
		for _, f := range benchcorpus.SplitFiles(ws, splitDirs) {
			f.Name = filepath.Join(splitDir(large), f.Name)
			files = append(files, f)
		}
	}

	// The YAML corpora: what mljob renders, with defects. The 1,000 are
	// the 10,000's objects of the first 1,000 workloads.
	objs, err := benchcorpus.Objects(ws)
	if err != nil {
		return err
	}
	smallNames := map[string]bool{}
	for _, w := range ws[:small] {
		smallNames[w.Name] = true
	}
	var smallObjs []benchcorpus.Object
	for _, obj := range objs {
		if smallNames[obj.Object["metadata"].(map[string]any)["name"].(string)] {
			smallObjs = append(smallObjs, obj)
		}
	}
	for _, size := range []int{small, large} {
		if size > n {
			continue
		}
		set := objs
		if size == small {
			set = smallObjs
		}
		ms, err := benchcorpus.Manifests(set, o.seed)
		if err != nil {
			return err
		}
		for _, f := range ms {
			f.Name = filepath.Join(yamlDir(size), f.Name)
			files = append(files, f)
		}
	}
	data, err := benchcorpus.DataFiles(smallObjs)
	if err != nil {
		return err
	}
	for _, f := range data {
		f.Name = filepath.Join(dataDir(small), f.Name)
		files = append(files, f)
	}

	// The pre-commit case: one GPU training Job.
	one := firstGPUJob(ws)
	files = append(files, benchcorpus.File{Name: filepath.Join(oneWorkload, "workload.cue"), Data: []byte(one.CUE())})
	for _, obj := range objs {
		if obj.Object["metadata"].(map[string]any)["name"] == one.Name {
			y, err := yaml.Marshal(obj.Object)
			if err != nil {
				return err
			}
			files = append(files, benchcorpus.File{Name: oneJob, Data: y})
		}
	}

	for _, d := range []string{conftestDir, yamlDir(small), yamlDir(large), cueDir(small), cueDir(large),
		splitDir(large), dataDir(small), "one", renderedDir, tmpDir} {
		if err := os.RemoveAll(filepath.Join(o.out, d)); err != nil {
			return err
		}
	}
	if err := benchcorpus.WriteFiles(o.out, files); err != nil {
		return err
	}
	logf("corpora of %d workloads (seed %d) in %s, in %.0fs", n, o.seed, o.out, time.Since(start).Seconds())
	return nil
}

// firstGPUJob is the first GPU training workload that is not scheduled.
func firstGPUJob(ws []benchcorpus.Workload) benchcorpus.Workload {
	for _, w := range ws {
		if w.Type == "training" && w.GPUCount > 0 && w.Schedule == "" && w.Timeout != "" && !strings.HasSuffix(w.Image, ":latest") {
			return w
		}
	}
	return ws[0]
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
