package manifest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/kyaml/kio"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/mljob/mljob/internal/manifest"
)

// trickyStreams are manifest streams whose documents kubectl and kustomize
// may read differently from a naive reader. pos is where each document
// mljob reads starts (file:line:col of its root: the first key of a block
// mapping, the '{' of a flow one), in order.
var trickyStreams = []struct {
	name, data string
	pos        []string
}{
	{"json then yaml", `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: b}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: c
spec:
  template:
    spec:
      hostPID: true
`, []string{"f:1:1", "f:3:1", "f:7:1"}},
	{"json then yaml, no separator", "{\"kind\": \"A\"}\nkind: B\n", []string{"f:1:1", "f:2:1"}},
	{"json then yaml on its line", "{\"kind\": \"A\"}  kind: B\nx: 1\n", []string{"f:1:1", "f:1:16"}},
	{"two json then yaml", "{\"kind\": \"A\"}\n{\"kind\": \"B\"}\n---\nkind: C\n", []string{"f:1:1", "f:2:1", "f:4:1"}},
	{"json stream", "{\"kind\": \"A\"} {\"kind\":\n \"B\", \"x\": [1, 2]}\n\n{\"kind\": \"C\"}", []string{"f:1:1", "f:1:15", "f:4:1"}},
	{"json array", "[{\"kind\": \"A\"}]", []string{"f:1:1"}},
	{"flow yaml, not json", "{kind: A, x: yes}\n---\nkind: B\n", []string{"f:1:1", "f:3:1"}},
	{"json after 4 KiB of blanks", strings.Repeat(" ", 4100) + "{\"kind\": \"A\"}\n", []string{"f:1:4101"}},
	{"tagged separator", "kind: A\n--- !!map\nkind: B\n---\nkind: C\n", []string{"f:1:1", "f:2:5", "f:5:1"}},
	{"separator with content", "kind: A\n--- {kind: B}\n", []string{"f:1:1", "f:2:5"}},
	{"four dashes", "kind: A\n----\nkind: B\n", []string{"f:1:1"}},
	{"separator comments and blanks", "# head\n--- # one\nkind: A\n---   \nkind: B\n---\t\n# only a comment\n---\nkind: C\n", []string{"f:3:1", "f:5:1", "f:9:1"}},
	{"leading separators", "---\n---\n\n---\nkind: A\n", []string{"f:5:1"}},
	{"indented dashes", "kind: A\nx: |\n  ---\n  text\n", []string{"f:1:1"}},
	{"bom yaml", "\ufeffkind: A\n---\nkind: B\n", []string{"f:1:1", "f:3:1"}},
	{"bom separator", "\ufeff---\nkind: A\n", []string{"f:2:1"}},
	{"bom json", "\ufeff{\"kind\": \"A\"}\n", []string{"f:1:1"}},
	{"crlf", "kind: A\r\nx: |\r\n  one\r\n  two\r\n---\r\nkind: B\r\ny: \"a\r\n  b\"\r\n", []string{"f:1:1", "f:6:1"}},
	{"crlf json then yaml", "{\"kind\": \"A\"}\r\n---\r\nkind: B\r\n", []string{"f:1:1", "f:3:1"}},
	{"document end marker", "kind: A\n...\n---\nkind: B\n", []string{"f:1:1", "f:4:1"}},
	{"document end marker then bare document", "kind: A\n...\nkind: B\n", []string{"f:1:1"}},
	{"directive", "%YAML 1.1\n---\nkind: A\n", []string{"f:3:1"}},
	{"explicit document start", "--- \nkind: A\n", []string{"f:2:1"}},
	{"tags", `kind: A
binary: !!binary QVdTX1NFQ1JFVF9BQ0NFU1NfS0VZ
int: !!int "12"
bool: !!bool "yes"
float: !!float "1"
floatint: !!float 3
str: !!str 12
nul: !!null ""
ts: !!timestamp 2001-12-14
nonspecific: ! 12
nonspecific2: &a ! true
local: !foo 12
verbatim: !<tag:yaml.org,2002:int> "7"
seq: !!seq [1, !!str 2]
map: !!map {a: !!int "3"}
multi: !!binary |
  QUJD
  REVG
key:
  !!binary QUJD: x
  !!int "5": y
`, []string{"f:1:1"}},
	{"bad tags", "kind: A\nx: !!int \"twelve\"\n---\nkind: B\n", []string{"f:4:1"}},
	{"bad binary", "kind: A\nx: !!binary \"%%%\"\n", nil},
	{"merge keys", `kind: A
base: &b {p: 1, q: 2}
m:
  <<: *b
  q: 3
n:
  <<: [{p: 1}, *b]
o:
  ! <<: *b
`, []string{"f:1:1"}},
	{"anchors and aliases", "kind: A\nenv: &e [{name: A, value: x}]\nother: *e\nlabels: &l {a: b}\nmore: {c: *l}\n", []string{"f:1:1"}},
	{"list", "apiVersion: v1\nkind: List\nitems:\n- {kind: A}\n- kind: B\n", []string{"f:4:3", "f:5:3"}},
	{"empty", "", nil},
	{"blanks", "\n  \n\t\n", nil},
	{"null document", "~\n---\nkind: A\n", []string{"f:3:1"}},
	{"scalar document", "just text\n---\nkind: A\n", []string{"f:1:1", "f:3:1"}},
	{"yaml 1.1 scalars", "kind: A\na: yes\nb: Off\nc: 0755\nd: 0o17\ne: 1e3\nf: .5\ng: +1\ni: 2001-12-14\nj: 12:30\nk: 0b101\nl: ~\nn: 1_0\np: 0x10\nq: [y, N, NO, true]\nr: {1: a, 2.5: b}\ns: 123456789012345678901\n", []string{"f:1:1"}},
	{"duplicate keys", "kind: A\nkind: B\n", []string{"f:1:1"}},
	{"tab in json", "{\t\"kind\":\t\"A\"}\n", []string{"f:1:1"}},
	{"comment after json", "{\"kind\": \"A\"} # c\n---\nkind: B\n", []string{"f:1:1", "f:3:1"}},
	{"unicode", "kind: A\nname: \"héllo wörld\"\nx: ! 1\n", []string{"f:1:1"}},
	{"truncated json", "{\"kind\": \"A\"", nil},
	{"dashes in a multi-line string", "kind: A\nx: \"one\n---two\"\n", []string{"f:3:1"}},
}

