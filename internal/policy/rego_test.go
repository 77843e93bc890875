package policy

import (
	"context"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/mljob/mljob/internal/rules"
	"github.com/mljob/mljob/policies"
)

// packModules parses the whole embedded pack, tests included.
func packModules(t *testing.T) map[string]*ast.Module {
	t.Helper()
	srcs, err := embeddedSources(true)
	if err != nil {
		t.Fatal(err)
	}
	mods := map[string]*ast.Module{}
	for _, s := range srcs {
		m, err := ast.ParseModuleWithOpts(s.name, s.text, parserOptions)
		if err != nil {
			t.Fatal(err)
		}
		mods[s.name] = m
	}
	return mods
}

// TestRegoTests runs every *_test.rego of the pack with OPA's tester, in
// the sandbox user policies get.
func TestRegoTests(t *testing.T) {
	res, err := runTests(context.Background(), packModules(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) < 50 {
		t.Fatalf("ran %d Rego tests; the pack has more", len(res))
	}
	for _, r := range res {
		if r.Outcome != Pass {
			t.Errorf("%s: %s: %s %s\n%s", r.Pos, r.Name, r.Outcome, r.Err, r.Output)
		}
	}
}

var (
	firesTest  = regexp.MustCompile(`^test_fires_`)
	passesTest = regexp.MustCompile(`^test_passes_`)
)

// TestEveryRuleHasMetadataAndTests checks that each built-in rule is
// registered with all its metadata, and that its tests prove something:
// with the rule's violation emptied every test_fires_* test must fail, and
// with a violation that always fires every test_passes_* test must fail
// (while the others still pass).
func TestEveryRuleHasMetadataAndTests(t *testing.T) {
	set, err := builtins()
	if err != nil {
		t.Fatal(err)
	}
	mods := packModules(t)

	// Every top-level policy file is one rule, named after it.
	var files []string
	for name := range mods {
		if path.Dir(name) == builtinDir && !isTest(name) {
			files = append(files, strings.TrimSuffix(path.Base(name), ".rego"))
		}
	}
	if len(files) != len(set.rules) || len(files) < 13 {
		t.Fatalf("%d policy files but %d rule packages", len(files), len(set.rules))
	}

	for _, name := range set.ruleNames() {
		p := set.rules[name]
		t.Run(p.meta.ID, func(t *testing.T) {
			reg, ok := rules.Builtin().Get(p.meta.ID)
			if !ok || reg != p.meta {
				t.Fatalf("the built-in catalogue has %+v, want %+v (go test ./internal/policy -run TestCatalogue -update)", reg, p.meta)
			}
			if reg.Engine != "rego" || reg.Title == "" || reg.Description == "" || reg.Remediation == "" || reg.Severity == 0 {
				t.Fatalf("incomplete metadata: %+v", reg)
			}
			file := builtinDir + "/" + name + ".rego"
			testMod, ok := mods[builtinDir+"/"+name+"_test.rego"]
			if !ok {
				t.Fatalf("no %s_test.rego", name)
			}
			if want := "data.mljob.rules." + name + "_test"; testMod.Package.Path.String() != want {
				t.Fatalf("%s_test.rego is package %s, want %s", name, testMod.Package.Path, want)
			}
			var fires, passes int
			for _, r := range testMod.Rules {
				n := r.Head.Ref().String()
				switch {
				case firesTest.MatchString(n):
					fires++
				case passesTest.MatchString(n):
					passes++
				}
			}
			if fires == 0 || passes == 0 {
				t.Fatalf("%d test_fires_* and %d test_passes_* tests; want at least one of each", fires, passes)
			}

			filter := "^" + regexp.QuoteMeta("data.mljob.rules."+name+"_test.")
			// mustPass: with an empty violation the passes tests still pass;
			// with one that always fires the fires tests may fail (they
			// compare exact sets), so nothing is asked of them.
			for _, mutant := range []struct {
				rule               string
				mustFail, mustPass *regexp.Regexp
			}{
				{"violation := set()", firesTest, passesTest},
				{`violation contains {"msg": "mutant", "path": ""}`, passesTest, nil},
			} {
				mutated := map[string]*ast.Module{}
				for k, v := range mods {
					mutated[k] = v
				}
				mutated[file] = withViolation(t, mods[file], mutant.rule)
				res, err := runTests(context.Background(), mutated, filter)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					test := r.Name[strings.LastIndex(r.Name, ".")+1:]
					switch {
					case mutant.mustFail.MatchString(test) && r.Outcome != Fail:
						t.Errorf("with %s, %s: %s; it must fail", mutant.rule, test, r.Outcome)
					case mutant.mustPass != nil && mutant.mustPass.MatchString(test) && r.Outcome != Pass:
						t.Errorf("with %s, %s: %s %s", mutant.rule, test, r.Outcome, r.Err)
					}
				}
			}
		})
	}
}

// withViolation returns m with its violation rules replaced by rule.
func withViolation(t *testing.T, m *ast.Module, rule string) *ast.Module {
	t.Helper()
	out := m.Copy()
	kept := out.Rules[:0]
	for _, r := range out.Rules {
		if !r.Head.Ref()[0].Equal(ast.VarTerm("violation")) {
			kept = append(kept, r)
		}
	}
	// The rule is parsed in the module's package, as the compiler expects.
	pm, err := ast.ParseModuleWithOpts("mutant.rego", m.Package.String()+"\n"+rule, parserOptions)
	if err != nil {
		t.Fatal(err)
	}
	r := pm.Rules[0]
	r.Module = out
	out.Rules = append(kept, r)
	return out
}

// TestEveryPolicyHasTests: every .rego file has a _test.rego beside it.
func TestEveryPolicyHasTests(t *testing.T) {
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isTest(p) || !strings.HasSuffix(p, ".rego") {
			return err
		}
		if _, err := fs.Stat(policies.FS, strings.TrimSuffix(p, ".rego")+"_test.rego"); err != nil {
			t.Errorf("%s has no test file beside it", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPoliciesAreFormatted: the pack is as `opa fmt` writes it.
func TestPoliciesAreFormatted(t *testing.T) {
	srcs, err := embeddedSources(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		got, err := format.SourceWithOpts(s.name, []byte(s.text), format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != s.text {
			t.Errorf("%s is not formatted; run opa fmt -w policies", s.name)
		}
	}
}

// TestLibReadsNoParams: the library reads input.object and input.file
// only, so Eval may share its values between rules, which have their own
// input.params (see objectCache).
func TestLibReadsNoParams(t *testing.T) {
	set, err := builtins()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, m := range set.modules {
		if !m.Package.Path.HasPrefix(libRoot) {
			continue
		}
		n++
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			if !ref[0].Equal(ast.InputRootDocument) {
				return false
			}
			if len(ref) < 2 || !(ref[1].Equal(ast.InternedTerm("object")) || ref[1].Equal(ast.InternedTerm("file"))) {
				t.Errorf("%s: %v: the library reads %v; it may read input.object and input.file only", name, ref[0].Location, ref)
			}
			return false
		})
	}
	if n == 0 {
		t.Fatal("no library modules")
	}
}
