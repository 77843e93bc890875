package validate_test

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/rules"
	"github.com/mljob/mljob/internal/validate"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: train
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: trainer
        image: ghcr.io/acme/train:1
`

const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: etl
            image: ghcr.io/acme/etl:1
`

type testCase struct {
	name string
	opts validate.Options
	yaml string
	// want are "line:col path: message" of the rule's findings.
	want []string
}

// run checks yaml and returns the findings of rule.
func run(t *testing.T, opts validate.Options, rule, yaml string) []string {
	t.Helper()
	docs, errs := manifest.Read("t.yaml", []byte(yaml))
	if err := errs.Err(); err != nil {
		t.Fatalf("read: %v", err)
	}
	v, err := validate.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var out []string
	for _, d := range docs {
		for _, c := range v.Checkers() {
			for _, f := range c.Check(d) {
				if f.Rule != rule {
					continue
				}
				pos := f.Pos
				if !pos.IsValid() {
					pos = d.PosOf(f.Path)
				}
				sev := ""
				if f.Severity != finding.Error {
					sev = f.Severity.String() + " "
				}
				out = append(out, fmt.Sprintf("%s%d:%d %s: %s", sev, pos.Line, pos.Column, f.Path, f.Message))
			}
		}
	}
	return out
}

func runTable(t *testing.T, rule string, cases []testCase) {
	t.Helper()
	var failing, passing bool
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.opts, rule, tc.yaml)
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("findings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
			}
		})
		if len(tc.want) > 0 {
			failing = true
		} else {
			passing = true
		}
	}
	// Every rule has at least one failing and one passing case.
	if !failing || !passing {
		t.Errorf("rule %s needs failing and passing cases", rule)
	}
}

// edit replaces old by new in s, failing if old is not there.
func edit(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic(fmt.Sprintf("%q not in template", old))
	}
	return strings.Replace(s, old, new, 1)
}

var (
	name63 = strings.Repeat("a", 63)
	name64 = strings.Repeat("a", 64)
	name52 = strings.Repeat("c", 52)
	name53 = strings.Repeat("c", 53)
)

