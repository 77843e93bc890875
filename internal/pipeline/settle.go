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
	ruleWaiverExpired = rules.WaiverExpired
	ruleInvalidWaiver = rules.InvalidWaiver
	rulePolicyError   = rules.PolicyError
	ruleInternalError = rules.InternalError
)

// settler applies the configuration to one document's findings: disabled
// rules, severities and waivers.
type settler struct {
	cfg  *config.Config // nil: no configuration
	now  time.Time
	only []string
	// rules are the run's rules, which inline waivers may name (nil: the
	// built-in ones).
	rules *rules.Set
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
		if w, ok := inline[f.Rule]; ok && f.Rule != rulePolicyError {
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
		known := rules.Builtin().Has(rule)
		if s.rules != nil {
			known = s.rules.Has(rule)
		}
		switch {
		case !known:
			bad = append(bad, finding.Finding{Rule: ruleInvalidWaiver, Severity: finding.Error, Path: path,
				Message: fmt.Sprintf("annotation %s waives unknown rule %q", k, rule)})
		case rule == rulePolicyError:
			// The object would decide whether a failing policy counts.
			bad = append(bad, finding.Finding{Rule: ruleInvalidWaiver, Severity: finding.Error, Path: path,
				Message: fmt.Sprintf("annotation %s: a policy that fails on an object cannot be waived by the object (a configuration waiver can)", k)})
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
