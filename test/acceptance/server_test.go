package acceptance

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mljob/mljob/internal/apiserver"
)

// testServerBehaviour pins down what the oracle itself does with the
// inputs the mutants rely on, so that a change in kubectl emulation or
// in the server shows up here first, by name.
func testServerBehaviour(t *testing.T, srv *apiserver.Server) {
	job := func(extra string) string {
		return `apiVersion: batch/v1
kind: Job
metadata:
  name: probe
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
` + extra
	}
	cases := []struct {
		name string
		doc  string
		// want: "accepted", "client" (kubectl refuses), "server" or
		// "aborted" (the server hangs up)
		want   string
		fields []string
	}{
		{"valid job", job(""), "accepted", nil},
		{"job in a namespace that does not exist", `apiVersion: batch/v1
kind: Job
metadata: {name: probe, namespace: nowhere}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: main, image: busybox}]}}}
`, "accepted", nil},
		{"invalid job", job("        imagePullPolicy: Sometimes\n"), "server", []string{"spec.template.spec.containers[0].imagePullPolicy"}},
		{"unknown field", job("        imagePullPolicyy: Always\n"), "server", []string{"spec.template.spec.containers[0].imagePullPolicyy"}},
		{"wrong type", job("        tty: \"yes\"\n"), "server", []string{"spec.template.spec.containers.tty"}},
		// kubectl's YAML keeps the last of duplicate keys, silently; the
		// server never sees the first.
		{"duplicate key, last valid", job("        image: \"\"\n        image: busybox\n"), "accepted", nil},
		// YAML 1.1: a plain yes is a boolean.
		{"yes as a string field", job("        workingDir: yes\n"), "server", []string{"spec.template.spec.containers.workingDir"}},
		// Discovery's RESTMapper matches kinds whatever their case, so
		// kubectl sends it; the server's scheme does not know "job".
		{"kind in lower case", `apiVersion: batch/v1
kind: job
metadata: {name: probe}
`, "server", nil},
		{"kind the server does not serve", `apiVersion: batch/v1
kind: Jobs
metadata: {name: probe}
`, "client", nil},
		{"no kind", `apiVersion: batch/v1
metadata: {name: probe}
`, "client", nil},
		{"status with an unknown field", job("status: {foo: 1}\n"), "server", []string{"status.foo"}},
		{"status with a known field", job("status: {active: 1}\n"), "accepted", nil},
		// Off-by-default feature gates: the field is dropped, silently.
		{"field behind a gate that is off", job("        lifecycle: {stopSignal: SIGUSR1}\n      os: {name: linux}\n"), "accepted", nil},
		// An upstream bug: validation dereferences the missing completions.
		{"success policy without completions", `apiVersion: batch/v1
kind: Job
metadata: {name: probe}
spec:
  completionMode: Indexed
  parallelism: 2
  successPolicy: {rules: [{succeededIndexes: "0"}]}
  template: {spec: {restartPolicy: Never, containers: [{name: main, image: busybox}]}}
`, "aborted", nil},
		{"valid service", `apiVersion: v1
kind: Service
metadata: {name: probe}
spec:
  selector: {app: probe}
  ports: [{port: 80, targetPort: 8080}]
`, "accepted", nil},
		{"invalid service", `apiVersion: v1
kind: Service
metadata: {name: probe}
spec:
  ports: [{port: 0}]
`, "server", []string{"spec.ports[0].port", "spec.ports[0].targetPort"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			v, err := srv.DryRunCreate(ctx, []byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			got := "server"
			switch {
			case v.Accepted:
				got = "accepted"
			case v.Client:
				got = "client"
			case v.Aborted:
				got = "aborted"
			}
			if got != c.want || (c.fields != nil && !slices.Equal(v.Fields, c.fields)) {
				t.Errorf("got %s, fields %q; want %s, fields %q\n%s", v, v.Fields, c.want, c.fields, c.doc)
			}
		})
	}
}
