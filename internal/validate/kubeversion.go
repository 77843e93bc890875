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
	// Since is the first release with the gate on by default, and GA its
	// graduation, for gates no longer in the Kubernetes code. Gates still
	// there are read from the code (see gateHistory).
	Since, GA Version
}

// features lists the fields of Jobs, CronJobs and pod templates that came
// with a feature gate. Versions of removed gates are from the Kubernetes
// feature gate reference (kubernetes/website, feature-gates/*.md, stages);
// the others come from k8s.io/kubernetes/pkg/features.
var features = []feature{
	{Scope: jobSpec, Path: "ttlSecondsAfterFinished", Gate: "TTLAfterFinished", Since: Version{1, 21}, GA: Version{1, 23}},
	{Scope: jobSpec, Path: "completionMode", Gate: "IndexedJob", Since: Version{1, 22}, GA: Version{1, 24}},
	{Scope: jobSpec, Path: "suspend", Gate: "SuspendJob", Since: Version{1, 22}, GA: Version{1, 24}},
	{Scope: jobSpec, Path: "podFailurePolicy", Gate: "JobPodFailurePolicy", Since: Version{1, 26}, GA: Version{1, 31}},
	{Scope: jobSpec, Path: "podFailurePolicy.rules[*].action", Value: "FailIndex", Gate: "JobBackoffLimitPerIndex", Since: Version{1, 29}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "backoffLimitPerIndex", Gate: "JobBackoffLimitPerIndex", Since: Version{1, 29}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "maxFailedIndexes", Gate: "JobBackoffLimitPerIndex", Since: Version{1, 29}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "podReplacementPolicy", Gate: "JobPodReplacementPolicy", Since: Version{1, 29}, GA: Version{1, 34}},
	{Scope: jobSpec, Path: "successPolicy", Gate: "JobSuccessPolicy", Since: Version{1, 31}, GA: Version{1, 33}},
	{Scope: jobSpec, Path: "managedBy", Gate: "JobManagedBy"},
	{Scope: jobSpec, Path: "scheduling", Gate: "WorkloadWithJob"},
	{Scope: cronJobSpec, Path: "timeZone", Gate: "CronJobTimeZone", Since: Version{1, 25}, GA: Version{1, 27}},

	{Scope: podSpec, Path: "os", Gate: "IdentifyPodOS", Since: Version{1, 24}, GA: Version{1, 25}},
	{Scope: podSpec, Path: "securityContext.appArmorProfile", Gate: "AppArmorFields", Since: Version{1, 30}, GA: Version{1, 31}},
	{Scope: podSpec, Path: "$c.securityContext.appArmorProfile", Gate: "AppArmorFields", Since: Version{1, 30}, GA: Version{1, 31}},
	{Scope: podSpec, Path: "initContainers[*].restartPolicy", Gate: "SidecarContainers", Since: Version{1, 29}, GA: Version{1, 33}},
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

// gateStage is a feature gate's history as the check needs it.
type gateStage struct {
	// Since is the first release with the gate on by default; zero if it
	// is not on by default in ValidationVersion.
	Since, GA Version
	// Stage is the gate's maturity in ValidationVersion: alpha, beta or GA.
	Stage string
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
		g.Stage = strings.ToLower(string(s.PreRelease))
		if s.PreRelease == featuregate.GA {
			g.Stage = "GA"
		}
		if s.Default && g.Since.IsZero() {
			g.Since = v
		}
		if !s.Default {
			g.Since = Version{}
		}
		if s.PreRelease == featuregate.GA && g.GA.IsZero() {
			g.GA = v
		}
	}
	return g, true
}

// stage returns the history of f's gate.
func (f feature) stage() gateStage {
	if g, ok := gateHistory(f.Gate); ok {
		return g
	}
	return gateStage{Since: f.Since, GA: f.GA, Stage: "GA"}
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
		if !g.Since.IsZero() && !c.target.Less(g.Since) {
			continue
		}
		for _, p := range expand(f.Path) {
			for _, at := range match(tree, manifest.ParsePath(joinPath(prefix, p)), "", f.Value) {
				out = append(out, newFinding(RuleKubeVersion, finding.Error, at, "%s", c.message(at, f, g)))
			}
		}
	}
	return out
}

func (c *kubeVersionCheck) message(path string, f feature, g gateStage) string {
	what := path
	if f.Value != "" {
		what = fmt.Sprintf("%s %s", path, f.Value)
	}
	if g.Since.IsZero() {
		return fmt.Sprintf("%s needs feature gate %s, %s and off by default in Kubernetes %s: the API server drops the field",
			what, f.Gate, g.Stage, ValidationVersion)
	}
	ga := ""
	if !g.GA.IsZero() {
		ga = fmt.Sprintf(", GA in %s", g.GA)
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
