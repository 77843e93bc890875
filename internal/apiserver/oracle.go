package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// Verdict is what `kubectl create --dry-run=server --validate=strict`
// makes of one document.
type Verdict struct {
	Accepted bool
	// Client is set when kubectl refuses the document itself, before any
	// request: YAML that does not parse, no kind or apiVersion, or a kind
	// the server does not serve.
	Client bool
	// Code, Reason and Message are the server's answer (Reason and
	// Message also say why kubectl refused).
	Code    int
	Reason  string
	Message string
	// Fields are the field paths the answer names: the causes of an
	// Invalid status, or the fields of a strict decoding or type error.
	// Sorted, without repeats.
	Fields []string
	// Warnings are the server's warning headers.
	Warnings []string
	// Aborted is set when the server closed the connection instead of
	// answering: a panic in its handler (Message says which, from its
	// log). It counts as a rejection: the object is not created.
	Aborted bool
}

func (v Verdict) String() string {
	switch {
	case v.Accepted:
		return "accepted"
	case v.Client:
		return "rejected by kubectl: " + v.Message
	case v.Aborted:
		return "aborted by the server: " + v.Message
	}
	return fmt.Sprintf("rejected (%d %s): %s", v.Code, v.Reason, v.Message)
}

// SplitDocuments splits a manifest stream into documents as kubectl
// reads files: YAML documents separated by "---" lines (a JSON stream is
// one document here).
func SplitDocuments(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, doc)
	}
}

// DryRunCreate asks the server what `kubectl create --dry-run=server
// --validate=strict -f FILE` would, for a file holding the one document
// doc. It returns an error only when the server cannot be asked.
//
// kubectl's client steps are followed with the same libraries kubectl
// uses (k8s.io/kubectl pkg/cmd/create, k8s.io/cli-runtime pkg/resource):
//
//  1. The document becomes JSON through apimachinery's YAMLOrJSONDecoder,
//     that is sigs.k8s.io/yaml over go.yaml.in/yaml/v2: YAML 1.1 scalars
//     (yes, on, 0777, ~), and of duplicate keys the last wins, silently.
//     kubectl's own check for duplicate keys (NoDoubleKeySchema) only runs
//     when the server lacks server-side field validation, which 1.37 has;
//     so the server never sees a YAML document's duplicate keys.
//  2. apiVersion and kind must be strings (kubectl's ParamVerifyingSchema),
//     the object must decode as unstructured, and the server's discovery
//     must map its group, version and kind to a resource: kubectl refuses
//     anything else, and so does this.
//  3. The namespace defaults to "default" (a kubeconfig without one), the
//     resourceVersion is cleared (resource.Helper.Create), and the object
//     is POSTed as JSON with dryRun=All, fieldValidation=Strict and
//     kubectl's field manager.
func (s *Server) DryRunCreate(ctx context.Context, doc []byte) (Verdict, error) {
	refuse := func(format string, args ...any) (Verdict, error) {
		return Verdict{Client: true, Message: fmt.Sprintf(format, args...)}, nil
	}
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(doc), 4096)
	var ext runtime.RawExtension
	if err := d.Decode(&ext); err != nil && !errors.Is(err, io.EOF) {
		return refuse("error parsing: %v", err)
	}
	raw := bytes.TrimSpace(ext.Raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return refuse("no objects passed to create")
	}
	if err := checkKind(raw); err != nil {
		return refuse("error validating data: %v", err)
	}
	obj, gvk, err := unstructured.UnstructuredJSONScheme.Decode(raw, nil, nil)
	if err != nil {
		return refuse("%v", err)
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return refuse("%s is a list; the suite sends single objects", gvk.Kind)
	}
	m, err := s.restMapper()
	if err != nil {
		return Verdict{}, err
	}
	mapping, err := m.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return refuse("resource mapping not found: %v", err)
	}
	path := "/apis/" + gvk.Group + "/" + gvk.Version
	if gvk.Group == "" {
		path = "/api/" + gvk.Version
	}
	if mapping.Scope.Name() == "namespace" {
		ns := u.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		u.SetNamespace(ns)
		path += "/namespaces/" + url.PathEscape(ns)
	}
	path += "/" + mapping.Resource.Resource + "?" + url.Values{
		"dryRun":          {"All"},
		"fieldValidation": {"Strict"},
		"fieldManager":    {"kubectl-create"},
	}.Encode()
	u.SetResourceVersion("")
	body, err := runtime.Encode(unstructured.UnstructuredJSONScheme, u)
	if err != nil {
		return refuse("encode: %v", err)
	}
	resp, err := s.do(ctx, http.MethodPost, path, body)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// The server hung up on this request; if it still answers
			// others, its handler panicked on this one.
			if _, herr := s.Get(ctx, "/readyz"); herr == nil {
				return Verdict{Aborted: true, Message: s.lastPanic()}, nil
			}
		}
		return Verdict{}, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return Verdict{}, fmt.Errorf("POST %s: %w", path, err)
	}
	v := Verdict{Code: resp.StatusCode, Warnings: resp.Header.Values("Warning")}
	if resp.StatusCode/100 == 2 {
		v.Accepted = true
		return v, nil
	}
	var st metav1.Status
	if err := json.Unmarshal(answer, &st); err != nil || st.Kind != "Status" {
		return Verdict{}, fmt.Errorf("POST %s: %s: %s", path, resp.Status, answer)
	}
	v.Reason = string(st.Reason)
	v.Message = st.Message
	v.Fields = statusFields(&st)
	return v, nil
}

