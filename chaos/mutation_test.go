package chaos_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/poshil/hil/chaos"
	"github.com/poshil/hil/chaos/chaostest"
)

// breaks tells whether vs holds a violation of invariant inv.
func breaks(vs []chaos.Violation, inv int) bool {
	return slices.ContainsFunc(vs, func(v chaos.Violation) bool { return v.Invariant == inv })
}

func TestMutationsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		mut  func() *chaos.Mutation
		want int      // the invariant the mutation breaks
		only []string // fault kinds the exploration draws (all when empty)
	}{
		{chaostest.NoReversal, chaos.InvCharge, nil},
		{chaostest.ReprintUnmarked, chaos.InvReceipt, nil},
		{chaostest.RefundAnyCard, chaos.InvRefund, nil},
		// The nemeses of the journal's one owner, printing proof, crashes
		// between printing and journaling, and a full disk.
		{chaostest.SecondOwner, chaos.InvCharge, []string{"client intrude", "acquirer"}},
		{chaostest.TrustCleanStatus, chaos.InvReceipt, []string{"printer power-cycle after-lines", "client half-command"}},
		{chaostest.InterruptedUnmarked, chaos.InvReceipt, []string{"client crash at=after-print", "client crash at=after-persist", "printer"}},
		{chaostest.SwallowJournalErrors, chaos.InvReceipt, []string{"client disk-full"}},
	} {
		m := tc.mut()
		t.Run(m.Name, func(t *testing.T) {
			catchMutation(t, m, tc.want, chaos.GenConfig{Only: tc.only})
		})
	}
}

// catchMutation explores until a schedule violates want, shrinks it,
// writes the scenario and replays it from the file.
func catchMutation(t *testing.T, m *chaos.Mutation, want int, gen chaos.GenConfig) {
	ctx := t.Context()
	opts := chaos.Options{Mutation: m}
	sum := chaos.Explore(ctx, chaos.ExploreConfig{Seed: 100, Runs: 40, Parallel: 8, Gen: gen, Options: opts})
	var found *chaos.RunResult
	for i := range sum.Failed {
		if breaks(sum.Failed[i].Violations, want) {
			found = &sum.Failed[i]
			break
		}
	}
	if found == nil {
		t.Fatalf("40 schedules with mutation %s: no violation of invariant %d (%d schedules failed otherwise)", m.Name, want, sum.Violations)
	}
	keep := func(_, got []chaos.Violation) bool { return breaks(got, want) }
	res := chaos.Shrink(ctx, found.Schedule, found.Violations, chaos.ShrinkConfig{Options: opts, MaxRuns: 120, Keep: keep})
	if !breaks(res.Violations, want) {
		t.Fatalf("shrunk schedule lost the violation: %v", res.Violations)
	}
	before := len(found.Schedule.Ops) + len(found.Schedule.Faults)
	after := len(res.Schedule.Ops) + len(res.Schedule.Faults)
	if after >= before {
		t.Errorf("not shrunk: %d elements, was %d", after, before)
	}
	t.Logf("seed %d shrunk from %d to %d elements in %d runs:\n%s", found.Schedule.Seed, before, after, res.Runs, res.Schedule)

	path := filepath.Join(t.TempDir(), "scenario.txtar")
	if err := os.WriteFile(path, chaos.Scenario(res.History, res.Violations), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("\nexec hil chaos --replay "+chaos.ScheduleFile+" ")) || !bytes.Contains(data, []byte(chaos.InvariantName(want))) {
		t.Errorf("scenario does not replay its schedule or name the invariant:\n%s", data)
	}
	s, err := chaos.ScheduleFromScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != res.Schedule.String() {
		t.Fatalf("scenario holds another schedule:\n%s\nwant\n%s", s, res.Schedule)
	}
	// Replay from the file: the mutated client fails the same way, the
	// client as shipped does not.
	h, err := chaos.Run(ctx, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !breaks(chaos.Check(h), want) {
		t.Errorf("replay of the scenario's schedule with %s: no violation of invariant %d", m.Name, want)
	}
	h, err = chaos.Run(ctx, s, chaos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := chaos.Check(h); len(v) != 0 {
		t.Errorf("the same schedule without the mutation fails too: %v", v)
	}
}
