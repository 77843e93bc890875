package mutate

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Seed is a manifest to mutate: one Job or CronJob.
type Seed struct {
	Name string
	Root *Node
}

// Mutant is one mutated document.
type Mutant struct {
	Seed string
	// ID names the mutation, unique within the seed and stable as long as
	// the seed and this package do not change: "CLASS/DETAIL".
	ID    string
	Class string
	Doc   []byte
}

// Key is the mutant's stable name: seed and mutation id.
func (m Mutant) Key() string { return m.Seed + " " + m.ID }

// Classes are the mutation classes, in the order they are applied.
var Classes = []string{
	"delete-field", "change-type", "number-range", "break-name", "break-label",
	"key-case", "duplicate-key", "quantity", "cron", "kind-typo", "status",
	"conflict", "enum", "unknown-field", "yaml11", "null-empty",
}

// Generate makes the mutants of every seed. Each seed has a random
// source of its own, seeded from rngSeed and its name, so adding a seed
// leaves the others' mutants as they were.
func Generate(seeds []Seed, rngSeed uint64) []Mutant {
	seeds = append([]Seed(nil), seeds...)
	sort.Slice(seeds, func(i, j int) bool { return seeds[i].Name < seeds[j].Name })
	var out []Mutant
	for _, s := range seeds {
		g := &gen{
			seed:  s,
			r:     rand.New(rand.NewPCG(rngSeed, hash(s.Name))),
			names: names(seeds),
			crons: crons(seeds),
			seen:  map[string]bool{},
		}
		g.all()
		out = append(out, g.out...)
	}
	return out
}

func names(seeds []Seed) []string {
	var n []string
	for _, s := range seeds {
		n = append(n, s.Name)
	}
	return n
}

