package chaos

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/pkg/posclient"
)

func TestGenerateIsSeeded(t *testing.T) {
	a := Generate(42, GenConfig{Terminals: 3, Ops: 20, Faults: 6})
	b := Generate(42, GenConfig{Terminals: 3, Ops: 20, Faults: 6})
	if diff := cmp.Diff(a.String(), b.String()); diff != "" {
		t.Fatalf("same seed, different schedules (-first +second):\n%s", diff)
	}
	c := Generate(43, GenConfig{Terminals: 3, Ops: 20, Faults: 6})
	if a.String() == c.String() {
		t.Fatal("seeds 42 and 43 gave the same schedule")
	}
	kinds := map[OpKind]bool{}
	for seed := range int64(50) {
		for _, op := range Generate(seed, GenConfig{}).Ops {
			kinds[op.Kind] = true
			if op.Terminal < 1 || op.Terminal > 2 {
				t.Fatalf("seed %d: op on terminal %d of 2", seed, op.Terminal)
			}
		}
	}
	for _, k := range []OpKind{OpSale, OpRefund, OpLookupRefund, OpVoid, OpReprint, OpSettle} {
		if !kinds[k] {
			t.Errorf("50 schedules without a %s", k)
		}
	}
}

func TestGenerateExclude(t *testing.T) {
	for seed := range int64(200) {
		s := Generate(seed, GenConfig{Faults: 8, Exclude: []string{"printer power-cycle", "acquirer drop-response"}})
		for _, f := range s.Faults {
			if txt := f.Rule.String(); strings.HasPrefix(txt, "printer power-cycle") || strings.HasPrefix(txt, "acquirer drop-response") {
				t.Fatalf("seed %d: excluded fault drawn: %s", seed, txt)
			}
		}
	}
}

func TestScheduleRoundTrip(t *testing.T) {
	for seed := range int64(100) {
		s := Generate(seed, GenConfig{Terminals: 3, Faults: 6})
		got, err := ParseSchedule(s.String())
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, s)
		}
		if got.String() != s.String() {
			t.Fatalf("seed %d: round trip differs:\n%s\nvs\n%s", seed, s, got)
		}
		for _, pan := range []string{CardA, CardB, CardDecline, CardNoFunds} {
			if strings.Contains(s.String(), pan) {
				t.Fatalf("seed %d: the text form holds a card number:\n%s", seed, s)
			}
		}
	}
}

func TestParseScheduleErrors(t *testing.T) {
	for _, text := range []string{
		"op 1 t1 sale card=approve",                       // no amount
		"op 1 t1 dance amount=1",                          // unknown kind
		"op x t1 sale amount=1 card=approve",              // bad id
		"terminals 1\nop 1 t2 sale amount=1 card=approve", // terminal out of range
		"fault t1 acquirer decline code=05",               // acquirer fault with a terminal
		"fault printer paper-out",                         // printer fault without one
		"fault t1 printer no-such-fault",                  // not in the catalogue
		"op 1 t1 sale amount=5 card=4242424242424242",     // numbers are not names
		"wibble",
	} {
		_, err := ParseSchedule(text)
		if err == nil {
			t.Errorf("%q: parsed", text)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: %v is not a *ParseError", text, err)
		}
	}
	_, err := ParseSchedule("op 1 t1 dance")
	if !errors.Is(err, ErrSchedule) {
		t.Errorf("unknown kind: %v does not match ErrSchedule", err)
	}
}

// TestChaos is the short chaos run of CI: a few hundred schedules on the
// emulators with the client as shipped, and not one violation.
func TestChaos(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 60
	}
	// Every fault kind of the catalogue is drawn, power cycles included.
	cycles := 0
	for i := range runs {
		for _, f := range Generate(1+int64(i), GenConfig{}).Faults {
			if strings.HasPrefix(f.Rule.String(), "printer power-cycle") {
				cycles++
			}
		}
	}
	if cycles == 0 {
		t.Fatalf("no printer power cycle among %d schedules", runs)
	}
	sum := Explore(t.Context(), ExploreConfig{Seed: 1, Runs: runs, Parallel: 8})
	for _, e := range sum.Errors {
		t.Errorf("seed %d: rig failed: %v", e.Schedule.Seed, e.Err)
	}
	for _, f := range sum.Failed {
		t.Errorf("seed %d violates:\n%s", f.Schedule.Seed, f.Schedule)
		for _, v := range f.Violations {
			t.Errorf("  %s", v)
		}
	}
	if sum.Runs != runs {
		t.Errorf("%d runs, want %d", sum.Runs, runs)
	}
	// The run must have exercised something: operations and faults fired.
	if sum.Ops < runs*10 || sum.Faults < runs {
		t.Errorf("%d ops and %d faults fired in %d runs: too little happened", sum.Ops, sum.Faults, runs)
	}
	t.Logf("%d runs, %d operations, %d faults in %s", sum.Runs, sum.Ops, sum.Faults, sum.Elapsed)
}

