package krmfn_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/mljob/mljob/cmd/mljob/cli"
	"github.com/mljob/mljob/internal/golden"
	"github.com/mljob/mljob/internal/krmfn"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The test binary doubles as the mljob executable that kustomize runs as
// an exec function.
func TestMain(m *testing.M) {
	if os.Getenv("MLJOB_AS_CLI") == "1" {
		os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestResourceListGolden runs the function on ResourceList files and
// compares the output with golden files.
func TestResourceListGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.input.yaml")
	if len(inputs) == 0 {
		t.Fatal("no testdata")
	}
	t.Chdir("testdata")
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err = krmfn.Run(bytes.NewReader(data), &out, krmfn.LintValidator)
			got := out.String()
			if err != nil {
				got += "# error: " + err.Error() + "\n"
			}
			golden.Check(t, strings.Replace(name, ".input.", ".output.", 1), []byte(got), *update)
		})
	}
}

// TestKustomizeExecGenerator runs mljob fn through kustomize itself, as an
// exec generator named in a kustomization.
func TestKustomizeExecGenerator(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MLJOB_AS_CLI", "1")
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("workloads/w.cue", `workloads: train: {type: "training", image: "ghcr.io/acme/train:1.0", gpu: {count: 1, type: "l4"}}`+"\n")
	write("fn.yaml", `apiVersion: fn.mljob.dev/v1alpha1
kind: MLJob
metadata:
  name: workloads
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: `+self+`
        args: [fn]
spec:
  paths: [workloads]
`)
	write("kustomization.yaml", `namePrefix: prod-
namespace: ml
generators:
- fn.yaml
`)
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	opts.PluginConfig.FnpLoadingOptions.Env = []string{"MLJOB_AS_CLI=1"}
	rm, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatal(err)
	}
	y, err := rm.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: Job", "name: prod-train", "namespace: ml", "nvidia.com/gpu: \"1\"", "image: ghcr.io/acme/train:1.0"} {
		if !strings.Contains(string(y), want) {
			t.Errorf("kustomize output lacks %q:\n%s", want, y)
		}
	}
}

// TestKustomizeExecValidator runs mljob fn with validate: true through
// kustomize, listed under transformers: a bad Job fails the build, a good
// one passes unchanged. (kustomize's validators: field refuses any exec
// function's output, even unchanged items, because it adds path
// annotations to what the function returns.)
func TestKustomizeExecValidator(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MLJOB_AS_CLI", "1")
	for _, tc := range []struct {
		name, restartPolicy string
		fail                bool
	}{{"bad", "Always", true}, {"good", "Never", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{
				"job.yaml":           "apiVersion: batch/v1\nkind: Job\nmetadata: {name: tool, namespace: ml}\nspec:\n  backoffLimit: 2\n  ttlSecondsAfterFinished: 600\n  template:\n    spec:\n      restartPolicy: " + tc.restartPolicy + "\n      containers:\n      - name: main\n        image: ghcr.io/acme/tool:1.0\n        resources:\n          limits: {cpu: \"1\", memory: 1Gi}\n",
				"fn.yaml":            "apiVersion: fn.mljob.dev/v1alpha1\nkind: MLJob\nmetadata:\n  name: lint\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: " + self + "\n        args: [fn]\nspec:\n  validate: true\n",
				"kustomization.yaml": "resources: [job.yaml]\ntransformers: [fn.yaml]\n",
			}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opts := krusty.MakeDefaultOptions()
			opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
			opts.PluginConfig.FnpLoadingOptions.EnableExec = true
			opts.PluginConfig.FnpLoadingOptions.Env = []string{"MLJOB_AS_CLI=1"}
			rm, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
			if tc.fail {
				if err == nil {
					t.Fatal("a Job with restartPolicy Always passed validation")
				}
				return
			}
			if err != nil {
				t.Fatalf("a valid Job failed validation: %v", err)
			}
			y, _ := rm.AsYaml()
			if !strings.Contains(string(y), "name: tool") || !strings.Contains(string(y), "restartPolicy: Never") {
				t.Errorf("the Job did not come through:\n%s", y)
			}
		})
	}
}

// TestConfigErrorIsAResult: a .mljob.yaml that does not load is an
// input error, reported as a result at the file like a manifest that
// does not parse, not a failure of the function.
func TestConfigErrorIsAResult(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".mljob.yaml"), []byte("rules:\n  image-tag: {enabled: nope}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	job, err := kyaml.Parse("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: \"c:1\"}]}}}\n")
	if err != nil {
		t.Fatal(err)
	}
	res, err := krmfn.LintValidator([]*kyaml.RNode{job})
	if err != nil {
		t.Fatalf("the function failed: %v", err)
	}
	if len(res) != 1 || res[0].Severity != "error" || res[0].File == nil || res[0].File.Path != ".mljob.yaml" ||
		!strings.Contains(res[0].Message, ".mljob.yaml:2: ") {
		t.Errorf("results: %+v", res)
	}
}
