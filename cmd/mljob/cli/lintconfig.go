package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mljob/mljob/internal/config"
	"github.com/mljob/mljob/internal/input"
	"github.com/mljob/mljob/internal/pipeline"
)

// lintConfigFlags are the flags of lint that choose the configuration,
// policies and inputs beyond the checks' own options.
type lintConfigFlags struct {
	config   string
	noConfig bool
	only     []string
	maxInput string
}

func (lc *lintConfigFlags) register(fl *pflag.FlagSet, opts *pipeline.LintOptions) {
	fl.StringVar(&lc.config, "config", "", "configuration `FILE` (default: "+config.FileName+" in the working directory or a parent)")
	fl.BoolVar(&lc.noConfig, "no-config", false, "use no configuration file")
	fl.StringArrayVar(&opts.Policies, "policy", nil, "user policy `DIR` or .rego file (repeatable; adds to the configuration's)")
	fl.StringSliceVar(&lc.only, "only", nil, "report only these `RULES` (comma-separated ids; see mljob rules)")
	fl.BoolVar(&opts.WholeProjects, "whole-projects", false, "a .cue file argument stands for its directory's project (for pre-commit)")
	fl.StringVar(&opts.Overlay, "overlay", "", "build the kustomize overlay in `DIR` on the CUE workloads, and check the result")
	registerMaxInput(fl, &lc.maxInput)
}

// registerMaxInput adds --max-input-size.
func registerMaxInput(fl *pflag.FlagSet, v *string) {
	fl.StringVar(v, "max-input-size", "", "read no file or standard input larger than `SIZE` (e.g. 64Mi, 100MB; default "+input.SizeString(input.DefaultMaxSize)+", or lint.maxInputSize in the configuration)")
}

// maxInputSize is the input size limit: the flag's, else the
// configuration's (0: the default).
func maxInputSize(flag string, cfg *config.Config) (int64, error) {
	if flag == "" {
		return cfg.MaxInputSize(), nil
	}
	n, err := input.ParseSize(flag)
	if err != nil {
		return 0, fmt.Errorf("--max-input-size: %w", err)
	}
	return n, nil
}

// apply loads the configuration and fills in what flags left unset.
func (lc *lintConfigFlags) apply(cmd *cobra.Command, opts *pipeline.LintOptions, failOn *string) error {
	var cfg *config.Config
	var err error
	switch {
	case lc.noConfig:
	case lc.config != "":
		cfg, err = config.Load(lc.config)
		if err != nil {
			return &pipeline.InputError{Err: err}
		}
	default:
		if cfg, err = findConfig(); err != nil {
			return err
		}
	}
	opts.Config = cfg
	opts.Only = lc.only
	if opts.MaxInputSize, err = maxInputSize(lc.maxInput, cfg); err != nil {
		return err
	}
	if cfg == nil {
		return nil
	}
	fl := cmd.Flags()
	set := func(flag string, dst *string, v string) {
		if v != "" && !fl.Changed(flag) {
			*dst = v
		}
	}
	set("kube-version", &opts.KubeVersion, cfg.Lint.KubeVersion)
	set("pod-security", &opts.PodSecurity, cfg.Lint.PodSecurity)
	set("namespace", &opts.Namespace, cfg.Lint.Namespace)
	set("fail-on", failOn, cfg.Lint.FailOn)
	return nil
}

// findConfig finds the configuration in force in the working directory,
// or nil.
func findConfig() (*config.Config, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Find(wd)
	if err != nil {
		return nil, &pipeline.InputError{Err: err}
	}
	return cfg, nil
}
