// Package policy is mljob's Rego policy engine: it compiles the built-in
// rule pack (policies/) and the user's policies once, sandboxed, and
// evaluates every rule on each Kubernetes object, returning findings.
//
// A rule is a Rego package mljob.rules.NAME with a package-scoped
// # METADATA block (title, description, custom.id, custom.severity,
// custom.remediation), an optional default_params object, and a
// `violation` set of {"msg": string, "path": string}. The rules a load
// knows (Engine.RuleSet) are the built-in catalogue and the user's.
package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/input"
	"github.com/mljob/mljob/internal/rules"
)

// Options says which policies to load and how to configure their rules.
type Options struct {
	// Paths are the user's policies: directories (read recursively) and
	// .rego files. _test.rego files are left out.
	Paths []string
	// Params sets rule parameters: rule id -> parameter -> value, over the
	// rule's default_params. Ids of rules implemented in Go are ignored.
	Params map[string]map[string]any
	// Disabled rules are not evaluated.
	Disabled []string
	// Only, when set, are the only rules evaluated (lint --only): the
	// others stay in the rule set, but their findings would be dropped.
	Only []string
	// Limits bound the evaluation; zero fields take DefaultLimits'.
	Limits Limits
}

// Limits bound what evaluating the rules may cost, so that a user policy
// cannot hang or exhaust a run (a loop over numbers.range, a comprehension
// over millions of values). A rule stopped by one gets a policy-error
// finding of its own; the other rules' findings stand.
type Limits struct {
	// Object is how long the rules may take on one object, together (the
	// built-in rules go first).
	Object time.Duration
	// Run is how long a run's evaluations may take, from the first; after
	// it, Eval returns ErrRunBudget.
	Run time.Duration
	// Memory is how much the heap may grow while a rule evaluates.
	Memory int64
}

// DefaultLimits are generous: the built-in rules take about a millisecond
// and a few hundred KiB an object.
var DefaultLimits = Limits{Object: 2 * time.Second, Run: 2 * time.Minute, Memory: 64 << 20}

// ErrRunBudget is returned by Eval once the run's time budget is spent.
var ErrRunBudget = errors.New("policy evaluation stopped")

// Engine evaluates compiled rules. It is safe for concurrent use.
type Engine struct {
	rules []*rule // enabled: the built-in ones, then the user's, by id
	byID  map[string]*rule
	store storage.Store
	// set is every rule a run with this engine knows: the built-in
	// catalogue and the user's rules.
	set    *rules.Set
	limits Limits

	startOnce sync.Once
	deadline  time.Time // of the run, set by the first Eval

	stopMu sync.Mutex
	stops  map[string]*Stop // by rule id

	// joined evaluates the built-in rules with their default parameters
	// in one query; nil when fewer than two are.
	joined *joinedQuery
}

// Stop is a rule a limit stopped: which, why, and on how many objects.
type Stop struct {
	Rule    string
	Pos     diag.Pos // where the rule is written
	Reason  string
	Objects int
}

// Stopped returns the rules a limit stopped so far, by id.
func (e *Engine) Stopped() []Stop {
	e.stopMu.Lock()
	defer e.stopMu.Unlock()
	out := make([]Stop, 0, len(e.stops))
	for _, id := range slices.Sorted(maps.Keys(e.stops)) {
		out = append(out, *e.stops[id])
	}
	return out
}

func (e *Engine) stopped(r *rule, reason error) {
	e.stopMu.Lock()
	defer e.stopMu.Unlock()
	if e.stops == nil {
		e.stops = map[string]*Stop{}
	}
	s := e.stops[r.meta.ID]
	if s == nil {
		s = &Stop{Rule: r.meta.ID, Pos: r.pos, Reason: reason.Error()}
		e.stops[r.meta.ID] = s
	}
	s.Objects++
}

type rule struct {
	meta     rules.Meta
	builtin  bool
	pos      diag.Pos                               // where the rule is written
	ref      string                                 // of the rule's package: data.mljob.rules.x
	query    func() (rego.PreparedEvalQuery, error) // prepared once, when first called
	defaults map[string]any
	// params is input.params: the defaults with the configured values
	// merged in, converted once.
	params *ast.Term
	// configured is params as Go values.
	configured map[string]any
	enabled    bool
}

