# Tests of the pack as a whole.
package mljob.pack_test

import data.mljob.fixtures

# rule_names are the pack's rule packages (their tests live beside them).
rule_names := {name |
	some name, _ in data.mljob.rules
	not endswith(name, "_test")
}

# findings(obj) is what every rule reports on obj, as [rule, violation].
findings(obj) := {[name, v] |
	some name in rule_names
	some v in data.mljob.rules[name].violation with input as {"object": obj}
}

test_rule_names if {
	"resource_limits" in rule_names
	"spot_disruption" in rule_names
	not "resource_limits_test" in rule_names
}

# Every fixture a rule test starts from passes every rule, so a test that
# breaks one thing sees only its own rule fire.
test_fixtures_pass_every_rule if {
	every obj in fixtures.all {
		findings(obj) == set()
	}
}

# The check above can fail: a broken fixture is reported.
test_findings_reports_a_broken_fixture if {
	obj := json.patch(fixtures.job, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "train:latest"}])
	findings(obj) == {["image_tag", {
		"msg": `container "trainer" uses image "train:latest" with the mutable tag "latest"`,
		"path": "spec.template.spec.containers[0].image",
	}]}
}

# Objects that are not Jobs or CronJobs are none of the rules' business.
test_other_kinds_pass_every_rule if {
	deployment := {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web"},
		"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
	}
	findings(deployment) == set()
	findings(object.union(fixtures.job, {"apiVersion": "batch/v2"})) == set()
}
