package load_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/load"
)

// TestMessages: the mistakes a data scientist makes in a workload, and
// the exact message each gives: the field path, then in plain words
// what the field must be (from the schema), the closest field or value
// meant, or every place a field was set. None speaks CUE.
func TestMessages(t *testing.T) {
	const base = "type: \"training\", image: \"ghcr.io/acme/train:1.0\"\n"
	for _, c := range []struct {
		name string
		// src is added to a valid workload "w" (or is the whole file,
		// when it sets workloads or profile itself).
		src  string
		want []string // path: message, sorted by position
	}{
		{"misspelt field in gpu", `gpu: {cout: 1}`, []string{
			"workloads.w.gpu.cout: unknown field; did you mean count?"}},
		{"misspelt field in resources", `resources: {memroy: "1Gi"}`, []string{
			"workloads.w.resources.memroy: unknown field; did you mean memory?"}},
		{"field case in a dataset", `datasets: d: {claim: "c", path: "/d", readonly: true}`, []string{
			"workloads.w.datasets.d.readonly: unknown field; did you mean readOnly?"}},
		{"shortened field", `retry: 3`, []string{
			"workloads.w.retry: unknown field; did you mean retries?"}},
		{"string for a list", `command: "python train.py"`, []string{
			`workloads.w.command: must be a list of strings, e.g. ["python", "train.py"], not a string`}},
		{"secret reference without key", `env: TOKEN: {secret: "s", name: "k"}`, []string{
			"workloads.w.env.TOKEN: missing key: a reference with secret is {secret, key, optional}",
			"workloads.w.env.TOKEN.name: unknown field (want secret, key or optional)"}},
		{"secret reference, key only missing", `env: TOKEN: {secret: "s"}`, []string{
			"workloads.w.env.TOKEN.key: required, but not set"}},
		{"value error beside misspelt fields", "command: \"python train.py\"\nretry: 3\ngpu: {cout: 1}", []string{
			`workloads.w.command: must be a list of strings, e.g. ["python", "train.py"], not a string`,
			"workloads.w.retry: unknown field; did you mean retries?",
			"workloads.w.gpu.cout: unknown field; did you mean count?"}},
		{"enum typo", `concurrency: "forbid"`, []string{
			`workloads.w.concurrency: must be one of "Allow", "Forbid" or "Replace", got "forbid"; did you mean "Forbid"?`}},
		{"enum in a list item", `tolerations: [{key: "k", effect: "NoSchedul"}]`, []string{
			`workloads.w.tolerations.0.effect: must be one of "NoSchedule", "PreferNoSchedule" or "NoExecute", got "NoSchedul"; did you mean "NoSchedule"?`}},
		{"out of range", `gpu: {count: 0}`, []string{
			"workloads.w.gpu.count: must be a whole number from 1 to 64, got 0"}},
		{"negative retries", `retries: -1`, []string{
			"workloads.w.retries: must be a whole number from 0 to 10000, got -1"}},
		{"number as a string", `retries: "3"`, []string{
			"workloads.w.retries: must be a whole number from 0 to 10000, not a string"}},
		{"duration in words", `timeout: "6 hours"`, []string{
			`workloads.w.timeout: must be a non-empty duration such as "90m", "6h", "1h30m" or "2d", got "6 hours"`}},
		{"bad quantity", `resources: memory: "lots"`, []string{
			`workloads.w.resources.memory: must be a quantity such as "500m", "2" or "32Gi", or a number of at least 0, got "lots"`}},
		{"yes for a bool", `spot: "yes"`, []string{
			"workloads.w.spot: must be true or false, not a string"}},
		{"struct for a number", `gpu: 2`, []string{
			"workloads.w.gpu: must be a struct {count, type}, not a whole number"}},
		{"relative mount path", `secretFiles: creds: "etc/creds"`, []string{
			`workloads.w.secretFiles.creds: must be an absolute path, got "etc/creds"`}},
		{"invalid dataset name", `datasets: Train_Data: {claim: "c", path: "/d"}`, []string{
			`workloads.w.datasets.Train_Data: invalid name "Train_Data": want a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most 63 characters`}},
		{"missing required field", `datasets: d: {path: "/d"}`, []string{
			"workloads.w.datasets.d.claim: required, but not set"}},
		{"number in a list of strings", `args: ["--epochs", 10]`, []string{
			"workloads.w.args.1: must be a string, not a whole number"}},
		{"exit code zero", `exitCodes: fail: [0]`, []string{
			"workloads.w.exitCodes.fail.0: must be a whole number from 1 to 255, got 0"}},
		{"label value not a string", `labels: team: 1`, []string{
			"workloads.w.labels.team: must be a string, not a whole number"}},
		{"list for an env value", `env: X: ["a"]`, []string{
			`workloads.w.env.X: must be a string, a number, true or false, or a reference {secret, key, optional}, {configMap, key, optional} or {field}, got ["a"]`}},
		{"empty sweep parameter", `sweep: lr: []`, []string{
			"workloads.w.sweep.lr: must be a non-empty list of values, got []"}},
		{"long namespace", `namespace: "` + strings.Repeat("n", 64) + `"`, []string{
			`workloads.w.namespace: must be a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most 63 characters, got "` + strings.Repeat("n", 64) + `"`}},
		{"misspelt top-level field", "workload: x: {}", []string{
			"workload: unknown top-level field; did you mean workloads?"}},
		{"profile field", "profile: {retires: 2}", []string{
			"profile.retires: unknown field; did you mean retries?"}},
		{"profile value", "profile: {namespace: \"ML\"}", []string{
			`profile.namespace: must be a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most 63 characters, got "ML"`}},
		{"workload type typo", `type: "trainig"`, []string{
			"workloads.w.type: set to different values: \"training\" at w.cue:1:16, \"trainig\" at w.cue:2:1; set it once, or to the same value"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "workloads: w: {" + base + c.src + "\n}\n"
			if strings.HasPrefix(c.src, "workload") || strings.HasPrefix(c.src, "profile") {
				src = "workloads: w: {" + base + "}\n" + c.src + "\n"
			}
			got := messages(t, src)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("source:\n%s\ngot:\n  %s\nwant:\n  %s", src, strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			for _, m := range got {
				for _, bad := range []string{"mismatched types", "conflicting values [", "#", "_|_"} {
					if strings.Contains(m, bad) {
						t.Errorf("%q speaks CUE (%s)", m, bad)
					}
				}
			}
		})
	}
}

// messages loads src as w.cue and returns each problem as path: message;
// every problem must be positioned in w.cue.
func messages(t *testing.T, src string) []string {
	t.Helper()
	l, err := load.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Load([]load.Source{{Name: "w.cue", Data: []byte(src)}})
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("want diagnostics, got %v", err)
	}
	var out []string
	for _, d := range list {
		if d.Pos.File != "w.cue" || d.Pos.Line == 0 {
			t.Errorf("%v: not positioned in w.cue", d)
		}
		out = append(out, d.Path+": "+d.Msg)
	}
	return out
}

