package pipeline

import (
	"regexp"
	"slices"
	"strings"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/rules"
)

// oneCause leaves one finding per root cause among one object's
// findings (settled: severities and waivers applied). The API server's
// checks and the rule pack look at the same fields, so one mistake can
// be reported by both:
//
//   - the same field, by several findings (restartPolicy Always is
//     api-validation's "Required value" and restart-policy's; an empty
//     name is both "name or generateName is required" and an invalid
//     pod hostname): one finding is kept, the messages of one rule
//     joined (unless they name different resources of one map);
//   - a field and the map the API server reports it under (a GPU
//     request that differs from its limit is api-validation's on
//     resources.requests, gpu-limits' on resources.requests[nvidia.com/gpu]),
//     or a request and the limits map it lacks (resources.limits: Limit
//     must be set for non overcommitable resources, and gpu-limits'
//     request without a limit);
//   - the labels the API server derives from the object's name (the
//     pod template's job-name label), refused because the name is.
//
// Of a Go check's finding and a rule pack's, the one kept is the one
// no waiver covers, then the more severe, then the Go check's (its
// message is the API server's); it takes the rule pack's fix, which
// says what to do in the user's terms.
func oneCause(fs []finding.Finding, name string, set *rules.Set) []finding.Finding {
	if len(fs) < 2 {
		return fs
	}
	dropped := make([]bool, len(fs))
	// A Go check and a rule pack rule on one field.
	for i := range fs {
		for j := range fs {
			if dropped[i] || dropped[j] || !rules.IsGo(fs[i].Rule) || rules.IsGo(fs[j].Rule) {
				continue
			}
			api, pack := fs[i], fs[j]
			if !sameField(api, pack) {
				continue
			}
			fix := ""
			if m, ok := set.Get(pack.Rule); ok {
				fix = m.Remediation
			}
			if pack.Fix != "" {
				fix = pack.Fix
			}
			if better(pack, api) {
				dropped[i] = true
				continue
			}
			fs[i].Fix = fix
			dropped[j] = true
		}
	}
	// The same rule on the same field: one finding.
	for i := range fs {
		for j := i + 1; j < len(fs); j++ {
			if dropped[i] || dropped[j] || fs[i].Rule != fs[j].Rule || fs[i].Path != fs[j].Path || fs[i].Path == "" ||
				!sameResources(fs[i].Message, fs[j].Message) {
				continue
			}
			keep, drop := i, j
			if better(fs[j], fs[i]) {
				keep, drop = j, i
			}
			if !strings.Contains(fs[keep].Message, fs[drop].Message) {
				fs[keep].Message = joinMessages(fs[keep].Message, fs[drop].Message)
			}
			if fs[keep].Fix == "" {
				fs[keep].Fix = fs[drop].Fix
			}
			dropped[drop] = true
		}
	}
	// Labels derived from a name the API server refuses already.
	nameAt := -1
	for i, f := range fs {
		if !dropped[i] && f.Path == "metadata.name" && rules.IsGo(f.Rule) {
			nameAt = i
		}
	}
	if nameAt >= 0 && name != "" {
		for i, f := range fs {
			if !dropped[i] && i != nameAt && rules.IsGo(f.Rule) && strings.HasSuffix(f.Path, ".labels") &&
				strings.Contains(f.Message, `Invalid value: "`+name+`"`) {
				dropped[i] = true
				fs[nameAt].Also = append(fs[nameAt].Also, f.Path)
			}
		}
	}
	out := fs[:0]
	for i, f := range fs {
		if !dropped[i] {
			out = append(out, f)
		}
	}
	return out
}

// better reports whether a should be kept rather than b (b wins ties):
// a finding that counts over a waived one, then the more severe.
func better(a, b finding.Finding) bool {
	if (a.Suppressed == nil) != (b.Suppressed == nil) {
		return a.Suppressed == nil
	}
	return a.Severity > b.Severity
}

// joinMessages joins two messages about one field, a missing value
// first (what else is wrong follows from it).
func joinMessages(a, b string) string {
	if strings.Contains(b, "Required value") && !strings.Contains(a, "Required value") {
		a, b = b, a
	}
	// Both messages of the API server name the field: say it once.
	if field, _, ok := strings.Cut(a, ": "); ok && strings.HasPrefix(b, field+": ") {
		b = strings.TrimPrefix(b, field+": ")
	}
	return a + "; " + b
}

// sameField reports whether an API server finding and a rule pack
// finding are about one field: the same path, or the API server's is
// the map the rule pack's field is in (resources.requests and
// resources.requests[nvidia.com/gpu]) or the limits a request lacks. A
// message that names another resource of the map is about that one.
func sameField(api, pack finding.Finding) bool {
	a, p := api.Path, pack.Path
	if a == "" || p == "" {
		return false
	}
	if a == p {
		return true
	}
	parent, key, ok := splitKey(p)
	if !ok {
		return false
	}
	if a != parent && !(strings.HasSuffix(parent, ".resources.requests") && a == strings.TrimSuffix(parent, "requests")+"limits") {
		return false
	}
	for _, named := range resourceName.FindAllString(api.Message, -1) {
		if named != key {
			return false
		}
	}
	return true
}

// sameResources reports whether two messages name the same resources,
// or one names none: two resources of one map (a cpu request over its
// limit, a GPU request unlike its limit) are two mistakes.
func sameResources(a, b string) bool {
	ra, rb := resourceName.FindAllString(a, -1), resourceName.FindAllString(b, -1)
	if len(ra) == 0 || len(rb) == 0 {
		return true
	}
	return slices.Equal(slices.Compact(slices.Sorted(slices.Values(ra))), slices.Compact(slices.Sorted(slices.Values(rb))))
}

// splitKey splits "x.y[key]" into "x.y" and "key".
func splitKey(path string) (parent, key string, ok bool) {
	if !strings.HasSuffix(path, "]") {
		return "", "", false
	}
	i := strings.LastIndex(path, "[")
	if i < 0 {
		return "", "", false
	}
	return path[:i], path[i+1 : len(path)-1], true
}

// resourceName matches the resource names a message of the API server
// may name: the standard ones and extended resources (domain/name).
var resourceName = regexp.MustCompile(`\b(cpu|memory|ephemeral-storage|hugepages-[0-9A-Za-z]+|[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.[a-z]+/[-a-zA-Z0-9_.]+)\b`)
