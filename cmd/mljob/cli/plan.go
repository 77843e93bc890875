package cli

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/plan"
)

type planFlags struct {
	format       string
	window       string
	from         string
	tz           string
	controllerTZ string
	capacity     []string
	gpuResources []string
	overlay      string
}

func newPlanCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan [PATH...]",
		Short: "Show the GPUs each workload holds at peak and when CronJobs start them",
		Long: `Plan is a capacity view of Jobs and CronJobs: the GPUs each one holds at peak
and, hour by hour, the GPUs CronJobs start and hold, so that two nightly
trainings that start together on the same GPUs are seen before they collide.

PATH is what lint reads: CUE workloads (directories, DIR/..., .cue files;
rendered first, with --overlay on top), Job and CronJob manifests (.yaml,
.yml, .json; hand-written or rendered by Helm), directories of both, or - for
standard input; default ".". Other objects are skipped. An input that cannot
be used, or an object the API server would reject, is an error naming its
file and line (exit 2); nothing is planned then.

Everything is read from the objects:
  pods at peak   parallelism (1 when unset), at most completions: shards,
                 sweeps and multi-node training included
  GPUs per pod   the pod's GPU requests (limits where requests are unset) as
                 the scheduler adds them: containers and sidecars summed, at
                 least the largest init container's; GPU resources are
                 nvidia.com/gpu, MIG slices, amd.com/gpu, gpu.intel.com/...
                 and --gpu-resource
  GPU type       the project profile's gpuTypes name the pod's node selection
                 matches; else the GPU models it allows (nvidia.com/gpu.product
                 and similar node labels); "any" when it allows any GPU
  max run        activeDeadlineSeconds: the longest a run holds its GPUs

CronJob runs are those the CronJob controller starts: its own cron parser
(five fields, @hourly, @daily, @weekly, @monthly, @yearly, @every) in the
CronJob's timeZone (without one, in kube-controller-manager's, --controller-tz).
Like the controller, it skips a local time that a DST change jumps over and
runs twice at one it repeats. The schedule table has a row per hour of
--window from --from, shown in --tz: START is the GPUs of the runs that start
in the hour, HELD the most GPUs runs hold at one instant of it, each run
counted until its activeDeadlineSeconds (all the time without one), runs
started before the window included; one run at a time for concurrencyPolicy
Forbid and Replace. A collision (marked !) is an hour where two CronJobs
start GPUs of one type, or hold them at once, or where runs hold more than
--capacity. Suspended CronJobs start nothing and are listed apart.

Exit status: 0, or 1 when a --capacity is exceeded, or 2 for unusable input.
The JSON format is documented in docs/plan.md.`,
		Example: `  mljob plan workloads/
  mljob plan rendered/ --window 7d --tz Europe/Berlin
  helm template charts/training | mljob plan -
  mljob plan workloads/ --capacity h100=16 --capacity a100=32   # exit 1 when exceeded
  mljob plan workloads/ --from 2026-03-29 --format json | jq '.collisions'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmtr, ok := plan.GetFormat(f.format)
			if !ok {
				return fmt.Errorf("unknown --format %q (want %s)", f.format, strings.Join(plan.FormatNames(), ", "))
			}
			opts, err := f.options()
			if err != nil {
				return err
			}
			cfg, err := findConfig()
			if err != nil {
				return err
			}
			if cfg != nil {
				// Lint's GPU rules and the plan count the same resources.
				opts.Plan.ExtraGPUResources = append(opts.Plan.ExtraGPUResources, configGPUResources(cfg.Params())...)
			}
			opts.Paths = args
			opts.Stdin = cmd.InOrStdin()
			res, err := pipeline.Plan(opts)
			if err != nil {
				return err
			}
			for _, p := range res.Empty {
				fmt.Fprintf(cmd.ErrOrStderr(), "mljob: %s: no Job or CronJob found\n", p)
			}
			if err := fmtr.Write(cmd.OutOrStdout(), res.Plan); err != nil {
				return err
			}
			if res.Plan.OverCapacity {
				return &exitError{code: ExitFindings, err: fmt.Errorf("mljob: over capacity: the plan needs more GPUs than --capacity gives (see COLLISIONS, or overCapacity in JSON)")}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	var help []string
	for _, x := range plan.Formats {
		help = append(help, x.Name+" ("+x.Description+")")
	}
	fl.StringVarP(&f.format, "format", "f", "text", "output `FORMAT`: "+strings.Join(help, ", "))
	fl.StringVar(&f.window, "window", "24h", "how long the schedule covers, in hours or days: `LENGTH` such as 24h, 36h, 7d (at most 31d)")
	fl.StringVar(&f.from, "from", "", "first hour of the schedule: an RFC 3339 `TIME` or a date (midnight in --tz), truncated to the hour (default: this hour)")
	fl.StringVar(&f.tz, "tz", "UTC", "IANA time `ZONE` the hours are shown in")
	fl.StringVar(&f.controllerTZ, "controller-tz", "UTC", "time `ZONE` of kube-controller-manager: CronJobs without timeZone run in it")
	fl.StringSliceVar(&f.capacity, "capacity", nil, "the cluster's GPUs of a type, as `TYPE=N`; exit 1 when the plan needs more (repeatable, or comma-separated)")
	fl.StringArrayVar(&f.gpuResources, "gpu-resource", nil, "also count the extended resource `NAME` as GPUs (repeatable; adds to the configuration's extraGPUResources)")
	fl.StringVar(&f.overlay, "overlay", "", "build the kustomize overlay in `DIR` on the CUE workloads, and plan the result")
	_ = cmd.RegisterFlagCompletionFunc("format", words(planFormatWords()...))
	_ = cmd.RegisterFlagCompletionFunc("window", words("24h\tone day", "48h\ttwo days", "7d\tone week", "14d\ttwo weeks", "31d\tthe longest"))
	_ = cmd.RegisterFlagCompletionFunc("from", completeFrom)
	_ = cmd.RegisterFlagCompletionFunc("tz", completeTimeZone)
	_ = cmd.RegisterFlagCompletionFunc("controller-tz", completeTimeZone)
	_ = cmd.RegisterFlagCompletionFunc("capacity", completeCapacity)
	_ = cmd.RegisterFlagCompletionFunc("gpu-resource", words("habana.ai/gaudi", "aws.amazon.com/neuron", "aws.amazon.com/neuroncore", "google.com/tpu", "xilinx.com/fpga"))
	_ = cmd.MarkFlagDirname("overlay")
	return cmd
}

// options turns the flags into the pipeline's options.
func (f *planFlags) options() (pipeline.PlanOptions, error) {
	var o pipeline.PlanOptions
	var err error
	if o.Plan.TimeZone, err = plan.ParseTimeZone(f.tz); err != nil {
		return o, fmt.Errorf("--tz: %w", err)
	}
	if o.Plan.ControllerTimeZone, err = plan.ParseTimeZone(f.controllerTZ); err != nil {
		return o, fmt.Errorf("--controller-tz: %w", err)
	}
	if o.Plan.Window, err = plan.ParseWindow(f.window); err != nil {
		return o, fmt.Errorf("--window: %w", err)
	}
	if f.from != "" {
		if o.Plan.From, err = plan.ParseFrom(f.from, o.Plan.TimeZone); err != nil {
			return o, fmt.Errorf("--from: %w", err)
		}
	} else {
		o.Plan.From = time.Now()
	}
	if o.Plan.Capacity, err = plan.ParseCapacity(f.capacity); err != nil {
		return o, fmt.Errorf("--capacity: %w", err)
	}
	o.Plan.ExtraGPUResources = f.gpuResources
	o.Overlay = f.overlay
	return o, nil
}

// configGPUResources are the extraGPUResources of the configuration's GPU
// rules.
func configGPUResources(params map[string]map[string]any) []string {
	var out []string
	for _, rule := range []string{"gpu-limits", "gpu-node-selector", "gpu-shared-memory"} {
		list, _ := params[rule]["extraGPUResources"].([]any)
		for _, v := range list {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func planFormatWords() []string {
	var out []string
	for _, f := range plan.Formats {
		out = append(out, f.Name+"\t"+f.Description)
	}
	return out
}

// completeFrom offers this hour and the coming midnight.
func completeFrom(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	now := time.Now().UTC().Truncate(time.Hour)
	return words(
		now.Format(time.RFC3339)+"\tthis hour",
		now.Truncate(24*time.Hour).Add(24*time.Hour).Format("2006-01-02")+"\ttomorrow",
	)(nil, nil, toComplete)
}

// completeTimeZone offers IANA zone names: those of the machine's zone
// database, or a few common ones without it.
func completeTimeZone(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	zones := []string{"UTC", "Local"}
	const dir = "/usr/share/zoneinfo"
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			// posix/ and right/ repeat the database; lower-case
			// directories are not zones.
			if path != dir && (name == "posix" || name == "right" || name[0] < 'A' || name[0] > 'Z') {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.Contains(name, "/") && strings.HasPrefix(name, toComplete) && name[0] >= 'A' && name[0] <= 'Z' {
			zones = append(zones, name)
		}
		return nil
	})
	if len(zones) == 2 {
		zones = append(zones, "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney")
	}
	out, _ := words(zones...)(nil, nil, toComplete)
	sortCompletions(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeCapacity offers TYPE= for the GPU types of the workloads in
// the arguments (and of the built-in profile).
func completeCapacity(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	types := map[string]bool{plan.AnyType: true}
	if p, err := pipeline.DefaultProfile(); err == nil {
		for name := range p.GPUTypes {
			types[name] = true
		}
	}
	if res, err := pipeline.Plan(pipeline.PlanOptions{Paths: args, Plan: plan.Options{From: time.Now()}}); err == nil {
		for _, t := range res.Plan.GPUTypes {
			types[t] = true
		}
	}
	var out []cobra.Completion
	for t := range types {
		if strings.HasPrefix(t+"=", toComplete) {
			out = append(out, t+"=")
		}
	}
	sortCompletions(out)
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
