# METADATA
# scope: package
# title: t
# description: d
# custom:
#   id: comprehension
#   severity: error
#   remediation: r
package mljob.rules.comprehension

violation contains {"msg": "m", "path": ""} if {
	s := {[a, b, c] | some a in numbers.range(1, 1000); some b in numbers.range(1, 1000); some c in numbers.range(1, 1000)}
	count(s) < 0
}
