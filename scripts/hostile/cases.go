//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// generate writes the corpus's large inputs into dir.
func generate(dir string) error {
	files := map[string]func(w *bufio.Writer){
		// Issue 14: one 64 KiB anchored string aliased many times; 88 KB
		// took 2.2 GB, 365 KB died out of memory.
		"alias-88k.yaml":  func(w *bufio.Writer) { bigAlias(w, 88<<10) },
		"alias-365k.yaml": func(w *bufio.Writer) { bigAlias(w, 365<<10) },
		// Merge keys chained to double at every level: 24 levels took
		// 21 s, 60 never finished.
		"merge-24.yaml": func(w *bufio.Writer) { mergeChain(w, 24) },
		"merge-60.yaml": func(w *bufio.Writer) { mergeChain(w, 60) },
		"laughs.yaml":   func(w *bufio.Writer) { laughs(w, 9) },
		// 20 MB of small ConfigMaps took 1.7 GB.
		"configmaps-20mb.yaml": func(w *bufio.Writer) {
			for i := 0; i < 200000; i++ {
				fmt.Fprintf(w, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: ml\ndata:\n  key: value-%d\n", i, i)
			}
		},
		// A thousand Jobs, every one checked with the rule pack.
		"jobs-1000.yaml": func(w *bufio.Writer) {
			for i := 0; i < 1000; i++ {
				fmt.Fprintf(w, "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: job-%d}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: \"x:1\", env: [{name: TOKEN, value: t}]}]\n", i)
			}
		},
		// A flow sequence of a million items in one document.
		"flow-million.yaml": func(w *bufio.Writer) {
			w.WriteString("[")
			for i := 0; i < 1<<20; i++ {
				w.WriteString("1,")
			}
			w.WriteString("1]\n")
		},
		// Ten million empty documents.
		"separators.yaml": func(w *bufio.Writer) {
			for i := 0; i < 10_000_000; i++ {
				w.WriteString("---\n")
			}
		},
		// One 30 MB value.
		"long-value.yaml": func(w *bufio.Writer) {
			w.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  big: ")
			for i := 0; i < 30<<20/64; i++ {
				w.WriteString("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
			}
			w.WriteString("\n")
		},
		// Over the input size limit, as a file and on standard input.
		"over-limit.yaml": func(w *bufio.Writer) {
			line := "# " + strings.Repeat("x", 1021) + "\n"
			for i := 0; i < 70<<10; i++ {
				w.WriteString(line)
			}
		},
	}
	for name, write := range files {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		write(w)
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

func bigAlias(w *bufio.Writer, size int) {
	fmt.Fprintf(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  big: &s %q\nextra:\n", strings.Repeat("x", 64<<10))
	written := 64<<10 + 100
	for i := 0; written < size; i++ {
		// Plain values among the aliases keep v2's alias ratio below
		// its limit: kubectl reads this file.
		s := fmt.Sprintf("- [*s, *s, *s, *s, %d]\n", i)
		w.WriteString(s)
		written += len(s)
	}
}

func mergeChain(w *bufio.Writer, levels int) {
	w.WriteString("l0: &l0 {a: 1, b: 2}\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(w, "l%d: &l%d {<<: [*l%d, *l%d], k%d: %d}\n", i, i, i-1, i-1, i, i)
	}
}

func laughs(w *bufio.Writer, levels int) {
	w.WriteString("a0: &a0 [lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(w, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
}

// cases are the runs of mljob over the corpus.
func cases() []testCase {
	const limit = `larger than 64 MiB, the input size limit`
	return []testCase{
		// Parsing and resource bounds.
		{name: "alias 88 KB", args: []string{"lint", "alias-88k.yaml"}, code: 2, want: `alias-88k.yaml:\d+:\d+: aliases expand to more than 4 MiB of JSON, mljob's limit per document`},
		{name: "alias 365 KB", args: []string{"lint", "alias-365k.yaml"}, code: 2, want: `aliases expand to more than 4 MiB`},
		{name: "merge keys, 24 levels", args: []string{"lint", "merge-24.yaml"}, code: 2, want: `merge-24.yaml:\d+:\d+: document contains excessive aliasing`},
		{name: "merge keys, 60 levels", args: []string{"lint", "merge-60.yaml"}, code: 2, want: `document contains excessive aliasing`},
		{name: "billion laughs", args: []string{"lint", "laughs.yaml"}, code: 2, want: `document contains excessive aliasing`},
		{name: "alias cycles", args: []string{"lint", "cycle.yaml"}, code: 2, want: `anchor 'x' value contains itself`},
		{name: "20 MB of ConfigMaps", args: []string{"lint", "configmaps-20mb.yaml"}, code: 0, want: `0 objects checked: .*; 200000 other objects skipped`},
		{name: "1000 Jobs", args: []string{"lint", "jobs-1000.yaml"}, code: 1, want: `1000 objects checked: `},
		{name: "a million items", args: []string{"lint", "flow-million.yaml"}, code: 2, want: `document has more than 262144 keys and items, mljob's limit per document`},
		{name: "ten million separators", args: []string{"lint", "separators.yaml"}, code: 0, want: `0 objects checked`},
		{name: "30 MB value", args: []string{"lint", "long-value.yaml"}, code: 0, want: `1 other object skipped`},
		{name: "nesting 20000 deep", args: []string{"lint", "deep.yaml"}, code: 2, want: `deep.yaml:\d+: invalid YAML: .*depth`},
		{name: "file over the size limit", args: []string{"lint", "over-limit.yaml"}, code: 2, want: `over-limit.yaml: file is ` + limit},
		{name: "stdin over the size limit", args: []string{"lint", "-"}, stdin: "over-limit.yaml", code: 2, want: `<stdin>: file is ` + limit},
		{name: "CUE string doubling", args: []string{"lint", "cue-doubling"}, code: 2, want: `cue-doubling/w.cue: project cue-doubling/w.cue: evaluating it took more than \d+ MiB of memory`},
		{name: "CUE list.Concat doubling", args: []string{"render", "cue-concat"}, code: 2, want: `evaluating it took more than .*, mljob's limit for a project of this size`},
		{name: "CUE comprehension over a range", args: []string{"render", "cue-range"}, code: 2, want: `mljob's limit for a project of this size`},
		{name: "CUE recursion", args: []string{"render", "cue-recursion"}, code: 2, want: `cue-recursion/w.cue`},
		{name: "Rego triple loop", args: []string{"lint", "--policy", "policy-loop", "job.yaml"}, code: 2, want: `\[policy-error\] Job default/j: rule loop: evaluation stopped after 2s`},
		{name: "Rego count(numbers.range(1, 2e9))", args: []string{"lint", "--policy", "policy-range", "job.yaml"}, code: 2, want: `\[policy-error\] Job default/j: rule range: evaluation stopped`},
		{name: "Rego string doubling", args: []string{"lint", "--policy", "policy-doubling", "job.yaml"}, code: 2, want: `\[policy-error\] Job default/j: rule doubling: evaluation stopped`},
		{name: "Rego comprehension of a billion", args: []string{"lint", "--policy", "policy-comprehension", "job.yaml"}, code: 2, want: `\[policy-error\] Job default/j: rule comprehension: evaluation stopped`},

		// Hidden or reinterpreted input.
		{name: "JSON then YAML", args: []string{"lint", "json-then-yaml.yaml"}, code: 1, want: `(?s)json-then-yaml.yaml:\d+:\d+: error: \[pod-security\] Job default/c: .*hostPID.*2 objects checked`},
		{name: "--- !!map", args: []string{"lint", "tagged-separator.yaml"}, code: 2, want: `(?s)tagged-separator.yaml:4: kubectl refuses this file.*Job default/hidden: .*hostNetwork`},
		{name: "tags as kubectl", args: []string{"lint", "tags.yaml"}, code: 1, want: `\[plaintext-secret\] Job default/tags: container "main" sets AWS_SECRET_ACCESS_KEY to a literal value`},

		// The policy sandbox.
		{name: "policy in package mljob", args: []string{"lint", "--policy", "policy-sneaky", "job.yaml"}, code: 2, want: `policy-sneaky/p.rego:1:1: package mljob: a policy's package is mljob.rules.NAME`},
		{name: "policy in mljob.lib", args: []string{"lint", "--policy", "policy-lib", "job.yaml"}, code: 2, want: `policy-lib/p.rego:1:1: package mljob.lib is mljob's helper library`},
		{name: "policy signing at random", args: []string{"lint", "--policy", "policy-jwt", "job.yaml"}, code: 2, want: `built-in function io.jwt.encode_sign is not available to mljob policies`},
		{name: "policy quoting a secret", args: []string{"lint", "--policy", "policy-leak", "job.yaml"}, code: 1, deny: `hf_live_secret`, want: `\[policy-error\] Job default/j: rule leak: violation must be an object`},

		// Files and network.
		{name: "fn paths out of the directory", args: []string{"fn"}, stdin: "fn-escape.yaml", code: 2, want: `"../../etc" leaves the kustomization`},
		{name: "overlay with a remote resource", args: []string{"lint", "--overlay", "overlay-remote", "workloads"}, code: 2, want: `overlay-remote/kustomization.yaml:3:3: resources\[1\]: "https://github.com/acme/platform//base\?ref=v1": remote resources are not fetched`},
		{name: "names that forge lines", args: []string{"lint", "evil-names.yaml"}, code: 1, deny: "(?m)^::|\x1b|\u202e|\r", want: `Job default/x\\n::error file=a.yaml,line=1::forged\\x1b\[2J\\x1b\]0;title\\x07\\u202e: `},
	}
}
