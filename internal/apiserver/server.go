// Package apiserver runs a real kube-apiserver, with its own etcd, for
// tests, and asks it whether it accepts an object the way `kubectl create
// --dry-run=server --validate=strict -f FILE` would. It is an oracle for
// mljob's offline checks: the same Kubernetes version, answering as a
// cluster does.
//
// Both programs run on free loopback ports, with their files in a test's
// temporary directory, and are stopped (whole process groups) when the
// test ends, whether it passes, fails or panics.
package apiserver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
)

// Environment variables the tests read.
const (
	// EnvSkip set to 1 skips every test that needs the API server; it is
	// the only way to skip them.
	EnvSkip = "MLJOB_SKIP_APISERVER"
	// EnvKubeAPIServer and EnvEtcd name the binaries; by default
	// bin/kube-apiserver at the repository root and etcd on PATH.
	EnvKubeAPIServer = "MLJOB_KUBE_APISERVER"
	EnvEtcd          = "MLJOB_ETCD"
)

// BuildCommand builds the kube-apiserver the tests expect, from this
// module's own dependency graph (the Kubernetes version mljob validates
// with).
const BuildCommand = "go build -o bin/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver"

// startTimeout bounds the wait for /readyz: a cold kube-apiserver on a
// busy two-core machine takes tens of seconds.
const startTimeout = 3 * time.Minute

// Server is a running kube-apiserver backed by its own etcd.
type Server struct {
	// URL is the API server's https address on the loopback interface.
	URL    string
	token  string
	client *http.Client
	dir    string

	mapOnce sync.Once
	mapper  meta.RESTMapper
	mapErr  error
}

// Start starts etcd and kube-apiserver for t and waits until the API
// server is ready. It skips t when MLJOB_SKIP_APISERVER=1 and fails it
// when a binary is missing: a suite that silently does not run proves
// nothing. Both processes are stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skipf("%s=1: not starting kube-apiserver and etcd; the API server acceptance tests did not run", EnvSkip)
	}
	apiserverBin, etcdBin := binaries(t)
	dir := t.TempDir()

	etcdURL := startEtcd(t, etcdBin, dir)
	s := startAPIServer(t, apiserverBin, dir, etcdURL)
	return s
}

// binaries finds kube-apiserver and etcd, or fails t saying how to get
// them.
func binaries(t testing.TB) (apiserverBin, etcdBin string) {
	t.Helper()
	apiserverBin = os.Getenv(EnvKubeAPIServer)
	if apiserverBin == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatalf("find the repository root for bin/kube-apiserver: %v (or set %s)", err, EnvKubeAPIServer)
		}
		apiserverBin = filepath.Join(root, "bin", "kube-apiserver")
	}
	if _, err := os.Stat(apiserverBin); err != nil {
		t.Fatalf("kube-apiserver not found at %s: run `make test`, or build it with `%s` at the repository root "+
			"(or set %s; %s=1 skips these tests)", apiserverBin, BuildCommand, EnvKubeAPIServer, EnvSkip)
	}
	etcdBin = os.Getenv(EnvEtcd)
	if etcdBin == "" {
		etcdBin = "etcd"
	}
	p, err := exec.LookPath(etcdBin)
	if err != nil {
		t.Fatalf("etcd not found (%v): run `make test` (as root it installs Debian's etcd-server), "+
			"or `apt-get install etcd-server` (or set %s; %s=1 skips these tests)", err, EnvEtcd, EnvSkip)
	}
	return apiserverBin, p
}

// repoRoot is the nearest directory above the working directory with a
// go.mod: tests run in their package's directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// freePort returns a loopback port nobody listens on now. Another
// process could take it before ours binds it; on this machine that is
// rare enough, and the start-up error would say so.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startEtcd(t testing.TB, bin, dir string) string {
	t.Helper()
	client := freePort(t)
	peer := freePort(t)
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	p := start(t, "etcd", bin, dir,
		"--name=default",
		"--data-dir="+filepath.Join(dir, "etcd"),
		// Both ports on loopback: the default peer port 2380 on all
		// interfaces would collide with any other etcd on the machine.
		"--listen-client-urls="+clientURL,
		"--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--log-level=warn",
	)
	waitReady(t, p, &http.Client{Timeout: 5 * time.Second}, clientURL+"/health", "")
	return clientURL
}

