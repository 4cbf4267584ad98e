package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustInjector(t *testing.T, plan string, opts Options) *Injector {
	t.Helper()
	p, err := Parse(plan)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewInjector(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func msg(mti, stan string) Event {
	return Event{Target: TargetAcquirer, Hit: Hit{MTI: mti, STAN: stan}}
}

// fired sends events and returns the 1-based indexes of those on which a
// rule of kind fired.
func fired(in *Injector, evs []Event, kind Kind) []int {
	var out []int
	for i, ev := range evs {
		if len(in.Fire(ev, kind)) > 0 {
			out = append(out, i+1)
		}
	}
	return out
}

func sales(n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = msg("0200", fmt.Sprintf("%06d", i+1))
	}
	return evs
}

func TestTriggerSelection(t *testing.T) {
	for _, tc := range []struct {
		rule string
		want []int
	}{
		{"acquirer drop-response", []int{1}},
		{"acquirer drop-response nth=3", []int{3}},
		{"acquirer drop-response nth=2 count=3", []int{2, 3, 4}},
		{"acquirer drop-response count=always", []int{1, 2, 3, 4, 5, 6}},
		{"acquirer drop-response nth=5 count=always", []int{5, 6}},
		{"acquirer drop-response mti=0100 count=always", nil},
	} {
		in := mustInjector(t, tc.rule, Options{})
		if got := fired(in, sales(6), DropResponse); !cmp.Equal(got, tc.want) {
			t.Errorf("%s: fired on %v, want %v", tc.rule, got, tc.want)
		}
	}
}

func TestTriggerScope(t *testing.T) {
	in := mustInjector(t, "acquirer decline code=51 card=*4242 amount=5000 terminal=T1 proc=000000 count=always", Options{})
	base := Event{Target: TargetAcquirer, PAN: "4000000000004242", Hit: Hit{MTI: "0200", Proc: "000000", Amount: 5000, Terminal: "T1"}}
	if len(in.Fire(base, Decline)) != 1 {
		t.Fatal("matching event did not fire")
	}
	for name, mod := range map[string]func(*Event){
		"card":     func(e *Event) { e.PAN = "4000000000001111" },
		"amount":   func(e *Event) { e.Amount = 5001 },
		"terminal": func(e *Event) { e.Terminal = "T2" },
		"proc":     func(e *Event) { e.Proc = "200000" },
		"no card":  func(e *Event) { e.PAN = "" },
	} {
		ev := base
		mod(&ev)
		if len(in.Fire(ev, Decline)) != 0 {
			t.Errorf("%s differs but the rule fired", name)
		}
	}
	if len(in.Fire(base, DropResponse)) != 0 {
		t.Error("a decline rule fired when the adapter asked for drop-response")
	}
	ev := in.Evidence()
	if len(ev) != 1 || ev[0].Hit.Card != "400000******4242" {
		t.Fatalf("evidence %+v: want one entry with the masked card", ev)
	}
}

func TestProbabilityIsSeeded(t *testing.T) {
	run := func(seed int) []int {
		in := mustInjector(t, fmt.Sprintf("seed %d\nacquirer drop-response p=0.3 count=always", seed), Options{})
		return fired(in, sales(200), DropResponse)
	}
	a, b := run(42), run(42)
	if !cmp.Equal(a, b) {
		t.Fatalf("seed 42 gave two sequences:\n%v\n%v", a, b)
	}
	if n := len(a); n < 35 || n > 85 {
		t.Errorf("p=0.3 fired %d times in 200, far from 60", n)
	}
	if cmp.Equal(a, run(43)) {
		t.Error("seeds 42 and 43 gave the same sequence: the seed does nothing")
	}
}

// TestSeedDeterminism runs a mixed workload twice through the whole
// evidence path and compares the applied-fault sequences.
func TestSeedDeterminism(t *testing.T) {
	plan := `seed 7
acquirer drop-response mti=0200 p=0.5 count=always
acquirer decline code=05 p=0.2 count=5
acquirer reversal-lost count=2
link latency by=100ms jitter=90ms p=0.7
`
	run := func() string {
		var buf bytes.Buffer
		in := mustInjector(t, plan, Options{Evidence: &buf})
		for i := range 100 {
			mti := "0200"
			if i%7 == 0 {
				mti = "0400"
			}
			ev := msg(mti, fmt.Sprintf("%06d", i))
			for _, f := range in.Fire(ev, DropResponse, Decline, ReversalLost) {
				_ = f
			}
			for _, f := range in.Fire(Event{Target: TargetLink, Hit: Hit{Dir: Up, Bytes: 10}}, Latency) {
				in.Rand(func(r *randT) { fmt.Fprintf(&buf, "jitter %d\n", r.Int64N(int64(2*f.Rule.Jitter))) })
			}
		}
		// Drop timestamps: the sequence, not the wall clock, must repeat.
		var out strings.Builder
		sc := bufio.NewScanner(&buf)
		for sc.Scan() {
			var e Evidence
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				fmt.Fprintf(&out, "%s %+v\n", e.Rule, e.Hit)
			} else {
				out.WriteString(sc.Text() + "\n")
			}
		}
		return out.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("same seed, same workload, different faults:\n%s", cmp.Diff(a, b))
	}
	if strings.Count(a, "\n") < 50 {
		t.Fatalf("workload applied too few faults to mean anything:\n%s", a)
	}
}

func TestTimeWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "acquirer delay by=1s at=10s for=5s count=always", Options{})
		check := func(at string, want int) {
			t.Helper()
			if got := len(in.Fire(msg("0200", "1"), Delay)); got != want {
				t.Errorf("at %s: %d fired, want %d", at, got, want)
			}
		}
		check("0s", 0)
		time.Sleep(10 * time.Second)
		check("10s", 1)
		time.Sleep(4 * time.Second)
		check("14s", 1)
		time.Sleep(time.Second)
		check("15s", 0)
	})
}

func TestLastingCondition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "link blackhole for=3s dir=up", Options{})
		if in.Holding(TargetLink, Blackhole, Up) {
			t.Fatal("holding before it fired")
		}
		if len(in.Fire(Event{Target: TargetLink, Hit: Hit{Dir: Up}}, Blackhole)) != 1 {
			t.Fatal("blackhole did not fire")
		}
		if !in.Holding(TargetLink, Blackhole, Up) || in.Holding(TargetLink, Blackhole, Down) {
			t.Fatal("holding wrong direction")
		}
		time.Sleep(3 * time.Second)
		if in.Holding(TargetLink, Blackhole, Up) {
			t.Fatal("still holding after for=3s")
		}
	})
}

func TestTimedRulesAndHeal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var log []string
		note := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
		in := mustInjector(t, "printer paper-out at=2s\nprinter cover-open after-lines=3\nheal at=5s\nprinter offline at=9s", Options{})
		in.Attach(TargetPrinter, Applier{
			IsTimed: PrinterTimed,
			Timed:   func(f Firing) { note(fmt.Sprintf("%v %s", time.Since(t0(t)), f.Rule.Kind)) },
			Heal:    func() { note(fmt.Sprintf("%v heal", time.Since(t0(t)))) },
		})
		for range 3 {
			for _, f := range in.Fire(Event{Target: TargetPrinter, AddLines: 1}, CoverOpen) {
				note("line " + string(f.Rule.Kind))
			}
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		want := []string{"line cover-open", "2s paper-out", "5s heal"}
		mu.Lock()
		defer mu.Unlock()
		if !cmp.Equal(log, want) {
			t.Errorf("applied %q, want %q", log, want)
		}
		if n := len(in.Rules()); n != 0 {
			t.Errorf("%d rules left after heal", n)
		}
	})
}

type randT = rand.Rand

var t0s sync.Map

// t0 is the bubble's start time (synctest starts every bubble at the same
// instant), so durations print relative to the start.
func t0(t *testing.T) time.Time {
	v, _ := t0s.LoadOrStore(t.Name(), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	return v.(time.Time)
}

func TestEvidenceJSONLines(t *testing.T) {
	var buf bytes.Buffer
	in := mustInjector(t, "acquirer drop-response mti=0200 nth=1", Options{Evidence: &buf})
	in.Fire(Event{Target: TargetAcquirer, PAN: "4242424242424242", Hit: Hit{MTI: "0200", STAN: "000001", Terminal: "T1"}}, DropResponse)
	in.Heal()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("evidence:\n%s\nwant 2 lines", buf.String())
	}
	var e Evidence
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
		t.Fatal(err)
	}
	want := Evidence{Time: e.Time, Rule: "acquirer drop-response mti=0200 nth=1", Target: TargetAcquirer, Kind: DropResponse,
		Hit: Hit{MTI: "0200", STAN: "000001", Terminal: "T1", Card: "424242******4242"}}
	if d := cmp.Diff(want, e); d != "" || e.Time.IsZero() {
		t.Errorf("evidence (-want +got):\n%s", d)
	}
	if strings.Contains(buf.String(), "4242424242424242") {
		t.Error("full card number in the evidence")
	}
	if !strings.Contains(lines[1], `"rule":"heal"`) {
		t.Errorf("heal not recorded: %s", lines[1])
	}
}

func TestRulesStatus(t *testing.T) {
	in := mustInjector(t, "acquirer reversal-lost count=2", Options{})
	for range 3 {
		in.Fire(msg("0400", "1"), ReversalLost)
	}
	got := in.Rules()
	want := []RuleStatus{{ID: 1, Rule: "acquirer reversal-lost count=2", Matches: 3, Fired: 2, Done: true}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Rules (-want +got):\n%s", d)
	}
}

func TestCloseIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "printer paper-out at=1h\nheal at=2h", Options{})
		in.Close()
		in.Close()
		if err := in.Add(&Plan{}); !errors.Is(err, ErrClosed) {
			t.Errorf("Add after Close = %v, want ErrClosed", err)
		}
	})
}

// A timed rule that comes due before any adapter is attached is applied
// when one attaches.
func TestTimedRuleWaitsForAdapter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "printer paper-out", Options{})
		synctest.Wait() // the rule came due with nobody to apply it
		got := make(chan Kind, 1)
		in.Attach(TargetPrinter, Applier{IsTimed: PrinterTimed, Timed: func(f Firing) { got <- f.Rule.Kind }})
		if k := <-got; k != PaperOut {
			t.Fatalf("applied %s", k)
		}
		if st := in.Rules(); st[0].Fired != 1 {
			t.Fatalf("status %+v", st)
		}
	})
}
