# METADATA
# scope: package
# title: Images name a fixed tag or a digest
# description: |-
#   Every container image has a tag other than those in forbiddenTags
#   (default latest), or a digest (@sha256:...). An image without a tag is
#   :latest. A job retried or re-run a week later must run the same code;
#   with a moving tag it runs whatever was pushed last, and nodes with an
#   older pull cached run something else again. requireDigest (default
#   false) demands a digest on every image.
# custom:
#   id: image-tag
#   severity: error
#   remediation: |-
#     Use an image with a version tag (ghcr.io/acme/train:1.4.2) or a digest
#     (ghcr.io/acme/train@sha256:...); push a new tag for each build.
package mljob.rules.image_tag

import data.mljob.lib

default_params := {"forbiddenTags": ["latest"], "requireDigest": false}

params := object.union(default_params, object.get(input, "params", {}))

violation contains v if {
	some c in lib.containers
	image := c.container.image
	is_string(image)
	image != ""
	problem := _problem(split(image, "@"))
	v := {
		"msg": sprintf("%s uses image %q %s", [lib.container_desc(c), image, problem]),
		"path": sprintf("%s.image", [lib.container_path(c)]),
	}
}

# An OCI digest: algorithm:encoded (distribution/reference's grammar).
_digest_pattern := `^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`

# _problem says what is wrong with an image reference split at "@": [name]
# or [name, digest]. A digest pins the image whatever its tag.
_problem([_, digest]) := "with a malformed digest" if not regex.match(_digest_pattern, digest)

_problem(parts) := "with a malformed digest" if count(parts) > 2

_problem([name]) := "with no tag or digest" if not _tag(name)

_problem([name]) := sprintf("with the mutable tag %q", [tag]) if {
	tag := _tag(name)
	tag in params.forbiddenTags
}

_problem([name]) := "without a digest" if {
	params.requireDigest
	tag := _tag(name)
	not tag in params.forbiddenTags
}

# _tag is the tag of an image name: what follows ':' in its last path
# element, so a registry port (localhost:5000/train) is not a tag.
_tag(name) := tag if {
	parts := split(name, "/")
	[_, tag] := split(parts[count(parts) - 1], ":")
	tag != ""
}
