package chaos

import "errors"

// Sentinel errors of package chaos.
var (
	// ErrSchedule is matched by every error about a schedule's text.
	ErrSchedule = errors.New("chaos: invalid schedule")
	// ErrSetup is matched when the rig of a run (acquirer, printers,
	// terminals) cannot be built.
	ErrSetup = errors.New("chaos: setting up the rig")
)