// kubectlRead returns the documents kubectl apply reads from data: the
// decoder of k8s.io/apimachinery that cli-runtime uses, with its buffer,
// skipping empty documents. Reading stops at the first error.
func kubectlRead(data []byte) ([]any, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []any
	for {
		var ext runtime.RawExtension
		err := d.Decode(&ext)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		v, err := decodeJSON(raw)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

// kustomizeRead returns the documents kustomize's reader returns, as
// kubectl would then decode their YAML.
func kustomizeRead(data []byte) ([]any, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true, DisableUnwrapping: true}).Read()
	if err != nil {
		return nil, err
	}
	var out []any
	for _, n := range nodes {
		s, err := n.String()
		if err != nil {
			return nil, err
		}
		j, err := sigsyaml.YAMLToJSON([]byte(s))
		if err != nil {
			return nil, err
		}
		v, err := decodeJSON(j)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

func decodeJSON(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	return v, err
}

// flatten replaces Lists by their items, as mljob and kubectl check them.
func flatten(docs []any) []any {
	var out []any
	for _, d := range docs {
		if m, ok := d.(map[string]any); ok {
			if k, _ := m["kind"].(string); strings.HasSuffix(k, "List") {
				if items, ok := m["items"].([]any); ok {
					out = append(out, items...)
					continue
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// contains reports whether every document of sub is in docs.
func contains(docs, sub []any) bool {
	used := make([]bool, len(docs))
outer:
	for _, s := range sub {
		for i, d := range docs {
			if !used[i] && reflect.DeepEqual(d, s) {
				used[i] = true
				continue outer
			}
		}
		return false
	}
	return true
}

// identities names documents by apiVersion, kind and name.
func identities(docs []any) []any {
	out := make([]any, len(docs))
	for i, d := range docs {
		m, ok := d.(map[string]any)
		if !ok {
			out[i] = d
			continue
		}
		meta, _ := m["metadata"].(map[string]any)
		out[i] = fmt.Sprint(m["apiVersion"], "/", m["kind"], "/", meta["name"])
	}
	return out
}

func show(docs []any) string {
	b, _ := json.Marshal(docs)
	return string(b)
}

// TestReadsWhatKubectlReads compares Read with kubectl's and kustomize's
// readers on tricky streams and on the real-world corpus: where kubectl
// reads a stream, mljob reads exactly its documents and reports nothing;
// where kubectl refuses one, mljob reports an error and still reads every
// document kubectl or kustomize would apply.
func TestReadsWhatKubectlReads(t *testing.T) {
	type input struct {
		name, data string
		pos        []string
		checkPos   bool
	}
	var inputs []input
	for _, s := range trickyStreams {
		inputs = append(inputs, input{s.name, s.data, s.pos, true})
	}
	for name, data := range corpusFiles(t) {
		inputs = append(inputs, input{name: name, data: string(data)})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			docs, errs := manifest.Read("f", []byte(in.data))
			var got []any
			var pos []string
			for _, d := range docs {
				v, err := decodeJSON(d.JSON)
				if err != nil {
					t.Fatalf("JSON %s: %v", d.JSON, err)
				}
				got = append(got, v)
				pos = append(pos, d.Pos().String())
			}
			kube, kerr := kubectlRead([]byte(in.data))
			kube = flatten(kube)
			kust, serr := kustomizeRead([]byte(in.data))
			kust = flatten(kust)
			switch {
			case kerr == nil && errs.Err() != nil:
				t.Errorf("kubectl reads it, mljob reports: %v", errs.Err())
			case kerr == nil && !reflect.DeepEqual(got, kube):
				t.Errorf("documents differ:\nkubectl %s\n  mljob %s", show(kube), show(got))
			case kerr != nil && errs.Err() == nil:
				t.Errorf("kubectl refuses it (%v), mljob reports nothing", kerr)
			case kerr != nil && !contains(got, kube):
				t.Errorf("kubectl read documents mljob does not have:\nkubectl %s\n  mljob %s", show(kube), show(got))
			}
			// kustomize decides which documents are read; what their
			// values mean is kubectl's (kustomize re-encodes "! 12" as 12).
			if serr == nil && !contains(identities(got), identities(kust)) {
				t.Errorf("kustomize reads documents mljob does not have:\nkustomize %s\n    mljob %s", show(kust), show(got))
			}
			if in.checkPos && !reflect.DeepEqual(pos, in.pos) && !(len(pos) == 0 && len(in.pos) == 0) {
				t.Errorf("positions = %q, want %q", pos, in.pos)
			}
			if testing.Verbose() {
				t.Logf("kubectl: %s %v\nkustomize: %s %v\nmljob: %s %v", show(kube), kerr, show(kust), serr, show(got), errs.Err())
			}
		})
	}
}
