package rendezvous_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/rendezvous"
)

// job is a distributed Job; env are more lines of its container's env,
// extra more lines of its spec.
func job(name, ns, subdomain, env, extra string) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: %s, namespace: %s}
spec:
  completionMode: Indexed
  completions: 2
  parallelism: 2
%s  template:
    spec:
      restartPolicy: Never
      subdomain: %s
      containers:
      - name: main
        image: busybox
        env:
        - {name: FIRST, value: "1"}
%s`, name, ns, extra, subdomain, env)
}

func service(name, ns, selector string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %s, namespace: %s}
spec:
  clusterIP: None
  selector: {%s}
`, name, ns, selector)
}

// findings runs the check on files and returns "file:path: message" of
// each finding, sorted, and which files' Services are paired.
func findings(t *testing.T, files map[string]string) ([]string, []string) {
	t.Helper()
	var docs []*manifest.Document
	for name, data := range files {
		ds, errs := manifest.Read(name, []byte(data))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		docs = append(docs, ds...)
	}
	c := rendezvous.New(docs, "default")
	var out, paired []string
	for _, d := range docs {
		for _, f := range c.Check(d) {
			out = append(out, fmt.Sprintf("%s:%s: %s", d.File, f.Path, f.Message))
		}
		if c.Paired(d) {
			paired = append(paired, d.File)
		}
	}
	slices.Sort(out)
	slices.Sort(paired)
	return out, paired
}

func TestMasterAddrForms(t *testing.T) {
	for _, c := range []struct {
		value string
		ok    bool
	}{
		{"ddp-0.ddp", true},
		{"ddp-0.ddp.ml", true},
		{"ddp-0.ddp.ml.svc", true},
		{"ddp-0.ddp.ml.svc.cluster.local", true},
		{"ddp-0.ddp.ml.svc.cluster.local.", true},
		{"ddp-0.ddp.$(NS).svc.cluster.local", true},
		{"$(JOB)-0.ddp", true},
		{"ddp-1.ddp", false},
		{"ddp-0.ddp.default", false},
		{"ddp-0.ddp.ml.svc.", false},
		{"ddp-0.ddp.", false}, // absolute: the search path is not tried
		{"ddp-0.ddp.ml.", false},
		{"ddp-0", false},
		{"localhost", false},
	} {
		env := `        - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
        - {name: JOB, valueFrom: {fieldRef: {fieldPath: "metadata.labels['batch.kubernetes.io/job-name']"}}}
        - {name: MASTER_ADDR, value: "` + c.value + `"}
`
		got, _ := findings(t, map[string]string{
			"job.yaml": job("ddp", "ml", "ddp", env, ""),
			"svc.yaml": service("ddp", "ml", "batch.kubernetes.io/job-name: ddp"),
		})
		if (len(got) == 0) != c.ok {
			t.Errorf("MASTER_ADDR %q: %v, want ok=%v", c.value, got, c.ok)
		}
	}
}

// What lint cannot know is left alone: a value from a ConfigMap (envFrom
// may define any name), the pod's own name.
func TestUnknowableMasterAddr(t *testing.T) {
	for _, env := range []string{
		"        - {name: MASTER_ADDR, value: \"$(FROM_CONFIG)\"}\n        envFrom: [{configMapRef: {name: rdzv}}]\n",
		"        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n        - {name: MASTER_ADDR, value: \"$(POD)\"}\n",
		"        - {name: MASTER_ADDR, valueFrom: {configMapKeyRef: {name: rdzv, key: addr}}}\n",
	} {
		got, _ := findings(t, map[string]string{
			"job.yaml": job("ddp", "ml", "ddp", env, ""),
			"svc.yaml": service("ddp", "ml", "batch.kubernetes.io/job-name: ddp"),
		})
		if len(got) > 0 {
			t.Errorf("env\n%s: %v", env, got)
		}
	}
}

// One cause, one finding: PET_MASTER_ADDR that copies a wrong MASTER_ADDR
// is not reported again; a PET_MASTER_ADDR wrong on its own is.
func TestMasterAddrOneCause(t *testing.T) {
	got, _ := findings(t, map[string]string{
		"job.yaml": job("ddp", "ml", "ddp", "        - {name: MASTER_ADDR, value: ddp-0}\n        - {name: PET_MASTER_ADDR, value: $(MASTER_ADDR)}\n", ""),
		"svc.yaml": service("ddp", "ml", "job-name: ddp"),
	})
	if len(got) != 1 || !strings.Contains(got[0], "env[1].value: MASTER_ADDR") {
		t.Errorf("%v", got)
	}
	got, _ = findings(t, map[string]string{
		"job.yaml": job("ddp", "ml", "ddp", "        - {name: MASTER_ADDR, value: ddp-0.ddp}\n        - {name: PET_MASTER_ADDR, value: other-0.ddp}\n", ""),
		"svc.yaml": service("ddp", "ml", "job-name: ddp"),
	})
	if len(got) != 1 || !strings.Contains(got[0], "env[2].value: PET_MASTER_ADDR") {
		t.Errorf("%v", got)
	}
}