func startAPIServer(t testing.TB, bin, dir, etcdURL string) *Server {
	t.Helper()
	port := freePort(t)
	certDir := filepath.Join(dir, "certs")
	pub, priv := serviceAccountKeys(t, dir)
	token := randomToken(t)
	tokens := filepath.Join(dir, "tokens.csv")
	// token,user,uid,groups
	if err := os.WriteFile(tokens, []byte(token+",mljob-test,mljob-test,system:masters\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--etcd-servers=" + etcdURL,
		// Serve on loopback only; the advertised address (written into
		// the self-signed certificate) is loopback too.
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		// With no --tls-cert-file, the server writes a self-signed
		// serving certificate (and its CA) here; the client trusts it.
		"--cert-dir=" + certDir,
		// Required since service-account tokens are always on: a key
		// pair to sign and verify them, and the issuer they name. Jobs
		// never use them here.
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pub,
		"--service-account-signing-key-file=" + priv,
		// Who may do what is not under test: one static bearer token,
		// no anonymous requests, everything allowed.
		"--token-auth-file=" + tokens,
		"--anonymous-auth=false",
		"--authorization-mode=AlwaysAllow",
		// mljob validates as kubeadm-installed clusters run (kind, most
		// distributions): privileged containers are a Pod Security
		// matter, not a validation error.
		"--allow-privileged=true",
		// Services get cluster IPs from this range (dry-run allocates
		// one too); it is never routed anywhere.
		"--service-cluster-ip-range=10.0.0.0/24",
		// The API server would publish its own address as the endpoint of
		// the "kubernetes" Service; a loopback address is not a valid
		// endpoint, and nothing here needs it.
		"--endpoint-reconciler-type=none",
		// Admission is not validation. These default plugins need other
		// objects in the request's namespace, or act on pods only:
		//   NamespaceLifecycle refuses objects in namespaces that do not
		//     exist (the oracle must answer for any namespace);
		//   ServiceAccount, LimitRanger: pods only, and read objects of
		//     the namespace;
		//   PodSecurity: for Jobs and CronJobs only warns (mljob's
		//     pod-security is off in the comparison), and reads the
		//     namespace's labels;
		//   ResourceQuota: counts objects against quotas of the namespace
		//     (there are none).
		// What is left on (webhooks and admission policies without
		// configurations, pod-only plugins) admits every Job.
		"--disable-admission-plugins=NamespaceLifecycle,ServiceAccount,LimitRanger,PodSecurity,ResourceQuota",
		// Priority and fairness queues requests per user; the suite sends
		// many at once from one user and wants answers, not 429s.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		// Feature gates stay at their defaults: those are what a 1.37
		// cluster and mljob's --kube-version 1.37 assume.
	}
	p := start(t, "kube-apiserver", bin, dir, args...)

	s := &Server{
		URL:   fmt.Sprintf("https://127.0.0.1:%d", port),
		token: token,
		dir:   dir,
	}
	// The certificate is written before the server listens; until then,
	// poll without verification only to learn it is up, then trust the
	// certificate it wrote.
	insecure := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // only until the cert is read
	}}
	waitReady(t, p, insecure, s.URL+"/readyz", token)
	pool, err := certPool(certDir)
	if err != nil {
		t.Fatalf("kube-apiserver serving certificate: %v", err)
	}
	s.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		MaxIdleConnsPerHost: 32,
	}}
	resp, err := s.do(context.Background(), http.MethodGet, "/readyz", nil)
	if err != nil {
		t.Fatalf("kube-apiserver with its own certificate: %v", err)
	}
	resp.Body.Close()
	return s
}

// certPool trusts every certificate in the files the API server wrote to
// its cert dir (the serving certificate and the CA that signed it).
func certPool(dir string) (*x509.CertPool, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
	pool := x509.NewCertPool()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		pool.AppendCertsFromPEM(data)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no certificate in %s", dir)
	}
	return pool, nil
}

// serviceAccountKeys writes a fresh key pair for service-account tokens
// and returns the public and private key files.
func serviceAccountKeys(t testing.TB, dir string) (pub, priv string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	priv = filepath.Join(dir, "sa.key")
	pub = filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func randomToken(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// process is a started program and where its output goes.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// start runs bin in its own process group, output to a log file in dir,
// and stops the group when t ends.
func start(t testing.TB, name, bin, dir string, args ...string) *process {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// A group of its own, so that stopping it reaches anything it
		// starts.
		Setpgid: true,
		// If the test binary dies without cleaning up (a -timeout panic
		// exits at once), the kernel kills the server.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the process group: SIGTERM, then SIGKILL if it lingers.
func (p *process) stop(t testing.TB) {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Logf("%s did not stop on SIGTERM within 15s; killing it", p.name)
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Anything left in the group (there should be nothing) goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail is the end of the process's log, for failure messages.
func (p *process) tail() string {
	data, _ := os.ReadFile(p.log)
	const max = 4000
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}

// waitReady polls url until it answers 200, failing t if the process
// exits or the time runs out.
func waitReady(t testing.TB, p *process, client *http.Client, url, token string) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	var last string
	for time.Now().Before(deadline) {
		if p.exited() {
			t.Fatalf("%s exited during start-up (%v); its log ends:\n%s", p.name, p.err, p.tail())
		}
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err == nil {
			body := new(bytes.Buffer)
			_, _ = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(body.String()))
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s not ready at %s after %s (last answer: %s); its log ends:\n%s", p.name, url, startTimeout, last, p.tail())
}

// do sends an authenticated request to the API server.
func (s *Server) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.client.Do(req)
}
