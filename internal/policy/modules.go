package policy

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/rules"
	"github.com/mljob/mljob/policies"
)

// Package paths of the pack.
var (
	mljobRoot = ast.MustParseRef("data.mljob")
	rulesRoot = ast.MustParseRef("data.mljob.rules")
	libRoot   = ast.MustParseRef("data.mljob.lib")
)

// builtinDir is how positions in built-in policies are shown.
const builtinDir = "policies"

// moduleSet is parsed Rego modules by file name (the compiler's module
// map), and the rule packages among them.
type moduleSet struct {
	modules map[string]*ast.Module
	rules   map[string]*rulePackage // by package name (the last path element)
}

// rulePackage is one rule: a package under data.mljob.rules with its
// metadata.
type rulePackage struct {
	name    string // resource_limits
	meta    rules.Meta
	builtin bool
	pos     diag.Pos // the package's METADATA block
}

func (p *rulePackage) ref() string { return "data.mljob.rules." + p.name }

// builtins parses the embedded pack once: every Load and Test reuses the
// parsed modules (the compiler copies them). Listing rules needs no
// parsing: rules.Builtin reads the pack's generated catalogue.
var builtins = sync.OnceValues(func() (*moduleSet, error) {
	srcs, err := embeddedSources(false)
	if err != nil {
		return nil, err
	}
	set := &moduleSet{modules: map[string]*ast.Module{}, rules: map[string]*rulePackage{}}
	if errs := set.add(srcs, true); len(errs) > 0 {
		return nil, errs.Err()
	}
	return set, nil
})

// source is one .rego file.
type source struct {
	name string // shown in positions: policies/x.rego, or the user's path
	text string
}

func isTest(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// embeddedSources returns the pack's files, sorted; tests only when asked.
func embeddedSources(tests bool) ([]source, error) {
	var srcs []source
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || (isTest(p) && !tests) {
			return err
		}
		b, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		srcs = append(srcs, source{name: path.Join(builtinDir, p), text: string(b)})
		return nil
	})
	return srcs, err
}

// readSources reads the .rego files of paths: files as given, directories
// recursively, in sorted order; _test.rego files only when tests is set.
func readSources(paths []string, tests bool) ([]source, error) {
	var srcs []source
	seen := map[string]bool{}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("read policies: %w", err)
		}
		var files []string
		if !info.IsDir() {
			files = []string{root}
		} else {
			err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".rego") && (tests || !isTest(p)) {
					files = append(files, p)
				}
				return err
			})
			if err != nil {
				return nil, fmt.Errorf("read policies: %w", err)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("read policies: no .rego files in %s", root)
			}
		}
		sort.Strings(files)
		for _, f := range files {
			name := filepath.ToSlash(filepath.Clean(f))
			if seen[name] {
				continue
			}
			seen[name] = true
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read policies: %w", err)
			}
			srcs = append(srcs, source{name: name, text: string(b)})
		}
	}
	return srcs, nil
}

// parserOptions parse Rego v1 (OPA 1.x's default) and keep # METADATA.
var parserOptions = ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1}

// add parses srcs into the set and reads the metadata of their rule
// packages. User files (builtin false) may not add to the pack's packages.
func (s *moduleSet) add(srcs []source, builtin bool) diag.List {
	var errs diag.List
	var added []*ast.Module
	for _, src := range srcs {
		m, err := ast.ParseModuleWithOpts(src.name, src.text, parserOptions)
		if err != nil {
			errs = append(errs, astErrors(err)...)
			continue
		}
		if !builtin {
			if d := s.checkUserPackage(m); d != nil {
				errs = append(errs, d)
				continue
			}
		}
		s.modules[src.name] = m
		added = append(added, m)
	}
	if len(errs) > 0 {
		return errs
	}
	// A rule package may span files; its METADATA is in one of them.
	byPkg := map[string][]*ast.Module{}
	var names []string
	for _, m := range added {
		name, ok := rulePackageName(m)
		if !ok || isTest(m.Package.Location.File) {
			continue
		}
		if _, seen := byPkg[name]; !seen {
			names = append(names, name)
		}
		byPkg[name] = append(byPkg[name], m)
	}
	for _, name := range names {
		p, err := readRulePackage(name, byPkg[name], builtin)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.rules[name] = p
	}
	return errs
}

// checkUserPackage confines a user module to its own rule: its package is
// mljob.rules.NAME, NAME no built-in rule's. Rule heads are relative to
// the package, so a module of another package could add to mljob's own
// (package mljob: rules.plaintext_secret._ignored(_) if true silences a
// built-in rule; lib.is_set(_, _) if true changes every rule that asks).
// Test files, which only `policy test` loads, may have packages of their
// own, but not mljob's.
func (s *moduleSet) checkUserPackage(m *ast.Module) *diag.Diagnostic {
	pkg := m.Package.Path
	pos := astPos(m.Package.Location)
	name, isRule := rulePackageName(m)
	switch {
	case pkg.HasPrefix(libRoot):
		return diag.Errorf(pos, "", "package %s is mljob's helper library; import data.mljob.lib instead of adding to it", packageName(pkg))
	case pkg.HasPrefix(rulesRoot) && len(pkg) > len(rulesRoot)+1:
		if p, ok := s.rules[refName(pkg[len(rulesRoot)])]; ok && p.builtin {
			return diag.Errorf(pos, "", "package %s is below the built-in rule %s; choose another name", packageName(pkg), p.meta.ID)
		}
		if !isTest(m.Package.Location.File) {
			return diag.Errorf(pos, "", "package %s: a rule's package is mljob.rules.NAME, one level below mljob.rules", packageName(pkg))
		}
	case isRule:
		if p, ok := s.rules[name]; ok && p.builtin {
			return diag.Errorf(pos, "", "package %s is the built-in rule %s; choose another name", packageName(pkg), p.meta.ID)
		}
	case pkg.HasPrefix(mljobRoot) || !isTest(m.Package.Location.File):
		return diag.Errorf(pos, "", "package %s: a policy's package is mljob.rules.NAME, the rule it defines; rules in other packages could change mljob's own", packageName(pkg))
	}
	return nil
}

