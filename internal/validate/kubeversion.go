package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/featuregate"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"

	// Registers the Kubernetes feature gates and their history.
	_ "k8s.io/kubernetes/pkg/features"
)

// scope says where a feature field's path starts.
type scope int

const (
	jobSpec     scope = iota // spec of a Job, spec.jobTemplate.spec of a CronJob
	podSpec                  // the pod template's spec
	cronJobSpec              // spec of a CronJob
)

// feature is a field that came with a feature gate.
type feature struct {
	Scope scope
	// Path is relative to Scope; [*] is every item of a list. "$c" stands
	// for both containers[*] and initContainers[*].
	Path string
	// Value, when set, restricts the feature to this value of the field.
	Value string
	Gate  string
	// Alpha is the first release with the field (its gate alpha, off by
	// default), Since the first with the gate on by default, and GA its
	// graduation, for gates no longer in the Kubernetes code. Gates still
	// there are read from the code (see gateHistory).
	Alpha, Since, GA Version
}

// features lists the fields of Jobs, CronJobs and pod templates that came
// with a feature gate. Versions of removed gates are from the Kubernetes
// feature gate reference (kubernetes/website, feature-gates/*.md, stages:
// the first alpha, the first beta on by default, GA); the others come from
// k8s.io/kubernetes/pkg/features.
var features = []feature{
	{Scope: jobSpec, Path: "ttlSecondsAfterFinished", Gate: "TTLAfterFinished", Alpha: Version{1, 12}, Since: Version{1, 21}, GA: Version{1, 23}},
	{Scope: jobSpec, Path: "completionMode", Gate: "IndexedJob", Alpha: Version{1, 21}, Since: Version{1, 22}, GA: Version{1, 24}},
	{Scope: jobSpec, Path: "suspend", Gate: "SuspendJob", Alpha: Version{1, 21}, Since: Version{1, 22}, GA: Version{1, 24}},
	{Scope: jobSpec, Path: "podFailurePolicy", Gate: "JobPodFailurePolicy", Alpha: Version{1, 25}, Since: Version{1, 26}, GA: Version{1, 31}},
	{Scope: jobSpec, Path: "podFailurePolicy.rules[*].action", Value: "FailIndex", Gate: "JobBackoffLimitPerIndex", Alpha: Version{1, 28}, Since: Version{1, 29}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "backoffLimitPerIndex", Gate: "JobBackoffLimitPerIndex", Alpha: Version{1, 28}, Since: Version{1, 29}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "maxFailedIndexes", Gate: "JobBackoffLimitPerIndex", Alpha: Version{1, 28}, Since: Version{1, 29}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "podReplacementPolicy", Gate: "JobPodReplacementPolicy", Alpha: Version{1, 28}, Since: Version{1, 29}, GA: Version{1, 34}},
	{Scope: jobSpec, Path: "successPolicy", Gate: "JobSuccessPolicy", Alpha: Version{1, 30}, Since: Version{1, 31}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "managedBy", Gate: "JobManagedBy"},
	{Scope: jobSpec, Path: "scheduling", Gate: "WorkloadWithJob"},
	{Scope: cronJobSpec, Path: "timeZone", Gate: "CronJobTimeZone", Alpha: Version{1, 24}, Since: Version{1, 25}, GA: Version{1, 27}},

	{Scope: podSpec, Path: "os", Gate: "IdentifyPodOS", Alpha: Version{1, 23}, Since: Version{1, 24}, GA: Version{1, 25}},
	{Scope: podSpec, Path: "securityContext.appArmorProfile", Gate: "AppArmorFields", Alpha: Version{1, 30}, Since: Version{1, 30}, GA: Version{1, 31}},
	{Scope: podSpec, Path: "$c.securityContext.appArmorProfile", Gate: "AppArmorFields", Alpha: Version{1, 30}, Since: Version{1, 30}, GA: Version{1, 31}},
	{Scope: podSpec, Path: "initContainers[*].restartPolicy", Gate: "SidecarContainers", Alpha: Version{1, 28}, Since: Version{1, 29}, GA: Version{1, 33}},
	{Scope: podSpec, Path: "schedulingGates", Gate: "PodSchedulingReadiness"},
	{Scope: podSpec, Path: "hostUsers", Gate: "UserNamespacesSupport"},
	{Scope: podSpec, Path: "resourceClaims", Gate: "DynamicResourceAllocation"},
	{Scope: podSpec, Path: "$c.resources.claims", Gate: "DynamicResourceAllocation"},
	{Scope: podSpec, Path: "resources", Gate: "PodLevelResources"},
	{Scope: podSpec, Path: "$c.resizePolicy", Gate: "InPlacePodVerticalScaling"},
	{Scope: podSpec, Path: "containers[*].restartPolicy", Gate: "ContainerRestartRules"},
	{Scope: podSpec, Path: "$c.restartPolicyRules", Gate: "ContainerRestartRules"},
	{Scope: podSpec, Path: "$c.lifecycle.stopSignal", Gate: "ContainerStopSignals"},
	{Scope: podSpec, Path: "$c.env[*].valueFrom.fileKeyRef", Gate: "EnvFiles"},
	{Scope: podSpec, Path: "$c.volumeMounts[*].recursiveReadOnly", Gate: "RecursiveReadOnlyMounts"},
	{Scope: podSpec, Path: "$c.volumeMounts[*].bindMountOptions", Gate: "VolumeBindMountOptions"},
	{Scope: podSpec, Path: "volumes[*].image", Gate: "ImageVolume"},
	{Scope: podSpec, Path: "volumes[*].emptyDir.mode", Gate: "EmptyDirVolumeMode"},
	{Scope: podSpec, Path: "volumes[*].projected.sources[*].clusterTrustBundle", Gate: "ClusterTrustBundleProjection"},
	{Scope: podSpec, Path: "volumes[*].projected.sources[*].podCertificate", Gate: "PodCertificateRequest"},
	{Scope: podSpec, Path: "securityContext.supplementalGroupsPolicy", Gate: "SupplementalGroupsPolicy"},
	{Scope: podSpec, Path: "securityContext.seLinuxChangePolicy", Gate: "SELinuxChangePolicy"},
	{Scope: podSpec, Path: "hostnameOverride", Gate: "HostnameOverride"},
	{Scope: podSpec, Path: "schedulingGroup", Gate: "GenericWorkload"},
	{Scope: podSpec, Path: "evictionResponders", Gate: "EvictionRequestAPI"},
}

