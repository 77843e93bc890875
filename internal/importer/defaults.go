package importer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// withDefaults returns orig with the profile's defaults (as gen, the
// imported workload rendered, has them) where orig leaves the field to
// the API server: pinning "none" in overrides would keep the profile's
// defaults from ever applying. The notes say which.
func withDefaults(orig, gen runtime.Object) (runtime.Object, []string) {
	t := orig.DeepCopyObject()
	var notes []string
	note := func(path string, v any) {
		b, _ := json.Marshal(v)
		notes = append(notes, fmt.Sprintf("%s: none was set; the profile's default %s applies", path, b))
	}
	switch o := t.(type) {
	case *batchv1.Job:
		g := gen.(*batchv1.Job)
		notes = append(notes, fillJobSpec(&o.Spec, &g.Spec, "spec", note)...)
	case *batchv1.CronJob:
		g := gen.(*batchv1.CronJob)
		s, gs := &o.Spec, &g.Spec
		if s.ConcurrencyPolicy == "" {
			s.ConcurrencyPolicy = gs.ConcurrencyPolicy
			note("spec.concurrencyPolicy", s.ConcurrencyPolicy)
		}
		fill(&s.StartingDeadlineSeconds, gs.StartingDeadlineSeconds, "spec.startingDeadlineSeconds", note)
		fill(&s.SuccessfulJobsHistoryLimit, gs.SuccessfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit", note)
		fill(&s.FailedJobsHistoryLimit, gs.FailedJobsHistoryLimit, "spec.failedJobsHistoryLimit", note)
		notes = append(notes, fillJobSpec(&s.JobTemplate.Spec, &gs.JobTemplate.Spec, "spec.jobTemplate.spec", note)...)
	}
	return t, notes
}

func fill[T any](dst **T, v *T, path string, note func(string, any)) {
	if *dst == nil && v != nil {
		c := *v
		*dst = &c
		note(path, c)
	}
}

func fillJobSpec(s, g *batchv1.JobSpec, path string, note func(string, any)) (notes []string) {
	if s.BackoffLimit == nil && s.BackoffLimitPerIndex == nil {
		fill(&s.BackoffLimit, g.BackoffLimit, path+".backoffLimit", note)
		fill(&s.BackoffLimitPerIndex, g.BackoffLimitPerIndex, path+".backoffLimitPerIndex", note)
	}
	fill(&s.ActiveDeadlineSeconds, g.ActiveDeadlineSeconds, path+".activeDeadlineSeconds", note)
	fill(&s.TTLSecondsAfterFinished, g.TTLSecondsAfterFinished, path+".ttlSecondsAfterFinished", note)
	pod, gpod := &s.Template.Spec, &g.Template.Spec
	if len(pod.ImagePullSecrets) == 0 && len(gpod.ImagePullSecrets) > 0 {
		pod.ImagePullSecrets = gpod.ImagePullSecrets
		note(path+".template.spec.imagePullSecrets", pod.ImagePullSecrets)
	}
	if len(gpod.Containers) == 0 {
		return nil
	}
	gc := gpod.Containers[0]
	for i := range pod.Containers {
		c := &pod.Containers[i]
		if c.Name != gc.Name {
			continue
		}
		cp := fmt.Sprintf("%s.template.spec.containers[%d].resources", path, i)
		// No limit (and no request) for cpu or memory: the profile's
		// request, and mljob's limit equal to the request.
		for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, hasLim := c.Resources.Limits[n]; hasLim {
				continue
			}
			if _, hasReq := c.Resources.Requests[n]; !hasReq {
				if q, ok := gc.Resources.Requests[n]; ok {
					if c.Resources.Requests == nil {
						c.Resources.Requests = corev1.ResourceList{}
					}
					c.Resources.Requests[n] = q.DeepCopy()
					note(cp+".requests["+string(n)+"]", q.String())
				}
			}
			if q, ok := gc.Resources.Limits[n]; ok {
				if c.Resources.Limits == nil {
					c.Resources.Limits = corev1.ResourceList{}
				}
				c.Resources.Limits[n] = q.DeepCopy()
				notes = append(notes, fmt.Sprintf("%s.limits[%s]: none was set; mljob's default applies: the request, %s", cp, n, q.String()))
			}
		}
	}
	return notes
}

// candidate is a possible `overrides` and the paths it sets.
type candidate struct {
	patch json.RawMessage
	paths []string
}

