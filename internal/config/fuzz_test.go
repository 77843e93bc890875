package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mljob/mljob/internal/finding"
)

// FuzzParse feeds the configuration reader arbitrary .mljob.yaml files
// (waivers above all): it must return a configuration or an error, never
// panic, and what it returns must be usable.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	if b, err := os.ReadFile(filepath.Join("..", "scaffold", "files", FileName)); err == nil {
		f.Add(b)
	}
	f.Add([]byte("waivers:\n- rule: '*'\n  name: 'a**/?b*'\n  file: '**/x/**'\n  reason: r\n  expires: 2027-01-02\n"))
	f.Add([]byte("lint: {maxInputSize: 64Mi}\nrules: {x: {params: {a: [1, {b: c}]}}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", ".", data)
		if err != nil {
			return
		}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		_ = c.CheckRules(func(string) bool { return true })
		_ = c.Params()
		_ = c.Disabled()
		_ = c.PolicyDirs()
		_ = c.MaxInputSize()
		for _, w := range c.Waivers {
			w.Expired(now)
			f := finding.Finding{Rule: w.Rule, Object: finding.Object{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}}
			f.File = w.File
			c.Waive(f)
		}
	})
}
