package policy

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mljob/mljob/internal/finding"
)

// byRule groups findings by rule.
func byRule(fs []finding.Finding) map[string][]finding.Finding {
	m := map[string][]finding.Finding{}
	for _, f := range fs {
		m[f.Rule] = append(m[f.Rule], f)
	}
	return m
}

// TestConfinement: a user policy defines its own rule package only; one
// that would add to mljob's (silencing or faking built-in rules) does not
// load, and the error says where.
func TestConfinement(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"silence a built-in rule", "package mljob\n\nrules.plaintext_secret._ignored(_) if true\n",
			"p.rego:1:1: package mljob: a policy's package is mljob.rules.NAME"},
		{"rewrite the library", "package mljob.lib\n\nis_set(_, _) if true\n",
			"p.rego:1:1: package mljob.lib is mljob's helper library"},
		{"findings under a built-in id", "package mljob.rules\n\nimage_tag.violation contains {\"msg\": \"fake\", \"path\": \"\"} if true\n",
			"p.rego:1:1: package mljob.rules: a policy's package is mljob.rules.NAME"},
		{"into a built-in rule", "package mljob.rules.plaintext_secret\n\n_ignored(_) if true\n",
			"p.rego:1:1: package mljob.rules.plaintext_secret is the built-in rule plaintext-secret"},
		{"below a rule", "package mljob.rules.mine.x\n\ny := 1\n",
			"p.rego:1:1: package mljob.rules.mine.x: a rule's package is mljob.rules.NAME"},
		{"a package of its own", "package acme.helpers\n\nteam := \"ml\"\n",
			"p.rego:1:1: package acme.helpers: a policy's package is mljob.rules.NAME"},
		{"a head naming data", policyWith("mine", "	true") + "\ndata.mljob.rules.plaintext_secret._ignored(_) if true\n",
			"p.rego:15:1: rules must not shadow data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"p.rego": tc.text})
			_, err := Load(Options{Paths: []string{dir}})
			want := filepath.ToSlash(dir) + "/" + tc.want
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got  %v\nwant %s...", err, want)
			}
		})
	}
	// The built-in rule still fires beside a rule of the user's.
	dir := writeFiles(t, map[string]string{"p.rego": policyWith("mine", "	true") + "\nrules.plaintext_secret._ignored(_) if true\n"})
	_, fs := evalBadJob(t, dir, Limits{})
	if len(byRule(fs)["plaintext-secret"]) != 1 {
		t.Errorf("plaintext-secret did not fire: %v", fs)
	}
}

