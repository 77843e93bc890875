package main

_required := [["cpu", "request"], ["cpu", "limit"], ["memory", "request"], ["memory", "limit"]]

deny contains msg if {
	some c in containers
	limits := {n | some n, q in c.container.resources.limits; q != null}
	present := {
		"limit": limits,
		"request": limits | {n | some n, q in c.container.resources.requests; q != null},
	}
	missing := [sprintf("%s %s", [n, kind]) |
		some [n, kind] in _required
		not n in present[kind]
	]
	count(missing) > 0
	msg := sprintf("[resource-limits] %s: %s sets no %s (%s.resources)", [name, container_desc(c), concat(", ", missing), container_path(c)])
}
