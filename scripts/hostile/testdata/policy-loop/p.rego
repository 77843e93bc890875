# METADATA
# scope: package
# title: t
# description: d
# custom:
#   id: loop
#   severity: error
#   remediation: r
package mljob.rules.loop

violation contains {"msg": "m", "path": ""} if {
	some a in numbers.range(1, 5000)
	some b in numbers.range(1, 5000)
	some c in numbers.range(1, 5000)
	a + b + c < 0
}
