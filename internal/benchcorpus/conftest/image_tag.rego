package main

_forbidden_tags := ["latest"]

deny contains msg if {
	some c in containers
	image := c.container.image
	is_string(image)
	image != ""
	problem := _image_problem(split(image, "@"))
	msg := sprintf("[image-tag] %s: %s uses image %q %s", [name, container_desc(c), image, problem])
}

_digest_pattern := `^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`

_image_problem([_, digest]) := "with a malformed digest" if not regex.match(_digest_pattern, digest)

_image_problem(parts) := "with a malformed digest" if count(parts) > 2

_image_problem([ref]) := "with no tag or digest" if not _image_tag(ref)

_image_problem([ref]) := sprintf("with the mutable tag %q", [tag]) if {
	tag := _image_tag(ref)
	tag in _forbidden_tags
}

_image_tag(ref) := tag if {
	parts := split(ref, "/")
	[_, tag] := split(parts[count(parts) - 1], ":")
	tag != ""
}