func TestAPIValidation(t *testing.T) {
	runTable(t, validate.RuleAPIValidation, []testCase{
		{name: "valid job", yaml: job},
		{name: "valid cronjob", yaml: cronJob},
		{name: "job name of 63", yaml: edit(job, "name: train", "name: "+name63)},
		{
			// The name becomes the job-name label of the pods, which is
			// limited to 63; the error is about the label the API server
			// generates, so it points at the name.
			name: "job name of 64",
			yaml: edit(job, "name: train", "name: "+name64),
			want: []string{`4:3 spec.template.labels: spec.template.labels: Invalid value: "` + name64 + `": must be no more than 63 bytes`},
		},
		{name: "cronjob name of 52", yaml: edit(cronJob, "name: nightly", "name: "+name52)},
		{
			name: "cronjob name of 53",
			yaml: edit(cronJob, "name: nightly", "name: "+name53),
			want: []string{`4:3 metadata.name: metadata.name: Invalid value: "` + name53 + `": must be no more than 52 characters`},
		},
		{
			name: "schedule hour 25",
			yaml: edit(cronJob, `schedule: "0 2 * * *"`, `schedule: "0 25 * * *"`),
			want: []string{`6:3 spec.schedule: spec.schedule: Invalid value: "0 25 * * *": end of range (25) above maximum (23): 25`},
		},
		{
			name: "unknown time zone",
			yaml: edit(cronJob, `schedule: "0 2 * * *"`, "schedule: \"0 2 * * *\"\n  timeZone: Mars/Olympus"),
			want: []string{`7:3 spec.timeZone: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus`},
		},
		{name: "known time zone", yaml: edit(cronJob, `schedule: "0 2 * * *"`, "schedule: \"0 2 * * *\"\n  timeZone: Europe/Berlin")},
		{
			name: "podFailurePolicy with OnFailure",
			yaml: edit(edit(job, "restartPolicy: Never", "restartPolicy: OnFailure"), "spec:\n  template:",
				"spec:\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes: {operator: In, values: [42]}\n  template:"),
			want: []string{`12:7 spec.template.spec.restartPolicy: spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified`},
		},
		{
			name: "podFailurePolicy with Never",
			yaml: edit(job, "spec:\n  template:",
				"spec:\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes: {operator: In, values: [42]}\n  template:"),
		},
		{
			name: "gpu requests differ from limits",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        resources:\n          requests: {nvidia.com/gpu: 2}\n          limits: {nvidia.com/gpu: 1}"),
			want: []string{`13:38 spec.template.spec.containers[0].resources.requests: spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be equal to nvidia.com/gpu limit of 1`},
		},
		{
			name: "gpu limits only",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        resources:\n          limits: {nvidia.com/gpu: 1}"),
		},
		{
			name: "bad label value",
			yaml: edit(job, "name: train", "name: train\n  labels:\n    team: \"ml team\""),
			want: []string{`6:11 metadata.labels: metadata.labels: Invalid value: "ml team": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		},
		{
			// The API server defaults restartPolicy to Always, which a Job
			// refuses.
			name: "no restartPolicy",
			yaml: edit(job, "      restartPolicy: Never\n", ""),
			want: []string{`7:5 spec.template.spec.restartPolicy: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		},
		{
			name: "restartPolicy Always",
			yaml: edit(job, "restartPolicy: Never", "restartPolicy: Always"),
			want: []string{`8:7 spec.template.spec.restartPolicy: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		},
		{name: "generateName", yaml: edit(job, "name: train", "generateName: train-")},
		{
			name: "neither name nor generateName",
			yaml: edit(job, "  name: train\n", "  labels: {a: b}\n"),
			want: []string{`3:1 metadata.name: metadata.name: Required value: name or generateName is required`},
		},
		{
			// What the API server fills in (uid, selector, labels,
			// status) is ignored or regenerated.
			name: "system fields",
			yaml: edit(job, "name: train", "name: train\n  uid: 0a5f6d4e-0000-4000-8000-000000000001\n  resourceVersion: \"42\"\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  generation: 3") +
				"status:\n  active: 1\n  startTime: \"2024-01-01T00:00:00Z\"\n",
		},
		{
			name: "manual selector",
			yaml: edit(edit(job, "  template:\n", "  manualSelector: true\n  selector:\n    matchLabels: {app: train}\n  template:\n    metadata:\n      labels: {app: train}\n"), "spec:\n  manualSelector", "spec:\n  manualSelector"),
		},
		{
			name: "manual selector not matching",
			yaml: edit(job, "  template:\n", "  manualSelector: true\n  selector:\n    matchLabels: {app: train}\n  template:\n    metadata:\n      labels: {app: other}\n"),
			want: []string{"11:7 spec.template.metadata.labels: spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`"},
		},
		{
			name: "namespace from options",
			opts: validate.Options{Namespace: "Bad_NS"},
			yaml: job,
			want: []string{`3:1 metadata.namespace: metadata.namespace: Invalid value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		},
		{
			name: "indexed job",
			yaml: edit(job, "spec:\n  template:", "spec:\n  completionMode: Indexed\n  completions: 4\n  parallelism: 2\n  backoffLimitPerIndex: 1\n  template:"),
		},
		{
			name: "backoffLimitPerIndex without Indexed",
			yaml: edit(job, "spec:\n  template:", "spec:\n  backoffLimitPerIndex: 1\n  template:"),
			want: []string{`6:3 spec.backoffLimitPerIndex: spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode`},
		},
		{
			name: "v1beta1 cronjob is validated as v1",
			yaml: edit(edit(cronJob, "batch/v1", "batch/v1beta1"), `schedule: "0 2 * * *"`, `schedule: "61 * * * *"`),
			want: []string{`6:3 spec.schedule: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61`},
		},
		{
			// Privileged containers are a Pod Security matter: kubeadm
			// clusters run the API server with --allow-privileged=true.
			name: "privileged container",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        securityContext: {privileged: true}"),
		},
		{name: "not a batch object", yaml: "apiVersion: v1\nkind: Pod\nmetadata: {name: \"Bad Name\"}\n"},
	})
}

func TestSchema(t *testing.T) {
	runTable(t, validate.RuleSchema, []testCase{
		{name: "valid", yaml: job},
		{
			name: "spec under metadata",
			yaml: edit(job, "  name: train\n", "  name: train\n  spec: {}\n"),
			want: []string{`5:3 metadata.spec: unknown field "metadata.spec"`},
		},
		{
			name: "wrong case",
			yaml: edit(job, "restartPolicy: Never", "restartpolicy: Never"),
			want: []string{`8:7 spec.template.spec.restartpolicy: unknown field "spec.template.spec.restartpolicy"`},
		},
		{
			name: "several unknown fields",
			yaml: edit(edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        gpus: 1"), "  name: train\n", "  name: train\n  team: ml\n"),
			want: []string{
				`5:3 metadata.team: unknown field "metadata.team"`,
				`13:9 spec.template.spec.containers[0].gpus: unknown field "spec.template.spec.containers[0].gpus"`,
			},
		},
		{
			name: "wrong type",
			yaml: edit(job, "spec:\n  template:", "spec:\n  backoffLimit: \"3\"\n  template:"),
			want: []string{`6:3 spec.backoffLimit: json: cannot unmarshal string into Go struct field JobSpec.spec.backoffLimit of type int32`},
		},
		{
			name: "wrong type in a list",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        env:\n        - {name: A, value: \"1\"}\n        - {name: B, value: 2}"),
			want: []string{`14:21 spec.template.spec.containers[0].env[1].value: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string`},
		},
		{
			// YAML 1.1, as kubectl reads it: an unquoted yes is a boolean.
			name: "yaml 1.1 boolean",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        env:\n        - {name: VERBOSE, value: yes}"),
			want: []string{`13:27 spec.template.spec.containers[0].env[0].value: json: cannot unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.value of type string`},
		},
		{
			name: "bad quantity",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        resources:\n          limits: {cpu: 1.5.5}"),
			want: []string{`13:20 spec.template.spec.containers[0].resources.limits[cpu]: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`},
		},
		{
			name: "duplicate keys",
			yaml: edit(job, "  name: train\n", "  name: train\n  labels: {app: a, app: b}\n  name: again\n"),
			want: []string{
				`warning 5:20 metadata.labels[app]: duplicate field "metadata.labels.app": kubectl keeps this value and silently drops the earlier one`,
				`warning 6:3 metadata.name: duplicate field "metadata.name": kubectl keeps this value and silently drops the earlier one`,
			},
		},
		// The API server decodes status strictly before it drops it.
		{name: "status unknown field", yaml: job + "status:\n  whatever: 1\n", want: []string{`13:3 status.whatever: unknown field "status.whatever"`}},
		{name: "status wrong type", yaml: job + "status:\n  active: \"x\"\n", want: []string{"13:3 status.active: json: cannot unmarshal string into Go struct field JobStatus.status.active of type int32"}},
		{name: "valid status", yaml: job + "status:\n  active: 1\n"},
		{name: "not a batch object", yaml: "apiVersion: v1\nkind: Pod\nspec: {nope: 1}\n"},
	})
}

func TestDeprecatedAPI(t *testing.T) {
	v1beta1 := edit(cronJob, "batch/v1", "batch/v1beta1")
	runTable(t, validate.RuleDeprecatedAPI, []testCase{
		{name: "batch/v1 job", yaml: job},
		{name: "batch/v1 cronjob", yaml: cronJob},
		{
			name: "v1beta1 cronjob at 1.37",
			yaml: v1beta1,
			want: []string{"1:1 apiVersion: batch/v1beta1 CronJob is no longer served since Kubernetes 1.25 (target 1.37); use batch/v1"},
		},
		{
			name: "v1beta1 cronjob at 1.25",
			opts: validate.Options{KubeVersion: "1.25"},
			yaml: v1beta1,
			want: []string{"1:1 apiVersion: batch/v1beta1 CronJob is no longer served since Kubernetes 1.25 (target 1.25); use batch/v1"},
		},
		{name: "v1beta1 cronjob at 1.24", opts: validate.Options{KubeVersion: "v1.24"}, yaml: v1beta1},
		{
			name: "v2alpha1 cronjob at 1.20",
			opts: validate.Options{KubeVersion: "1.20"},
			yaml: edit(cronJob, "batch/v1", "batch/v2alpha1"),
			want: []string{"1:1 apiVersion: batch/v2alpha1 CronJob is an alpha API, not served by default; use batch/v1beta1"},
		},
		{
			name: "unknown version",
			yaml: edit(job, "batch/v1", "batch/v2"),
			want: []string{"1:1 apiVersion: no kind Job in version batch/v2 is served by Kubernetes 1.37; use batch/v1"},
		},
	})
}

func TestKubeVersion(t *testing.T) {
	successPolicy := edit(job, "spec:\n  template:", "spec:\n  completionMode: Indexed\n  completions: 3\n  successPolicy:\n    rules:\n    - succeededCount: 1\n  template:")
	timeZone := edit(cronJob, `schedule: "0 2 * * *"`, "schedule: \"0 2 * * *\"\n  timeZone: Etc/UTC")
	sidecar := edit(job, "      containers:", "      initContainers:\n      - name: proxy\n        image: proxy:1\n        restartPolicy: Always\n      containers:")
	runTable(t, validate.RuleKubeVersion, []testCase{
		{name: "successPolicy at 1.37", yaml: successPolicy},
		{name: "successPolicy at 1.31", opts: validate.Options{KubeVersion: "1.31"}, yaml: successPolicy},
		{
			// Alpha in 1.30: the field exists, the gate is off, the
			// server drops it.
			name: "successPolicy at 1.30",
			opts: validate.Options{KubeVersion: "1.30"},
			yaml: successPolicy,
			want: []string{"warning 8:3 spec.successPolicy: the API server of Kubernetes 1.30 accepts the object but drops spec.successPolicy: feature gate JobSuccessPolicy is alpha and off by default there (on by default since 1.31, GA in 1.33)"},
		},
		{
			// No such field before 1.30: the server refuses it.
			name: "successPolicy at 1.29",
			opts: validate.Options{KubeVersion: "1.29"},
			yaml: successPolicy,
			want: []string{"8:3 spec.successPolicy: spec.successPolicy needs Kubernetes 1.31 or later (feature gate JobSuccessPolicy on by default since 1.31, GA in 1.33); the target is 1.29"},
		},
		{
			name: "podFailurePolicy FailIndex at 1.28",
			opts: validate.Options{KubeVersion: "1.28"},
			yaml: edit(job, "spec:\n  template:", "spec:\n  podFailurePolicy:\n    rules:\n    - action: FailIndex\n      onExitCodes: {operator: In, values: [1]}\n  template:"),
			want: []string{"warning 8:7 spec.podFailurePolicy.rules[0].action: the API server of Kubernetes 1.28 accepts the object but drops spec.podFailurePolicy.rules[0].action FailIndex: feature gate JobBackoffLimitPerIndex is alpha and off by default there (on by default since 1.29, GA in 1.33)"},
		},
		{
			name: "podFailurePolicy FailIndex at 1.27",
			opts: validate.Options{KubeVersion: "1.27"},
			yaml: edit(job, "spec:\n  template:", "spec:\n  podFailurePolicy:\n    rules:\n    - action: FailIndex\n      onExitCodes: {operator: In, values: [1]}\n  template:"),
			want: []string{"8:7 spec.podFailurePolicy.rules[0].action: spec.podFailurePolicy.rules[0].action FailIndex needs Kubernetes 1.29 or later (feature gate JobBackoffLimitPerIndex on by default since 1.29, GA in 1.33); the target is 1.27"},
		},
		{
			name: "podFailurePolicy at 1.24",
			opts: validate.Options{KubeVersion: "1.24"},
			yaml: edit(job, "spec:\n  template:", "spec:\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes: {operator: In, values: [1]}\n  template:"),
			want: []string{"6:3 spec.podFailurePolicy: spec.podFailurePolicy needs Kubernetes 1.26 or later (feature gate JobPodFailurePolicy on by default since 1.26, GA in 1.31); the target is 1.24"},
		},
		{name: "timeZone at 1.25", opts: validate.Options{KubeVersion: "1.25"}, yaml: timeZone},
		{
			name: "timeZone at 1.24",
			opts: validate.Options{KubeVersion: "1.24"},
			yaml: timeZone,
			want: []string{"warning 7:3 spec.timeZone: the API server of Kubernetes 1.24 accepts the object but drops spec.timeZone: feature gate CronJobTimeZone is alpha and off by default there (on by default since 1.25, GA in 1.27)"},
		},
		{
			name: "timeZone at 1.23",
			opts: validate.Options{KubeVersion: "1.23"},
			yaml: timeZone,
			want: []string{"7:3 spec.timeZone: spec.timeZone needs Kubernetes 1.25 or later (feature gate CronJobTimeZone on by default since 1.25, GA in 1.27); the target is 1.23"},
		},
		{
			name: "sidecar in a cronjob at 1.27",
			opts: validate.Options{KubeVersion: "1.27"},
			yaml: edit(cronJob, "          containers:", "          initContainers:\n          - name: proxy\n            image: proxy:1\n            restartPolicy: Always\n          containers:"),
			want: []string{"15:13 spec.jobTemplate.spec.template.spec.initContainers[0].restartPolicy: spec.jobTemplate.spec.template.spec.initContainers[0].restartPolicy needs Kubernetes 1.29 or later (feature gate SidecarContainers on by default since 1.29, GA in 1.33); the target is 1.27"},
		},
		{name: "sidecar at 1.29", opts: validate.Options{KubeVersion: "1.29"}, yaml: sidecar},
		{
			// Read from the feature gates of the validation code:
			// JobManagedBy is alpha in 1.30, on by default from 1.32.
			name: "managedBy at 1.31",
			opts: validate.Options{KubeVersion: "1.31"},
			yaml: edit(job, "spec:\n  template:", "spec:\n  managedBy: kueue.x-k8s.io/multikueue\n  template:"),
			want: []string{"warning 6:3 spec.managedBy: the API server of Kubernetes 1.31 accepts the object but drops spec.managedBy: feature gate JobManagedBy is alpha and off by default there (on by default since 1.32, GA in 1.35)"},
		},
		{
			name: "managedBy at 1.29",
			opts: validate.Options{KubeVersion: "1.29"},
			yaml: edit(job, "spec:\n  template:", "spec:\n  managedBy: kueue.x-k8s.io/multikueue\n  template:"),
			want: []string{"6:3 spec.managedBy: spec.managedBy needs Kubernetes 1.32 or later (feature gate JobManagedBy on by default since 1.32, GA in 1.35); the target is 1.29"},
		},
		{
			// Alpha in 1.37: a default API server accepts the object
			// and drops the field, which is worth a warning, not an error.
			name: "alpha field at the validation version",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        lifecycle: {stopSignal: SIGUSR1}"),
			want: []string{"warning 12:21 spec.template.spec.containers[0].lifecycle.stopSignal: the API server of Kubernetes 1.37 accepts the object but drops spec.template.spec.containers[0].lifecycle.stopSignal: feature gate ContainerStopSignals is alpha and off by default there (not on by default in any release up to 1.37)"},
		},
		{
			name: "alpha field before its gate",
			opts: validate.Options{KubeVersion: "1.32"},
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        lifecycle: {stopSignal: SIGUSR1}"),
			want: []string{"12:21 spec.template.spec.containers[0].lifecycle.stopSignal: spec.template.spec.containers[0].lifecycle.stopSignal needs feature gate ContainerStopSignals, which Kubernetes 1.32 does not have (alpha and off by default in 1.37); the server refuses the field"},
		},
		{
			name: "batch/v1 cronjob at 1.20",
			opts: validate.Options{KubeVersion: "1.20"},
			yaml: cronJob,
			want: []string{"1:1 apiVersion: batch/v1 CronJob is served since Kubernetes 1.21; the target is 1.20"},
		},
	})
}

func TestPodSecurity(t *testing.T) {
	hostNet := edit(job, "      restartPolicy: Never\n", "      restartPolicy: Never\n      hostNetwork: true\n")
	restrictedOK := edit(job, "image: ghcr.io/acme/train:1", `image: ghcr.io/acme/train:1
        securityContext:
          runAsNonRoot: true
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
          seccompProfile: {type: RuntimeDefault}`)
	runTable(t, validate.RulePodSecurity, []testCase{
		{name: "baseline ok", yaml: job},
		{
			name: "host network",
			yaml: hostNet,
			want: []string{`9:7 spec.template.spec.hostNetwork: would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`},
		},
		{name: "privileged level", opts: validate.Options{PodSecurity: "privileged"}, yaml: hostNet},
		{
			name: "version follows kube-version",
			opts: validate.Options{KubeVersion: "1.30"},
			yaml: hostNet,
			want: []string{`9:7 spec.template.spec.hostNetwork: would violate PodSecurity "baseline:v1.30": host namespaces (hostNetwork=true)`},
		},
		{
			name: "cronjob privileged and hostPath",
			yaml: edit(edit(cronJob, "image: ghcr.io/acme/etl:1", "image: ghcr.io/acme/etl:1\n            securityContext: {privileged: true}"),
				"          containers:", "          volumes:\n          - name: host\n            hostPath: {path: /var}\n          containers:"),
			want: []string{
				`13:13 spec.jobTemplate.spec.template.spec.volumes[0]: would violate PodSecurity "baseline:latest": hostPath volumes (volume "host")`,
				`18:31 spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged: would violate PodSecurity "baseline:latest": privileged (container "etl" must not set securityContext.privileged=true)`,
			},
		},
		{
			name: "capabilities",
			yaml: edit(job, "image: ghcr.io/acme/train:1", "image: ghcr.io/acme/train:1\n        securityContext: {capabilities: {add: [NET_ADMIN]}}"),
			want: []string{`12:42 spec.template.spec.containers[0].securityContext.capabilities.add: would violate PodSecurity "baseline:latest": non-default capabilities (container "trainer" must not include "NET_ADMIN" in securityContext.capabilities.add)`},
		},
		{
			name: "restricted",
			opts: validate.Options{PodSecurity: "restricted"},
			yaml: job,
			want: []string{
				`10:9 spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "trainer" must set securityContext.allowPrivilegeEscalation=false)`,
				`10:9 spec.template.spec.containers[0].securityContext.capabilities.drop: would violate PodSecurity "restricted:latest": unrestricted capabilities (container "trainer" must set securityContext.capabilities.drop=["ALL"])`,
				`10:9 spec.template.spec.containers[0].securityContext.runAsNonRoot: would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "trainer" must set securityContext.runAsNonRoot=true)`,
				`10:9 spec.template.spec.containers[0].securityContext.seccompProfile: would violate PodSecurity "restricted:latest": seccompProfile (pod or container "trainer" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
			},
		},
		{name: "restricted ok", opts: validate.Options{PodSecurity: "restricted"}, yaml: restrictedOK},
	})
}

func TestOptions(t *testing.T) {
	for _, o := range []validate.Options{
		{KubeVersion: "1.38"},
		{KubeVersion: "1.15"},
		{KubeVersion: "2.0"},
		{KubeVersion: "latest"},
		{PodSecurity: "strict"},
	} {
		if _, err := validate.New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	v, err := validate.New(validate.Options{KubeVersion: "v1.30.2"})
	if err != nil || v.Target().String() != "1.30" {
		t.Errorf("New(v1.30.2) = %v, %v", v.Target(), err)
	}
}

// TestRulesRegistered checks that every rule has its metadata.
func TestRulesRegistered(t *testing.T) {
	for _, id := range []string{validate.RuleSchema, validate.RuleAPIValidation, validate.RuleDeprecatedAPI, validate.RuleKubeVersion, validate.RulePodSecurity} {
		m, ok := rules.Builtin().Get(id)
		if !ok {
			t.Errorf("rule %s not registered", id)
			continue
		}
		if m.Engine != "go" || m.Title == "" || m.Description == "" || m.Remediation == "" {
			t.Errorf("rule %s: incomplete metadata %+v", id, m)
		}
	}
}

// TestDocsFeatureTable keeps the kube-version table of docs/lint.md in
// step with the code.
func TestDocsFeatureTable(t *testing.T) {
	const (
		doc   = "../../docs/lint.md"
		begin = "<!-- BEGIN kube-version table: go test ./internal/validate -update rewrites it -->\n"
		end   = "<!-- END kube-version table -->"
	)
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no kube-version table markers", doc)
	}
	table := "| Object | Field | Feature gate | On by default since | GA |\n| --- | --- | --- | --- | --- |\n" +
		strings.Join(validate.FeatureTable(), "\n") + "\n"
	if *update {
		s = s[:i+len(begin)] + table + s[j:]
		if err := os.WriteFile(doc, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := s[i+len(begin) : j]; got != table {
		t.Errorf("%s is stale; run go test ./internal/validate -update", doc)
	}
}
