package manifest_test

import (
	"fmt"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/manifest"
)

// mergeChain is the merge-key bomb: every level merges the previous one
// twice, so a naive expansion doubles at each level.
func mergeChain(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 {a: 1, b: 2}\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d {<<: [*l%d, *l%d], k%d: %d}\n", i, i, i-1, i-1, i, i)
	}
	return b.String()
}

// laughs is the billion laughs: each level a list of ten of the previous.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
	return b.String()
}

// bigAlias is one large anchored string aliased n times, with enough
// plain values that the alias ratio stays below v2's.
func bigAlias(size, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind: ConfigMap\nbig: &s %q\nx:\n", strings.Repeat("x", size))
	for i := range n {
		fmt.Fprintf(&b, "- [*s, %d]\n", i)
	}
	return b.String()
}

func TestBounds(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		// want is the error mljob reports; kubectl is what kubectl's
		// decoder says ("" when it reads the document).
		want, kubectl string
	}{
		{"merge chain 24", mergeChain(24), "f:3:15: document contains excessive aliasing", "excessive aliasing"},
		{"merge chain 60", mergeChain(60), "document contains excessive aliasing", "excessive aliasing"},
		{"billion laughs", laughs(9), "document contains excessive aliasing", "excessive aliasing"},
		{"anchored string aliased many times", bigAlias(64<<10, 1000), "aliases expand to more than 4 MiB of JSON, mljob's limit per document", ""},
		{"alias in its own anchor", "a: &x [1, *x]\n", "anchor 'x' value contains itself", "contains itself"},
		{"merge into itself", "a: &x {b: 1, <<: *x}\n", "anchor 'x' value contains itself", "contains itself"},
		{"a flow sequence of a million items", "[" + strings.Repeat("1,", 1<<20) + "1]", "document has more than 262144 keys and items", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, errs := manifest.Read("f", []byte(tc.data))
			if err := errs.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
			if len(docs) != 0 {
				t.Errorf("%d documents read", len(docs))
			}
			if tc.kubectl != "" {
				if _, err := sigsyaml.YAMLToJSON([]byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.kubectl) {
					t.Errorf("kubectl: %v, want %q", err, tc.kubectl)
				}
			}
		})
	}
}

// TestAliasRatioAsKubectl checks that mljob refuses aliasing exactly where
// kubectl does: a document that is mostly aliases, around v2's threshold.
func TestAliasRatioAsKubectl(t *testing.T) {
	for _, plain := range []int{0, 5, 10, 20, 50, 100, 1000} {
		for _, aliases := range []int{50, 101, 500, 990, 1000, 2000, 5000} {
			var b strings.Builder
			b.WriteString("a: &a x\nl:\n")
			for range aliases {
				b.WriteString("- *a\n")
			}
			for i := range plain {
				fmt.Fprintf(&b, "- %d\n", i)
			}
			_, kerr := sigsyaml.YAMLToJSON([]byte(b.String()))
			_, errs := manifest.Read("f", []byte(b.String()))
			if (kerr != nil) != (errs.Err() != nil) {
				t.Errorf("%d aliases, %d plain values: kubectl %v, mljob %v", aliases, plain, kerr, errs.Err())
			}
		}
	}
}

// TestFileAliasBudget: many documents that each stay below the limit per
// document still cannot make a file expand without bound.
func TestFileAliasBudget(t *testing.T) {
	doc := bigAlias(64<<10, 40) // 2.5 MiB of JSON from aliases
	data := strings.Repeat(doc+"---\n", 10)
	docs, errs := manifest.Read("f", []byte(data))
	if err := errs.Err(); err == nil || !strings.Contains(err.Error(), "mljob's limit per file; the rest of the file is not read") {
		t.Fatalf("error = %v", err)
	}
	if len(docs) != 6 {
		t.Errorf("%d documents read before the limit, want 6", len(docs))
	}
}
