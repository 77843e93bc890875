// Package config reads mljob's configuration file, .mljob.yaml: which
// rules run at which severity with which parameters, where user policies
// live, lint defaults, and waivers (documented exceptions).
//
//	lint:
//	  kubeVersion: "1.33"
//	  podSecurity: restricted
//	  failOn: warning
//	  maxInputSize: 64Mi
//	rules:
//	  resource-limits:
//	    params: {requireCPULimit: false}
//	  backoff-limit:
//	    severity: error
//	  active-deadline:
//	    enabled: false
//	policies: [policies/]
//	waivers:
//	- rule: gpu-node-selector
//	  name: legacy-*
//	  reason: the legacy pool labels its nodes by hand
//	  expires: 2027-03-31
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/input"
)

// FileName is the configuration file mljob looks for.
const FileName = ".mljob.yaml"

// Config is the parsed .mljob.yaml.
type Config struct {
	// File is the config file, as shown to the user ("" when none).
	File string `yaml:"-"`
	// Dir is the directory the file's relative paths start from.
	Dir string `yaml:"-"`

	Lint     Lint            `yaml:"lint"`
	Rules    map[string]Rule `yaml:"rules"`
	Policies []string        `yaml:"policies"`
	Waivers  []Waiver        `yaml:"waivers"`
}

// Lint holds defaults for `mljob lint` flags.
type Lint struct {
	KubeVersion string `yaml:"kubeVersion"`
	PodSecurity string `yaml:"podSecurity"`
	Namespace   string `yaml:"namespace"`
	FailOn      string `yaml:"failOn"`
	// MaxInputSize is the largest file (or standard input) mljob reads,
	// as "64Mi" or a number of bytes; empty means input.DefaultMaxSize.
	MaxInputSize string `yaml:"maxInputSize"`

	maxInputSize int64
}

// Rule configures one rule.
type Rule struct {
	// Enabled: nil keeps the rule on.
	Enabled  *bool          `yaml:"enabled"`
	Severity string         `yaml:"severity"`
	Params   map[string]any `yaml:"params"`
	Line     int            `yaml:"-"`
}

// Waiver is a documented exception: findings of Rule on the matching
// objects are suppressed until Expires.
type Waiver struct {
	Rule      string `yaml:"rule"`
	Kind      string `yaml:"kind"`
	Namespace string `yaml:"namespace"`
	Name      string `yaml:"name"`
	// File is a glob of the finding's file, relative to the config's
	// directory; ** matches across directories.
	File    string `yaml:"file"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`

	// Pos is where the waiver is written.
	Pos     diag.Pos  `yaml:"-"`
	expires time.Time // zero: never
	match   struct{ kind, namespace, name, file *regexp.Regexp }
}

// Find looks for .mljob.yaml in dir and its parents. It returns nil, nil
// when there is none.
func Find(dir string) (*Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, FileName)
		if _, err := os.Stat(p); err == nil {
			return Load(p)
		}
		if filepath.Dir(d) == d {
			return nil, nil
		}
	}
}

// Load reads a config file. Problems come back as a diag.List with the
// file and line.
func Load(path string) (*Config, error) {
	b, err := input.ReadFile(path, 0)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", displayPath(path), err)
	}
	return Parse(displayPath(path), filepath.Dir(path), b)
}

func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			if rel, err := filepath.Rel(wd, abs); err == nil {
				return filepath.ToSlash(rel)
			}
		}
	}
	return filepath.ToSlash(p)
}

// Parse reads config data; name is shown in messages, dir anchors
// relative paths.
func Parse(name, dir string, data []byte) (*Config, error) {
	c := &Config{File: name, Dir: dir}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlDiag(name, err)
	}
	if root.Kind == 0 {
		return c, nil // empty file
	}
	dec = yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlDiag(name, err)
	}
	c.File, c.Dir = name, dir

	var errs diag.List
	at := func(line int) diag.Pos { return diag.Pos{File: name, Line: line} }
	rulesNode := lookup(&root, "rules")
	for id, r := range c.Rules {
		r.Line = keyLine(lookupKey(rulesNode, id))
		c.Rules[id] = r
		if r.Severity != "" {
			if _, err := finding.ParseSeverity(r.Severity); err != nil {
				errs = append(errs, diag.Errorf(at(line(lookup(lookup(rulesNode, id), "severity"))), "rules."+id+".severity", "%v", err))
			}
		}
	}
	if c.Lint.FailOn != "" && c.Lint.FailOn != "never" {
		if _, err := finding.ParseSeverity(c.Lint.FailOn); err != nil {
			errs = append(errs, diag.Errorf(at(line(lookup(lookup(&root, "lint"), "failOn"))), "lint.failOn", "%v (or never)", err))
		}
	}
	if c.Lint.MaxInputSize != "" {
		n, err := input.ParseSize(c.Lint.MaxInputSize)
		if err != nil {
			errs = append(errs, diag.Errorf(at(line(lookup(lookup(&root, "lint"), "maxInputSize"))), "lint.maxInputSize", "%v", err))
		}
		c.Lint.maxInputSize = n
	}
	waivers := lookup(&root, "waivers")
	for i := range c.Waivers {
		w := &c.Waivers[i]
		w.Pos = at(0)
		if waivers != nil && i < len(waivers.Content) {
			w.Pos = at(waivers.Content[i].Line)
		}
		path := fmt.Sprintf("waivers[%d]", i)
		if w.Rule == "" {
			errs = append(errs, diag.Errorf(w.Pos, path+".rule", "a waiver names the rule it waives"))
		}
		if strings.TrimSpace(w.Reason) == "" {
			errs = append(errs, diag.Errorf(w.Pos, path+".reason", "a waiver needs a reason"))
		}
		if w.Expires != "" {
			t, err := time.Parse("2006-01-02", w.Expires)
			if err != nil {
				errs = append(errs, diag.Errorf(w.Pos, path+".expires", "invalid date %q (want YYYY-MM-DD)", w.Expires))
			}
			w.expires = t
		}
		w.match.kind = glob(w.Kind)
		w.match.namespace = glob(w.Namespace)
		w.match.name = glob(w.Name)
		w.match.file = glob(w.File)
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return c, nil
}

