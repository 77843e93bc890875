package manifest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/manifest"
)

// FuzzRead feeds the manifest reader arbitrary streams: it must return
// documents and errors, never panic or run away, and every document it
// returns is JSON with a position in the file.
func FuzzRead(f *testing.F) {
	for _, s := range trickyStreams {
		f.Add([]byte(s.data))
	}
	for _, data := range corpusFiles(f) {
		f.Add(data)
	}
	f.Add([]byte(mergeChain(30)))
	f.Add([]byte(laughs(6)))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, errs := manifest.Read("f.yaml", data)
		lines := yamlLines(data)
		for _, d := range docs {
			if !json.Valid(d.JSON) {
				t.Fatalf("invalid JSON %q", d.JSON)
			}
			p := d.Pos()
			if p.File != "f.yaml" || p.Line < 1 || p.Line > lines {
				t.Fatalf("document at %v, the file has %d lines", p, lines)
			}
			for _, path := range []string{"metadata.name", "spec.template.spec.containers[0].image", "a[0].b"} {
				if q := d.PosOf(path); q.Line < 1 || q.Line > lines {
					t.Fatalf("PosOf(%s) = %v", path, q)
				}
			}
			step := max(int64(len(d.JSON))/50, 1)
			for off := int64(0); off < int64(len(d.JSON)); off += step {
				d.FieldAt(off)
			}
		}
		for _, e := range errs {
			if e.Pos.File != "f.yaml" || e.Pos.Line < 0 || e.Pos.Line > lines+1 {
				t.Fatalf("error at %v: %v", e.Pos, e)
			}
		}
	})
}

// yamlLines counts lines as YAML does: \n, \r\n, a lone \r, NEL, LS and PS
// end one.
func yamlLines(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}
