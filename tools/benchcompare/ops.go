package main

import (
	"path/filepath"
	"sort"
)

// Targets of the speed issue (#13): the ratio mljob / peer (CPU time,
// and wall time) each comparison must stay under, and the memory bound.
// The scaling rows compare 10,000 workloads with 1,000 of the same mix:
// linear is 10, the issue allows 11.
const (
	targetPeer       = 1.0  // start-up, one file, 1,000 YAML vs kubeconform
	targetConftest   = 0.5  // 1,000 YAML vs conftest with 6 rules
	targetRender     = 0.25 // 1,000 CUE render vs cue export
	targetLintExport = 0.35 // 1,000 CUE lint vs cue export
	targetLintChain  = 0.1  // 1,000 CUE lint vs cue export | kubeconform | conftest
	targetScaling    = 11.0
	targetCheck      = 0.5 // render -o --check on an unchanged repository vs a full render
	rssLimitMiB      = 1024
)

// op is one row of the tables: mljob's side against a peer's.
type op struct {
	name   string // what is measured
	peer   string // what it is compared with
	mljob  side
	other  side
	target float64 // mljob/peer at most this; 0: shown for information
	rss    bool    // mljob's peak RSS must stay under rssLimitMiB
	large  bool    // a 10,000 operation, left out with -large=false
	// setup runs once, untimed, before the rounds.
	setup *side
}

type commands struct {
	mljob, cue, kubeconform, conftest string
	out                               string // the output directory, where commands run
}

func (c commands) lint(paths ...string) side {
	return side{steps: []step{{args: append([]string{c.mljob, "lint", "--no-config"}, paths...), ok: []int{0, 1}}}}
}

func (c commands) render(args ...string) side {
	return side{steps: []step{{args: append([]string{c.mljob, "render"}, args...)}}}
}

func (c commands) kubeconformStep(paths ...string) step {
	return step{args: append([]string{c.kubeconform, "-strict", "-summary", "-schema-location", SchemaLocation(schemaDir)}, paths...), ok: []int{0, 1}}
}

func (c commands) conftestStep(paths ...string) step {
	return step{args: append([]string{c.conftest, "test", "--no-color", "-p", conftestDir}, paths...), ok: []int{0, 1}}
}

// cueExport exports the template's YAML stream for workload files.
func (c commands) cueExport(stdout string, files ...string) step {
	return step{args: append([]string{c.cue, "export", "-e", "stream", "--out", "text", template}, files...), stdout: stdout}
}

// cueFiles lists the .cue files of a corpus directory, as a shell glob
// would (cue export takes files without a package clause one by one).
func cueFiles(out, dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(out, dir, "*.cue"))
	if err != nil {
		return nil, err
	}
	sort.Strings(m)
	for i := range m {
		m[i], _ = filepath.Rel(out, m[i])
	}
	return m, nil
}

func operations(c commands) ([]op, error) {
	cue1000, err := cueFiles(c.out, cueDir(small))
	if err != nil {
		return nil, err
	}
	data1000, err := cueFiles(c.out, dataDir(small))
	if err != nil {
		return nil, err
	}
	oneCUE, err := cueFiles(c.out, oneWorkload)
	if err != nil {
		return nil, err
	}
	y1000, y10000 := yamlDir(small)+"/", yamlDir(large)+"/"
	c1000, c10000, split := cueDir(small)+"/", cueDir(large)+"/", splitDir(large)+"/..."
	stream := filepath.Join(tmpDir, "stream.yaml")

	cueExport := side{steps: []step{c.cueExport("", cue1000...)}}
	chain := side{steps: []step{
		c.cueExport(stream, cue1000...), c.kubeconformStep(stream), c.conftestStep(stream),
	}}
	return []op{
		{name: "start-up: version", peer: "cue version", target: targetPeer,
			mljob: side{steps: []step{{args: []string{c.mljob, "version"}}}},
			other: side{steps: []step{{args: []string{c.cue, "version"}}}}},
		{name: "1 YAML file: lint", peer: "kubeconform -strict", target: targetPeer,
			mljob: c.lint(oneJob), other: side{steps: []step{c.kubeconformStep(oneJob)}}},
		{name: "1 CUE workload: lint DIR", peer: "cue vet -c", target: targetPeer,
			mljob: c.lint(oneWorkload + "/"),
			other: side{steps: []step{{args: append([]string{c.cue, "vet", "-c", template}, oneCUE...)}}}},

		{name: "1,000 YAML: lint", peer: "kubeconform -strict", target: targetPeer,
			mljob: c.lint(y1000), other: side{steps: []step{c.kubeconformStep(y1000)}}},
		{name: "1,000 YAML: lint", peer: "conftest, 6 rules", target: targetConftest,
			mljob: c.lint(y1000), other: side{steps: []step{c.conftestStep(y1000)}}},
		{name: "1,000 YAML: lint", peer: "kubeconform + conftest",
			mljob: c.lint(y1000), other: side{steps: []step{c.kubeconformStep(y1000), c.conftestStep(y1000)}}},

		{name: "1,000 CUE: render", peer: "cue export (template)", target: targetRender,
			mljob: c.render(c1000), other: cueExport},
		{name: "1,000 CUE: render", peer: "cue export (objects as data)",
			mljob: c.render(c1000),
			other: side{steps: []step{{args: append([]string{c.cue, "export", "-e", "stream", "--out", "text"}, data1000...)}}}},
		{name: "1,000 CUE: lint", peer: "cue export (template)", target: targetLintExport,
			mljob: c.lint(c1000), other: cueExport},
		{name: "1,000 CUE: lint", peer: "cue export | kubeconform | conftest", target: targetLintChain,
			mljob: c.lint(c1000), other: chain},

		{name: "10,000 CUE, 1 dir: render", peer: "render 1,000", target: targetScaling, rss: true, large: true,
			mljob: c.render(c10000), other: c.render(c1000)},
		{name: "10,000 CUE, 100 dirs: render", peer: "render 1,000", target: targetScaling, rss: true, large: true,
			mljob: c.render(split), other: c.render(c1000)},
		{name: "10,000 CUE, 1 dir: lint", peer: "lint 1,000", target: targetScaling, rss: true, large: true,
			mljob: c.lint(c10000), other: c.lint(c1000)},
		{name: "10,000 CUE, 100 dirs: lint", peer: "lint 1,000", target: targetScaling, rss: true, large: true,
			mljob: c.lint(splitDir(large) + "/"), other: c.lint(c1000)},
		{name: "10,000 YAML: lint", peer: "lint 1,000", target: targetScaling, rss: true, large: true,
			mljob: c.lint(y10000), other: c.lint(y1000)},
		{name: "10,000 CUE: render -o --check, unchanged", peer: "full render", target: targetCheck, large: true,
			setup: ptr(c.render(c10000, "-o", renderedDir)),
			mljob: c.render(c10000, "-o", renderedDir, "--check"), other: c.render(c10000)},
	}, nil
}

func ptr[T any](v T) *T { return &v }