// checkKind is kubectl's check of apiVersion and kind before anything
// else (k8s.io/kubectl/pkg/validation getObjectKind).
func checkKind(raw []byte) error {
	var obj any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return err
	}
	fields, ok := obj.(map[string]any)
	if !ok || fields == nil {
		return errors.New("invalid object to validate")
	}
	var errs []error
	switch v := fields["apiVersion"].(type) {
	case nil:
		errs = append(errs, errors.New("apiVersion not set"))
	case string:
		if _, err := schema.ParseGroupVersion(v); err != nil {
			errs = append(errs, err)
		}
	default:
		errs = append(errs, errors.New("apiVersion isn't string type"))
	}
	switch fields["kind"].(type) {
	case nil:
		errs = append(errs, errors.New("kind not set"))
	case string:
	default:
		errs = append(errs, errors.New("kind isn't string type"))
	}
	return errors.Join(errs...)
}

var (
	// strict decoding errors: `unknown field "spec.foo"`, `duplicate
	// field "metadata.name"`.
	strictField = regexp.MustCompile(`(?:unknown|duplicate) field "([^"]*)"`)
	// type errors of the JSON decoder: `cannot unmarshal string into Go
	// struct field JobSpec.spec.parallelism of type int32`.
	typeField = regexp.MustCompile(`Go struct field [A-Za-z0-9_]+\.(\S+) of type`)
)

// statusFields are the field paths a failure status names.
func statusFields(st *metav1.Status) []string {
	set := map[string]bool{}
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Field != "" {
				set[c.Field] = true
			}
		}
	}
	if st.Reason == metav1.StatusReasonBadRequest {
		for _, m := range strictField.FindAllStringSubmatch(st.Message, -1) {
			set[m[1]] = true
		}
		for _, m := range typeField.FindAllStringSubmatch(st.Message, -1) {
			set[m[1]] = true
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// restMapper maps kinds to resources from the server's discovery, as
// kubectl does, once.
func (s *Server) restMapper() (meta.RESTMapper, error) {
	s.mapOnce.Do(func() {
		cfg, err := s.restConfig()
		if err != nil {
			s.mapErr = err
			return
		}
		dc, err := discovery.NewDiscoveryClientForConfig(cfg)
		if err != nil {
			s.mapErr = err
			return
		}
		groups, err := restmapper.GetAPIGroupResources(dc)
		if err != nil {
			s.mapErr = fmt.Errorf("discovery: %w", err)
			return
		}
		s.mapper = restmapper.NewDiscoveryRESTMapper(groups)
	})
	return s.mapper, s.mapErr
}

// restConfig is a client-go configuration for the server.
func (s *Server) restConfig() (*rest.Config, error) {
	files, _ := filepath.Glob(filepath.Join(s.dir, "certs", "*.crt"))
	var ca []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		ca = append(ca, data...)
	}
	return &rest.Config{
		Host:            s.URL,
		BearerToken:     s.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca, ServerName: "127.0.0.1"},
		QPS:             -1, // no client-side throttling
	}, nil
}

// Get fetches path from the server (tests use it for discovery and
// health).
func (s *Server) Get(ctx context.Context, path string) ([]byte, error) {
	resp, err := s.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return data, fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(data)))
	}
	return data, nil
}

// lastPanic says what the API server logged of the newest panic it
// recovered from: the value and the innermost Kubernetes function.
func (s *Server) lastPanic() string {
	data, err := os.ReadFile(filepath.Join(s.dir, "kube-apiserver.log"))
	if err != nil {
		return "connection closed: " + err.Error()
	}
	log := string(data)
	i := strings.LastIndex(log, "Observed a panic")
	if i < 0 {
		return "connection closed, no panic in the server's log"
	}
	log = log[i:]
	msg := "panic"
	if m := panicValue.FindStringSubmatch(log); m != nil {
		msg = m[1]
	}
	if m := panicFrame.FindStringSubmatch(log); m != nil {
		msg += " in " + m[1]
	}
	return "connection closed; the server logged a panic: " + msg
}

var (
	panicValue = regexp.MustCompile(`panic="([^"]*)"`)
	// The first frame of the Kubernetes API code, past the runtime's
	// and the recovery handler's.
	panicFrame = regexp.MustCompile(`(k8s\.io/kubernetes/pkg/[a-zA-Z0-9_./\-]+\.[A-Za-z0-9_]+)\(`)
)
