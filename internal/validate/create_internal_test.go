package validate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/operation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/registry/batch/cronjob"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/core/service"

	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/mutate"
)

// createCases are objects chosen to reach the branches of create.go the
// seeds and their mutants may not: declarative validation (a beta rule
// covering a handwritten one, an alpha rule, a field dropped by a
// disabled gate), generated selectors, object-meta validation after a
// clean strategy validation, and the successPolicy crash.
var createCases = []string{
	// Beta declarative "Required" covers the handwritten one.
	`apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: ""
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}}}
`,
	// Alpha declarative dependentRequired: shadowed, handwritten stays.
	`apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completionMode: Indexed
  completions: 2
  maxFailedIndexes: 1
  template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}
`,
	// spec.scheduling is dropped: WorkloadWithJob is off by default.
	`apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  scheduling: {}
  template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}
`,
	// managedBy, generateName, a manual selector that matches.
	`apiVersion: batch/v1
kind: Job
metadata: {generateName: j-}
spec:
  managedBy: example.com/queue
  manualSelector: true
  selector: {matchLabels: {app: a}}
  template: {metadata: {labels: {app: a}}, spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}
`,
	// User-set job-name and controller-uid labels conflicting with the
	// generated selector.
	`apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  selector: {matchLabels: {batch.kubernetes.io/controller-uid: wrong}}
  template: {metadata: {labels: {job-name: other, batch.kubernetes.io/job-name: other}}, spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}
`,
	// Object meta only the generic validation catches: a bad annotation
	// key and a name that is not a path segment.
	`apiVersion: batch/v1
kind: Job
metadata: {name: "..", annotations: {"bad key": x}}
spec:
  template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}
`,
	// Status, generation, uid and the like are cleared or replaced.
	`apiVersion: batch/v1
kind: Job
metadata: {name: j, generation: 7, uid: x, selfLink: /x, deletionGracePeriodSeconds: 3}
spec:
  template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}
status: {active: 3, succeeded: 1}
`,
	// The successPolicy crash.
	`apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completionMode: Indexed
  successPolicy: {rules: [{succeededCount: 1}]}
  template: {spec: {restartPolicy: Never, containers: [{name: a, image: a}]}}
`,
	// A Service with a status, a bad port and a clusterIP alone.
	`apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  clusterIP: None
  ports: [{port: 0}]
status: {loadBalancer: {ingress: [{ip: 1.2.3.4}]}}
`,
}

// upstreamStrategies are the registry strategies create.go copies.
var upstreamStrategies = map[string]rest.RESTCreateStrategy{
	"Job":     job.Strategy,
	"CronJob": cronjob.Strategy,
	"Service": service.Strategy,
}