// candidates are the overrides that may turn gen into target, best
// first: the patch between the two after the API server's defaulting (the
// smallest) with every value the original does not write taken out (the
// API server will default it again), then the patch between the objects
// as written (exact). $setElementOrder directives come only last: they
// are noise unless the order of a merged list is all that differs.
func candidates(gen, target runtime.Object) []candidate {
	var out []candidate
	written, _ := toMap(target)
	for _, withOrder := range []bool{false, true} {
		for _, defaulted := range []bool{true, false} {
			patch, err := diffPatch(gen, target, defaulted)
			if err != nil {
				continue
			}
			var m map[string]any
			if json.Unmarshal(patch, &m) != nil {
				continue
			}
			if !withOrder {
				stripOrder(m)
			}
			if defaulted {
				pruned := deepCopy(m).(map[string]any)
				prune(pruned, written)
				out = append(out, newCandidate(pruned))
			}
			out = append(out, newCandidate(m))
		}
	}
	return out
}

func newCandidate(m map[string]any) candidate {
	var paths []string
	collectPaths(m, "", &paths)
	sort.Strings(paths)
	b, _ := json.Marshal(m)
	return candidate{patch: b, paths: paths}
}

// diffPatch returns the strategic merge patch that turns the generated
// object into the target, both in canonical form (defaulted) or as
// written.
func diffPatch(gen, target runtime.Object, defaulted bool) (json.RawMessage, error) {
	var ja, jb []byte
	if defaulted {
		a, err := Canonical(gen)
		if err != nil {
			return nil, err
		}
		b, err := Canonical(target)
		if err != nil {
			return nil, err
		}
		ja, _ = json.Marshal(a)
		jb, _ = json.Marshal(b)
	} else {
		ja, _ = json.Marshal(withoutMLJobLabels(gen))
		jb, _ = json.Marshal(target)
	}
	var schema any = &batchv1.Job{}
	if _, ok := target.(*batchv1.CronJob); ok {
		schema = &batchv1.CronJob{}
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(ja, jb, schema)
	if err != nil {
		return nil, fmt.Errorf("compute overrides: %w", err)
	}
	return patch, nil
}

// prune takes out of patch every value that written (the object as its
// author wrote it) does not have: values the API server's defaulting
// added (imagePullPolicy, terminationMessagePath, ...), which it will add
// again. Deletions (null) stay. Items of merged lists are matched by
// name, others by position.
func prune(patch, written map[string]any) {
	for k, v := range patch {
		if strings.HasPrefix(k, "$") {
			continue
		}
		wv, ok := written[k]
		if !ok {
			if v != nil {
				delete(patch, k)
			}
			continue
		}
		switch pv := v.(type) {
		case map[string]any:
			if k == "resources" && len(pv) == 0 {
				// Go writes an empty ResourceRequirements as {}: it says
				// nothing (unlike emptyDir: {}).
				delete(patch, k)
				continue
			}
			if wm, ok := wv.(map[string]any); ok && len(pv) > 0 {
				prune(pv, wm)
				if len(pv) == 0 {
					delete(patch, k) // only defaults were in it
				}
			}
		case []any:
			wl, _ := wv.([]any)
			for i, item := range pv {
				im, ok := item.(map[string]any)
				if !ok {
					continue
				}
				if wi := matchItem(wl, im, i); wi != nil {
					prune(im, wi)
				}
			}
		}
	}
}

// matchItem finds the item of list that item patches: the one of the same
// name, else the one at its position.
func matchItem(list []any, item map[string]any, i int) map[string]any {
	if name, ok := item["name"]; ok {
		for _, x := range list {
			if m, ok := x.(map[string]any); ok && m["name"] == name {
				return m
			}
		}
		return nil
	}
	if i < len(list) {
		m, _ := list[i].(map[string]any)
		return m
	}
	return nil
}

// stripOrder drops the $setElementOrder directives of a patch.
func stripOrder(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if strings.HasPrefix(k, "$setElementOrder/") {
				delete(t, k)
				continue
			}
			stripOrder(e)
		}
	case []any:
		for _, e := range t {
			stripOrder(e)
		}
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

func collectPaths(v any, prefix string, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		if prefix != "" {
			*out = append(*out, prefix)
		}
		return
	}
	for k, e := range m {
		if strings.HasPrefix(k, "$") {
			continue
		}
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		collectPaths(e, p, out)
	}
}