// gateStage is a feature gate's history as the check needs it: from which
// release on its field exists (the gate alpha, off by default) and from
// which release on it is on by default.
type gateStage struct {
	specs []gateSpec // by release, oldest first
	// Since is the first release, up to ValidationVersion, from which on
	// the gate is on by default; zero if it is off in ValidationVersion.
	// GA is its graduation.
	Since, GA Version
	// Stage is the gate's maturity in ValidationVersion: alpha, beta or GA.
	Stage string
}

// gateSpec is a gate's state from a release on.
type gateSpec struct {
	From    Version
	Default bool
	Stage   string
}

// at returns the gate's state in release v; ok is false before the gate
// (and its field) existed.
func (g gateStage) at(v Version) (gateSpec, bool) {
	var cur gateSpec
	ok := false
	for _, s := range g.specs {
		if v.Less(s.From) {
			break
		}
		cur, ok = s, true
	}
	return cur, ok
}

// allGates is every feature gate of the Kubernetes code with its history;
// GetAllVersioned copies them all, so once is enough.
var allGates = sync.OnceValue(utilfeature.DefaultMutableFeatureGate.GetAllVersioned)

// gateHistory reads a gate's history from the Kubernetes code. ok is
// false for gates no longer there.
func gateHistory(gate string) (gateStage, bool) {
	specs, ok := allGates()[featuregate.Feature(gate)]
	if !ok {
		return gateStage{}, false
	}
	var g gateStage
	for _, s := range specs {
		v := Version{int(s.Version.Major()), int(s.Version.Minor())}
		if ValidationVersion.Less(v) {
			continue
		}
		stage := strings.ToLower(string(s.PreRelease))
		if s.PreRelease == featuregate.GA {
			stage = "GA"
		}
		g.specs = append(g.specs, gateSpec{From: v, Default: s.Default, Stage: stage})
	}
	g.summarize()
	return g, true
}

// summarize sets Since, GA and Stage from the specs.
func (g *gateStage) summarize() {
	for _, s := range g.specs {
		g.Stage = s.Stage
		switch {
		case !s.Default:
			g.Since = Version{}
		case g.Since.IsZero():
			g.Since = s.From
		}
		if s.Stage == "GA" && g.GA.IsZero() {
			g.GA = s.From
		}
	}
}

// stage returns the history of f's gate.
func (f feature) stage() gateStage {
	if g, ok := gateHistory(f.Gate); ok {
		return g
	}
	g := gateStage{specs: []gateSpec{{From: f.Alpha, Stage: "alpha"}, {From: f.Since, Default: true, Stage: "beta"}}}
	if !f.GA.IsZero() {
		g.specs = append(g.specs, gateSpec{From: f.GA, Default: true, Stage: "GA"})
	}
	g.summarize()
	return g
}

// kubeVersionCheck reports fields the target release does not have or
// does not enable by default, and API versions it does not serve yet.
type kubeVersionCheck struct {
	target Version
	// stages are the histories of features' gates, by index.
	stages []gateStage
}

func newKubeVersion(target Version) *kubeVersionCheck {
	c := &kubeVersionCheck{target: target}
	for _, f := range features {
		c.stages = append(c.stages, f.stage())
	}
	return c
}

