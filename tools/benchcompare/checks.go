package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/benchcorpus"
)

// checkPeers makes sure, with the real binaries, that each peer does the
// work it is compared for: kubeconform's schemas are strict, cue renders
// what mljob renders, conftest's rules and kubeconform's schemas find
// what mljob's do. A ratio against a peer that does less would flatter the
// peer; the run stops instead.
func checkPeers(c commands) error {
	fmt.Println("## checks: the peers do the same work as mljob")
	if err := checkStrictSchemas(c); err != nil {
		return err
	}
	cue1000, err := cueFiles(c.out, cueDir(small))
	if err != nil {
		return err
	}
	data1000, err := cueFiles(c.out, dataDir(small))
	if err != nil {
		return err
	}
	want, err := output(c.out, c.mljob, "render", cueDir(small)+"/")
	if err != nil {
		return err
	}
	for _, v := range []struct {
		what string
		args []string
	}{
		{"cue export of " + template + " and the workload files", append([]string{c.cue, "export", "-e", "stream", "--out", "text", template}, cue1000...)},
		{"cue export of the objects as CUE data", append([]string{c.cue, "export", "-e", "stream", "--out", "text"}, data1000...)},
	} {
		got, err := output(c.out, v.args...)
		if err != nil {
			return err
		}
		n, err := sameObjects(got, want)
		if err != nil {
			return fmt.Errorf("%s differs from mljob render %s: %w", v.what, cueDir(small), err)
		}
		fmt.Printf("  %s renders the same %d objects as mljob render %s\n", v.what, n, cueDir(small))
	}

	// Findings by rule on the 1,000 YAML objects.
	mljob, err := mljobFindings(c, yamlDir(small), append([]string{"schema"}, benchcorpus.ConftestRules...))
	if err != nil {
		return err
	}
	conftest, err := conftestFindings(c, yamlDir(small))
	if err != nil {
		return err
	}
	var counts []string
	for _, r := range benchcorpus.ConftestRules {
		if conftest[r] != mljob[r] {
			return fmt.Errorf("on %s, conftest finds %d %s problems, mljob %d", yamlDir(small), conftest[r], r, mljob[r])
		}
		counts = append(counts, fmt.Sprintf("%s %d", r, mljob[r]))
	}
	fmt.Printf("  conftest and mljob find the same on %s: %s\n", yamlDir(small), strings.Join(counts, ", "))
	invalid, err := kubeconformInvalid(c, yamlDir(small))
	if err != nil {
		return err
	}
	if invalid != mljob["schema objects"] {
		return fmt.Errorf("on %s, kubeconform rejects %d objects, mljob's schema rule %d", yamlDir(small), invalid, mljob["schema objects"])
	}
	fmt.Printf("  kubeconform -strict and mljob's schema rule reject the same %d objects of %s (misspelt fields)\n", invalid, yamlDir(small))
	return nil
}

// checkStrictSchemas checks that kubeconform accepts the one Job and
// rejects it with an unknown field.
func checkStrictSchemas(c commands) error {
	var obj map[string]any
	b, err := os.ReadFile(filepath.Join(c.out, oneJob))
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, &obj); err != nil {
		return err
	}
	pod := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	pod["containers"].([]any)[0].(map[string]any)["imagePullPolice"] = "Always"
	bad, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	badFile := filepath.Join(tmpDir, "unknown-field.yaml")
	if err := os.WriteFile(filepath.Join(c.out, badFile), bad, 0o644); err != nil {
		return err
	}
	if out, err := output(c.out, c.kubeconformStep(oneJob).args...); err != nil {
		return fmt.Errorf("kubeconform rejects %s: %w\n%s", oneJob, err, out)
	}
	out, err := output(c.out, c.kubeconformStep(badFile).args...)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "imagePullPolice") {
		return fmt.Errorf("kubeconform -strict does not reject an unknown field (%v):\n%s", err, out)
	}
	msg, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	fmt.Printf("  kubeconform -strict accepts %s and rejects it with an unknown field:\n    %s\n", oneJob, msg)
	return nil
}

// output runs a command in dir and returns its standard output.
func output(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// sameObjects compares two YAML streams as sets of objects.
func sameObjects(got, want []byte) (int, error) {
	g, err := objects(got)
	if err != nil {
		return 0, err
	}
	w, err := objects(want)
	if err != nil {
		return 0, err
	}
	if len(g) != len(w) {
		return 0, fmt.Errorf("%d objects, want %d", len(g), len(w))
	}
	for k, obj := range w {
		if !reflect.DeepEqual(g[k], obj) {
			return 0, fmt.Errorf("object %s differs", k)
		}
	}
	return len(w), nil
}

// objects decodes a YAML stream into objects by namespace/kind/name, as
// JSON values.
func objects(stream []byte) (map[string]any, error) {
	out := map[string]any{}
	dec := yamlv3.NewDecoder(bytes.NewReader(stream))
	for {
		var doc any
		err := dec.Decode(&doc)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if doc == nil {
			continue
		}
		j, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		var obj map[string]any
		if err := json.Unmarshal(j, &obj); err != nil {
			return nil, err
		}
		meta, _ := obj["metadata"].(map[string]any)
		out[fmt.Sprintf("%v/%v/%v", meta["namespace"], obj["kind"], meta["name"])] = obj
	}
}

// mljobFindings counts mljob's findings by rule, and under "schema
// objects" the objects with schema findings.
func mljobFindings(c commands, dir string, rules []string) (map[string]int, error) {
	out, err := output(c.out, c.mljob, "lint", "--no-config", "--fail-on", "never", "--format", "json", "--only", strings.Join(rules, ","), dir+"/")
	if err != nil {
		return nil, err
	}
	var res struct {
		Findings []struct {
			Rule   string `json:"rule"`
			Object struct {
				Name string `json:"name"`
			} `json:"object"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	schema := map[string]bool{}
	for _, f := range res.Findings {
		counts[f.Rule]++
		if f.Rule == "schema" {
			schema[f.Object.Name] = true
		}
	}
	counts["schema objects"] = len(schema)
	return counts, nil
}

// conftestFindings counts conftest's failures by the rule id their
// message starts with.
func conftestFindings(c commands, dir string) (map[string]int, error) {
	args := append(c.conftestStep(dir).args, "-o", "json")
	out, err := output(c.out, args...)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, err
	}
	var res []struct {
		Failures []struct {
			Msg string `json:"msg"`
		} `json:"failures"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("conftest -o json: %w", err)
	}
	counts := map[string]int{}
	for _, r := range res {
		for _, f := range r.Failures {
			rule, _, _ := strings.Cut(strings.TrimPrefix(f.Msg, "["), "]")
			counts[rule]++
		}
	}
	return counts, nil
}

// kubeconformInvalid counts the objects kubeconform finds invalid.
func kubeconformInvalid(c commands, dir string) (int, error) {
	// kubeconform's flags go before the paths (Go's flag package).
	args := append([]string{c.kubeconform, "-output", "json"}, c.kubeconformStep(dir).args[1:]...)
	out, err := output(c.out, args...)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return 0, err
	}
	var res struct {
		Resources []struct {
			Status string `json:"status"`
			Msg    string `json:"msg"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("kubeconform -output json: %w", err)
	}
	n := 0
	var other []string
	for _, r := range res.Resources {
		switch r.Status {
		case "statusInvalid":
			n++
		case "statusError":
			other = append(other, r.Msg)
		}
	}
	if len(other) > 0 {
		sort.Strings(other)
		return 0, fmt.Errorf("kubeconform could not check %d objects: %s", len(other), other[0])
	}
	return n, nil
}