// TestConflictAcrossFiles: a workload defined in two files with
// different images names both places, and the other mistakes of the run
// are still reported with it.
func TestConflictAcrossFiles(t *testing.T) {
	l, err := load.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Load([]load.Source{
		{Name: "a.cue", Data: []byte("workloads: train: {\n\ttype: \"training\"\n\timage: \"ghcr.io/acme/train:1\"\n\tretry: 2\n}\n")},
		{Name: "b.cue", Data: []byte("workloads: train: image: \"ghcr.io/acme/train:2\"\n")},
	})
	want := "a.cue:3:2: workloads.train.image: set to different values: \"ghcr.io/acme/train:1\" at a.cue:3:2, \"ghcr.io/acme/train:2\" at b.cue:1:19; set it once, or to the same value\n" +
		"a.cue:4:2: workloads.train.retry: unknown field; did you mean retries?"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// TestManyWrongWorkloads: a project of thousands of wrong workloads gets
// its first errors explained and the rest counted, not each checked and
// explained (about a millisecond each: minutes for a large file).
func TestManyWrongWorkloads(t *testing.T) {
	l, err := load.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("workloads: {\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "\tw%04d: {type: \"task\", image: \"busybox:1.36\", retry: %d}\n", i, i)
	}
	b.WriteString("}\n")
	_, err = l.Load([]load.Source{{Name: "many.cue", Data: []byte(b.String())}})
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("error %v, want a diag.List", err)
	}
	if len(list) != 101 {
		t.Fatalf("%d errors, want 100 explained and one count", len(list))
	}
	if got, want := list[0].Error(), "many.cue:2:47: workloads.w0000.retry: unknown field; did you mean retries?"; got != want {
		t.Errorf("first error %q, want %q", got, want)
	}
	last := list[len(list)-1].Error()
	if want := "many.cue:102:2: workloads: 2900 more workloads were not checked: mljob stops checking a project's workloads after 100 errors; fix them and run it again"; last != want {
		t.Errorf("last error %q, want %q", last, want)
	}
}
