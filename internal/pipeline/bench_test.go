package pipeline_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/pipeline"
	"github.com/mljob/mljob/internal/render"
)

// writeProject writes a project of n workloads of every type, spread over
// ten files, as a team's repository would hold them.
func writeProject(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	files := make([]strings.Builder, 10)
	for i := 0; i < n; i++ {
		b := &files[i%10]
		switch i % 5 {
		case 0:
			fmt.Fprintf(b, "workloads: \"train-%d\": {type: \"training\", image: \"ghcr.io/acme/train:1.%d\", command: [\"python\", \"train.py\"], gpu: {count: 2, type: \"a100\"}, resources: {cpu: \"8\", memory: \"32Gi\"}, retries: 4, timeout: \"6h\", env: {RUN: \"%d\", KEY: {secret: \"s\", key: \"k\"}}}\n", i, i, i)
		case 1:
			fmt.Fprintf(b, "workloads: \"score-%d\": {type: \"inference\", image: \"ghcr.io/acme/score:2\", shards: 10, parallelism: 3, spot: true, exitCodes: fail: [42]}\n", i)
		case 2:
			fmt.Fprintf(b, "workloads: \"etl-%d\": {type: \"preprocess\", image: \"ghcr.io/acme/etl:3\", schedule: \"0 2 * * *\", timeZone: \"UTC\", datasets: raw: {claim: \"raw\", path: \"/raw\"}, outputs: out: {claim: \"out\", path: \"/out\"}}\n", i)
		case 3:
			fmt.Fprintf(b, "workloads: \"sweep-%d\": {type: \"sweep\", image: \"ghcr.io/acme/train:1\", command: [\"python\", \"t.py\"], sweep: {lr: [0.1, 0.01, 0.001], batch: [32, 64]}, gpu: count: 1}\n", i)
		default:
			fmt.Fprintf(b, "workloads: \"task-%d\": {type: \"task\", image: \"busybox:1.36\", command: [\"echo\", \"%d\"], completions: 4, parallelism: 2}\n", i, i)
		}
	}
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("w%d.cue", i)), []byte(files[i].String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// BenchmarkRender1000 renders a project of 1,000 workloads to YAML: load,
// schema check, generate, marshal and strict decode, write.
func BenchmarkRender1000(b *testing.B) {
	dir := writeProject(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Documents) != 1000 {
			b.Fatalf("%d documents", len(res.Documents))
		}
		if err := render.WriteStream(io.Discard, res.Documents); err != nil {
			b.Fatal(err)
		}
	}
}

// The cost per workload must not grow with the project: 1,000 workloads
// take about ten times as long as 100 (compare the two figures).
func BenchmarkRender100(b *testing.B) {
	dir := writeProject(b, 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}}); err != nil {
			b.Fatal(err)
		}
	}
}

// Output is the same bytes whatever the number of workers.
func TestRenderDeterministic(t *testing.T) {
	dir := writeProject(t, 200)
	var first string
	for _, workers := range []int{1, 2, 7} {
		res, err := pipeline.Render(pipeline.RenderOptions{Paths: []string{dir}, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := render.WriteStream(&b, res.Documents); err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = b.String()
		} else if b.String() != first {
			t.Fatalf("output with %d workers differs", workers)
		}
	}
}
