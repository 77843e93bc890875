// Package rendezvous is lint's rule distributed-rendezvous: a check across
// the documents of a run, pairing each distributed Job (several pods that
// find each other by DNS: an Indexed Job with a subdomain, or a Job that
// sets MASTER_ADDR) with the headless Service that gives its pods their
// names, and checking that the pair agrees: the Service exists in the
// Job's namespace, is headless, is named by the pods' subdomain and
// selects them, all ranks run at once, and MASTER_ADDR names pod 0 in
// that Service.
//
// It runs on Jobs and Services of the batch/v1 and v1 APIs. CronJobs are
// left out: each of their Jobs gets a new name, which no Service can
// select ahead of time.
package rendezvous

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubernetes/pkg/fieldpath"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/kube"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/rules"
	"github.com/mljob/mljob/internal/validate"
)

// Rule is the rule's id.
const Rule = rules.DistributedRendezvous

// Labels Kubernetes gives a Job's pods: the API server from the Job's
// name (unless the Job selects its pods itself), the Job controller the
// index of an Indexed Job's pod (also an annotation).
const (
	labelJobName       = "batch.kubernetes.io/job-name"
	labelLegacyJobName = "job-name"
	labelIndex         = "batch.kubernetes.io/job-completion-index"
)

// masterEnv are the variables that name rank 0's host.
var masterEnv = []string{"MASTER_ADDR", "PET_MASTER_ADDR"}

// Check holds the findings of one run, by document. It is a
// validate.Checker: the pipeline runs it with the others, so its
// findings get positions, waivers and severities like theirs.
type Check struct {
	findings map[*manifest.Document][]finding.Finding
	paired   map[*manifest.Document]bool
}

// Name names the check's stage.
func (*Check) Name() string { return Rule }

// Check returns doc's findings.
func (c *Check) Check(doc *manifest.Document) []finding.Finding { return c.findings[doc] }

// Paired reports whether doc is a Service that belongs to a distributed
// Job of the run (named by its pods' subdomain, or selecting them): lint
// checks and counts it with its Job.
func (c *Check) Paired(doc *manifest.Document) bool { return c.paired[doc] }

type job struct {
	doc *manifest.Document
	obj *batchv1.Job
	ns  string
}

type service struct {
	doc *manifest.Document
	obj *corev1.Service
	ns  string
}

// New pairs the distributed Jobs of docs with their Services and checks
// each pair. namespace is where objects that name none go.
func New(docs []*manifest.Document, namespace string) *Check {
	c := &Check{findings: map[*manifest.Document][]finding.Finding{}, paired: map[*manifest.Document]bool{}}
	var jobs []job
	var services []service
	for _, d := range docs {
		ns := d.Namespace
		if ns == "" {
			ns = namespace
		}
		if !Candidate(d) {
			continue
		}
		switch kube.GVK(d.APIVersion, d.Kind) {
		case kube.JobV1:
			if j, ok := validate.Decoded(d).(*batchv1.Job); ok && Distributed(j) {
				jobs = append(jobs, job{d, j, ns})
			}
		case kube.ServiceV1:
			if s, ok := validate.Decoded(d).(*corev1.Service); ok {
				services = append(services, service{d, s, ns})
			}
		}
	}
	for _, j := range jobs {
		c.checkJob(j, services)
	}
	for d, fs := range c.findings {
		c.findings[d] = dedup(fs)
	}
	return c
}

// Candidate reports whether d may be a distributed Job or a Service: the
// documents New needs to see. Other documents never have findings of
// this rule, so a caller may check them before New is called. Most Jobs
// are not distributed: this spares decoding them (a Job that is not
// decoded yet is told by its JSON).
func Candidate(d *manifest.Document) bool {
	switch kube.GVK(d.APIVersion, d.Kind) {
	case kube.JobV1:
		if d.Typed == nil {
			return bytes.Contains(d.JSON, []byte(`"subdomain"`)) || bytes.Contains(d.JSON, []byte("MASTER_ADDR"))
		}
		j, ok := d.Typed.(*batchv1.Job)
		return ok && Distributed(j)
	case kube.ServiceV1:
		return true
	}
	return false
}

// Distributed reports whether j is a distributed Job: more than one pod,
// and pods that find each other by name (a subdomain, or MASTER_ADDR).
func Distributed(j *batchv1.Job) bool {
	s := j.Spec
	if deref(s.Parallelism, 1) < 2 && deref(s.Completions, 1) < 2 {
		return false
	}
	if s.Template.Spec.Subdomain != "" {
		return true
	}
	for _, c := range s.Template.Spec.Containers {
		for _, e := range c.Env {
			if slices.Contains(masterEnv, e.Name) {
				return true
			}
		}
	}
	return false
}

