# METADATA
# scope: package
# title: t
# description: d
# custom:
#   id: leak
#   severity: error
#   remediation: r
package mljob.rules.leak

violation contains input.object.spec.template.spec.containers[0].env[0].value if true
