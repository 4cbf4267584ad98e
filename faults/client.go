package faults

import "errors"

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

// ErrDiskFull is what a client disk-full rule makes a journal write fail
// with, worded as SQLite words a full disk.
var ErrDiskFull = errors.New("database or disk is full (injected: client disk-full)")

// JournalFault returns a function the journal calls before each write
// commits (sqlitejournal.Options.FailWrite, or a journal decorator), with
// the write's name: it returns ErrDiskFull for every write a client
// disk-full rule fires on, recording the evidence, and nil otherwise.
func JournalFault(in *Injector) func(op string) error {
	return func(op string) error {
		if len(in.Fire(Event{Target: TargetClient, Hit: Hit{Note: "journal write: " + op}}, DiskFull)) > 0 {
			return ErrDiskFull
		}
		return nil
	}
}

// HalfCommandBytes are what a client half-command rule leaves in the
// printer: GS ( E with pL pH = 65535, its parameter bytes never sent.
var HalfCommandBytes = []byte{0x1D, 0x28, 0x45, 0xFF, 0xFF}

// ClientActions returns a function the harness calls at each of the POS
// client's steps: it returns the client intrude and half-command rules
// that fire there (the harness carries them out), recording the evidence.
func ClientActions(in *Injector) func(step string) []Kind {
	return func(step string) []Kind {
		var out []Kind
		for _, f := range in.Fire(Event{Target: TargetClient, Hit: Hit{Step: Step(step)}}, Intrude, HalfCommand) {
			out = append(out, f.Rule.Kind)
		}
		return out
	}
}