// refName is a package path element as a name ("" if it is none).
func refName(t *ast.Term) string {
	s, _ := t.Value.(ast.String)
	return string(s)
}

// rulePackageName returns NAME for package mljob.rules.NAME.
func rulePackageName(m *ast.Module) (string, bool) {
	pkg := m.Package.Path
	if len(pkg) != len(rulesRoot)+1 || !pkg.HasPrefix(rulesRoot) {
		return "", false
	}
	s, ok := pkg[len(pkg)-1].Value.(ast.String)
	return string(s), ok
}

// packageName shows a package path as written in a package clause.
func packageName(ref ast.Ref) string { return strings.TrimPrefix(ref.String(), "data.") }

// readRulePackage reads and checks the package-scoped METADATA of a rule.
func readRulePackage(name string, mods []*ast.Module, builtin bool) (*rulePackage, *diag.Diagnostic) {
	pkgPos := astPos(mods[0].Package.Location)
	var ann *ast.Annotations
	for _, m := range mods {
		for _, a := range m.Annotations {
			if a.Scope != "package" {
				continue
			}
			if ann != nil {
				return nil, diag.Errorf(astPos(a.Location), "", "rule package mljob.rules.%s has a second METADATA block (the first is at %s)", name, astPos(ann.Location))
			}
			ann = a
		}
	}
	if ann == nil {
		return nil, diag.Errorf(pkgPos, "", "rule package mljob.rules.%s has no # METADATA block above its package clause (title, description, custom.id, custom.severity, custom.remediation)", name)
	}
	pos := astPos(ann.Location)
	custom := func(key string) string {
		s, _ := ann.Custom[key].(string)
		return strings.TrimSpace(s)
	}
	meta := rules.Meta{
		ID:          custom("id"),
		Title:       strings.TrimSpace(ann.Title),
		Description: strings.TrimSpace(ann.Description),
		Remediation: custom("remediation"),
		Engine:      "rego",
	}
	var missing []string
	for _, f := range []struct{ key, value string }{
		{"title", meta.Title},
		{"description", meta.Description},
		{"custom.id", meta.ID},
		{"custom.severity", custom("severity")},
		{"custom.remediation", meta.Remediation},
	} {
		if f.value == "" {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return nil, diag.Errorf(pos, "", "rule package mljob.rules.%s: METADATA has no %s", name, strings.Join(missing, ", "))
	}
	sev, err := finding.ParseSeverity(custom("severity"))
	if err != nil {
		return nil, diag.Errorf(pos, "", "rule %s: custom.severity: %v", meta.ID, err)
	}
	meta.Severity = sev
	// The id names the package, so a rule's configuration, its findings and
	// its Rego are found from one another.
	if want := strings.ReplaceAll(name, "_", "-"); meta.ID != want {
		return nil, diag.Errorf(pos, "", "rule package mljob.rules.%s must have custom.id %q, not %q", name, want, meta.ID)
	}
	if !definesViolation(mods) {
		return nil, diag.Errorf(pkgPos, "", "rule %s defines no violation rule (violation contains {\"msg\": ..., \"path\": ...} if ...)", meta.ID)
	}
	return &rulePackage{name: name, meta: meta, builtin: builtin, pos: pos}, nil
}

func definesViolation(mods []*ast.Module) bool {
	for _, m := range mods {
		for _, r := range m.Rules {
			if ref := r.Head.Ref(); len(ref) >= 1 && ref[0].Equal(ast.VarTerm("violation")) {
				return true
			}
		}
	}
	return false
}

// ruleNames returns the set's rule package names, sorted.
func (s *moduleSet) ruleNames() []string {
	names := make([]string, 0, len(s.rules))
	for n := range s.rules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// withUser returns the built-in set plus the modules of srcs.
func withUser(base *moduleSet, srcs []source) (*moduleSet, diag.List) {
	s := &moduleSet{modules: map[string]*ast.Module{}, rules: map[string]*rulePackage{}}
	for k, v := range base.modules {
		s.modules[k] = v
	}
	for k, v := range base.rules {
		s.rules[k] = v
	}
	return s, s.add(srcs, false)
}

func astPos(loc *ast.Location) diag.Pos {
	if loc == nil {
		return diag.Pos{}
	}
	return diag.Pos{File: loc.File, Line: loc.Row, Column: loc.Col}
}