func deref(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

func (c *Check) add(d *manifest.Document, path, fix, format string, args ...any) {
	c.findings[d] = append(c.findings[d], finding.Finding{
		Rule: Rule, Severity: finding.Error, Path: path, Fix: fix, Message: fmt.Sprintf(format, args...),
	})
}

func (c *Check) checkJob(j job, services []service) {
	s := j.obj.Spec
	pod := s.Template.Spec
	indexed := s.CompletionMode != nil && *s.CompletionMode == batchv1.IndexedCompletion
	if !indexed {
		c.add(j.doc, "spec.completionMode", "set completionMode: Indexed (mljob's nodes does)",
			"a distributed Job needs completionMode Indexed: without it its pods have no index to be their rank, and no hostname <job>-<index>")
	}
	if p, n := deref(s.Parallelism, 1), deref(s.Completions, 1); s.Completions != nil && p != n {
		path := "spec.parallelism"
		if s.Parallelism == nil {
			path = "spec.completions"
		}
		c.add(j.doc, path, fmt.Sprintf("set parallelism and completions both to the number of ranks (%d)", max(p, n)),
			"parallelism is %d but completions is %d: the ranks of a distributed Job must all run at once, or the rendezvous waits for ranks that never start", p, n)
	}
	if pod.Subdomain == "" {
		c.add(j.doc, "spec.template.spec.subdomain", "set subdomain to the name of a headless Service that selects the Job's pods (mljob's nodes renders both)",
			"the pods have no subdomain, so no DNS names: MASTER_ADDR cannot name pod 0")
		return
	}
	podLabels := podLabels(j.obj)
	var named, selecting []service
	for _, svc := range services {
		if svc.ns != j.ns {
			continue
		}
		if svc.obj.Name == pod.Subdomain {
			named = append(named, svc)
		} else if selects(svc.obj.Spec.Selector, podLabels) {
			selecting = append(selecting, svc)
		}
	}
	pairs := named
	if len(named) == 0 {
		pairs = selecting
	}
	for _, svc := range pairs {
		c.paired[svc.doc] = true
	}
	if len(named) == 0 {
		if len(selecting) > 0 {
			other := selecting[0].obj.Name
			c.add(j.doc, "spec.template.spec.subdomain", fmt.Sprintf("set subdomain to %s (or rename the Service %s to %s)", other, other, pod.Subdomain),
				"subdomain is %s, but the Service that selects the pods is %s: pod 0 is %s-0.%s, and %s-0.%s does not exist",
				pod.Subdomain, other, j.obj.Name, other, j.obj.Name, pod.Subdomain)
		} else {
			c.add(j.doc, "spec.template.spec.subdomain", fmt.Sprintf("lint the Job with its Service %s (mljob renders both for nodes), or add a headless Service %s in namespace %s that selects the pods by %s: %s", pod.Subdomain, pod.Subdomain, j.ns, labelJobName, j.obj.Name),
				"no Service %s in namespace %s in this lint run: the pods' subdomain names it, and without it their names (%s-0.%s, ...) do not resolve",
				pod.Subdomain, j.ns, j.obj.Name, pod.Subdomain)
		}
		// Which host MASTER_ADDR should name waits for the Service.
		return
	}
	c.checkService(j, pick(j, named, podLabels), podLabels)
	c.checkMaster(j, podLabels)
}

// pick is the Service a Job pairs with among those its subdomain names
// (one normally; several when a run lints one project twice, rendered
// and as YAML): one from the Job's own file that has no problem, else
// any without a problem, else the first.
func pick(j job, named []service, podLabels map[string]string) service {
	sort.SliceStable(named, func(a, b int) bool {
		return named[a].doc.File == j.doc.File && named[b].doc.File != j.doc.File
	})
	for _, s := range named {
		if s.obj.Spec.ClusterIP == corev1.ClusterIPNone && selects(s.obj.Spec.Selector, podLabels) {
			return s
		}
	}
	return named[0]
}

func (c *Check) checkService(j job, svc service, podLabels map[string]string) {
	sp := svc.obj.Spec
	if sp.ClusterIP != corev1.ClusterIPNone {
		path := "spec.clusterIP"
		c.add(svc.doc, path, "set clusterIP: None",
			"Service %s is the subdomain of Job %s's pods but is not headless (clusterIP: None): only a headless Service gives pods the DNS names <hostname>.%s",
			svc.obj.Name, j.obj.Name, svc.obj.Name)
	}
	if selects(sp.Selector, podLabels) {
		return
	}
	path := "spec.selector"
	for _, k := range slices.Sorted(maps.Keys(sp.Selector)) {
		if podLabels[k] != sp.Selector[k] {
			path = "spec.selector[" + k + "]"
			break
		}
	}
	c.add(svc.doc, path, fmt.Sprintf("select the pods by %s: %s", labelJobName, j.obj.Name),
		"Service %s does not select the pods of Job %s (they have %s: %s), so they get no DNS names in it",
		svc.obj.Name, j.obj.Name, labelJobName, j.obj.Name)
}

// checkMaster checks that MASTER_ADDR (and PET_MASTER_ADDR) name pod 0
// of the Job in the Service of its subdomain, as the kubelet resolves
// them. A value that depends on what lint cannot know (a ConfigMap, the
// pod's own name) is left alone.
func (c *Check) checkMaster(j job, podLabels map[string]string) {
	sub := j.obj.Spec.Template.Spec.Subdomain
	want := j.obj.Name + "-0." + sub
	for ci, ct := range j.obj.Spec.Template.Spec.Containers {
		env := resolve(j, ct, podLabels)
		reported := map[string]bool{}
		for i, e := range ct.Env {
			if !slices.Contains(masterEnv, e.Name) || e.ValueFrom != nil {
				continue
			}
			v, ok := env[i]
			if !ok || resolvesTo(v, want, j.ns) {
				continue
			}
			if refersToAny(e.Value, reported) {
				continue // the variable it refers to is reported
			}
			reported[e.Name] = true
			c.add(j.doc, fmt.Sprintf("spec.template.spec.containers[%d].env[%d].value", ci, i),
				fmt.Sprintf("set %s to %s (or its name with .%s.svc and the cluster domain); mljob's nodes builds it from the Job's name", e.Name, want, j.ns),
				"%s is %q, a host the Service %s cannot resolve: pod 0 of Job %s is %s", e.Name, v, sub, j.obj.Name, want)
		}
	}
}

// resolvesTo reports whether host is want, or want followed by the
// namespace, .svc and a cluster domain, the longer forms of one name. A
// name ending in a dot is absolute: the pod's DNS search path is not
// tried, so only the form with the cluster domain resolves.
func resolvesTo(host, want, ns string) bool {
	abs := strings.HasSuffix(host, ".")
	host = strings.TrimSuffix(host, ".")
	if !abs && (host == want || host == want+"."+ns || host == want+"."+ns+".svc") {
		return true
	}
	rest, ok := strings.CutPrefix(host, want+"."+ns+".svc.")
	return ok && rest != ""
}

// unknown stands for a value lint cannot know.
const unknown = "\x00unknown\x00"

// resolve returns the values the kubelet gives the container's literal
// and downward API variables, by index in env, for pod 0 of the Job:
// each $(NAME) expanded from the variables before it, as the kubelet
// does (pkg/kubelet makeEnvironmentVariables). Values that depend on
// what lint does not know are left out.
func resolve(j job, c corev1.Container, podLabels map[string]string) map[int]string {
	labels := map[string]string{labelIndex: "0"}
	for k, v := range podLabels {
		labels[k] = v
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Namespace:   j.ns,
		Labels:      labels,
		Annotations: map[string]string{labelIndex: "0"},
	}}
	for k, v := range j.obj.Spec.Template.Annotations {
		pod.Annotations[k] = v
	}
	known := map[string]string{}
	if len(c.EnvFrom) > 0 {
		known = nil // any name may come from a ConfigMap or Secret
	}
	mapping := func(name string) string {
		if v, ok := known[name]; ok {
			return v
		}
		return unknown
	}
	out := map[int]string{}
	for i, e := range c.Env {
		v := unknown
		switch {
		case e.ValueFrom == nil:
			v = expansion.Expand(e.Value, mapping)
		case e.ValueFrom.FieldRef != nil:
			p := e.ValueFrom.FieldRef.FieldPath
			if strings.HasPrefix(p, "metadata.labels[") || strings.HasPrefix(p, "metadata.annotations[") || p == "metadata.namespace" {
				if s, err := fieldpath.ExtractFieldPathAsString(pod, p); err == nil {
					v = s
				}
			}
		}
		if known != nil {
			known[e.Name] = v
		}
		if !strings.Contains(v, unknown) {
			out[i] = v
		}
	}
	return out
}

// refersToAny reports whether s refers to one of names as $(NAME).
func refersToAny(s string, names map[string]bool) bool {
	found := false
	expansion.Expand(s, func(n string) string {
		found = found || names[n]
		return ""
	})
	return found
}

// podLabels are the labels all the Job's pods have: the template's, and
// the Job's name the API server adds.
func podLabels(j *batchv1.Job) map[string]string {
	l := map[string]string{}
	for k, v := range j.Spec.Template.Labels {
		l[k] = v
	}
	if j.Spec.ManualSelector == nil || !*j.Spec.ManualSelector {
		l[labelJobName] = j.Name
		l[labelLegacyJobName] = j.Name
	}
	return l
}

// selects reports whether a Service selector selects pods with labels.
// An empty selector selects nothing (the Service has no endpoints).
func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// dedup drops a finding made twice: a Service paired with a Job that a
// run lints twice.
func dedup(fs []finding.Finding) []finding.Finding {
	var out []finding.Finding
	seen := map[string]bool{}
	for _, f := range fs {
		k := f.Path + "\x00" + f.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}
