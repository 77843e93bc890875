package report

import "testing"

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain name":               "plain name",
		"tab\tstays":               "tab\tstays",
		"a\nfile.yaml:1:1: error:": `a\nfile.yaml:1:1: error:`,
		"\x1b[31mred\x1b[0m":       `\x1b[31mred\x1b[0m`,
		"cr\rover":                 `cr\rover`,
		"nul\x00":                  `nul\x00`,
		"c1 \u009b2J":              `c1 \x9b2J`,
		"bidi \u202eevil":          `bidi \u202eevil`,
		"bad \xff utf8":            `bad \xff utf8`,
		"héllo wörld":              "héllo wörld",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %s, want %s", in, got, want)
		}
	}
	if got := EscapeLine("::error::x.yaml:1:1"); got != "./::error::x.yaml:1:1" {
		t.Errorf("EscapeLine = %s", got)
	}
}