func (c *kubeVersionCheck) Check(doc *manifest.Document) []finding.Finding {
	if !IsBatch(doc) {
		return nil
	}
	var out []finding.Finding
	for _, s := range served {
		if s.APIVersion == doc.APIVersion && s.Kind == doc.Kind && c.target.Less(s.Since) {
			out = append(out, newFinding(RuleKubeVersion, finding.Error, "apiVersion",
				"%s %s is served since Kubernetes %s; the target is %s", s.APIVersion, s.Kind, s.Since, c.target))
		}
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(doc.JSON))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return out
	}
	prefixes := map[scope]string{jobSpec: "spec", podSpec: "spec.template.spec"}
	if doc.Kind == "CronJob" {
		prefixes = map[scope]string{jobSpec: "spec.jobTemplate.spec", podSpec: "spec.jobTemplate.spec.template.spec", cronJobSpec: "spec"}
	}
	for i, f := range features {
		prefix, ok := prefixes[f.Scope]
		if !ok {
			continue
		}
		g := c.stages[i]
		spec, exists := g.at(c.target)
		if exists && spec.Default {
			continue
		}
		// A release without the field refuses it (strict decoding); one
		// with the gate off accepts the object and drops the field.
		sev := finding.Error
		if exists {
			sev = finding.Warning
		}
		for _, p := range expand(f.Path) {
			for _, at := range match(tree, manifest.ParsePath(joinPath(prefix, p)), "", f.Value) {
				out = append(out, newFinding(RuleKubeVersion, sev, at, "%s", c.message(at, f, g, spec, exists)))
			}
		}
	}
	return out
}

func (c *kubeVersionCheck) message(path string, f feature, g gateStage, spec gateSpec, exists bool) string {
	what := path
	if f.Value != "" {
		what = fmt.Sprintf("%s %s", path, f.Value)
	}
	ga := ""
	if !g.GA.IsZero() {
		ga = fmt.Sprintf(", GA in %s", g.GA)
	}
	if exists {
		since := fmt.Sprintf("not on by default in any release up to %s", ValidationVersion)
		if !g.Since.IsZero() {
			since = fmt.Sprintf("on by default since %s%s", g.Since, ga)
		}
		return fmt.Sprintf("the API server of Kubernetes %s accepts the object but drops %s: feature gate %s is %s and off by default there (%s)",
			c.target, what, f.Gate, spec.Stage, since)
	}
	if g.Since.IsZero() {
		return fmt.Sprintf("%s needs feature gate %s, which Kubernetes %s does not have (%s and off by default in %s); the server refuses the field",
			what, f.Gate, c.target, g.Stage, ValidationVersion)
	}
	return fmt.Sprintf("%s needs Kubernetes %s or later (feature gate %s on by default since %s%s); the target is %s",
		what, g.Since, f.Gate, g.Since, ga, c.target)
}

// expand replaces "$c" by both container lists.
func expand(path string) []string {
	if rest, ok := strings.CutPrefix(path, "$c."); ok {
		return []string{"containers[*]." + rest, "initContainers[*]." + rest}
	}
	return []string{path}
}

// match returns the paths of tree that segs (with "*" keys as every item
// of a list) leads to, if they hold a value (and value, when set).
func match(tree any, segs []manifest.Segment, at string, value string) []string {
	if len(segs) == 0 {
		if tree == nil {
			return nil
		}
		if value != "" {
			if s, ok := tree.(string); !ok || s != value {
				return nil
			}
		}
		return []string{at}
	}
	s := segs[0]
	switch t := tree.(type) {
	case map[string]any:
		if s.IsIndex || s.Key == "*" {
			return nil
		}
		v, ok := t[s.Key]
		if !ok {
			return nil
		}
		return match(v, segs[1:], joinPath(at, s.Key), value)
	case []any:
		if s.Key != "*" {
			return nil
		}
		var out []string
		for i, e := range t {
			out = append(out, match(e, segs[1:], at+"["+strconv.Itoa(i)+"]", value)...)
		}
		return out
	}
	return nil
}

// FeatureTable is the table of fields the kube-version rule knows, as
// Markdown rows (object part, field, gate, on by default since, GA), for
// the documentation.
func FeatureTable() []string {
	scopes := [...]string{jobSpec: "Job spec", podSpec: "pod spec", cronJobSpec: "CronJob spec"}
	var out []string
	for _, f := range features {
		g := f.stage()
		since, ga := "not yet ("+g.Stage+")", "-"
		if !g.Since.IsZero() {
			since = g.Since.String()
		}
		if !g.GA.IsZero() {
			ga = g.GA.String()
		}
		p := "`" + f.Path + "`"
		if f.Value != "" {
			p += " = `" + f.Value + "`"
		}
		out = append(out, fmt.Sprintf("| %s | %s | %s | %s | %s |", scopes[f.Scope], strings.ReplaceAll(p, "$c", "containers[*]/initContainers[*]"), f.Gate, since, ga))
	}
	return out
}
