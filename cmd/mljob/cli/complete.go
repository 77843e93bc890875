package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/explain"
	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/report"
	"github.com/mljob/mljob/internal/validate"
)

// Shell completion of flag values and explain's argument: what the
// registries list (formats, rules, levels), so the shell never offers a
// value mljob would refuse.

// words completes a flag from a fixed list; each word may carry a
// description after a tab.
func words(list ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, w := range list {
			if strings.HasPrefix(w, toComplete) {
				out = append(out, w)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// kubeVersions are the --kube-version values, newest first.
func kubeVersions() []string {
	var out []string
	for m := validate.ValidationVersion.Minor; m >= validate.MinVersion.Minor; m-- {
		v := validate.Version{Major: 1, Minor: m}
		out = append(out, v.String())
	}
	return out
}

func formatWords() []string {
	var out []string
	for _, f := range report.Formats() {
		out = append(out, f.Name+"\t"+f.Description)
	}
	return out
}

// completeRules completes --only: rule ids, comma-separated, the
// user's policies' (from --policy) included.
func completeRules(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var policies []string
	if fl := cmd.Flags().Lookup("policy"); fl != nil && fl.Changed {
		policies, _ = cmd.Flags().GetStringArray("policy")
	}
	docs, err := pipeline.Rules(pipeline.RulesOptions{Policies: policies})
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	done, last := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		done, last = toComplete[:i+1], toComplete[i+1:]
	}
	taken := map[string]bool{}
	for _, id := range strings.Split(done, ",") {
		taken[id] = true
	}
	var out []cobra.Completion
	for _, d := range docs {
		if strings.HasPrefix(d.ID, last) && !taken[d.ID] {
			out = append(out, done+d.ID+"\t"+d.Title)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeExplain completes explain's TYPE[.FIELD...]: workload types,
// fields and profile, then the sub-fields of what is before the last dot.
func completeExplain(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	s, err := explain.Load()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	add := func(word, doc string, more bool) {
		if !strings.HasPrefix(word, toComplete) {
			return
		}
		if more && word == toComplete {
			word += "."
		}
		out = append(out, word+"\t"+firstLine(doc))
	}
	base, _, dotted := cutLast(toComplete, ".")
	if !dotted {
		for t, doc := range s.TypeDocs {
			add(t, doc, true)
		}
		add("profile", "the platform's defaults", true)
		for _, f := range s.Workload.Fields {
			add(f.Name, f.Doc, len(f.Fields) > 0)
		}
	} else {
		typ, f, err := s.Lookup(base)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		for _, sub := range f.Fields {
			if typ != "" && f == s.Workload && !sub.AppliesTo(typ) {
				continue
			}
			add(base+"."+sub.Name, sub.Doc, len(sub.Fields) > 0)
		}
	}
	sortCompletions(out)
	// A field with sub-fields may be followed by a dot: no space.
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func firstLine(doc string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(doc), "\n")
	return line
}

func sortCompletions(cs []cobra.Completion) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j] < cs[j-1]; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// registerCompletions adds the completions of the flags a command has.
func registerCompletions(cmd *cobra.Command) {
	for name, f := range map[string]cobra.CompletionFunc{
		"fail-on":      words(report.FailOnLevels...),
		"pod-security": words(validate.PodSecurityLevels...),
		"kube-version": words(kubeVersions()...),
		"only":         completeRules,
	} {
		if cmd.Flags().Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, f)
		}
	}
}
