# METADATA
# scope: package
# title: t
# description: d
# custom:
#   id: jwt
#   severity: error
#   remediation: r
package mljob.rules.jwt

violation contains {"msg": sprintf("%s", [t]), "path": ""} if {
	t := io.jwt.encode_sign({"alg": "ES256"}, {"sub": input.object.metadata.name}, {"kty": "EC", "crv": "P-256", "x": "x", "y": "y", "d": "d"})
}
