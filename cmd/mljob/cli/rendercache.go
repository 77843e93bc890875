package cli

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/mljob/mljob/internal/checkcache"
	"github.com/mljob/mljob/internal/load"
)

// checkKey is the checkcache key of a render -o of args with f (the
// kube-version and input limit resolved from the configuration): every
// input of the render's output and warnings. It says false when a render
// has inputs the key cannot capture (an overlay, which may name any file)
// or an input cannot be read (the render then says why).
func checkKey(args []string, f renderFlags, maxInput int64) (string, bool) {
	if f.overlay != "" || f.out == "" || !checkcache.Enabled() {
		return "", false
	}
	k, ok := checkcache.NewKey()
	if !ok {
		return "", false
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	out, err := filepath.Abs(f.out)
	if err != nil {
		return "", false
	}
	k.Add("wd", wd, "out", out, "kustomization", strconv.FormatBool(f.kustomization),
		"allow-empty", strconv.FormatBool(f.allowEmpty), "kube-version", f.kubeVersion,
		"pod-security", f.podSecurity, "max-input", strconv.FormatInt(maxInput, 10))
	k.Add("args")
	k.Add(args...)
	// The environment the evaluation and the validation see.
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "MLJOB_") && !strings.HasPrefix(name, "MLJOB_CACHE") && !strings.HasSuffix(name, "PROFILE") || name == "TZ" || name == "ZONEINFO" {
			env = append(env, kv)
		}
	}
	sort.Strings(env)
	k.Add("env")
	k.Add(env...)
	paths := args
	if len(paths) == 0 {
		paths = []string{"."}
	}
	groups, err := load.FindProjects(paths)
	if err != nil {
		return "", false
	}
	for _, g := range groups {
		k.Add("project", g.Name)
		for _, file := range g.Files {
			b, err := os.ReadFile(file)
			if err != nil {
				return "", false
			}
			k.Add(file)
			k.AddBytes(b)
		}
	}
	return k.String(), true
}