func crons(seeds []Seed) map[string]bool {
	m := map[string]bool{}
	for _, s := range seeds {
		m[s.Name] = s.Root.Get("kind").Text() == "CronJob"
	}
	return m
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

type gen struct {
	seed  Seed
	r     *rand.Rand
	names []string
	crons map[string]bool
	seen  map[string]bool
	out   []Mutant
}

// emit clones the seed, lets f change the clone (false: not applicable)
// and records the mutant under class/detail, once.
func (g *gen) emit(class, detail string, f func(root *Node) bool) {
	id := class + "/" + detail
	if g.seen[id] {
		return
	}
	root := g.seed.Root.Clone()
	if !f(root) {
		return
	}
	g.seen[id] = true
	g.out = append(g.out, Mutant{Seed: g.seed.Name, ID: id, Class: class, Doc: root.YAML()})
}

// pick returns up to k of the candidates, chosen at random.
func pick[T any](r *rand.Rand, cands []T, k int) []T {
	var out []T
	for _, i := range r.Perm(len(cands)) {
		if len(out) == k {
			break
		}
		out = append(out, cands[i])
	}
	return out
}

// oneOf returns a random element.
func oneOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// apply runs f on the clone's entry with the same place as e.
func applyAt(e entry, f func(c entry)) func(root *Node) bool {
	return func(root *Node) bool {
		for _, c := range entries(root) {
			if c.path == e.path && c.key == e.key {
				f(c)
				return true
			}
		}
		return false
	}
}

func (g *gen) entries(keep func(e entry) bool) []entry {
	var out []entry
	for _, e := range entries(g.seed.Root) {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func (g *gen) isCron() bool { return g.seed.Root.Get("kind").Text() == "CronJob" }

// jobPrefix is where the Job spec is: spec, or a CronJob's
// spec.jobTemplate.spec.
func (g *gen) jobPrefix() string {
	if g.isCron() {
		return "spec.jobTemplate.spec"
	}
	return "spec"
}

func (g *gen) all() {
	g.deleteField(8)
	g.changeType(8)
	g.numberRange(6)
	g.breakName(6)
	g.breakLabel(6)
	g.keyCase()
	g.duplicateKey(5)
	g.quantity(5)
	g.cron(12)
	g.kindTypo(6)
	g.status(3)
	g.conflict(6)
	g.enum(4)
	g.unknownField(4)
	g.yaml11(5)
	g.nullEmpty(4)
}

func (g *gen) deleteField(k int) {
	cands := g.entries(func(e entry) bool { return e.key != "" })
	for _, e := range pick(g.r, cands, k) {
		g.emit("delete-field", e.path, applyAt(e, entry.del))
	}
}

var (
	intRe   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	floatRe = regexp.MustCompile(`^[-+]?[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?$`)
)

// typeOf is a node's type as YAML 1.1 reads it, roughly.
func typeOf(n *Node) string {
	switch {
	case n.Kind == Map:
		return "map"
	case n.Kind == Seq:
		return "list"
	case strings.HasPrefix(n.Raw, `"`):
		return "string"
	case intRe.MatchString(n.Raw):
		return "int"
	case floatRe.MatchString(n.Raw):
		return "float"
	case n.Raw == "true" || n.Raw == "false":
		return "bool"
	case n.Raw == "" || n.Raw == "~" || n.Raw == "null":
		return "null"
	}
	return "string"
}

// ofType is a value of type t made from n where that means something
// (an int's digits as a string).
func ofType(t string, n *Node) *Node {
	switch t {
	case "string":
		if n.Kind == Scalar && n.Raw != "" {
			return Quoted(n.Text())
		}
		return Quoted("x")
	case "int":
		return Plain("7")
	case "float":
		return Plain("2.5")
	case "bool":
		return Plain("true")
	case "list":
		if n.Kind == Scalar && n.Raw != "" {
			return &Node{Kind: Seq, Items: []*Node{n.Clone()}}
		}
		return &Node{Kind: Seq, Items: []*Node{Quoted("x")}}
	case "map":
		return MustParse("{x: 1}")
	}
	return Plain("~")
}

func (g *gen) changeType(k int) {
	cands := g.entries(func(e entry) bool { return true })
	for _, e := range pick(g.r, cands, k) {
		var alts []string
		for _, t := range []string{"string", "int", "float", "bool", "list", "map"} {
			if t != typeOf(e.val()) {
				alts = append(alts, t)
			}
		}
		t := oneOf(g.r, alts)
		g.emit("change-type", e.path+"="+t, applyAt(e, func(c entry) { c.set(ofType(t, c.val())) }))
	}
}

func (g *gen) numberRange(k int) {
	cands := g.entries(func(e entry) bool { return typeOf(e.val()) == "int" })
	values := []string{"-1", "0", "2147483648", "-2147483649", "9223372036854775808", "1.5", "1e3", "100001", "1000000000"}
	for i := 0; i < k*3 && k > 0 && len(cands) > 0; i++ {
		e := oneOf(g.r, cands)
		v := oneOf(g.r, values)
		before := len(g.out)
		g.emit("number-range", e.path+"="+v, applyAt(e, func(c entry) { c.set(Plain(v)) }))
		if len(g.out) > before {
			k--
		}
	}
}

var nameKeys = map[string]bool{
	"name": true, "generateName": true, "namespace": true, "serviceAccountName": true,
	"subdomain": true, "hostname": true, "priorityClassName": true, "schedulerName": true,
	"claimName": true, "secretName": true, "runtimeClassName": true, "containerName": true,
}

var badNames = map[string]string{
	"upper":      "Bad-Name",
	"underscore": "bad_name",
	"dot":        "bad.name",
	"lead-dash":  "-bad",
	"space":      "bad name",
	"empty":      "",
	"len53":      strings.Repeat("a", 53),
	"len64":      strings.Repeat("b", 64),
	"len254":     strings.Repeat("c", 254),
}

func (g *gen) breakName(k int) {
	cands := g.entries(func(e entry) bool { return nameKeys[e.key] && e.val().Kind == Scalar })
	variants := slices.Sorted(maps.Keys(badNames))
	for i := 0; i < k*3 && k > 0 && len(cands) > 0; i++ {
		e := oneOf(g.r, cands)
		v := oneOf(g.r, variants)
		before := len(g.out)
		g.emit("break-name", e.path+"="+v, applyAt(e, func(c entry) { c.set(Quoted(badNames[v])) }))
		if len(g.out) > before {
			k--
		}
	}
}

var labelKeys = map[string]bool{"labels": true, "annotations": true, "nodeSelector": true, "matchLabels": true}

// badLabels are entries added to a label-like map: key, value.
var badLabels = map[string][2]string{
	"key-space":         {"bad key", "x"},
	"key-two-slashes":   {"a/b/c", "x"},
	"key-lead-dash":     {"-x", "x"},
	"key-empty-name":    {"example.com/", "x"},
	"key-upper-prefix":  {"Example.com/x", "x"},
	"key-long-name":     {strings.Repeat("k", 64), "x"},
	"key-long-prefix":   {strings.Repeat("p", 254) + ".io/x", "x"},
	"value-long":        {"mljob.dev/long", strings.Repeat("v", 64)},
	"value-lead-dash":   {"mljob.dev/dash", "-bad"},
	"value-space":       {"mljob.dev/space", "bad value"},
	"value-empty":       {"mljob.dev/empty", ""},
	"value-unicode":     {"mljob.dev/unicode", "ünï"},
	"key-kubernetes-io": {"kubernetes.io/x", "y"},
}

func (g *gen) breakLabel(k int) {
	cands := g.entries(func(e entry) bool { return labelKeys[e.key] && e.val().Kind == Map })
	variants := slices.Sorted(maps.Keys(badLabels))
	for i := 0; i < k*3 && k > 0 && len(cands) > 0; i++ {
		e := oneOf(g.r, cands)
		v := oneOf(g.r, variants)
		before := len(g.out)
		kv := badLabels[v]
		g.emit("break-label", e.path+"/"+v, applyAt(e, func(c entry) {
			m := c.val()
			m.Keys = append(m.Keys, Quoted(kv[0]))
			m.Vals = append(m.Vals, Quoted(kv[1]))
		}))
		if len(g.out) > before {
			k--
		}
	}
}

// keyCase renames keys: the top-level ones (Kind, apiversion, Spec) and
// a few nested ones.
func (g *gen) keyCase() {
	recase := func(e entry) []string {
		k := e.key
		var out []string
		for _, c := range []string{strings.ToUpper(k[:1]) + k[1:], strings.ToLower(k), strings.ToUpper(k)} {
			if c != k && !contains(out, c) {
				out = append(out, c)
			}
		}
		return out
	}
	top := g.entries(func(e entry) bool { return e.key != "" && !strings.ContainsAny(e.path, ".[") })
	nested := g.entries(func(e entry) bool {
		return e.key != "" && strings.ContainsAny(e.path, ".[") && !labelKeys[parentKey(e.path)]
	})
	do := func(e entry) {
		alts := recase(e)
		if len(alts) == 0 {
			return
		}
		nk := oneOf(g.r, alts)
		g.emit("key-case", e.path+"="+nk, applyAt(e, func(c entry) { c.parent.Keys[c.i] = Plain(nk) }))
	}
	for _, e := range pick(g.r, top, 2) {
		do(e)
	}
	for _, e := range pick(g.r, nested, 3) {
		do(e)
	}
}

func parentKey(path string) string {
	segs := splitPath(path)
	if len(segs) < 2 {
		return ""
	}
	return segs[len(segs)-2]
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// bad is a value of the wrong type for whatever n is.
func bad(n *Node) *Node {
	if n.Kind == Scalar {
		return &Node{Kind: Seq, Items: []*Node{Quoted("x")}}
	}
	return Quoted("x")
}

func (g *gen) duplicateKey(k int) {
	cands := g.entries(func(e entry) bool { return e.key != "" })
	for _, e := range pick(g.r, cands, k) {
		v := oneOf(g.r, []string{"same", "first-bad", "last-bad"})
		g.emit("duplicate-key", e.path+"/"+v, applyAt(e, func(c entry) {
			m := c.parent
			first, second := c.val().Clone(), c.val().Clone()
			switch v {
			case "first-bad":
				first = bad(first)
			case "last-bad":
				second = bad(second)
			}
			m.Vals[c.i] = first
			m.Keys = append(m.Keys[:c.i+1], append([]*Node{m.Keys[c.i].Clone()}, m.Keys[c.i+1:]...)...)
			m.Vals = append(m.Vals[:c.i+1], append([]*Node{second}, m.Vals[c.i+1:]...)...)
		}))
	}
}

var badQuantities = []string{
	`"1Gib"`, `"-1"`, `"1.5.5"`, `"abc"`, `"1 Gi"`, `"+1"`, `1e3`, `"0.5m"`, `"1Ki"`, `"1E"`,
	`"9999999999999999999999999999999"`, `"1e-7"`, `0`, `""`, `1.5`,
}

func (g *gen) quantity(k int) {
	cands := g.entries(func(e entry) bool {
		p := parentKey(e.path)
		return e.val().Kind == Scalar && (p == "requests" || p == "limits" || e.key == "sizeLimit" || e.key == "storage")
	})
	if len(cands) == 0 {
		// No resources in the seed: add a request to the first container.
		for i := 0; i < k; i++ {
			v := oneOf(g.r, badQuantities)
			g.emit("quantity", "containers[0].resources.requests.cpu="+v, func(root *Node) bool {
				c := at(root, g.podPrefix()+".containers.0")
				if c == nil {
					return false
				}
				ensure(c, "resources.requests").Put("cpu", Plain(v))
				return true
			})
		}
		return
	}
	for i := 0; i < k; i++ {
		e := oneOf(g.r, cands)
		v := oneOf(g.r, badQuantities)
		g.emit("quantity", e.path+"="+v, applyAt(e, func(c entry) { c.set(Plain(v)) }))
	}
}

func (g *gen) podPrefix() string { return g.jobPrefix() + ".template.spec" }

var (
	badSchedules = []string{
		`"* * * *"`, `"61 * * * *"`, `"@every 5m"`, `"TZ=UTC 0 * * * *"`, `"CRON_TZ=Europe/Paris 0 * * * *"`,
		`"@hourly"`, `"0 0 31 2 *"`, `"*/0 * * * *"`, `"0 0 * * 8"`, `"0 9-17 * * MON-FRI"`, `"@yearly"`,
		`""`, `" 0 * * * *"`, `"0 0 * * * *"`, `"? * * * *"`, `"@reboot"`, `5`,
	}
	badTimeZones = []string{
		`"Mars/Base"`, `"UTC"`, `"Local"`, `"America/New_York"`, `" UTC"`, `"Etc/GMT+5"`, `"utc"`, `""`, `"EST"`, `"../etc/passwd"`,
	}
)

func (g *gen) cron(k int) {
	if !g.isCron() {
		return
	}
	type choice struct{ field, value string }
	var cands []choice
	for _, v := range badSchedules {
		cands = append(cands, choice{"schedule", v})
	}
	for _, v := range badTimeZones {
		cands = append(cands, choice{"timeZone", v})
	}
	for _, c := range pick(g.r, cands, k) {
		g.emit("cron", "spec."+c.field+"="+c.value, func(root *Node) bool {
			root.Get("spec").Put(c.field, Plain(c.value))
			return true
		})
	}
}

// kindTypos change kind or apiVersion; some (batch/v1beta1 for a
// CronJob) name a real but removed version.
var kindTypos = map[string]func(root *Node, cron bool){
	"kind=lower":           func(r *Node, cron bool) { r.Put("kind", Plain(strings.ToLower(r.Get("kind").Text()))) },
	"kind=upper":           func(r *Node, cron bool) { r.Put("kind", Plain(strings.ToUpper(r.Get("kind").Text()))) },
	"kind=plural":          func(r *Node, cron bool) { r.Put("kind", Plain(r.Get("kind").Text()+"s")) },
	"kind=empty":           func(r *Node, cron bool) { r.Put("kind", Quoted("")) },
	"kind=int":             func(r *Node, cron bool) { r.Put("kind", Plain("1")) },
	"kind=other":           func(r *Node, cron bool) { r.Put("kind", Plain(map[bool]string{false: "CronJob", true: "Job"}[cron])) },
	"kind=deleted":         func(r *Node, cron bool) { r.Del("kind") },
	"apiVersion=Batch/v1":  func(r *Node, cron bool) { r.Put("apiVersion", Plain("Batch/v1")) },
	"apiVersion=batch/V1":  func(r *Node, cron bool) { r.Put("apiVersion", Plain("batch/V1")) },
	"apiVersion=v1":        func(r *Node, cron bool) { r.Put("apiVersion", Plain("v1")) },
	"apiVersion=batch":     func(r *Node, cron bool) { r.Put("apiVersion", Plain("batch")) },
	"apiVersion=batch/v2":  func(r *Node, cron bool) { r.Put("apiVersion", Plain("batch/v2")) },
	"apiVersion=v1beta1":   func(r *Node, cron bool) { r.Put("apiVersion", Plain("batch/v1beta1")) },
	"apiVersion=yes":       func(r *Node, cron bool) { r.Put("apiVersion", Plain("yes")) },
	"apiVersion=space":     func(r *Node, cron bool) { r.Put("apiVersion", Quoted("batch/v1 ")) },
	"apiVersion=deleted":   func(r *Node, cron bool) { r.Del("apiVersion") },
	"apiVersion=apps/v1":   func(r *Node, cron bool) { r.Put("apiVersion", Plain("apps/v1")) },
	"apiVersion=extra-sep": func(r *Node, cron bool) { r.Put("apiVersion", Plain("batch/v1/")) },
}

func (g *gen) kindTypo(k int) {
	cron := g.isCron()
	for _, name := range g.pickPinned(slices.Sorted(maps.Keys(kindTypos)), k) {
		f := kindTypos[name]
		g.emit("kind-typo", name, func(root *Node) bool { f(root, cron); return true })
	}
}

var statuses = map[string]string{
	"unknown-field": `{foo: 1}`,
	"valid":         `{active: 1}`,
	"list":          `[]`,
	"wrong-type":    `{active: "x"}`,
	"conditions":    `{conditions: [{type: Complete, status: "True"}]}`,
	"null":          `~`,
	"ready":         `{ready: 2, terminating: 0}`,
}

func (g *gen) status(k int) {
	for _, name := range g.pickPinned(slices.Sorted(maps.Keys(statuses)), k) {
		snippet := statuses[name]
		g.emit("status", name, func(root *Node) bool {
			root.Put("status", MustParse(snippet))
			return true
		})
	}
}

var enums = map[string][]string{
	"restartPolicy":        {"Always", "always", "OnFailure", `""`, "Sometimes"},
	"completionMode":       {"indexed", "Foo", "NonIndexed", "Indexed"},
	"concurrencyPolicy":    {"forbid", "Sometimes", "Replace", "Allow"},
	"imagePullPolicy":      {"always", "Sometimes", "Never"},
	"podReplacementPolicy": {"failed", "Never", "TerminatingOrFailed", "Failed"},
	"operator":             {"in", "Equal", "Gt", "Foo", "NotIn", "Exists"},
	"action":               {"failJob", "Fail", "Ignore", "FailIndex", "Count", "FailJob"},
	"dnsPolicy":            {"Default", "None", "default", "ClusterFirstWithHostNet"},
	"protocol":             {"tcp", "SCTP", "HTTP", "UDP"},
	"medium":               {"memory", "Memory", "HugePages", `""`},
	"whenUnsatisfiable":    {"DoNotSchedule", "ScheduleAnyway", "Never"},
	"type":                 {"RuntimeDefault", "Unconfined", "Localhost", "runtimeDefault", "DisruptionTarget", "Foo"},
	"effect":               {"NoSchedule", "noschedule", "NoExecute", "PreferNoSchedule"},
	"status":               {`"True"`, "true", `"Unknown"`, `"Maybe"`},
}

func (g *gen) enum(k int) {
	cands := g.entries(func(e entry) bool { return enums[e.key] != nil && e.val().Kind == Scalar })
	for i := 0; i < k*3 && k > 0 && len(cands) > 0; i++ {
		e := oneOf(g.r, cands)
		v := oneOf(g.r, enums[e.key])
		before := len(g.out)
		g.emit("enum", e.path+"="+v, applyAt(e, func(c entry) { c.set(Plain(v)) }))
		if len(g.out) > before {
			k--
		}
	}
}

func (g *gen) unknownField(k int) {
	var maps []entry
	maps = append(maps, entry{path: "", parent: &Node{Kind: Seq, Items: []*Node{g.seed.Root}}})
	maps = append(maps, g.entries(func(e entry) bool {
		return e.val().Kind == Map && !labelKeys[e.key] && e.key != "requests" && e.key != "limits"
	})...)
	for _, e := range pick(g.r, maps, k) {
		m := e.val()
		// A misspelt sibling (one letter dropped) or a field nobody has.
		name := "mljobUnknown"
		if len(m.Keys) > 0 && g.r.IntN(2) == 0 {
			sib := m.Keys[g.r.IntN(len(m.Keys))].Text()
			if len(sib) > 3 {
				j := 1 + g.r.IntN(len(sib)-2)
				name = sib[:j] + sib[j+1:]
			}
		}
		g.emit("unknown-field", joinKey(e.path, name), func(root *Node) bool {
			target := root
			if e.path != "" {
				target = nil
				for _, c := range entries(root) {
					if c.path == e.path {
						target = c.val()
						break
					}
				}
			}
			if target == nil || target.Kind != Map || target.Get(name) != nil {
				return false
			}
			target.Keys = append(target.Keys, Plain(name))
			target.Vals = append(target.Vals, Plain("1"))
			return true
		})
	}
}

// yaml11Values are plain scalars YAML 1.1 (kubectl's YAML) reads as
// something other than a string.
var yaml11Values = []string{"yes", "no", "on", "off", "y", "n", "~", "0777", "0x1F", "1_000", "12:30", "2001-12-14", ".inf", ".NaN", "1e3", "True", "NO"}

func (g *gen) yaml11(k int) {
	cands := g.entries(func(e entry) bool {
		v := e.val()
		return v.Kind == Scalar && typeOf(v) == "string" && e.key != "apiVersion" && e.key != "kind"
	})
	for i := 0; i < k*3 && k > 0 && len(cands) > 0; i++ {
		e := oneOf(g.r, cands)
		v := oneOf(g.r, yaml11Values)
		before := len(g.out)
		g.emit("yaml11", e.path+"="+v, applyAt(e, func(c entry) { c.set(Plain(v)) }))
		if len(g.out) > before {
			k--
		}
	}
}

func (g *gen) nullEmpty(k int) {
	cands := g.entries(func(e entry) bool { return e.key != "" })
	for _, e := range pick(g.r, cands, k) {
		v := oneOf(g.r, []string{"null", "{}", "[]", `""`})
		g.emit("null-empty", e.path+"="+v, applyAt(e, func(c entry) {
			switch v {
			case "{}":
				c.set(EmptyMap())
			case "[]":
				c.set(EmptySeq())
			default:
				c.set(Plain(v))
			}
		}))
	}
}

// String is for failure messages.
func (m Mutant) String() string { return fmt.Sprintf("%s (%s)", m.Key(), m.Class) }
