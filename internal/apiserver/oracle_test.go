package apiserver

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The oracle's own parts that need no server; the server itself is
// exercised by test/acceptance.

func TestStatusFields(t *testing.T) {
	for _, c := range []struct {
		name string
		st   metav1.Status
		want []string
	}{
		{"invalid", metav1.Status{Reason: metav1.StatusReasonInvalid, Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
			{Field: "spec.template.spec.restartPolicy"}, {Field: "metadata.name"}, {Field: "metadata.name"},
		}}}, []string{"metadata.name", "spec.template.spec.restartPolicy"}},
		{"strict", metav1.Status{Reason: metav1.StatusReasonBadRequest,
			Message: `Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.foo", unknown field "status.bar"`},
			[]string{"spec.foo", "status.bar"}},
		{"type", metav1.Status{Reason: metav1.StatusReasonBadRequest,
			Message: `Job in version "v1" cannot be handled as a Job: json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32`},
			[]string{"spec.parallelism"}},
		{"quantity", metav1.Status{Reason: metav1.StatusReasonBadRequest,
			Message: `Job in version "v1" cannot be handled as a Job: quantities must match the regular expression`}, []string{}},
	} {
		if got := statusFields(&c.st); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCheckKind(t *testing.T) {
	for doc, want := range map[string]string{
		`{"apiVersion":"batch/v1","kind":"Job"}`: "",
		`{"kind":"Job"}`:                         "apiVersion not set",
		`{"apiVersion":true,"kind":"Job"}`:       "apiVersion isn't string type",
		`{"apiVersion":"batch/v1"}`:              "kind not set",
		`{"apiVersion":"batch/v1","kind":1}`:     "kind isn't string type",
		`{"apiVersion":"a/b/c","kind":"Job"}`:    "unexpected GroupVersion string",
		`[1]`:                                    "invalid object",
	} {
		err := checkKind([]byte(doc))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", doc, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: got %v, want %q", doc, err, want)
		}
	}
}

func TestSplitDocuments(t *testing.T) {
	docs, err := SplitDocuments([]byte("a: 1\n---\nb: 2\n---\n---\nc: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, strings.TrimSpace(string(d)))
	}
	// kubectl's reader folds a separator that follows an empty document
	// into the next one (which YAML then reads as one document).
	if want := []string{"a: 1", "b: 2", "---\nc: 3"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
