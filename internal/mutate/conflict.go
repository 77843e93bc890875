package mutate

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// A conflict combines fields that are fine alone and wrong together (or,
// for some, fields behind feature gates): it changes the Job spec js
// (spec, or a CronJob's spec.jobTemplate.spec) and the pod spec ps of a
// clone, or says it does not apply to the seed.
type conflict func(root, js, ps *Node, cron bool) bool

func set(n *Node, path, snippet string) {
	segs := splitPath(path)
	parent := n
	if len(segs) > 1 {
		parent = ensure(n, strings.Join(segs[:len(segs)-1], "."))
	}
	parent.Put(segs[len(segs)-1], MustParse(snippet))
}

func firstContainer(ps *Node) *Node {
	cs := ps.Get("containers")
	if cs == nil || cs.Kind != Seq || len(cs.Items) == 0 {
		return nil
	}
	return cs.Items[0]
}

func appendItem(n *Node, key, snippet string) {
	list := n.Get(key)
	if list == nil || list.Kind != Seq {
		list = EmptySeq()
		n.Put(key, list)
	}
	list.Items = append(list.Items, MustParse(snippet))
}

var conflicts = map[string]conflict{
	"nonindexed-with-backoff-per-index": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "NonIndexed")
		set(js, "backoffLimitPerIndex", "1")
		js.Del("maxFailedIndexes")
		return true
	},
	"max-failed-without-backoff-per-index": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "4")
		js.Del("backoffLimitPerIndex")
		set(js, "maxFailedIndexes", "1")
		return true
	},
	"max-failed-above-completions": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "2")
		set(js, "backoffLimitPerIndex", "1")
		set(js, "maxFailedIndexes", "5")
		return true
	},
	"success-policy-nonindexed": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "NonIndexed")
		js.Del("backoffLimitPerIndex")
		js.Del("maxFailedIndexes")
		set(js, "successPolicy", "{rules: [{succeededCount: 1}]}")
		return true
	},
	// An Indexed Job without completions takes its completions from
	// parallelism; a successPolicy then has nothing to check against.
	"success-policy-without-completions": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "parallelism", "2")
		js.Del("completions")
		set(js, "successPolicy", `{rules: [{succeededIndexes: "0"}]}`)
		return true
	},
	"success-policy-index-out-of-range": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "3")
		set(js, "successPolicy", `{rules: [{succeededIndexes: "5-7"}]}`)
		return true
	},
	"success-policy-count-above-completions": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "3")
		set(js, "successPolicy", `{rules: [{succeededCount: 5}]}`)
		return true
	},
	"success-policy-empty-rule": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "3")
		set(js, "successPolicy", `{rules: [{}]}`)
		return true
	},
	"pod-failure-policy-with-onfailure": func(_, js, ps *Node, _ bool) bool {
		set(js, "podFailurePolicy", "{rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}")
		set(ps, "restartPolicy", "OnFailure")
		return true
	},
	"failindex-without-backoff-per-index": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "4")
		js.Del("backoffLimitPerIndex")
		js.Del("maxFailedIndexes")
		set(js, "podFailurePolicy", "{rules: [{action: FailIndex, onExitCodes: {operator: In, values: [3]}}]}")
		return true
	},
	"replacement-terminating-with-pod-failure-policy": func(_, js, ps *Node, _ bool) bool {
		set(js, "podReplacementPolicy", "TerminatingOrFailed")
		set(js, "podFailurePolicy", "{rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}")
		set(ps, "restartPolicy", "Never")
		return true
	},
	"replacement-failed-without-pod-failure-policy": func(_, js, _ *Node, _ bool) bool {
		set(js, "podReplacementPolicy", "Failed")
		js.Del("podFailurePolicy")
		return true
	},
	"manual-selector-without-selector": func(_, js, _ *Node, _ bool) bool {
		set(js, "manualSelector", "true")
		js.Del("selector")
		return true
	},
	"selector-without-manual-selector": func(_, js, _ *Node, _ bool) bool {
		js.Del("manualSelector")
		set(js, "selector", "{matchLabels: {app: other}}")
		return true
	},
	"selector-not-matching-template": func(_, js, _ *Node, _ bool) bool {
		set(js, "manualSelector", "true")
		set(js, "selector", "{matchLabels: {app: other}}")
		return true
	},
	"indexed-without-completions": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		js.Del("completions")
		js.Del("successPolicy")
		return true
	},
	"backoff-per-index-too-many-completions": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "100001")
		set(js, "parallelism", "10")
		set(js, "backoffLimitPerIndex", "1")
		return true
	},
	"managed-by-multikueue": func(_, js, _ *Node, _ bool) bool {
		set(js, "managedBy", "kueue.x-k8s.io/multikueue")
		return true
	},
	"managed-by-not-a-domain": func(_, js, _ *Node, _ bool) bool {
		set(js, "managedBy", `"Foo Bar"`)
		return true
	},
	"managed-by-too-long": func(_, js, _ *Node, _ bool) bool {
		set(js, "managedBy", "example.com/"+strings.Repeat("m", 70))
		return true
	},
	"pod-restart-always": func(_, _, ps *Node, _ bool) bool {
		set(ps, "restartPolicy", "Always")
		return true
	},
	"sidecar-with-startup-probe": func(_, _, ps *Node, _ bool) bool {
		appendItem(ps, "initContainers", `{name: sidecar-x, image: busybox, restartPolicy: Always, startupProbe: {exec: {command: ["true"]}}}`)
		return true
	},
	"init-container-restart-onfailure": func(_, _, ps *Node, _ bool) bool {
		appendItem(ps, "initContainers", `{name: init-x, image: busybox, restartPolicy: OnFailure}`)
		return true
	},
	"init-container-with-probe": func(_, _, ps *Node, _ bool) bool {
		appendItem(ps, "initContainers", `{name: init-x, image: busybox, readinessProbe: {exec: {command: ["true"]}}}`)
		return true
	},
	"container-restart-always": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		set(c, "restartPolicy", "Always")
		return true
	},
	"stop-signal": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		set(c, "lifecycle.stopSignal", "SIGUSR1")
		set(ps, "os", "{name: linux}")
		return true
	},
	"host-users-false": func(_, _, ps *Node, _ bool) bool {
		set(ps, "hostUsers", "false")
		return true
	},
	"pod-level-resources": func(_, _, ps *Node, _ bool) bool {
		set(ps, "resources", `{limits: {cpu: "4", memory: 8Gi}}`)
		return true
	},
	"resize-policy": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		set(c, "resizePolicy", "[{resourceName: cpu, restartPolicy: NotRequired}]")
		return true
	},
	"image-volume": func(_, _, ps *Node, _ bool) bool {
		appendItem(ps, "volumes", `{name: model-weights, image: {reference: "ghcr.io/acme/weights:1", pullPolicy: IfNotPresent}}`)
		return true
	},
	"requests-above-limits": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		set(c, "resources", `{requests: {cpu: "2"}, limits: {cpu: "1"}}`)
		return true
	},
	"duplicate-container-names": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		ps.Get("containers").Items = append(ps.Get("containers").Items, c.Clone())
		return true
	},
	"duplicate-volume-names": func(_, _, ps *Node, _ bool) bool {
		appendItem(ps, "volumes", `{name: twice, emptyDir: {}}`)
		appendItem(ps, "volumes", `{name: twice, emptyDir: {}}`)
		return true
	},
	"mount-of-missing-volume": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		appendItem(c, "volumeMounts", `{name: missing, mountPath: /missing}`)
		return true
	},
	"cronjob-name-53": func(root, _, _ *Node, cron bool) bool {
		if !cron {
			return false
		}
		set(root, "metadata.name", strings.Repeat("n", 53))
		return true
	},
	"cronjob-tz-in-schedule-and-timezone": func(root, _, _ *Node, cron bool) bool {
		if !cron {
			return false
		}
		set(root, "spec.schedule", `"TZ=UTC 0 * * * *"`)
		set(root, "spec.timeZone", "UTC")
		return true
	},
	"suspend-with-deadline": func(_, js, _ *Node, _ bool) bool {
		set(js, "suspend", "true")
		set(js, "activeDeadlineSeconds", "10")
		return true
	},
	"no-name-nor-generate-name": func(root, _, _ *Node, _ bool) bool {
		md := root.Get("metadata")
		if md == nil {
			return false
		}
		md.Del("name")
		md.Del("generateName")
		return true
	},
	"exit-code-zero-with-in": func(_, js, ps *Node, _ bool) bool {
		set(js, "podFailurePolicy", "{rules: [{action: FailJob, onExitCodes: {operator: In, values: [0, 1]}}]}")
		set(ps, "restartPolicy", "Never")
		return true
	},
	"exit-codes-and-conditions-in-one-rule": func(_, js, ps *Node, _ bool) bool {
		set(js, "podFailurePolicy", "{rules: [{action: FailJob, onExitCodes: {operator: In, values: [1]}, onPodConditions: [{type: DisruptionTarget}]}]}")
		set(ps, "restartPolicy", "Never")
		return true
	},
	"exit-codes-unsorted": func(_, js, ps *Node, _ bool) bool {
		set(js, "podFailurePolicy", "{rules: [{action: FailJob, onExitCodes: {operator: In, values: [3, 1, 2]}}]}")
		set(ps, "restartPolicy", "Never")
		return true
	},
	"exit-codes-unknown-container": func(_, js, ps *Node, _ bool) bool {
		set(js, "podFailurePolicy", "{rules: [{action: FailJob, onExitCodes: {containerName: nobody, operator: In, values: [1]}}]}")
		set(ps, "restartPolicy", "Never")
		return true
	},
	"backoff-limit-with-backoff-per-index": func(_, js, _ *Node, _ bool) bool {
		set(js, "completionMode", "Indexed")
		set(js, "completions", "4")
		set(js, "backoffLimit", "3")
		set(js, "backoffLimitPerIndex", "1")
		return true
	},
	"parallelism-zero": func(_, js, _ *Node, _ bool) bool {
		set(js, "parallelism", "0")
		return true
	},
	"env-both-value-and-value-from": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		appendItem(c, "env", `{name: BOTH, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}`)
		return true
	},
	"template-labels-with-job-name": func(_, js, _ *Node, _ bool) bool {
		set(js, "template.metadata.labels", `{batch.kubernetes.io/job-name: someone-else}`)
		return true
	},
	"host-network-with-ports": func(_, _, ps *Node, _ bool) bool {
		c := firstContainer(ps)
		if c == nil {
			return false
		}
		set(ps, "hostNetwork", "true")
		set(c, "ports", "[{containerPort: 8080, hostPort: 9090}]")
		return true
	},
}