// MaxInputSize is the configured input size limit in bytes; 0 when the
// configuration sets none.
func (c *Config) MaxInputSize() int64 {
	if c == nil {
		return 0
	}
	return c.Lint.maxInputSize
}

// CheckRules reports rule ids of the config that no engine registered.
func (c *Config) CheckRules(known func(id string) bool) error {
	var errs diag.List
	ids := make([]string, 0, len(c.Rules))
	for id := range c.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !known(id) {
			errs = append(errs, diag.Errorf(diag.Pos{File: c.File, Line: c.Rules[id].Line}, "rules."+id, "unknown rule (mljob rules lists them)"))
		}
	}
	for _, w := range c.Waivers {
		if w.Rule != "" && w.Rule != "*" && !known(w.Rule) {
			errs = append(errs, diag.Errorf(w.Pos, "waivers.rule", "unknown rule %q (mljob rules lists them)", w.Rule))
		}
	}
	return errs.Err()
}

// PolicyDirs are the configured policy directories, resolved against the
// config's directory.
func (c *Config) PolicyDirs() []string {
	out := make([]string, 0, len(c.Policies))
	for _, p := range c.Policies {
		if !filepath.IsAbs(p) {
			p = filepath.Join(c.Dir, p)
		}
		out = append(out, p)
	}
	return out
}

// Disabled lists the rules turned off.
func (c *Config) Disabled() []string {
	var out []string
	for id, r := range c.Rules {
		if r.Enabled != nil && !*r.Enabled {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// Params returns rule id -> parameters.
func (c *Config) Params() map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range c.Rules {
		if len(r.Params) > 0 {
			out[id] = r.Params
		}
	}
	return out
}

// Severity returns the configured severity of a rule, if any.
func (c *Config) Severity(id string) (finding.Severity, bool) {
	r, ok := c.Rules[id]
	if !ok || r.Severity == "" {
		return 0, false
	}
	s, err := finding.ParseSeverity(r.Severity)
	return s, err == nil
}

// Waive returns the waiver that covers f, if any. file is the finding's
// file as shown (relative to the working directory).
func (c *Config) Waive(f finding.Finding) *Waiver {
	for i := range c.Waivers {
		w := &c.Waivers[i]
		if w.Rule != "*" && w.Rule != f.Rule {
			continue
		}
		if !matches(w.match.kind, f.Object.Kind) || !matches(w.match.namespace, f.Object.Namespace) || !matches(w.match.name, f.Object.Name) {
			continue
		}
		if w.match.file != nil && !w.match.file.MatchString(c.relToDir(f.File)) {
			continue
		}
		return w
	}
	return nil
}

// Expired reports whether the waiver has expired at now.
func (w *Waiver) Expired(now time.Time) bool {
	return !w.expires.IsZero() && !now.Before(w.expires.AddDate(0, 0, 1))
}

// relToDir makes a finding's file relative to the config's directory.
func (c *Config) relToDir(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.ToSlash(file)
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return filepath.ToSlash(file)
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return filepath.ToSlash(file)
	}
	return filepath.ToSlash(rel)
}

func matches(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

// glob compiles a glob: * matches within a path segment, ** across
// segments, ? one character. Empty matches everything (nil).
func glob(g string) *regexp.Regexp {
	if g == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; {
		case c == '*' && i+1 < len(g) && g[i+1] == '*':
			b.WriteString(".*")
			i++
			if i+1 < len(g) && g[i+1] == '/' {
				// "**/" also matches no directory at all.
				b.WriteString("/?")
				i++
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// lookup returns the value of key in a mapping node.
func lookup(n *yaml.Node, key string) *yaml.Node {
	k := lookupKey(n, key)
	if k == nil {
		return nil
	}
	return k.value
}

type keyNode struct {
	*yaml.Node
	value *yaml.Node
}

// lookupKey returns the key node of key in a mapping node, with its value.
func lookupKey(n *yaml.Node, key string) *keyNode {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return &keyNode{n.Content[i], n.Content[i+1]}
		}
	}
	return nil
}

func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func keyLine(k *keyNode) int {
	if k == nil {
		return 0
	}
	return k.Line
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlDiag turns yaml.v3's errors ("line 3: field x not found in type
// config.Rule") into diagnostics.
func yamlDiag(name string, err error) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var errs diag.List
	for _, m := range msgs {
		d := &diag.Diagnostic{Pos: diag.Pos{File: name}, Msg: m}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			fmt.Sscan(sm[1], &d.Pos.Line)
			d.Msg = friendlyYAML(sm[2])
		}
		errs = append(errs, d)
	}
	return errs.Err()
}

var notFound = regexp.MustCompile(`^field (\S+) not found in type config\.(\w+)$`)

func friendlyYAML(m string) string {
	if sm := notFound.FindStringSubmatch(m); sm != nil {
		return fmt.Sprintf("unknown key %q", sm[1])
	}
	return m
}
