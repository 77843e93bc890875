package validate

import (
	"fmt"
	"slices"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"
)

// PodSecurityPrivileged is the level that checks nothing.
const PodSecurityPrivileged = string(psapi.LevelPrivileged)

// PodSecurityLevels are the accepted --pod-security values.
var PodSecurityLevels = []string{string(psapi.LevelBaseline), string(psapi.LevelRestricted), string(psapi.LevelPrivileged)}

// psCheck is one upstream Pod Security Standards check at the level and
// version evaluated.
type psCheck struct {
	id    policy.CheckID
	check policy.CheckPodFn
}

// podSecurityCheck evaluates pod templates with the checks of
// k8s.io/pod-security-admission, as the PodSecurity admission plugin does
// for workloads, and names every failing check.
type podSecurityCheck struct {
	lv     psapi.LevelVersion
	checks []psCheck
}

func newPodSecurity(level string, target Version) (*podSecurityCheck, error) {
	if level == "" {
		level = string(psapi.LevelBaseline)
	}
	l, err := psapi.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("invalid pod-security level %q (want baseline, restricted or privileged)", level)
	}
	v := psapi.LatestVersion()
	if target != ValidationVersion {
		v = psapi.MajorMinorVersion(target.Major, target.Minor)
	}
	lv := psapi.LevelVersion{Level: l, Version: v}
	return &podSecurityCheck{lv: lv, checks: selectChecks(lv)}, nil
}

// selectChecks returns the checks that apply at lv, ordered as the
// admission plugin orders them: baseline ids, then restricted ids, each
// sorted. It follows policy.NewEvaluator, which does not say which check
// a result comes from.
func selectChecks(lv psapi.LevelVersion) []psCheck {
	if lv.Level == psapi.LevelPrivileged {
		return nil
	}
	all := policy.DefaultChecks()
	var maxV psapi.Version
	for _, c := range all {
		if last := c.Versions[len(c.Versions)-1].MinimumVersion; maxV.Older(last) {
			maxV = last
		}
	}
	v := lv.Version
	if maxV.Older(v) {
		v = maxV
	}
	pick := func(c policy.Check) (policy.VersionedCheck, bool) {
		var found policy.VersionedCheck
		ok := false
		for _, vc := range c.Versions {
			if !v.Older(vc.MinimumVersion) {
				found, ok = vc, true
			}
		}
		return found, ok
	}
	var baseline, restricted []psCheck
	overridden := map[policy.CheckID]bool{}
	for _, c := range all {
		vc, ok := pick(c)
		if !ok {
			continue
		}
		switch {
		case c.Level == psapi.LevelBaseline:
			baseline = append(baseline, psCheck{c.ID, vc.CheckPod})
		case c.Level == psapi.LevelRestricted && lv.Level == psapi.LevelRestricted:
			restricted = append(restricted, psCheck{c.ID, vc.CheckPod})
			for _, id := range vc.OverrideCheckIDs {
				overridden[id] = true
			}
		}
	}
	baseline = slices.DeleteFunc(baseline, func(c psCheck) bool { return overridden[c.id] })
	byID := func(a, b psCheck) int {
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	}
	slices.SortFunc(baseline, byID)
	slices.SortFunc(restricted, byID)
	return append(baseline, restricted...)
}

func (c *podSecurityCheck) Check(doc *manifest.Document) []finding.Finding {
	if len(c.checks) == 0 || !IsBatch(doc) {
		return nil
	}
	d := decode(doc)
	if d == nil || d.err != nil {
		return nil
	}
	// Admission sees the defaulted object.
	obj := d.obj.DeepCopyObject()
	legacyscheme.Scheme.Default(obj)
	var tmpl *corev1.PodTemplateSpec
	prefix := "spec.jobTemplate.spec.template"
	switch o := obj.(type) {
	case *batchv1.Job:
		tmpl, prefix = &o.Spec.Template, "spec.template"
	case *batchv1.CronJob:
		tmpl = &o.Spec.JobTemplate.Spec.Template
	case *batchv1beta1.CronJob:
		tmpl = &o.Spec.JobTemplate.Spec.Template
	default:
		return nil
	}
	var out []finding.Finding
	for _, ck := range c.checks {
		r := ck.check(&tmpl.ObjectMeta, &tmpl.Spec)
		if r.Allowed {
			continue
		}
		reason := r.ForbiddenReason
		if reason == "" {
			reason = policy.UnknownForbiddenReason
		}
		if r.ForbiddenDetail != "" {
			reason += " (" + r.ForbiddenDetail + ")"
		}
		// The text of the admission plugin's warning for workloads, for
		// this one check.
		out = append(out, newFinding(RulePodSecurity, finding.Error, joinPath(prefix, blame(ck, tmpl)),
			"would violate PodSecurity %q: %s", c.lv.String(), reason))
	}
	return out
}

