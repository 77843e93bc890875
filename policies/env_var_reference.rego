# METADATA
# scope: package
# title: $(NAME) in env, command and args names a variable Kubernetes can see
# description: |-
#   Kubernetes expands $(NAME) in a container's env values, command and
#   args itself, before the container starts. An env value sees only the
#   variables listed before it in env (and those of envFrom); command and
#   args see all of env and envFrom. A $(NAME) of a variable defined later
#   in env, or nowhere in the container, is left as written: the program
#   gets the literal text "$(NAME)". $$ stands for one $, so $$(NAME) is a
#   literal $(NAME). The image's own ENV variables are not visible to
#   $(NAME); the variables of the cluster's Services (KUBERNETES_SERVICE_HOST,
#   ...) are. The Job controller adds JOB_COMPLETION_INDEX to the end of
#   an Indexed Job's env: command and args see it, env values do not. In
#   command and args, an undefined $(name) with lower-case letters is taken
#   for shell command substitution ($(hostname)) and not reported.
#   Parameter knownVariables names variables something else (a mutating
#   webhook, say) adds to every container.
# custom:
#   id: env-var-reference
#   severity: warning
#   remediation: |-
#     Define the variable before the value that uses it (mljob keeps env in
#     the order it is written), or write $$(NAME) for a literal $(NAME). For
#     JOB_COMPLETION_INDEX in an env value, define it first, from the field
#     metadata.labels['batch.kubernetes.io/job-completion-index'] (mljob
#     does that for sharded workloads and sweeps whose env uses it).
package mljob.rules.env_var_reference

import data.mljob.lib

default_params := {"knownVariables": []}

params := object.union(default_params, object.get(input, "params", {}))

# refs(s) are the variable names Kubernetes would expand in s: the
# kubelet reads "$$" as an escaped "$" and "$(...)" as a reference, left
# to right (third_party/forked/golang/expansion).
refs(s) := {m[1] |
	some m in regex.find_all_string_submatch_n(`\$\$|\$\(([^)]*)\)`, s, -1)
	m[0] != "$$"
	regex.match(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`, m[1])
}

# Values of env that refer to a variable defined after them.
violation contains v if {
	some c in lib.containers
	some i, e in object.get(c.container, "env", [])
	is_string(e.value)
	some name in refs(e.value)
	not _defined_before(c.container, name, i)
	j := _first_index(c.container, name)
	v := {
		"msg": sprintf("%s: env %s refers to $(%s), which env defines after it (env[%d]); Kubernetes leaves \"$(%s)\" as written", [lib.container_desc(c), e.name, name, j, name]),
		"path": sprintf("%s.env[%d].value", [lib.container_path(c), i]),
	}
}

# Values of env that use JOB_COMPLETION_INDEX of an Indexed Job, which
# the Job controller defines at the end.
violation contains v if {
	some c in lib.containers
	some i, e in object.get(c.container, "env", [])
	is_string(e.value)
	"JOB_COMPLETION_INDEX" in refs(e.value)
	not _in_env(c.container, "JOB_COMPLETION_INDEX")
	_indexed
	v := {
		"msg": sprintf("%s: env %s refers to $(JOB_COMPLETION_INDEX), which the Job controller adds at the end of env; Kubernetes leaves \"$(JOB_COMPLETION_INDEX)\" as written", [lib.container_desc(c), e.name]),
		"path": sprintf("%s.env[%d].value", [lib.container_path(c), i]),
	}
}

# Values of env that refer to a variable defined nowhere.
violation contains v if {
	some c in lib.containers
	some i, e in object.get(c.container, "env", [])
	is_string(e.value)
	some name in refs(e.value)
	not _in_env(c.container, name)
	not _visible_anyway(c.container, name)
	not _index_variable(name)
	v := {
		"msg": sprintf("%s: env %s refers to $(%s), which is defined nowhere in the container; Kubernetes leaves \"$(%s)\" as written", [lib.container_desc(c), e.name, name, name]),
		"path": sprintf("%s.env[%d].value", [lib.container_path(c), i]),
	}
}

# command and args that refer to a variable defined nowhere.
violation contains v if {
	some c in lib.containers
	some field in ["command", "args"]
	some k, s in object.get(c.container, field, [])
	is_string(s)
	some name in refs(s)
	not _in_env(c.container, name)
	not _visible_anyway(c.container, name)
	not _index_variable(name)
	not regex.match(`[a-z]`, name)
	v := {
		"msg": sprintf("%s: %s[%d] refers to $(%s), which is defined nowhere in the container; Kubernetes leaves \"$(%s)\" as written", [lib.container_desc(c), field, k, name, name]),
		"path": sprintf("%s.%s[%d]", [lib.container_path(c), field, k]),
	}
}

_defined_before(container, name, i) if {
	some j, e in container.env
	j < i
	e.name == name
}

_first_index(container, name) := min({j | some j, e in container.env; e.name == name})

_in_env(container, name) if {
	some e in object.get(container, "env", [])
	e.name == name
}

_indexed if lib.job_spec.completionMode == "Indexed"

# _index_variable is JOB_COMPLETION_INDEX in an Indexed Job: command and
# args see it; env values are reported above.
_index_variable(name) if {
	name == "JOB_COMPLETION_INDEX"
	_indexed
}

# A variable of envFrom (whose keys are not known here: any name with its
# prefix), of the cluster's Services, or one the configuration names.
_visible_anyway(container, name) if {
	some f in object.get(container, "envFrom", [])
	startswith(name, object.get(f, "prefix", ""))
}

_visible_anyway(_, name) if name in params.knownVariables

_visible_anyway(_, name) if startswith(name, "KUBERNETES_")

_visible_anyway(_, name) if {
	object.get(lib.pod_spec, "enableServiceLinks", true) != false
	regex.match(`^[A-Z][A-Z0-9_]*_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$`, name)
}
