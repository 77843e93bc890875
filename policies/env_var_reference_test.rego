package mljob.rules.env_var_reference_test

import data.mljob.fixtures
import data.mljob.rules.env_var_reference

with_container(obj, fields) := json.patch(obj, [{"op": "add", "path": sprintf("/spec/template/spec/containers/0/%s", [k]), "value": v} | some k, v in fields])

violations(fields) := found if {
	found := env_var_reference.violation with input as {"object": with_container(fixtures.job, fields)}
}

indexed(fields) := found if {
	obj := json.patch(with_container(fixtures.job, fields), [
		{"op": "add", "path": "/spec/completionMode", "value": "Indexed"},
		{"op": "add", "path": "/spec/completions", "value": 4},
	])
	found := env_var_reference.violation with input as {"object": obj}
}

test_passes_when_defined_before if {
	count(violations({"env": [{"name": "ROOT", "value": "/data"}, {"name": "DATA_DIR", "value": "$(ROOT)/train"}]})) == 0
}

test_fires_when_defined_after if {
	violations({"env": [{"name": "DATA_DIR", "value": "$(ROOT)/train"}, {"name": "ROOT", "value": "/data"}]}) == {{
		"msg": `container "trainer": env DATA_DIR refers to $(ROOT), which env defines after it (env[1]); Kubernetes leaves "$(ROOT)" as written`,
		"path": "spec.template.spec.containers[0].env[0].value",
	}}
}

# The image's PATH is not visible: PATH refers to itself.
test_fires_on_self_reference if {
	violations({"env": [{"name": "PATH", "value": "/opt/bin:$(PATH)"}]}) == {{
		"msg": `container "trainer": env PATH refers to $(PATH), which env defines after it (env[0]); Kubernetes leaves "$(PATH)" as written`,
		"path": "spec.template.spec.containers[0].env[0].value",
	}}
}

test_fires_when_defined_nowhere if {
	violations({"env": [{"name": "OUT", "value": "$(BUCKET)/out"}]}) == {{
		"msg": `container "trainer": env OUT refers to $(BUCKET), which is defined nowhere in the container; Kubernetes leaves "$(BUCKET)" as written`,
		"path": "spec.template.spec.containers[0].env[0].value",
	}}
}

# $$ escapes: $$(ROOT) is the literal text $(ROOT), $$$(ROOT) a $ and a
# reference.
test_escapes if {
	count(violations({"env": [{"name": "A", "value": "$$(ROOT) and $$$$(X)"}]})) == 0
	count(violations({"env": [{"name": "A", "value": "$$$(ROOT)"}]})) == 1
	count(violations({"env": [{"name": "A", "value": "$ROOT ${ROOT} $(not a name) $("}]})) == 0
}

test_command_and_args_see_all_of_env if {
	count(violations({
		"command": ["train", "--data=$(DATA_DIR)"],
		"args": ["--out=$(OUT)"],
		"env": [{"name": "DATA_DIR", "value": "/d"}, {"name": "OUT", "value": "/o"}],
	})) == 0
}

test_fires_on_args_defined_nowhere if {
	violations({"args": ["--data=$(DATA_DIR)"]}) == {{
		"msg": `container "trainer": args[0] refers to $(DATA_DIR), which is defined nowhere in the container; Kubernetes leaves "$(DATA_DIR)" as written`,
		"path": "spec.template.spec.containers[0].args[0]",
	}}
}

# $(hostname) in a shell script is command substitution once Kubernetes
# leaves it as written.
test_passes_on_shell_substitution if {
	count(violations({"command": ["sh", "-c", "echo on $(hostname) at $(date +%s)"]})) == 0
}

test_passes_on_envfrom_and_services if {
	count(violations({"envFrom": [{"configMapRef": {"name": "settings"}}], "env": [{"name": "A", "value": "$(FROM_CONFIGMAP)"}]})) == 0
	count(violations({"env": [{"name": "API", "value": "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"}]})) == 0
	count(violations({"env": [{"name": "DB", "value": "$(POSTGRES_SERVICE_HOST)"}]})) == 0
}

test_prefixed_envfrom_covers_only_its_prefix if {
	fields := {"envFrom": [{"prefix": "DB_", "secretRef": {"name": "db"}}], "env": [{"name": "A", "value": "$(DB_HOST) $(OTHER)"}]}
	violations(fields) == {{
		"msg": `container "trainer": env A refers to $(OTHER), which is defined nowhere in the container; Kubernetes leaves "$(OTHER)" as written`,
		"path": "spec.template.spec.containers[0].env[0].value",
	}}
}

test_index_variable if {
	# command and args of an Indexed Job see it.
	count(indexed({"args": ["--shard=$(JOB_COMPLETION_INDEX)"]})) == 0

	# env values do not: the Job controller appends it.
	indexed({"env": [{"name": "OUT", "value": "/out/$(JOB_COMPLETION_INDEX)"}]}) == {{
		"msg": `container "trainer": env OUT refers to $(JOB_COMPLETION_INDEX), which the Job controller adds at the end of env; Kubernetes leaves "$(JOB_COMPLETION_INDEX)" as written`,
		"path": "spec.template.spec.containers[0].env[0].value",
	}}

	# Defined first, as mljob does, it works.
	count(indexed({"env": [
		{"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}}},
		{"name": "OUT", "value": "/out/$(JOB_COMPLETION_INDEX)"},
	]})) == 0

	# A Job that is not Indexed has none.
	count(violations({"args": ["--shard=$(JOB_COMPLETION_INDEX)"]})) == 1
}

test_known_variables_param if {
	obj := with_container(fixtures.job, {"env": [{"name": "A", "value": "$(MESH_ID)"}]})
	count(env_var_reference.violation) == 0 with input as {"object": obj, "params": {"knownVariables": ["MESH_ID"]}}
}

test_passes_on_fixtures if {
	count(env_var_reference.violation) == 0 with input as {"object": fixtures.job}
}