// blame finds the part of the pod template a failing check is about,
// relative to the template: the check is run again on the template's
// metadata alone, on the pod-level fields alone, then with one container
// or volume at a time.
func blame(ck psCheck, tmpl *corev1.PodTemplateSpec) string {
	fails := func(m *metav1.ObjectMeta, s *corev1.PodSpec) bool { return !ck.check(m, s).Allowed }
	empty := &metav1.ObjectMeta{}
	if fails(&metav1.ObjectMeta{Annotations: tmpl.Annotations}, &corev1.PodSpec{}) {
		return "metadata.annotations"
	}
	pod := tmpl.Spec
	pod.Containers, pod.InitContainers, pod.EphemeralContainers, pod.Volumes = nil, nil, nil, nil
	if fails(empty, &pod) {
		return joinPath("spec", podField(ck.id, &tmpl.Spec))
	}
	for i := range tmpl.Spec.InitContainers {
		one := pod
		one.InitContainers = tmpl.Spec.InitContainers[i : i+1]
		if fails(empty, &one) {
			return joinPath("spec.initContainers["+strconv.Itoa(i)+"]", containerField(ck.id, &tmpl.Spec.InitContainers[i]))
		}
	}
	for i := range tmpl.Spec.Containers {
		one := pod
		one.Containers = tmpl.Spec.Containers[i : i+1]
		if fails(empty, &one) {
			return joinPath("spec.containers["+strconv.Itoa(i)+"]", containerField(ck.id, &tmpl.Spec.Containers[i]))
		}
	}
	for i := range tmpl.Spec.Volumes {
		one := pod
		one.Volumes = tmpl.Spec.Volumes[i : i+1]
		if fails(empty, &one) {
			return "spec.volumes[" + strconv.Itoa(i) + "]"
		}
	}
	return "spec"
}

// podField is the pod-level field a check is about, relative to the pod
// spec. Paths name the field even when it is unset: positions fall back
// to the nearest field present.
func podField(id policy.CheckID, s *corev1.PodSpec) string {
	switch id {
	case "hostNamespaces":
		switch {
		case s.HostNetwork:
			return "hostNetwork"
		case s.HostPID:
			return "hostPID"
		case s.HostIPC:
			return "hostIPC"
		}
	case "sysctls":
		return "securityContext.sysctls"
	case "seLinuxOptions":
		return "securityContext.seLinuxOptions"
	case "seccompProfile_baseline", "seccompProfile_restricted":
		return "securityContext.seccompProfile"
	case "appArmorProfile":
		return "securityContext.appArmorProfile"
	case "runAsNonRoot":
		return "securityContext.runAsNonRoot"
	case "runAsUser":
		return "securityContext.runAsUser"
	case "windowsHostProcess":
		return "securityContext.windowsOptions.hostProcess"
	}
	return ""
}

// containerField is the container field a check is about.
func containerField(id policy.CheckID, c *corev1.Container) string {
	switch id {
	case "privileged":
		return "securityContext.privileged"
	case "allowPrivilegeEscalation":
		return "securityContext.allowPrivilegeEscalation"
	case "capabilities_baseline":
		return "securityContext.capabilities.add"
	case "capabilities_restricted":
		if c.SecurityContext != nil && c.SecurityContext.Capabilities != nil && len(c.SecurityContext.Capabilities.Add) > 0 {
			return "securityContext.capabilities.add"
		}
		return "securityContext.capabilities.drop"
	case "procMount", "procMount_restricted":
		return "securityContext.procMount"
	case "runAsNonRoot":
		return "securityContext.runAsNonRoot"
	case "runAsUser":
		return "securityContext.runAsUser"
	case "seLinuxOptions":
		return "securityContext.seLinuxOptions"
	case "seccompProfile_baseline", "seccompProfile_restricted":
		return "securityContext.seccompProfile"
	case "appArmorProfile":
		return "securityContext.appArmorProfile"
	case "windowsHostProcess":
		return "securityContext.windowsOptions.hostProcess"
	case "hostPorts":
		for i, p := range c.Ports {
			if p.HostPort != 0 {
				return "ports[" + strconv.Itoa(i) + "].hostPort"
			}
		}
	}
	return ""
}
