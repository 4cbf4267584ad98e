package faults_test

import (
	"testing"

	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/pkg/posclient"
)

// The crash steps of the plan language are the hook points posclient calls.
func TestStepsArePosclientCrashPoints(t *testing.T) {
	if len(faults.Steps) != len(posclient.CrashPoints) {
		t.Fatalf("faults has %d steps, posclient %d crash points", len(faults.Steps), len(posclient.CrashPoints))
	}
	for i, s := range faults.Steps {
		if string(s) != posclient.CrashPoints[i] {
			t.Errorf("step %d: faults %q, posclient %q", i, s, posclient.CrashPoints[i])
		}
	}
}

func TestClientHook(t *testing.T) {
	p, err := faults.Parse("client crash at=after-send nth=2")
	if err != nil {
		t.Fatal(err)
	}
	in, err := faults.NewInjector(p, faults.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var crashed []string
	hook := faults.CrashHook(in, func(step string) { crashed = append(crashed, step) })
	// Two sales pass every crash point; the second after-send crashes.
	for range 2 {
		for _, s := range posclient.CrashPoints {
			hook(s)
		}
	}
	if len(crashed) != 1 || crashed[0] != posclient.CrashAfterSend {
		t.Fatalf("crashed at %q, want once at after-send", crashed)
	}
	if ev := in.Evidence(); len(ev) != 1 || ev[0].Hit.Step != faults.AfterSend {
		t.Errorf("evidence %+v", ev)
	}
}
