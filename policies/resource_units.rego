# METADATA
# scope: package
# title: Resource quantities are in the units meant
# description: |-
#   Memory and ephemeral-storage requests and limits, and emptyDir size
#   limits, are bytes: a number without a unit is bytes (memory 4096 is 4
#   KiB) and the suffix m is milli ("16m" is 16 millibytes, not 16
#   mebibytes). A size below minSize (default 1Mi) or with the suffix m is a
#   unit mistake: the container is killed at once or never fits. A cpu
#   request or limit above maxCPU (default 192, the CPUs of the largest
#   common cloud nodes) can never be scheduled; "500" was most likely meant
#   as "500m". Set maxCPU to the CPUs of your largest node (mljob's own
#   warning uses the profile's largestNode.cpu).
# custom:
#   id: resource-units
#   severity: error
#   remediation: |-
#     Write sizes with a binary unit ("512Mi", "16Gi") and CPU in cores or
#     millicores ("500m", "2"). In a workload, mljob refuses such sizes and
#     says the size most likely meant.
package mljob.rules.resource_units

import data.mljob.lib

default_params := {"minSize": "1Mi", "maxCPU": 192}

params := object.union(default_params, object.get(input, "params", {}))

_sized := {"memory", "ephemeral-storage"}

_kinds := {"requests": "request", "limits": "limit"}

violation contains v if {
	some c in lib.containers
	some field, kind in _kinds
	some name, q in object.get(object.get(c.container, "resources", {}), field, {})
	name in _sized
	msg := _size_problem(q)
	v := {
		"msg": sprintf("%s: %s %s %s", [lib.container_desc(c), name, kind, msg]),
		"path": sprintf("%s.resources.%s[%s]", [lib.container_path(c), field, name]),
	}
}

violation contains v if {
	some i, vol in object.get(lib.pod_spec, "volumes", [])
	q := vol.emptyDir.sizeLimit
	msg := _size_problem(q)
	v := {
		"msg": sprintf("volume %q: sizeLimit %s", [vol.name, msg]),
		"path": sprintf("%s.volumes[%d].emptyDir.sizeLimit", [lib.pod_spec_path, i]),
	}
}

violation contains v if {
	some c in lib.containers
	some field, kind in _kinds
	q := c.container.resources[field].cpu
	lib.quantity(q) > lib.quantity(params.maxCPU)
	v := {
		"msg": sprintf("%s: cpu %s %s is more than the %v CPUs of the largest node (maxCPU); no node can run it%s", [lib.container_desc(c), kind, _show(q), params.maxCPU, _cpu_hint(q)]),
		"path": sprintf("%s.resources.%s[cpu]", [lib.container_path(c), field]),
	}
}

# _size_problem says what is wrong with a size, and what was most likely
# meant; it is undefined for a good size.
_size_problem(q) := sprintf("%s is %s millibytes (m is milli, Mi is mebibytes); did you mean %q?", [_show(q), _number(q), concat("", [_number(q), "Mi"])]) if {
	is_string(q)
	regex.match(`^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)m$`, q)
}

_size_problem(q) := sprintf("%s has no unit, so it is %s bytes; did you mean %q?", [_show(q), _number(q), concat("", [_number(q), "Mi"])]) if {
	_bare(q)
	lib.quantity(q) < lib.quantity(params.minSize)
	lib.quantity(q) > 0
}

_size_problem(q) := sprintf("%s is less than %s; did you mean %q?", [_show(q), params.minSize, concat("", [_number(q), "Mi"])]) if {
	not _bare(q)
	is_string(q)
	not regex.match(`m$`, q)
	lib.quantity(q) < lib.quantity(params.minSize)
	lib.quantity(q) > 0
}

_bare(q) if is_number(q)

_bare(q) if {
	is_string(q)
	regex.match(`^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`, q)
}

_number(q) := sprintf("%v", [q]) if is_number(q)

_number(q) := regex.find_n(`^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)`, q, 1)[0] if is_string(q)

_show(q) := sprintf("%v", [q]) if is_number(q)

_show(q) := sprintf("%q", [q]) if is_string(q)

_cpu_hint(q) := sprintf("; did you mean \"%sm\"?", [_number(q)]) if _bare(q)

_cpu_hint(q) := "" if not _bare(q)
