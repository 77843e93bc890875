// Package gitops_test checks the GitOps examples: the Argo CD plugin's
// generate command is run as Argo CD runs it, with mljob on PATH.
package gitops_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/cmd/mljob/cli"
)

// The test binary doubles as the mljob executable the plugin calls.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "mljob" {
		os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

type plugin struct {
	Metadata struct{ Name string }
	Spec     struct {
		Version  string
		Discover struct{ FileName string } `json:"discover"`
		Generate struct {
			Command []string
			Args    []string
		}
	}
}

func TestArgoCDPlugin(t *testing.T) {
	var p plugin
	readYAML(t, "argocd/plugin.yaml", &p)
	if p.Spec.Discover.FileName != "*.cue" || len(p.Spec.Generate.Command) == 0 {
		t.Fatalf("plugin spec: %+v", p.Spec)
	}

	// The Application names the plugin as NAME-VERSION and sets the
	// overlay through the plugin env the generate script reads.
	var app struct {
		Spec struct {
			Source struct {
				Path   string
				Plugin struct {
					Name string
					Env  []struct{ Name, Value string }
				}
			}
		}
	}
	readYAML(t, "argocd/application.yaml", &app)
	if want := p.Metadata.Name + "-" + p.Spec.Version; app.Spec.Source.Plugin.Name != want {
		t.Errorf("Application uses plugin %q, the plugin is %q", app.Spec.Source.Plugin.Name, want)
	}
	env := app.Spec.Source.Plugin.Env
	if len(env) != 1 || !strings.Contains(strings.Join(p.Spec.Generate.Args, " "), "ARGOCD_ENV_"+env[0].Name) {
		t.Fatalf("plugin env %+v is not read by the generate command", env)
	}

	// A checkout laid out as the Application expects.
	repo := t.TempDir()
	copyDir(t, "../overlays/workloads", filepath.Join(repo, app.Spec.Source.Path))
	copyDir(t, "../overlays/prod", filepath.Join(repo, "prod"))
	bin := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "mljob")); err != nil {
		t.Fatal(err)
	}

	run := func(extraEnv ...string) string {
		cmd := exec.Command(p.Spec.Generate.Command[0], append(p.Spec.Generate.Command[1:], p.Spec.Generate.Args...)...)
		cmd.Dir = filepath.Join(repo, app.Spec.Source.Path)
		cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin"}, extraEnv...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("generate: %v\n%s", err, err.(*exec.ExitError).Stderr)
		}
		return string(out)
	}
	prod := run("ARGOCD_ENV_" + env[0].Name + "=" + env[0].Value)
	for _, want := range []string{"kind: Job", "kind: CronJob", "namespace: ml-prod", "kueue.x-k8s.io/queue-name: ranking-prod"} {
		if !strings.Contains(prod, want) {
			t.Errorf("generate with the overlay lacks %q:\n%s", want, prod)
		}
	}
	plain := run()
	if !strings.Contains(plain, "namespace: default") || strings.Contains(plain, "ml-prod") {
		t.Errorf("generate without an overlay:\n%s", plain)
	}
}

func TestFluxManifests(t *testing.T) {
	var k struct {
		APIVersion string
		Kind       string
		Spec       struct {
			Path      string
			SourceRef struct{ Kind, Name string } `json:"sourceRef"`
		}
	}
	readYAML(t, "flux/kustomization.yaml", &k)
	var g struct{ Metadata struct{ Name string } }
	readYAML(t, "flux/gitrepository.yaml", &g)
	if k.Kind != "Kustomization" || k.Spec.SourceRef.Name != g.Metadata.Name || k.Spec.Path != "./rendered/prod" {
		t.Errorf("flux Kustomization %+v does not apply rendered/prod from GitRepository %q", k, g.Metadata.Name)
	}
}

func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