// A Job that selects its own pods (manualSelector) has no job-name label:
// a Service must select them by the template's labels.
func TestManualSelector(t *testing.T) {
	extra := "  manualSelector: true\n  selector: {matchLabels: {run: ddp-7}}\n"
	j := strings.Replace(job("ddp", "ml", "ddp", "", extra), "    spec:\n      restartPolicy", "    metadata: {labels: {run: ddp-7}}\n    spec:\n      restartPolicy", 1)
	got, _ := findings(t, map[string]string{"job.yaml": j, "svc.yaml": service("ddp", "ml", "job-name: ddp")})
	if len(got) != 1 || !strings.Contains(got[0], "svc.yaml:spec.selector[job-name]: Service ddp does not select") {
		t.Errorf("%v", got)
	}
	got, _ = findings(t, map[string]string{"job.yaml": j, "svc.yaml": service("ddp", "ml", "run: ddp-7")})
	if len(got) != 0 {
		t.Errorf("%v", got)
	}
}

// Only distributed Jobs are checked; only their Services are paired.
func TestWhatIsDistributed(t *testing.T) {
	single := strings.NewReplacer("completions: 2", "completions: 1", "parallelism: 2", "parallelism: 1").Replace(job("one", "ml", "one", "        - {name: MASTER_ADDR, value: localhost}\n", ""))
	noDNS := strings.Replace(job("many", "ml", "", "", ""), "      subdomain: \n", "", 1)
	got, paired := findings(t, map[string]string{
		"single.yaml": single,
		"nodns.yaml":  noDNS,
		"svc.yaml":    service("one", "ml", "job-name: one"),
	})
	if len(got) != 0 || len(paired) != 0 {
		t.Errorf("findings %v, paired %v; want none", got, paired)
	}
	// A parallel Job that sets MASTER_ADDR is distributed: it needs a
	// subdomain.
	env := strings.Replace(job("many", "ml", "", "        - {name: MASTER_ADDR, value: many-0.many}\n", ""), "      subdomain: \n", "", 1)
	got, _ = findings(t, map[string]string{"job.yaml": env})
	if len(got) != 1 || !strings.Contains(got[0], "spec.template.spec.subdomain: the pods have no subdomain") {
		t.Errorf("%v", got)
	}
}

// The Service must be in the Job's namespace (objects without one are in
// the run's).
func TestNamespaces(t *testing.T) {
	j := strings.Replace(job("ddp", "ml", "ddp", "", ""), "namespace: ml", "namespace: default", 1)
	got, paired := findings(t, map[string]string{
		"job.yaml": j,
		"svc.yaml": strings.Replace(service("ddp", "x", "job-name: ddp"), "namespace: x", "namespace: default", 1),
	})
	if len(got) != 0 || len(paired) != 1 {
		t.Errorf("same namespace: %v, paired %v", got, paired)
	}
	got, paired = findings(t, map[string]string{"job.yaml": j, "svc.yaml": service("ddp", "ml", "job-name: ddp")})
	if len(got) != 1 || !strings.Contains(got[0], "no Service ddp in namespace default") || len(paired) != 0 {
		t.Errorf("other namespace: %v, paired %v", got, paired)
	}
}

// A run that holds a project twice (rendered YAML and CUE, say) pairs
// each Job with a Service that agrees, preferring its own file's.
func TestDuplicatePairs(t *testing.T) {
	pair := job("ddp", "ml", "ddp", "", "") + "---\n" + service("ddp", "ml", "job-name: ddp")
	got, paired := findings(t, map[string]string{"a.yaml": pair, "b.yaml": pair})
	if len(got) != 0 || len(paired) != 2 {
		t.Errorf("findings %v, paired %v", got, paired)
	}
	broken := job("ddp", "ml", "ddp", "", "") + "---\n" + service("ddp", "ml", "job-name: other")
	got, _ = findings(t, map[string]string{"a.yaml": pair, "b.yaml": broken})
	if len(got) != 0 {
		t.Errorf("b's Job pairs with a's Service, which agrees: %v", got)
	}
}

// CronJobs are not checked.
func TestCronJobsLeftAlone(t *testing.T) {
	cron := `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      completionMode: Indexed
      completions: 2
      parallelism: 2
      template:
        spec:
          restartPolicy: Never
          subdomain: nightly
          containers: [{name: main, image: busybox}]
`
	if got, _ := findings(t, map[string]string{"cron.yaml": cron}); len(got) != 0 {
		t.Errorf("%v", got)
	}
}
