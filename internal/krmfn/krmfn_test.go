package krmfn_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
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
			err = krmfn.Run(bytes.NewReader(data), &out, krmfn.LintValidator, 0)
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
	// The function fails as for any input error (exit 2), with the
	// result.
	var bad *krmfn.InputError
	if !errors.As(err, &bad) {
		t.Fatalf("error = %v, want an input error", err)
	}
	if len(res) != 1 || res[0].Severity != "error" || res[0].File == nil || res[0].File.Path != ".mljob.yaml" ||
		!strings.Contains(res[0].Message, ".mljob.yaml:2: ") {
		t.Errorf("results: %+v", res)
	}
}

// resourceList is a ResourceList whose MLJob renders paths.
func resourceList(paths ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: fn.mljob.dev/v1alpha1\n  kind: MLJob\n  metadata: {name: w}\n  spec:\n    paths:\n")
	for _, p := range paths {
		b.WriteString("    - " + strconv.Quote(p) + "\n")
	}
	return b.String()
}

// TestPathsConfined: spec.paths stay below the working directory (the
// kustomization's), so one tenant's kustomization cannot render another's
// workloads, secrets included.
func TestPathsConfined(t *testing.T) {
	root := t.TempDir()
	for dir, name := range map[string]string{"tenant/workloads": "mine", "other-tenant/workloads": "theirs"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		w := `workloads: "` + name + `": {type: "task", image: "ghcr.io/acme/x:1", env: {TOKEN: {secret: "` + name + `-secret", key: "t"}}}` + "\n"
		if err := os.WriteFile(filepath.Join(root, dir, "w.cue"), []byte(w), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "other-tenant"), filepath.Join(root, "tenant", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../other-tenant/workloads", filepath.Join(root, "tenant", "workloads2")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(root, "tenant"))
	for _, tc := range []struct {
		path, want string
	}{
		{"../other-tenant/workloads", "leaves the kustomization"},
		{"workloads/../../other-tenant/workloads", "leaves the kustomization"},
		{"..", "leaves the kustomization"},
		{"../other-tenant/...", "leaves the kustomization"},
		{filepath.Join(root, "other-tenant", "workloads"), "is absolute"},
		{"/etc", "is absolute"},
		{"link/workloads", "through a symbolic link"},
		{"workloads2", "through a symbolic link"},
		{"missing", "no such file or directory"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var out bytes.Buffer
			err := krmfn.Run(strings.NewReader(resourceList("workloads", tc.path)), &out, nil, 0)
			var bad *krmfn.InputError
			if !errors.As(err, &bad) {
				t.Fatalf("error = %v, want an input error", err)
			}
			if !strings.Contains(out.String(), tc.want) || !strings.Contains(out.String(), "spec.paths[1]") {
				t.Errorf("output does not say %q at spec.paths[1]:\n%s", tc.want, out.String())
			}
			if strings.Contains(out.String(), "kind: Job") || strings.Contains(out.String(), "theirs") {
				t.Errorf("rendered workloads:\n%s", out.String())
			}
		})
	}
	var out bytes.Buffer
	if err := krmfn.Run(strings.NewReader(resourceList("./workloads/...")), &out, nil, 0); err != nil {
		t.Fatalf("paths below the directory: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "name: mine") {
		t.Errorf("the tenant's workload is not rendered:\n%s", out.String())
	}
}

// TestExitCodes: unusable input fails mljob fn with 2, findings with 1.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(".mljob.yaml", []byte("lint: {maxInputSize: 4Ki}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	validate := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: a}\n  spec:\n    template:\n      spec:\n        restartPolicy: Always\n        containers: [{name: a, image: x}]\nfunctionConfig:\n  apiVersion: fn.mljob.dev/v1alpha1\n  kind: MLJob\n  metadata: {name: lint}\n  spec: {validate: true}\n"
	for _, tc := range []struct {
		name, in string
		code     int
	}{
		{"findings", validate, 1},
		{"escaping path", resourceList("../x"), 2},
		{"unknown field", strings.Replace(resourceList("w"), "paths:", "path:", 1), 2},
		{"not a ResourceList", "{{{", 2},
		{"bad item", strings.Replace(validate, "metadata: {name: a}", "metadata: {name: a, name: !!int x}", 1), 2},
		{"too large", validate + "# " + strings.Repeat("x", 4<<10) + "\n", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := cli.Run([]string{"fn"}, strings.NewReader(tc.in), &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, stdout.String(), stderr.String())
			}
		})
	}
}
