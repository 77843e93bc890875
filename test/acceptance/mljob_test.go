package acceptance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/kube"
	"github.com/mljob/mljob/internal/pipeline"
)

// lintVerdict is what mljob lint says of one document.
type lintVerdict struct {
	Rejected bool `json:"rejected"`
	// Paths are the field paths of the findings that reject it.
	Paths []string `json:"paths,omitempty"`
	// Messages are those findings (and input errors), for reports.
	Messages []string `json:"messages,omitempty"`
	// Panic is set when the library panicked: the panic and where.
	Panic string `json:"panic,omitempty"`
}

// rejectingRules are the rules that stand for the API server's own
// answer; the others (pod-security, the Rego pack) are mljob's opinions.
var rejectingRules = map[string]bool{"schema": true, "api-validation": true, "deprecated-api": true, "kube-version": true}

// lintOne is the adapter to mljob's library, kept in one place because
// its API is being reworked: mljob rejects a document when an
// error-level finding of a rejecting rule, or an input error, comes back.
//
// mljob checks a Service only as the Service of a distributed Job, so a
// Service is linted with one: a valid Indexed Job whose pods' subdomain
// names it, and only the findings on the Service count.
func lintOne(name string, data []byte) lintVerdict {
	manifests := []pipeline.Manifest{{Name: name, Data: data}}
	onlyKind := ""
	if job, ok := companionJob(data); ok {
		manifests = append(manifests, pipeline.Manifest{Name: "companion-job.yaml", Data: job})
		onlyKind = "Service"
	}
	res, err := pipeline.Lint(pipeline.LintOptions{
		Manifests:   manifests,
		NoPolicies:  true,
		PodSecurity: "privileged",
	})
	if err != nil {
		return lintVerdict{Rejected: true, Messages: []string{"lint: " + err.Error()}}
	}
	var v lintVerdict
	for _, f := range res.Findings {
		if onlyKind != "" && f.Object.Kind != onlyKind {
			continue
		}
		if f.Severity == finding.Error && rejectingRules[f.Rule] {
			v.Rejected = true
			v.Paths = append(v.Paths, f.Path)
			v.Paths = append(v.Paths, f.Also...) // fields of the same cause
			v.Messages = append(v.Messages, fmt.Sprintf("[%s] %s: %s", f.Rule, f.Path, f.Message))
		}
	}
	for _, e := range res.Errors {
		v.Rejected = true
		v.Messages = append(v.Messages, "input error: "+e.Error())
	}
	slices.Sort(v.Paths)
	v.Paths = slices.Compact(v.Paths)
	return v
}

// companionJob is a valid distributed Job whose pods' subdomain names the
// Service data is, in its namespace; false when data is not a v1 Service
// with a name.
func companionJob(data []byte) ([]byte, bool) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, false
	}
	svc := kube.ReadHead(j)
	if svc.APIVersion != "v1" || svc.Kind != "Service" || svc.Metadata.Name == "" {
		return nil, false
	}
	ns := svc.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	job := fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: companion, namespace: %q}
spec:
  completionMode: Indexed
  completions: 2
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      subdomain: %q
      containers: [{name: main, image: busybox}]
`, ns, svc.Metadata.Name)
	return []byte(job), true
}

// A panic in mljob's checks happens on one of the library's worker
// goroutines, where no recover of ours can reach it: it would end the
// whole test binary. So documents are linted by worker processes (this
// test binary again, in worker mode); one that dies is a panic for the
// document it was linting, and is replaced.

const workerEnv = "MLJOB_ACCEPTANCE_LINT_WORKER"

type lintRequest struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// runWorker serves lint requests from stdin, answers on fd 3 (stdout
// belongs to whatever the libraries print).
//
// A goroutine that panics runs its deferred calls first, and the
// library's worker pool defers its WaitGroup.Done: Lint can return a
// partial result, "accepted", while the panic is still being printed
// and before the process exits. With one P, and the main goroutine
// yielding before it answers, the dying goroutine gets to exit first,
// so no answer is sent for a document that crashed.
func runWorker() int {
	runtime.GOMAXPROCS(1)
	out := os.NewFile(3, "answers")
	enc := json.NewEncoder(out)
	dec := json.NewDecoder(os.Stdin)
	for {
		var req lintRequest
		if err := dec.Decode(&req); err != nil {
			if err == io.EOF {
				return 0
			}
			fmt.Fprintln(os.Stderr, "worker:", err)
			return 1
		}
		v := lintOne(req.Name, req.Data)
		runtime.Gosched()
		time.Sleep(time.Millisecond)
		if err := enc.Encode(v); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			return 1
		}
	}
}

// linter is one worker process.
type linter struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *json.Decoder
	stderr *bytes.Buffer
}

func startLinter() (*linter, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	cmd.ExtraFiles = []*os.File{w}
	stderr := &bytes.Buffer{}
	cmd.Stderr = &lockedWriter{w: stderr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w.Close()
	return &linter{cmd: cmd, in: in, out: json.NewDecoder(bufio.NewReader(r)), stderr: stderr}, nil
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *linter) lint(name string, data []byte) (lintVerdict, error) {
	if err := json.NewEncoder(l.in).Encode(lintRequest{Name: name, Data: data}); err != nil {
		return lintVerdict{}, err
	}
	var v lintVerdict
	err := l.out.Decode(&v)
	return v, err
}

func (l *linter) stop() {
	l.in.Close()
	_ = l.cmd.Wait()
}

// died waits for a worker that stopped answering and says why.
func (l *linter) died() string {
	l.in.Close()
	_ = l.cmd.Wait()
	return panicSummary(l.stderr.String())
}

var frameRe = regexp.MustCompile(`(?m)^([a-zA-Z0-9_./\-]+\.[A-Za-z0-9_]+)\(`)

// panicSummary is the panic message and the innermost function outside
// the runtime, from a Go crash report.
func panicSummary(stderr string) string {
	i := strings.Index(stderr, "panic: ")
	if i < 0 {
		s := strings.TrimSpace(stderr)
		if len(s) > 300 {
			s = s[len(s)-300:]
		}
		return "worker died: " + s
	}
	rest := stderr[i:]
	msg, _, _ := strings.Cut(rest, "\n")
	msg = strings.TrimSpace(strings.TrimSuffix(msg, " [recovered]"))
	for _, m := range frameRe.FindAllStringSubmatch(rest, -1) {
		fn := m[1]
		if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "panic") {
			continue
		}
		return msg + " in " + fn
	}
	return msg
}

// lintPool lints documents on n worker processes.
type lintPool struct {
	t       testing.TB
	workers chan *linter
}

func newLintPool(t testing.TB, n int) *lintPool {
	p := &lintPool{t: t, workers: make(chan *linter, n)}
	for range n {
		l, err := startLinter()
		if err != nil {
			t.Fatalf("start lint worker: %v", err)
		}
		p.workers <- l
	}
	t.Cleanup(func() {
		for range n {
			(<-p.workers).stop()
		}
	})
	return p
}

// lint lints one document; a worker that dies is a panic, and is
// replaced.
func (p *lintPool) lint(name string, data []byte) lintVerdict {
	l := <-p.workers
	v, err := l.lint(name, data)
	if err != nil {
		why := l.died()
		nl, serr := startLinter()
		if serr != nil {
			p.t.Errorf("restart lint worker: %v", serr)
			nl = l // dead: the next document tries again
		}
		p.workers <- nl
		return lintVerdict{Panic: why}
	}
	p.workers <- l
	return v
}