// Load parses, checks and compiles the built-in rules and the policies of
// opts.Paths. Problems with the user's policies come back as a diag.List.
func Load(opts Options) (*Engine, error) {
	base, err := builtins()
	if err != nil {
		return nil, err
	}
	set := base
	if len(opts.Paths) > 0 {
		srcs, err := readSources(opts.Paths, false)
		if err != nil {
			return nil, err
		}
		var errs diag.List
		if set, errs = withUser(base, srcs); len(errs) > 0 {
			return nil, errs.Err()
		}
	}
	c := newCompiler()
	if c.Compile(set.modules); c.Failed() {
		return nil, astErrors(c.Errors).Err()
	}

	ctx := context.Background()
	e := &Engine{byID: map[string]*rule{}, store: inmem.New()}
	defaults, err := e.defaultParams(ctx, c, set)
	if err != nil {
		return nil, err
	}
	var prepareMu sync.Mutex
	for _, name := range set.ruleNames() {
		p := set.rules[name]
		r := &rule{meta: p.meta, builtin: p.builtin, pos: p.pos, ref: p.ref(), defaults: defaults[name], enabled: true}
		// A built-in rule is most often evaluated in the joined query
		// only (joined.go): its own query is prepared when first needed.
		r.query = sync.OnceValues(func() (rego.PreparedEvalQuery, error) {
			prepareMu.Lock()
			defer prepareMu.Unlock()
			q, err := rego.New(
				rego.Compiler(c),
				rego.Store(e.store),
				rego.Query(r.ref+".violation"),
			).PrepareForEval(ctx)
			if err != nil {
				return q, fmt.Errorf("prepare rule %s: %w", r.meta.ID, err)
			}
			return q, nil
		})
		if !p.builtin {
			if _, err := r.query(); err != nil {
				return nil, err
			}
		}
		e.byID[p.meta.ID] = r
	}
	if err := e.configure(opts); err != nil {
		return nil, err
	}
	var user []rules.Doc
	var errs diag.List
	for _, name := range set.ruleNames() {
		p := set.rules[name]
		if p.builtin {
			continue
		}
		if rules.Builtin().Has(p.meta.ID) {
			errs = append(errs, diag.Errorf(p.pos, "", "rule id %q is already used by a built-in rule", p.meta.ID))
			continue
		}
		user = append(user, rules.Doc{Meta: p.meta, Params: e.byID[p.meta.ID].defaults})
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	if e.set, err = rules.Builtin().With(user...); err != nil {
		return nil, err
	}
	for _, r := range e.byID {
		if r.enabled && (len(opts.Only) == 0 || slices.Contains(opts.Only, r.meta.ID)) {
			e.rules = append(e.rules, r)
		}
	}
	// The built-in rules go first: a slow user rule cannot spend the
	// object's time before they run.
	sort.Slice(e.rules, func(i, j int) bool {
		a, b := e.rules[i], e.rules[j]
		if a.builtin != b.builtin {
			return a.builtin
		}
		return a.meta.ID < b.meta.ID
	})
	if e.joined, err = prepareJoined(ctx, c, e.store, e.rules); err != nil {
		return nil, err
	}
	e.limits = opts.Limits
	if e.limits.Object <= 0 {
		e.limits.Object = DefaultLimits.Object
	}
	if e.limits.Run <= 0 {
		e.limits.Run = DefaultLimits.Run
	}
	if e.limits.Memory <= 0 {
		e.limits.Memory = DefaultLimits.Memory
	}
	return e, nil
}

// defaultParams reads every rule's default_params in one query (without
// input: defaults are constants).
func (e *Engine) defaultParams(ctx context.Context, c *ast.Compiler, set *moduleSet) (map[string]map[string]any, error) {
	names := ast.NewSet()
	for _, name := range set.ruleNames() {
		names.Add(ast.StringTerm(name))
	}
	rs, err := rego.New(
		rego.Compiler(c),
		rego.Store(e.store),
		rego.Query("x := {name: p | some name in "+names.String()+"; p := data.mljob.rules[name].default_params}"),
	).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("read default_params: %w", err)
	}
	all := map[string]any{}
	if len(rs) == 1 {
		all, _ = rs[0].Bindings["x"].(map[string]any)
	}
	out := map[string]map[string]any{}
	for _, name := range set.ruleNames() {
		p := set.rules[name]
		d, ok := all[name]
		if !ok {
			out[name] = map[string]any{}
			continue
		}
		m, ok := d.(map[string]any)
		if !ok {
			return nil, diag.List{diag.Errorf(p.pos, "", "rule %s: default_params must be an object", p.meta.ID)}
		}
		out[name] = m
	}
	return out, nil
}

