package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/mljob/mljob/internal/diag"
)

// denied are the built-in functions policies cannot call, by name or, ending
// in '.', by prefix, with the reason a policy that calls one is refused.
// Policies see the object, its file name and their parameters, and nothing
// else: no network, no environment, and nothing that makes the same input
// give other findings on another run (lint output must be byte-identical).
var denied = []struct{ name, reason string }{
	{"http.send", "policies have no network access"},
	{"net.", "policies have no network access"},
	{"providers.aws.sign_req", "policies have no network access"},
	{"opa.runtime", "policies cannot read the environment or mljob's configuration; use rule parameters"},
	{"time.now_ns", "findings must not depend on the clock; pass dates as rule parameters"},
	{"io.jwt.decode_verify", "it checks tokens against the clock; findings must not depend on it (io.jwt.decode and io.jwt.verify_* do not)"},
	{"crypto.x509.parse_and_verify_certificates", "it checks certificates against the clock; findings must not depend on it"},
	{"crypto.x509.parse_and_verify_certificates_with_options", "it checks certificates against the clock; findings must not depend on it"},
	{"rand.intn", "findings must be the same on every run"},
	{"uuid.rfc4122", "findings must be the same on every run"},
	{"io.jwt.encode_sign", "signatures of some algorithms (ES256, PS256) are random; findings must be the same on every run"},
	{"io.jwt.encode_sign_raw", "signatures of some algorithms (ES256, PS256) are random; findings must be the same on every run"},
}

// deniedReason returns why name is not available, or "".
func deniedReason(name string) string {
	for _, d := range denied {
		if name == d.name || strings.HasSuffix(d.name, ".") && strings.HasPrefix(name, d.name) {
			return d.reason
		}
	}
	return ""
}

// capabilities are OPA's, less the denied built-ins; AllowNet empty also
// keeps the type checker from fetching remote JSON schemas.
func capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	kept := c.Builtins[:0]
	for _, b := range c.Builtins {
		if deniedReason(b.Name) == "" {
			kept = append(kept, b)
		}
	}
	c.Builtins = kept
	c.AllowNet = []string{}
	return c
}

// newCompiler returns a compiler for mljob policies: sandboxed, Rego v1.
func newCompiler() *ast.Compiler {
	return ast.NewCompiler().
		WithCapabilities(capabilities()).
		WithDefaultRegoVersion(ast.RegoV1)
}

// astErrors turns OPA's parse and compile errors into diagnostics at their
// file:line:column, saying why a denied built-in is missing.
func astErrors(err error) diag.List {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		var one *ast.Error
		if !errors.As(err, &one) {
			return diag.List{diag.Errorf(diag.Pos{}, "", "%v", err)}
		}
		errs = ast.Errors{one}
	}
	list := make(diag.List, 0, len(errs))
	for _, e := range errs {
		msg := e.Message
		if name, ok := strings.CutPrefix(msg, "undefined function "); ok && e.Code == ast.TypeErr {
			if reason := deniedReason(name); reason != "" {
				msg = fmt.Sprintf("built-in function %s is not available to mljob policies: %s", name, reason)
			}
		}
		list = append(list, diag.Errorf(astPos(e.Location), "", "%s", msg))
	}
	return list
}
