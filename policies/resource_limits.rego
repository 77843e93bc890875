# METADATA
# scope: package
# title: Containers set CPU and memory requests and limits
# description: |-
#   Every container and init container sets cpu and memory requests and
#   limits. Without requests the scheduler packs pods blindly; without a
#   memory limit one job can take a node's memory and get other pods evicted.
#   A request left out but a limit set counts as set: the API server copies
#   the limit into the request. Parameter requireCPULimit (default true) can
#   make the cpu limit optional, for clusters that avoid CPU throttling.
# custom:
#   id: resource-limits
#   severity: error
#   remediation: |-
#     Set resources.cpu and resources.memory in the workload (mljob sets the
#     limits to the requests), or set resources.requests and resources.limits
#     for cpu and memory on the container.
package mljob.rules.resource_limits

import data.mljob.lib

default_params := {"requireCPULimit": true}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	some c in lib.containers
	limits := {name | some name, q in c.container.resources.limits; q != null}

	# A request left out is defaulted from the limit by the API server.
	present := {
		"limit": limits,
		"request": (limits | {name | some name, q in c.container.resources.requests; q != null}),
	}
	missing := [sprintf("%s %s", [name, kind]) |
		some [name, kind] in _required
		not name in present[kind]
	]
	count(missing) > 0
	v := {
		"msg": sprintf("%s sets no %s", [lib.container_desc(c), lib.join_or(missing)]),
		"path": sprintf("%s.resources", [lib.container_path(c)]),
	}
}

_required := [["cpu", "request"], ["cpu", "limit"], ["memory", "request"], ["memory", "limit"]] if params.requireCPULimit

_required := [["cpu", "request"], ["memory", "request"], ["memory", "limit"]] if not params.requireCPULimit