// configure applies opts.Params and opts.Disabled. A parameter must be one
// the rule declares in default_params, with a value of the same JSON type.
func (e *Engine) configure(opts Options) error {
	var errs diag.List
	known := func(id string) bool {
		if _, ok := e.byID[id]; ok {
			return true
		}
		if !rules.Builtin().Has(id) {
			errs = append(errs, diag.Errorf(diag.Pos{}, "", "unknown rule %q", id))
		}
		return false
	}
	for _, id := range opts.Disabled {
		if known(id) {
			e.byID[id].enabled = false
		}
	}
	for _, id := range slices.Sorted(maps.Keys(opts.Params)) {
		if !known(id) {
			continue
		}
		r := e.byID[id]
		for _, k := range slices.Sorted(maps.Keys(opts.Params[id])) {
			def, ok := r.defaults[k]
			if !ok {
				errs = append(errs, diag.Errorf(diag.Pos{}, "", "rule %s has no parameter %q%s", id, k, paramList(r.defaults)))
				continue
			}
			v, err := ast.InterfaceToValue(opts.Params[id][k])
			if err != nil {
				errs = append(errs, diag.Errorf(diag.Pos{}, "", "rule %s: parameter %s: %v", id, k, err))
				continue
			}
			dv, _ := ast.InterfaceToValue(def)
			if got, want := ast.ValueName(v), ast.ValueName(dv); got != want {
				errs = append(errs, diag.Errorf(diag.Pos{}, "", "rule %s: parameter %s must be %s, not %s", id, k, withArticle(want), withArticle(got)))
			}
		}
	}
	if len(errs) > 0 {
		return errs.Err()
	}
	for id, r := range e.byID {
		r.configured = merge(r.defaults, opts.Params[id])
		v, err := ast.InterfaceToValue(r.configured)
		if err != nil {
			return fmt.Errorf("rule %s: parameters: %w", id, err)
		}
		r.params = ast.NewTerm(v)
	}
	return nil
}

// paramList says which parameters a rule has, for an error message.
func paramList(defaults map[string]any) string {
	if len(defaults) == 0 {
		return " (it has none)"
	}
	return " (it has " + strings.Join(slices.Sorted(maps.Keys(defaults)), ", ") + ")"
}

func withArticle(typ string) string {
	if strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}

// merge is Rego's object.union: over's values replace base's, objects merge
// key by key.
func merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			v = merge(bm, om)
		}
		out[k] = v
	}
	return out
}

// RuleSet returns every rule a run with this engine knows: the built-in
// catalogue (Go and Rego rules, enabled or not) and the user's rules.
func (e *Engine) RuleSet() *rules.Set { return e.set }

// Rules returns the metadata of the rules the engine evaluates, by id.
func (e *Engine) Rules() []rules.Meta {
	out := make([]rules.Meta, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.meta
	}
	return out
}

// DefaultParams returns a rule's default_params (for documentation), or
// false if the engine has no such rule.
func (e *Engine) DefaultParams(id string) (map[string]any, bool) {
	r, ok := e.byID[id]
	if !ok {
		return nil, false
	}
	return r.defaults, true
}

// Docs returns the catalogue entries of the rules the engine evaluates,
// by id: their metadata and default parameters.
func (e *Engine) Docs() []rules.Doc {
	out := make([]rules.Doc, len(e.rules))
	for i, r := range e.rules {
		params := r.defaults
		if params == nil {
			params = map[string]any{}
		}
		out[i] = rules.Doc{Meta: r.meta, Params: params}
	}
	return out
}

// Eval runs every enabled rule on obj, a Kubernetes object as JSON values
// read from file. Only batch/v1 Jobs and CronJobs are evaluated. Findings
// carry the field path of the problem but no position (the caller maps the
// path to a line), sorted by rule, path and message. A rule that fails on
// the object (an error, a value of the wrong shape, the object's time or
// the memory limit) adds a policy-error finding naming it, and the other
// rules' findings stand. The error is ErrRunBudget, once the run's time is
// spent.
func (e *Engine) Eval(obj map[string]any, file string) ([]finding.Finding, error) {
	return e.EvalWith(obj, file, nil)
}

