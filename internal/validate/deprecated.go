package validate

import (
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"
)

// servedVersion is a batch API version of a kind and the releases that
// serve it by default. Removed is zero while it is still served.
type servedVersion struct {
	APIVersion string
	Kind       string
	Since      Version
	Removed    Version
	// Alpha versions are never served unless enabled with
	// --runtime-config.
	Alpha bool
}

// served lists the batch API versions of Job and CronJob.
// Sources: the Kubernetes deprecated API migration guide (batch/v1beta1
// CronJob no longer served as of 1.25) and KEP-19, CronJob to stable
// (beta in 1.8, batch/v1 in 1.21); batch/v2alpha1 was only ever alpha.
var served = []servedVersion{
	{APIVersion: "batch/v1", Kind: "Job", Since: Version{1, 2}},
	{APIVersion: "batch/v1", Kind: "CronJob", Since: Version{1, 21}},
	{APIVersion: "batch/v1beta1", Kind: "CronJob", Since: Version{1, 8}, Removed: Version{1, 25}},
	{APIVersion: "batch/v2alpha1", Kind: "CronJob", Since: Version{1, 5}, Alpha: true},
}

// deprecatedCheck reports batch API versions the target release does not
// serve: removed, alpha, or unknown. Versions not served yet are a
// kube-version matter.
type deprecatedCheck struct {
	target Version
}

func (c *deprecatedCheck) Check(doc *manifest.Document) []finding.Finding {
	if !IsBatch(doc) {
		return nil
	}
	repl := c.replacement(doc.Kind)
	for _, s := range served {
		if s.APIVersion != doc.APIVersion || s.Kind != doc.Kind {
			continue
		}
		switch {
		case s.Alpha:
			return []finding.Finding{newFinding(RuleDeprecatedAPI, finding.Error, "apiVersion",
				"%s %s is an alpha API, not served by default; use %s", s.APIVersion, s.Kind, repl)}
		case !s.Removed.IsZero() && !c.target.Less(s.Removed):
			return []finding.Finding{newFinding(RuleDeprecatedAPI, finding.Error, "apiVersion",
				"%s %s is no longer served since Kubernetes %s (target %s); use %s", s.APIVersion, s.Kind, s.Removed, c.target, repl)}
		}
		return nil
	}
	return []finding.Finding{newFinding(RuleDeprecatedAPI, finding.Error, "apiVersion",
		"no kind %s in version %s is served by Kubernetes %s; use %s", doc.Kind, doc.APIVersion, c.target, repl)}
}

// replacement is the newest API version serving kind in the target.
func (c *deprecatedCheck) replacement(kind string) string {
	best := ""
	var since Version
	for _, s := range served {
		if s.Kind != kind || s.Alpha || c.target.Less(s.Since) || (!s.Removed.IsZero() && !c.target.Less(s.Removed)) {
			continue
		}
		if best == "" || since.Less(s.Since) {
			best, since = s.APIVersion, s.Since
		}
	}
	return best
}