// TestRunRecordsOutcomes checks the history of a hand-written schedule
// against what the emulators must have done.
func TestRunRecordsOutcomes(t *testing.T) {
	s, err := ParseSchedule(`seed 5
terminals 1
op 1 t1 sale amount=1250 card=approve
op 2 t1 sale amount=700 card=decline
op 3 t1 refund of=1 amount=250 card=approve
op 4 t1 refund of=1 amount=100 card=other
op 5 t1 sale amount=900 card=approve
op 6 t1 reprint of=1
fault acquirer drop-response mti=0200 nth=4
`)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Run(t.Context(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		outcome Outcome
		journal posclient.State
		host    string
	}{
		{OK, posclient.StateApproved, "approved"},
		{Fail, posclient.StateDeclined, "declined"},
		{OK, posclient.StateApproved, "approved"},
		{Fail, "", ""}, // another card: refused before anything was sent
		{Unknown, posclient.StateReversed, "reversed"},
		{OK, "", ""}, // a reprint makes no transaction
	}
	for i, r := range h.Ops {
		if w := want[i]; r.Outcome != w.outcome || r.Journal != w.journal || r.Host != w.host {
			t.Errorf("%s: %s/%s/%q (%s), want %s/%s/%q", r.Op, r.Outcome, r.Journal, r.Host, r.Err, w.outcome, w.journal, w.host)
		}
	}
	if v := Check(h); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
	// 1250 charged, 250 refunded; the in-doubt 900 was reversed.
	if got, want := h.Balances[CardA], InitialBalance(CardA)-1000; got != want {
		t.Errorf("balance of the approving card %d, want %d", got, want)
	}
	if len(h.Evidence) != 1 {
		t.Errorf("%d faults fired, want 1: %v", len(h.Evidence), h.Evidence)
	}
	tr := h.Terminals[0]
	if tr.SettleErr != "" || !tr.Settle.Balanced {
		t.Errorf("final settlement: %+v %s", tr.Settle, tr.SettleErr)
	}
	dups := 0
	for _, r := range tr.Receipts {
		if strings.Contains(r.Text, "DUPLICATE") {
			dups++
		}
	}
	if dups != 1 {
		t.Errorf("%d duplicates printed, want 1", dups)
	}
}

// TestCrashAbandonsTerminal: a crash right after the sale was sent leaves
// the host charged and the journal "sent"; the next incarnation's Recover
// reverses it, and the checker agrees.
func TestCrashAbandonsTerminal(t *testing.T) {
	s, err := ParseSchedule(`seed 9
terminals 1
op 1 t1 sale amount=5000 card=approve
op 2 t1 sale amount=300 card=approve
fault t1 client crash at=after-send
`)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Run(t.Context(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := h.Ops[0]; r.Outcome != Unknown || r.Crashed != "after-send" || r.Ref == "" {
		t.Errorf("op 1: %+v, want unknown, crashed after-send, with its reference", r)
	}
	if r := h.Ops[1]; r.Outcome != OK {
		t.Errorf("op 2 after the reboot: %+v, want ok", r)
	}
	if h.Terminals[0].Crashes != 1 {
		t.Errorf("%d crashes, want 1", h.Terminals[0].Crashes)
	}
	if got, want := h.Balances[CardA], InitialBalance(CardA)-300; got != want {
		t.Errorf("balance %d, want %d (the crashed sale reversed)", got, want)
	}
	if v := Check(h); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

func TestShrinkKeepsFailure(t *testing.T) {
	// A checker-level failure that needs exactly one op: the predicate
	// "an op with amount 4321 exists" stands in for a violation, so the
	// shrink itself is tested without a broken client.
	s := Generate(3, GenConfig{Ops: 10, Faults: 4})
	s.Ops[6].Kind, s.Ops[6].Amount, s.Ops[6].Of, s.Ops[6].Card = OpSale, 4321, 0, CardA
	keep := func(_, got []Violation) bool { return len(got) > 0 }
	orig := []Violation{{Invariant: InvCharge}}
	res := shrinkWith(t.Context(), s, orig, ShrinkConfig{MaxRuns: 100, Keep: keep}, func(h *History) []Violation {
		for _, r := range h.Ops {
			if r.Op.Amount == 4321 {
				return orig
			}
		}
		return nil
	})
	if len(res.Schedule.Ops) != 1 || len(res.Schedule.Faults) != 0 || res.Schedule.Ops[0].Amount != 4321 {
		t.Fatalf("shrunk to:\n%s", res.Schedule)
	}
	if res.Runs > 100 {
		t.Errorf("%d runs", res.Runs)
	}
}

func TestCheckerOnForgedHistory(t *testing.T) {
	s, _ := ParseSchedule("seed 1\nterminals 1\nop 1 t1 sale amount=1000 card=approve\n")
	h, err := Run(context.Background(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := Check(h); len(v) != 0 {
		t.Fatalf("clean run: %v", v)
	}
	// The host charged 1000 more than any outcome allows.
	forged := *h
	forged.Balances = map[string]int64{CardA: h.Balances[CardA] - 1000}
	if !hasInvariant(Check(&forged), InvBounds) {
		t.Error("balance outside the bounds not reported")
	}
	// A full card number in the log.
	forged = *h
	forged.Terminals = append([]TerminalRecord(nil), h.Terminals...)
	forged.Terminals[0].Logs += `{"msg":"oops","pan":"4242424242424242"}`
	if !hasInvariant(Check(&forged), InvPAN) {
		t.Error("full card number in the log not reported")
	}
	// The journal forgets the approval.
	forged = *h
	forged.Terminals = append([]TerminalRecord(nil), h.Terminals...)
	forged.Terminals[0].Txns = nil
	if !hasInvariant(Check(&forged), InvCharge) {
		t.Error("host charge unknown to the journal not reported")
	}
}

func hasInvariant(vs []Violation, inv int) bool {
	for _, v := range vs {
		if v.Invariant == inv {
			return true
		}
	}
	return false
}
