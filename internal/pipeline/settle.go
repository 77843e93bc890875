package pipeline

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mljob/mljob/internal/config"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/rules"
)

// WaiveAnnotation is the prefix of inline waivers:
// mljob.dev/waive.RULE: "reason".
const WaiveAnnotation = "mljob.dev/waive."

// Rules of the waiver machinery itself.
const (
	ruleWaiverExpired = "waiver-expired"
	ruleInvalidWaiver = "invalid-waiver"
	rulePolicyError   = "policy-error"
)

func init() {
	rules.Register(rules.Meta{
		ID:          ruleWaiverExpired,
		Title:       "Waivers in the configuration have not expired",
		Severity:    finding.Error,
		Description: "A waiver in .mljob.yaml whose expires date has passed no longer suppresses anything and is itself an error, so exceptions are revisited instead of living forever.",
		Remediation: "Fix what the waiver excused and delete the waiver, or extend its expires date with a reason that still holds.",
		Engine:      "go",
	})
	rules.Register(rules.Meta{
		ID:          ruleInvalidWaiver,
		Title:       "Inline waivers name a rule and give a reason",
		Severity:    finding.Error,
		Description: "An annotation mljob.dev/waive.RULE on a Job or CronJob waives RULE's findings on that object. It must name a known rule and its value must say why; otherwise it waives nothing.",
		Remediation: "Write the reason as the annotation's value, e.g. mljob.dev/waive.image-tag: \"vendor image, pinned by digest upstream\", and check the rule id with mljob rules.",
		Engine:      "go",
	})
	rules.Register(rules.Meta{
		ID:          rulePolicyError,
		Title:       "Policies evaluate without errors",
		Severity:    finding.Error,
		Description: "A Rego policy failed while evaluating an object (for example a rule that produced conflicting values), so its verdict on that object is unknown.",
		Remediation: "Fix the policy; mljob policy test runs its tests.",
		Engine:      "go",
	})
}

// settler applies the configuration to one document's findings: disabled
// rules, severities and waivers.
type settler struct {
	cfg  *config.Config // nil: no configuration
	now  time.Time
	only []string
}

func (s settler) settle(doc *manifest.Document, fs []finding.Finding) []finding.Finding {
	inline, bad := s.inlineWaivers(doc)
	out := fs[:0]
	for _, f := range fs {
		if len(s.only) > 0 && !slices.Contains(s.only, f.Rule) {
			continue
		}
		if s.cfg != nil {
			if r, ok := s.cfg.Rules[f.Rule]; ok && r.Enabled != nil && !*r.Enabled {
				continue
			}
			if sev, ok := s.cfg.Severity(f.Rule); ok {
				f.Severity = sev
			}
		}
		if w, ok := inline[f.Rule]; ok {
			f.Suppressed = w
		} else if s.cfg != nil {
			if w := s.cfg.Waive(f); w != nil && !w.Expired(s.now) {
				f.Suppressed = &finding.Suppression{Kind: "config", Reason: w.Reason, File: w.Pos.File, Line: w.Pos.Line}
			}
		}
		out = append(out, f)
	}
	for _, b := range bad {
		if len(s.only) == 0 || slices.Contains(s.only, b.Rule) {
			out = append(out, b)
		}
	}
	return out
}

// inlineWaivers reads the object's mljob.dev/waive.RULE annotations.
// Waivers without a reason or for unknown rules are findings themselves.
func (s settler) inlineWaivers(doc *manifest.Document) (map[string]*finding.Suppression, []finding.Finding) {
	var meta struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if json.Unmarshal(doc.JSON, &meta) != nil {
		return nil, nil
	}
	var keys []string
	for k := range meta.Metadata.Annotations {
		if strings.HasPrefix(k, WaiveAnnotation) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	waivers := map[string]*finding.Suppression{}
	var bad []finding.Finding
	for _, k := range keys {
		rule := strings.TrimPrefix(k, WaiveAnnotation)
		reason := strings.TrimSpace(meta.Metadata.Annotations[k])
		path := fmt.Sprintf("metadata.annotations[%s]", k)
		pos := doc.PosOf(path)
		switch _, known := rules.Get(rule); {
		case !known:
			bad = append(bad, finding.Finding{Rule: ruleInvalidWaiver, Severity: finding.Error, Path: path,
				Message: fmt.Sprintf("annotation %s waives unknown rule %q", k, rule)})
		case reason == "":
			bad = append(bad, finding.Finding{Rule: ruleInvalidWaiver, Severity: finding.Error, Path: path,
				Message: fmt.Sprintf("annotation %s gives no reason; its value must say why the rule does not apply", k)})
		default:
			waivers[rule] = &finding.Suppression{Kind: "inline", Reason: reason, File: pos.File, Line: pos.Line}
		}
	}
	return waivers, bad
}

// expiredWaivers reports each waiver of the configuration whose date has
// passed, at the line it is written on.
func (s settler) expiredWaivers() []finding.Finding {
	if s.cfg == nil {
		return nil
	}
	var out []finding.Finding
	for i, w := range s.cfg.Waivers {
		if !w.Expired(s.now) {
			continue
		}
		f := finding.Finding{
			Rule:     ruleWaiverExpired,
			Severity: finding.Error,
			Message:  fmt.Sprintf("the waiver of %s expired on %s (reason was: %s)", w.Rule, w.Expires, w.Reason),
			Path:     fmt.Sprintf("waivers[%d]", i),
		}
		f.Pos = w.Pos
		out = append(out, f)
	}
	return out
}
