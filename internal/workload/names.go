package workload

// ContainerName is the name of the main container of a workload: its
// containerName, or one after its type. It is what `overrides` and
// exit-code rules refer to.
func ContainerName(w *Workload) string {
	if w.ContainerName != "" {
		return w.ContainerName
	}
	return TypeContainerName(w.Type)
}

// TypeContainerName is the main container's name for a workload type:
// trainer, inference, preprocess, trial or task.
func TypeContainerName(typ string) string {
	switch typ {
	case Sweep:
		return "trial"
	case Training:
		return "trainer"
	}
	return typ
}

// IsDNSLabel reports whether s is made of DNS label characters (length is
// checked apart, to say so in the message).
func IsDNSLabel(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}
