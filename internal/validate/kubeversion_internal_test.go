package validate

import "testing"

// TestFeatureVersions keeps the table honest: versions are written down
// only for gates no longer in the Kubernetes code; the others are read
// from it.
func TestFeatureVersions(t *testing.T) {
	for _, f := range features {
		_, inCode := gateHistory(f.Gate)
		switch {
		case inCode && !f.Since.IsZero():
			t.Errorf("%s: gate %s is in the code; read its versions from there", f.Path, f.Gate)
		case !inCode && f.Since.IsZero():
			t.Errorf("%s: gate %s is not in the code; give its versions", f.Path, f.Gate)
		}
	}
	for gate, want := range map[string]string{
		"JobManagedBy":          "1.32",
		"UserNamespacesSupport": "1.33",
		"ContainerStopSignals":  "",
		"PodLevelResources":     "1.34",
	} {
		g, ok := gateHistory(gate)
		got := ""
		if !g.Since.IsZero() {
			got = g.Since.String()
		}
		if !ok || got != want {
			t.Errorf("gate %s: on by default since %q (found %v), want %q", gate, got, ok, want)
		}
	}
}