// conflict applies k random conflicts to the seed, and each conflict to
// the one seed it is pinned to (rendezvous hashing of names), so that
// every conflict is tried even when the random picks miss it.
// Kind typos and statuses are chosen the same way.
func (g *gen) conflict(k int) {
	cron := g.isCron()
	for _, n := range g.pickPinned(slices.Sorted(maps.Keys(conflicts)), k) {
		f := conflicts[n]
		g.emit("conflict", n, func(root *Node) bool {
			js := at(root, g.jobPrefix())
			if js == nil || js.Kind != Map {
				return false
			}
			ps := ensure(js, "template.spec")
			return f(root, js, ps, cron)
		})
	}
}

// pickPinned picks k of names at random, plus those pinned to this
// seed, sorted.
func (g *gen) pickPinned(names []string, k int) []string {
	chosen := map[string]bool{}
	for _, n := range pick(g.r, names, k) {
		chosen[n] = true
	}
	for _, n := range names {
		if g.pinned(n) {
			chosen[n] = true
		}
	}
	var list []string
	for n := range chosen {
		list = append(list, n)
	}
	sort.Strings(list)
	return list
}

// pinned reports whether conflict name is pinned to this seed: the seed
// whose name hashes highest with it.
func (g *gen) pinned(name string) bool {
	best, bestHash := "", uint64(0)
	for _, s := range g.names {
		if strings.HasPrefix(name, "cronjob-") && !g.crons[s] {
			continue
		}
		if h := hash(s + "\x00" + name); best == "" || h > bestHash {
			best, bestHash = s, h
		}
	}
	return best == g.seed.Name
}