// TestCreateMatchesUpstream runs create.go and the registry strategies it
// copies (k8s.io/kubernetes v1.37.2, linked into this test only) on the
// same prepared objects: the seeds of the acceptance suite and their
// mutants, the Services, the real-world corpus and createCases. Both
// must leave the same object after PrepareForCreate and return the same
// errors, in the same order, with the same origins and markers (or
// panic alike).
func TestCreateMatchesUpstream(t *testing.T) {
	var docs []*manifest.Document
	var unreadable int
	read := func(name string, data []byte) {
		ds, errs := manifest.Read(name, data)
		if errs.Err() != nil {
			// Some mutants are not YAML the API server could read.
			unreadable++
			return
		}
		docs = append(docs, ds...)
	}
	root := filepath.Join("..", "..", "testdata")
	seedFiles, _ := filepath.Glob(filepath.Join(root, "apiserver", "seeds", "*.yaml"))
	var seeds []mutate.Seed
	for _, f := range seedFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		read(f, data)
		n, err := mutate.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		seeds = append(seeds, mutate.Seed{Name: filepath.Base(f), Root: n})
	}
	for _, m := range mutate.Generate(seeds, 20370215) {
		read(m.Key(), m.Doc)
	}
	others, _ := filepath.Glob(filepath.Join(root, "corpus", "real-world", "*.yaml"))
	others = append(others, filepath.Join(root, "apiserver", "services.yaml"))
	for _, f := range others {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		read(f, data)
	}
	for i, c := range createCases {
		read(fmt.Sprintf("createCases[%d]", i), []byte(c))
	}

	c := &apiCheck{namespace: "default"}
	var compared, withErrs, declarative int
	for _, doc := range docs {
		if !isChecked(doc) {
			continue
		}
		d := decode(doc)
		if d == nil || d.err != nil {
			continue
		}
		// Each side prepares its own copy: defaulting makes a Job's
		// labels the very map of its template's, which a DeepCopy of the
		// prepared object would not keep.
		ctx, obj, strategy, err := c.prepare(d.obj.DeepCopyObject())
		if err != nil {
			t.Errorf("%s: %v", doc.File, err)
			continue
		}
		_, upObj, _, err := c.prepare(d.obj.DeepCopyObject())
		if err != nil {
			t.Fatal(err)
		}
		upstream := upstreamStrategies[d.obj.GetObjectKind().GroupVersionKind().Kind]
		// Upstream logs declarative-validation mismatches.
		upCtx := klog.NewContext(ctx, logr.Discard())

		strategy.PrepareForCreate(ctx, obj)
		upstream.PrepareForCreate(upCtx, upObj)
		if !reflect.DeepEqual(obj, upObj) {
			t.Errorf("%s %s: PrepareForCreate differs:\n  local:    %+v\n  upstream: %+v", doc.File, doc.Name, obj, upObj)
			continue
		}
		errs, p := catch(func() field.ErrorList { return ValidateCreate(ctx, obj, strategy) })
		upErrs, upP := catch(func() field.ErrorList { return rest.ValidateCreate(upCtx, upObj, upstream) })
		compared++
		if len(errs) > 0 {
			withErrs++
		}
		// Pod validation ranges over resource maps: the order of its
		// errors varies from run to run, upstream as here.
		if p != upP || sorted(errs) != sorted(upErrs) {
			t.Errorf("%s %s: ValidateCreate differs:\n  local:    %s%s\n  upstream: %s%s",
				doc.File, doc.Name, p, render(errs), upP, render(upErrs))
			continue
		}
		if p != "" {
			continue
		}
		if hw := handwritten(ctx, obj, strategy); sorted(errs) != sorted(hw) {
			if declarative < 5 {
				t.Logf("declarative validation changes %s %s:\n  with:    %s\n  without: %s", doc.File, doc.Name, render(errs), render(hw))
			}
			declarative++
		}
	}
	if compared < 1000 {
		t.Errorf("%d objects compared; want the seeds, mutants, corpus and Services (1,000 or more)", compared)
	}
	t.Logf("%d objects compared (%d inputs unreadable), %d with errors, %d where declarative validation changes the errors",
		compared, unreadable, withErrs, declarative)
}

// handwritten is ValidateCreate without declarative validation.
func handwritten(ctx context.Context, obj runtime.Object, s createStrategy) field.ErrorList {
	return ValidateCreate(ctx, obj, noDeclarative{s})
}

type noDeclarative struct{ createStrategy }

func (noDeclarative) ValidateDeclaratively(_ context.Context, _, _ runtime.Object, errs field.ErrorList, _ operation.Type, _ DeclarativeValidationConfig) field.ErrorList {
	return errs
}

func catch(f func() field.ErrorList) (errs field.ErrorList, p string) {
	defer func() {
		if v := recover(); v != nil {
			p = fmt.Sprint("panic: ", v)
		}
	}()
	return f(), ""
}

func sorted(errs field.ErrorList) string {
	lines := strings.Split(render(errs), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func render(errs field.ErrorList) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n    %s (origin %q, covered %v, alpha %v, beta %v)", e.Error(), e.Origin, e.CoveredByDeclarative, e.IsAlpha(), e.IsBeta())
	}
	return b.String()
}
