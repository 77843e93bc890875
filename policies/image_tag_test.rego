package mljob.rules.image_tag_test

import data.mljob.fixtures
import data.mljob.rules.image_tag

with_image(obj, image) := json.patch(obj, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}])

violations(image) := found if {
	found := image_tag.violation with input as {"object": with_image(fixtures.job, image)}
}

test_fires_on_latest if {
	violations("ghcr.io/acme/train:latest") == {{
		"msg": `container "trainer" uses image "ghcr.io/acme/train:latest" with the mutable tag "latest"`,
		"path": "spec.template.spec.containers[0].image",
	}}
}

test_fires_without_tag if {
	violations("pytorch/pytorch") == {{
		"msg": `container "trainer" uses image "pytorch/pytorch" with no tag or digest`,
		"path": "spec.template.spec.containers[0].image",
	}}
}

# The port of a registry is not a tag.
test_fires_on_registry_port_without_tag if {
	violations("localhost:5000/train") == {{
		"msg": `container "trainer" uses image "localhost:5000/train" with no tag or digest`,
		"path": "spec.template.spec.containers[0].image",
	}}
}

test_fires_on_malformed_digest if {
	violations("ghcr.io/acme/train@sha256:abc") == {{
		"msg": `container "trainer" uses image "ghcr.io/acme/train@sha256:abc" with a malformed digest`,
		"path": "spec.template.spec.containers[0].image",
	}}
}

test_fires_on_cronjob_init_container if {
	obj := json.patch(fixtures.cronjob, [{"op": "add", "path": "/spec/jobTemplate/spec/template/spec/initContainers", "value": [{"name": "fetch", "image": "busybox:latest"}]}])
	image_tag.violation == {{
		"msg": `init container "fetch" uses image "busybox:latest" with the mutable tag "latest"`,
		"path": "spec.jobTemplate.spec.template.spec.initContainers[0].image",
	}} with input as {"object": obj}
}

test_fires_without_digest_when_required if {
	image_tag.violation == {{
		"msg": `container "trainer" uses image "ghcr.io/acme/train:1.4.2" without a digest`,
		"path": "spec.template.spec.containers[0].image",
	}} with input as {"object": fixtures.job, "params": {"requireDigest": true}}
}

test_fires_on_configured_tag if {
	count(image_tag.violation) == 1 with input as {"object": with_image(fixtures.job, "train:main"), "params": {"forbiddenTags": ["latest", "main"]}}
}

test_passes_with_version_tag if {
	count(violations("ghcr.io/acme/train:1.4.2")) == 0
	count(violations("localhost:5000/acme/train:2024-06-01")) == 0
}

test_passes_with_digest if {
	digest := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	count(violations(concat("@", ["ghcr.io/acme/train", digest]))) == 0
	count(violations(concat("@", ["ghcr.io/acme/train:latest", digest]))) == 0
	obj := with_image(fixtures.job, concat("@", ["localhost:5000/train", digest]))
	count(image_tag.violation) == 0 with input as {"object": obj, "params": {"requireDigest": true}}
}
