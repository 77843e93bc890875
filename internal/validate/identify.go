package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/kube"
	"github.com/mljob/mljob/internal/manifest"
)

// Identity is what a document is to mljob.
type Identity int

const (
	// NotObject: no apiVersion and kind at all (a values file, a list of
	// strings): not a Kubernetes object, not counted.
	NotObject Identity = iota
	// Other: clearly another kind (a Deployment, a Service, a CRD's
	// object), counted and skipped.
	Other
	// Batch: a Job or a CronJob of the batch group, checked.
	Batch
	// Mistaken: meant to be a Job or a CronJob, but its kind or
	// apiVersion is wrong, missing or misspelt (kind: job, apiVersion:
	// Batch/v1, v1 with kind Job, a key written Kind). kubectl or the API
	// server refuse it; mljob reports why (Problems) instead of skipping
	// it, because every other mistake in it would go unreported too.
	Mistaken
)

// Identify says what doc is. For a Mistaken document it returns the
// schema findings that say what is wrong, with a did-you-mean.
func Identify(doc *manifest.Document) (Identity, []finding.Finding) {
	if IsBatch(doc) {
		return Batch, nil
	}
	if doc.Typed != nil {
		return Other, nil // a generated Service
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(doc.JSON, &top) != nil {
		return NotObject, nil
	}
	av := readHeadField(top, "apiVersion")
	kind := readHeadField(top, "kind")
	if av.str != nil && kind.str != nil {
		return identifyStrings(*av.str, *kind.str)
	}
	// A field missing, not a string, or under a key of another case: a
	// batch object only if what is there says so.
	if !batchish(av, kind) {
		if av.present() || kind.present() {
			return Other, nil
		}
		return NotObject, nil
	}
	var out []finding.Finding
	for _, f := range []struct {
		h    headField
		want string
		hint string
	}{
		{av, "apiVersion", `"batch/v1"`},
		{kind, "kind", `"Job" or "CronJob"`},
	} {
		switch {
		case f.h.variant != "":
			out = append(out, newFinding(RuleSchema, finding.Error, f.h.variant,
				"unknown field %q; did you mean %q? (field names are case-sensitive)", f.h.variant, f.want))
		case f.h.raw == nil:
			out = append(out, newFinding(RuleSchema, finding.Error, f.want,
				"%s is missing: a Job or CronJob needs %s: %s", f.want, f.want, f.hint))
		case f.h.str == nil:
			out = append(out, newFinding(RuleSchema, finding.Error, f.want,
				"%s must be a string such as %s, not %s", f.want, f.hint, jsonKind(f.h.raw)))
		}
	}
	if av.str != nil {
		if id, fs := identifyStrings(*av.str, "Job"); id == Mistaken {
			out = append(out, fs...)
		}
	}
	if kind.str != nil {
		if id, fs := identifyStrings("batch/v1", *kind.str); id == Mistaken {
			out = append(out, fs...)
		}
	}
	return Mistaken, out
}

// identifyStrings classifies a document whose apiVersion and kind are
// strings.
// IdentifyHead is Identify for a document whose apiVersion and kind are
// both strings: what they say it is.
func IdentifyHead(apiVersion, kind string) Identity {
	id, _ := identifyStrings(apiVersion, kind)
	return id
}

func identifyStrings(av, kind string) (Identity, []finding.Finding) {
	if kube.IsBatch(av, kind) {
		return Batch, nil
	}
	gv, err := schema.ParseGroupVersion(av)
	group := gv.Group
	if err != nil {
		group, _, _ = strings.Cut(av, "/")
	}
	wantKind, kindNear := nearBatchKind(kind)
	batchGroup := strings.EqualFold(strings.TrimSpace(group), "batch") || strings.EqualFold(strings.TrimSpace(av), "batch")
	switch {
	case av == "" && kindNear:
		return Mistaken, []finding.Finding{newFinding(RuleSchema, finding.Error, "apiVersion",
			"apiVersion is empty; a %s needs apiVersion \"batch/v1\"", wantKind)}
	case kind == "" && batchGroup:
		return Mistaken, []finding.Finding{newFinding(RuleSchema, finding.Error, "kind",
			"kind is empty; did you mean \"Job\" or \"CronJob\"?")}
	case batchGroup && (err != nil || group != "batch"):
		return Mistaken, []finding.Finding{newFinding(RuleSchema, finding.Error, "apiVersion",
			"apiVersion %q is not a served group/version; did you mean \"batch/v1\"?", av)}
	case group == "batch" && kindNear:
		return Mistaken, []finding.Finding{newFinding(RuleSchema, finding.Error, "kind",
			"no kind %q in %s (kinds are case-sensitive); did you mean %q?", kind, av, wantKind)}
	case group == "batch":
		return Mistaken, []finding.Finding{newFinding(RuleSchema, finding.Error, "kind",
			"no kind %q in %s: the batch group has Job and CronJob", kind, av)}
	case kindNear && !strings.Contains(group, "."):
		// Job or CronJob in a built-in group other than batch (v1,
		// apps/v1): the kind is right, the group wrong. Kinds of the
		// same name in other API groups (batch.volcano.sh Job) are
		// other kinds.
		msg := fmt.Sprintf("%s is not in %s; did you mean apiVersion \"batch/v1\"?", wantKind, av)
		if kind != wantKind {
			msg = fmt.Sprintf("no kind %q in %s; did you mean apiVersion \"batch/v1\" and kind %q?", kind, av, wantKind)
		}
		return Mistaken, []finding.Finding{newFinding(RuleSchema, finding.Error, "apiVersion", "%s", msg)}
	}
	return Other, nil
}

// nearBatchKind reports whether kind is Job or CronJob up to case, a
// plural or one typo, and which.
func nearBatchKind(kind string) (string, bool) {
	k := strings.ToLower(strings.TrimSpace(kind))
	for _, want := range []string{"CronJob", "Job"} {
		w := strings.ToLower(want)
		if k == w || k == w+"s" || len(k) > 3 && editDistance(k, w) <= 1 {
			return want, true
		}
	}
	return "", false
}

// headField is apiVersion or kind as written: under its key (raw, and
// str when a string) or under a key of another case (variant).
type headField struct {
	raw     json.RawMessage
	str     *string
	variant string
}

func (h headField) present() bool { return h.raw != nil }

func readHeadField(top map[string]json.RawMessage, key string) headField {
	var h headField
	raw, ok := top[key]
	if !ok {
		var keys []string
		for k := range top {
			if k != key && strings.EqualFold(k, key) {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return h
		}
		sort.Strings(keys)
		h.variant = keys[0]
		raw = top[keys[0]]
	}
	h.raw = raw
	// A value under a key of another case is not the field: only its
	// content (batchish) says what the document is meant to be.
	var s string
	if h.variant == "" && json.Unmarshal(raw, &s) == nil {
		h.str = &s
	}
	return h
}

// batchish reports whether what apiVersion and kind hold (under any key
// case) says the document is meant to be a Job or CronJob.
func batchish(av, kind headField) bool {
	var s string
	if kind.raw != nil && json.Unmarshal(kind.raw, &s) == nil {
		if _, ok := nearBatchKind(s); ok {
			return true
		}
	}
	if av.raw != nil && json.Unmarshal(av.raw, &s) == nil {
		g, _, _ := strings.Cut(s, "/")
		if strings.EqualFold(strings.TrimSpace(g), "batch") {
			return true
		}
	}
	return false
}

// jsonKind names the JSON type of a value for a message.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return fmt.Sprintf("the boolean %s (YAML reads yes, no, on and off as booleans: quote the value)", raw)
	case 'n':
		return "null"
	}
	return "the number " + string(raw)
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// identityCheck reports why a Mistaken document is not the Job or CronJob
// it was meant to be. The other checks skip such documents, as the API
// server answers them with this one error and nothing else.
type identityCheck struct{}

func (identityCheck) Name() string { return RuleSchema }

func (identityCheck) Check(doc *manifest.Document) []finding.Finding {
	if id, fs := Identify(doc); id == Mistaken {
		return fs
	}
	return nil
}