// TestRuleErrorIsolated: a rule that fails on an object has a
// policy-error of its own, which does not quote the object's values; the
// other rules' findings stand.
func TestRuleErrorIsolated(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.rego": policyWith("parses_env", "	to_number(input.object.spec.template.spec.containers[0].env[0].value) > 0"),
		"b.rego": policyWith("conflicts", "	x == \"\"") + "\nx = input.object.spec.template.spec.containers[0].env[0].value if true\n\nx = \"other\" if true\n",
		"c.rego": strings.Replace(policyWith("shape", "	true"), `{"msg": "m", "path": ""}`, "input.object.spec.template.spec.containers[0].env[0].value", 1),
	})
	_, fs := evalBadJob(t, dir, Limits{})
	rules := byRule(fs)
	for _, want := range []string{"active-deadline", "gpu-node-selector", "image-tag", "plaintext-secret"} {
		if len(rules[want]) == 0 {
			t.Errorf("no %s finding: %v", want, fs)
		}
	}
	var msgs []string
	for _, f := range rules["policy-error"] {
		msgs = append(msgs, f.Message)
		if strings.Contains(f.Message, "hf_secret") {
			t.Errorf("the message quotes the secret: %s", f.Message)
		}
	}
	want := []string{
		"rule conflicts: conflicting values: a complete rule, function or object produced more than one value (eval_conflict_error at " + filepath.ToSlash(dir) + "/b.rego:17:1)",
		`rule shape: violation must be an object {"msg": string, "path": string}, got a string`,
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("policy errors:\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	// A built-in function's error makes the rule undefined, as in OPA.
	if len(rules["parses-env"]) != 0 {
		t.Errorf("parses-env fired: %v", rules["parses-env"])
	}
}

// TestNonDeterministicBuiltins: built-ins whose result depends on the
// clock or on randomness are refused at load.
func TestNonDeterministicBuiltins(t *testing.T) {
	for _, tc := range []struct{ body, name string }{
		{`	io.jwt.encode_sign({"alg": "ES256"}, {}, {"kty": "EC"}) != ""`, "io.jwt.encode_sign"},
		{`	io.jwt.encode_sign_raw("{}", "{}", "{}") != ""`, "io.jwt.encode_sign_raw"},
		{`	[ok, _, _] := io.jwt.decode_verify("x", {"secret": "s"})
	ok`, "io.jwt.decode_verify"},
		{`	count(crypto.x509.parse_and_verify_certificates("x")) > 0`, "crypto.x509.parse_and_verify_certificates"},
	} {
		dir := writeFiles(t, map[string]string{"p.rego": policyWith("nd", tc.body)})
		_, err := Load(Options{Paths: []string{dir}})
		if err == nil || !strings.Contains(err.Error(), "built-in function "+tc.name+" is not available to mljob policies") {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestLimits: a rule that runs too long, or takes too much memory, is
// stopped with a policy-error of its own; the run stops evaluating when
// its time is spent.
func TestLimits(t *testing.T) {
	slow := policyWith("slow", `	some a in numbers.range(1, 5000)
	some b in numbers.range(1, 5000)
	some c in numbers.range(1, 5000)
	a + b + c < 0`)
	hungry := policyWith("hungry", `	count(numbers.range(1, 2000000000)) > 0`)
	doubling := policyWith("doubling", `	count(s40) > 0`) + "\ns0 := \"0123456789abcdef\"\n"
	for i := 1; i <= 40; i++ {
		doubling += "s" + strconv.Itoa(i) + " := concat(\"\", [s" + strconv.Itoa(i-1) + ", s" + strconv.Itoa(i-1) + "])\n"
	}
	for _, tc := range []struct {
		name, text, want string
		limits           Limits
	}{
		{"time", slow, "rule slow: evaluation stopped after 300ms, mljob's limit per object (the rules together)", Limits{Object: 300 * time.Millisecond}},
		// Stopped by the clock or the memory guard, whichever first.
		{"numbers.range", hungry, "rule hungry: evaluation stopped", Limits{Object: time.Second}},
		{"doubling strings", doubling, "rule doubling: evaluation stopped: it took more than 64 MiB of memory, mljob's limit", Limits{Memory: 64 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"p.rego": tc.text})
			e, fs := evalBadJob(t, dir, tc.limits)
			rules := byRule(fs)
			if errs := rules["policy-error"]; len(errs) != 1 || !strings.HasPrefix(errs[0].Message, tc.want) {
				t.Errorf("policy errors: %+v\nwant %s", errs, tc.want)
			}
			if len(rules["plaintext-secret"]) != 1 {
				t.Errorf("the built-in rules did not run: %v", fs)
			}
			// The engine says which rules a limit stopped, for the run.
			stops := e.Stopped()
			if len(stops) != 1 || !strings.HasPrefix("rule "+stops[0].Rule+": "+stops[0].Reason, tc.want) || stops[0].Objects != 1 || stops[0].Pos.Line != 1 {
				t.Errorf("Stopped() = %+v", stops)
			}
		})
	}
	dir := writeFiles(t, map[string]string{"p.rego": slow})
	e, err := Load(Options{Paths: []string{dir}, Limits: Limits{Object: 300 * time.Millisecond, Run: 500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for range 4 {
		_, last = e.Eval(object(t, badJob), "x.yaml")
	}
	if !errors.Is(last, ErrRunBudget) || last.Error() != "policy evaluation stopped after 500ms, mljob's limit per run" {
		t.Errorf("after the run's time: %v", last)
	}
}
