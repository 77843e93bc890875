# METADATA
# scope: package
# title: Credentials come from Secrets, not literal env values
# description: |-
#   An environment variable whose name looks like a credential has a literal
#   value instead of valueFrom. Its value is in the manifest, in git, in
#   every `kubectl get -o yaml` and in the API server's audit log; the
#   finding never repeats it. A name looks like a credential when, upper-cased
#   with '-' and '.' read as '_', it ends with one of suffixes (KEY, TOKEN,
#   PASSWORD, PASSWD, SECRET: so WANDB_API_KEY, HF_TOKEN and apiKey do, while
#   AWS_ACCESS_KEY_ID, PUBLIC_KEY_PATH and MAX_TOKENS do not), unless it is
#   or ends with _ and one of ignoreSuffixes (public keys, database and cache
#   keys, tokenizer special tokens such as PAD_TOKEN). Empty values and pure
#   $(VAR) references are not credentials.
# custom:
#   id: plaintext-secret
#   severity: error
#   remediation: |-
#     Put the value in a Secret and reference it: env: {NAME: {secret:
#     "name", key: "key"}} in the workload, or valueFrom.secretKeyRef on the
#     container. Rotate a credential that was committed.
package mljob.rules.plaintext_secret

import data.mljob.lib

default_params := {
	"suffixes": ["KEY", "PASSWD", "PASSWORD", "SECRET", "TOKEN"],
	"ignoreSuffixes": [
		"BOS_TOKEN",
		"CACHE_KEY",
		"CLS_TOKEN",
		"EOS_TOKEN",
		"MASK_TOKEN",
		"OBJECT_KEY",
		"PAD_TOKEN",
		"PARTITION_KEY",
		"PRIMARY_KEY",
		"PUB_KEY",
		"PUBLIC_KEY",
		"SEP_TOKEN",
		"SORT_KEY",
		"UNK_TOKEN",
	],
}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	some c in lib.containers
	some i, env in c.container.env
	_literal(env.value)
	_credential(env.name)
	v := {
		"msg": sprintf("%s sets %s to a literal value", [lib.container_desc(c), env.name]),
		"path": sprintf("%s.env[%d].value", [lib.container_path(c), i]),
	}
}

_suffixes := [upper(s) | some s in params.suffixes]

_ignored_suffixes := [upper(s) | some s in params.ignoreSuffixes]

_credential(name) if {
	norm := upper(replace(replace(name, "-", "_"), ".", "_"))
	some suffix in _suffixes
	endswith(norm, suffix)
	not _ignored(norm)
}

_ignored(norm) if {
	some suffix in _ignored_suffixes
	_ends_with_word(norm, suffix)
}

_ends_with_word(norm, suffix) if norm == suffix

_ends_with_word(norm, suffix) if endswith(norm, concat("", ["_", suffix]))

_literal(value) if {
	is_string(value)
	value != ""
	not regex.match(`^\$\([A-Za-z_][-._A-Za-z0-9]*\)$`, value)
}

# YAML can carry numbers and booleans; the API server refuses them, but they
# are literals all the same.
_literal(value) if {
	not is_string(value)
	value != null
}
