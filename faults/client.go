package faults

// ClientHook returns a function the POS client calls at each of its crash
// points (pkg/posclient calls Config.CrashHook with the Step names): it
// reports whether a client crash rule fires there, recording the evidence
// before it returns, so the caller may then die at once. The caller does
// the killing; in hil pos a crash ends the process as kill -9 would.
func ClientHook(in *Injector) func(step string) bool {
	return func(step string) bool {
		return len(in.Fire(Event{Target: TargetClient, Hit: Hit{Step: Step(step)}}, Crash)) > 0
	}
}

// CrashHook adapts ClientHook to the shape of posclient.Config.CrashHook:
// when a crash rule fires at a step, crash is called with the step (and is
// not expected to return).
func CrashHook(in *Injector, crash func(step string)) func(step string) {
	fire := ClientHook(in)
	return func(step string) {
		if fire(step) {
			crash(step)
		}
	}
}
