package mljob.rules.plaintext_secret_test

import data.mljob.fixtures
import data.mljob.rules.plaintext_secret

with_env(env) := json.patch(fixtures.job, [{"op": "add", "path": "/spec/template/spec/containers/0/env", "value": env}])

violations(env) := found if {
	found := plaintext_secret.violation with input as {"object": with_env(env)}
}

test_fires_on_literal_api_key if {
	found := violations([
		{"name": "EPOCHS", "value": "10"},
		{"name": "WANDB_API_KEY", "value": "0123456789abcdef"},
	])
	found == {{
		"msg": `container "trainer" sets WANDB_API_KEY to a literal value`,
		"path": "spec.template.spec.containers[0].env[1].value",
	}}

	# The value is never repeated.
	every v in found {
		not contains(v.msg, "0123456789abcdef")
	}
}

test_fires_on_credential_suffixes_in_any_case if {
	names := ["HF_TOKEN", "db-password", "apiKey", "client.secret", "MLFLOW_TRACKING_PASSWD"]
	found := violations([{"name": n, "value": "x"} | some n in names])
	count(found) == count(names)
}

test_fires_on_cronjob_init_container if {
	init := {"name": "fetch", "image": "busybox:1.36", "env": [{"name": "S3_SECRET", "value": "x"}]}
	obj := json.patch(fixtures.cronjob, [{"op": "add", "path": "/spec/jobTemplate/spec/template/spec/initContainers", "value": [init]}])
	plaintext_secret.violation == {{
		"msg": `init container "fetch" sets S3_SECRET to a literal value`,
		"path": "spec.jobTemplate.spec.template.spec.initContainers[0].env[0].value",
	}} with input as {"object": obj}
}

test_fires_on_configured_suffix if {
	env := [{"name": "DB_CREDENTIALS", "value": "x"}]
	count(plaintext_secret.violation) == 1 with input as {"object": with_env(env), "params": {"suffixes": ["CREDENTIALS"]}}
}

test_passes_with_secret_reference if {
	env := [{"name": "WANDB_API_KEY", "valueFrom": {"secretKeyRef": {"name": "wandb", "key": "api-key"}}}]
	count(violations(env)) == 0
}

test_passes_on_names_that_are_not_credentials if {
	env := [{"name": n, "value": "x"} | some n in [
		"AWS_ACCESS_KEY_ID",
		"PUBLIC_KEY_PATH",
		"MAX_TOKENS",
		"TOKENIZERS_PARALLELISM",
		"SSH_PUBLIC_KEY",
		"PAD_TOKEN",
		"DYNAMODB_PARTITION_KEY",
	]]
	count(violations(env)) == 0
}

test_passes_on_empty_values_and_references if {
	env := [
		{"name": "API_KEY", "value": ""},
		{"name": "HF_TOKEN", "value": "$(HUGGING_FACE_HUB_TOKEN)"},
	]
	count(violations(env)) == 0
}