// EvalWith is Eval with parameters for this object over the configured
// ones: rule id -> parameter -> value (a CUE workload's project profile
// sets some). Parameters the rule does not declare are ignored.
func (e *Engine) EvalWith(obj map[string]any, file string, params map[string]map[string]any) ([]finding.Finding, error) {
	kind, _ := obj["kind"].(string)
	if obj["apiVersion"] != "batch/v1" || (kind != "Job" && kind != "CronJob") {
		return nil, nil
	}
	e.startOnce.Do(func() { e.deadline = time.Now().Add(e.limits.Run) })
	if !time.Now().Before(e.deadline) {
		return nil, fmt.Errorf("%w after %v, mljob's limit per run", ErrRunBudget, e.limits.Run)
	}
	v, err := ast.InterfaceToValue(obj)
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	object, fileTerm := ast.NewTerm(v), ast.StringTerm(file)
	ident := objectIdent(obj)

	deadline := time.Now().Add(e.limits.Object)
	budget := errObjectBudget
	if e.deadline.Before(deadline) {
		deadline, budget = e.deadline, errRunBudget
	}
	ctx, cancel := context.WithDeadlineCause(context.Background(), deadline, budget)
	defer cancel()
	// One read transaction for all rules of this object.
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer e.store.Abort(ctx, txn)

	var out []finding.Finding
	var joined map[*rule]bool
	if e.joined != nil {
		out, joined = e.evalJoined(ctx, object, fileTerm, txn, ident, params)
	}
	cache := newObjectCache()
	for _, r := range e.rules {
		if joined[r] {
			continue
		}
		cache.nextRule()
		ruleParams := r.params
		if over := known(params[r.meta.ID], r.defaults); len(over) > 0 {
			v, err := ast.InterfaceToValue(merge(r.configured, over))
			if err != nil {
				return nil, fmt.Errorf("rule %s: parameters: %w", r.meta.ID, err)
			}
			ruleParams = ast.NewTerm(v)
		}
		input := ast.NewObject(
			[2]*ast.Term{ast.InternedTerm("object"), object},
			[2]*ast.Term{ast.InternedTerm("file"), fileTerm},
			[2]*ast.Term{ast.InternedTerm("params"), ruleParams},
		)
		fs, err := e.evalRule(ctx, r, input, txn, cache, ident)
		if err != nil {
			if errors.Is(context.Cause(ctx), errRunBudget) {
				return nil, fmt.Errorf("%w after %v, mljob's limit per run", ErrRunBudget, e.limits.Run)
			}
			out = append(out, finding.Finding{
				Rule:     rules.PolicyError,
				Severity: finding.Error,
				Message:  fmt.Sprintf("rule %s: %v", r.meta.ID, err),
				Object:   ident,
			})
			continue
		}
		out = append(out, fs...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	return out, nil
}

// known returns the parameters of over that defaults declares.
func known(over, defaults map[string]any) map[string]any {
	var out map[string]any
	for k, v := range over {
		if _, ok := defaults[k]; ok {
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	return out
}

// Why an evaluation was stopped.
var (
	errObjectBudget = errors.New("object budget")
	errRunBudget    = errors.New("run budget")
	errMemory       = errors.New("memory")
)

// fixedTime is the clock policies see (none reads it: see sandbox.go).
var fixedTime = time.Unix(0, 0).UTC()

// zeroReader is the randomness policies get: none.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// evalRule evaluates one rule on the object, under the memory guard. Its
// errors never quote the object: values may be secrets.
func (e *Engine) evalRule(parent context.Context, r *rule, input ast.Value, txn storage.Transaction, cache *objectCache, ident finding.Object) ([]finding.Finding, error) {
	if err := parent.Err(); err != nil {
		err := stopped(context.Cause(parent), e.limits)
		e.stopped(r, err)
		return nil, err
	}
	opts := []rego.EvalOption{rego.EvalParsedInput(input), rego.EvalTransaction(txn), rego.EvalVirtualCache(cache),
		rego.EvalTime(fixedTime), rego.EvalSeed(zeroReader{})}
	ctx := parent
	release := func() {}
	if !r.builtin {
		// The memory guards are for user rules: the built-in ones take
		// memory in proportion to the object (and are tested to), and
		// a watcher that wakes every millisecond for every evaluation
		// of a run costs the run its share of preemptions.
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(parent)
		defer cancel(nil)
		release = guard.watch(e.limits.Memory, cancel)
		opts = append(opts, rego.EvalQueryTracer(newStepGuard(e.limits.Memory, cancel)))
	}
	q, err := r.query()
	if err != nil {
		release()
		return nil, err
	}
	rs, err := q.Eval(ctx, opts...)
	release()
	// A cancelled evaluation may end without an error (a built-in that
	// stops early makes the rule undefined): what it found is not the
	// rule's verdict either way.
	if cause := context.Cause(ctx); cause != nil {
		err := stopped(cause, e.limits)
		e.stopped(r, err)
		return nil, err
	}
	if err != nil {
		return nil, evalError(err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	vs, ok := rs[0].Expressions[0].Value.([]any)
	if !ok {
		return nil, fmt.Errorf("violation is %s, not a set", jsonType(rs[0].Expressions[0].Value))
	}
	return findings(r, vs, ident)
}

// findings are the findings of r's violations vs.
func findings(r *rule, vs []any, ident finding.Object) ([]finding.Finding, error) {
	out := make([]finding.Finding, 0, len(vs))
	for _, x := range vs {
		msg, path, err := violation(x)
		if err != nil {
			return nil, err
		}
		out = append(out, finding.Finding{
			Rule:     r.meta.ID,
			Severity: r.meta.Severity,
			Message:  msg,
			Path:     path,
			Object:   ident,
		})
	}
	return out, nil
}

// stopped says why an evaluation was cut short.
func stopped(cause error, l Limits) error {
	switch {
	case errors.Is(cause, errMemory):
		return fmt.Errorf("evaluation stopped: it took more than %s of memory, mljob's limit", sizeString(l.Memory))
	case errors.Is(cause, errRunBudget):
		return fmt.Errorf("evaluation stopped after %v, mljob's limit per run", l.Run)
	default:
		return fmt.Errorf("evaluation stopped after %v, mljob's limit per object (the rules together)", l.Object)
	}
}

// evalError describes an OPA evaluation error by its kind and where in the
// policy it happened. OPA's own messages often quote the values involved
// (to_number("hf_secret..."): invalid syntax), and the object's values
// may be secrets: they are not repeated.
func evalError(err error) error {
	var te *topdown.Error
	if !errors.As(err, &te) {
		return errors.New("evaluation failed")
	}
	what := map[string]string{
		topdown.ConflictErr:  "conflicting values: a complete rule, function or object produced more than one value",
		topdown.TypeErr:      "a built-in function got an argument of the wrong type",
		topdown.BuiltinErr:   "a built-in function failed",
		topdown.WithMergeErr: "a with statement could not replace the document",
		topdown.InternalErr:  "internal error",
		topdown.CancelErr:    "evaluation cancelled",
	}[te.Code]
	if what == "" {
		what = te.Code
	}
	if te.Location != nil {
		return fmt.Errorf("%s (%s at %s)", what, te.Code, astPos(te.Location))
	}
	return fmt.Errorf("%s (%s)", what, te.Code)
}

var sizeString = input.SizeString

// violation reads one member of a rule's violation set.
func violation(x any) (msg, path string, err error) {
	m, ok := x.(map[string]any)
	if ok {
		msg, ok = m["msg"].(string)
	}
	if !ok || msg == "" {
		return "", "", fmt.Errorf(`violation must be an object {"msg": string, "path": string}, got %s`, jsonType(x))
	}
	if p, ok := m["path"]; ok {
		if path, ok = p.(string); !ok {
			return "", "", fmt.Errorf("violation path must be a string, got %s", jsonType(p))
		}
	}
	return msg, path, nil
}

// jsonType names the JSON type of v, for errors that must not quote it.
func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if x == "" {
			return "an empty string"
		}
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		if _, ok := x["msg"]; ok {
			return "an object whose msg is " + jsonType(x["msg"])
		}
		return "an object without msg"
	}
	return fmt.Sprintf("%T", v)
}

func objectIdent(obj map[string]any) finding.Object {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	meta, _ := obj["metadata"].(map[string]any)
	return finding.Object{
		APIVersion: str(obj, "apiVersion"),
		Kind:       str(obj, "kind"),
		Namespace:  str(meta, "namespace"),
		Name:       str(meta, "name"),
	}
}
