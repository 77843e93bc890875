# METADATA
# scope: package
# title: t
# description: d
# custom:
#   id: range
#   severity: error
#   remediation: r
package mljob.rules.range

violation contains {"msg": "m", "path": ""} if {
	count(numbers.range(1, 2000000000)) > 0
}
