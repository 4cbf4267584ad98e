package chaos

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
)

// The mutations below break the client on purpose, through the rig's
// Mutation hooks (posclient itself is untouched), to show that chaos
// catches a broken client, shrinks the schedule and writes a scenario that
// replays the failure.

// mutNoReversal: the client never sends a reversal; it behaves as if the
// host had acknowledged it (0410 00). A timeout after the host approved
// leaves the customer charged with the terminal believing the opposite.
func mutNoReversal() *Mutation {
	return &Mutation{
		Name: "no-reversal",
		Conn: func(_ int, c net.Conn) net.Conn { return &noReversalConn{Conn: c} },
	}
}

type noReversalConn struct {
	net.Conn
	mu      sync.Mutex
	pending []byte
}

func (c *noReversalConn) Write(b []byte) (int, error) {
	if body, err := hostproto.ReadFrame(bytes.NewReader(b), hostproto.DefaultMaxFrame); err == nil {
		if msg, err := hostproto.Decode(body); err == nil {
			if rev, ok := msg.(*hostproto.ReversalRequest); ok {
				out, err := hostproto.Encode(rev.Response(hostproto.RCApproved))
				if err == nil {
					if frame, err := hostproto.AppendFrame(nil, out); err == nil {
						c.mu.Lock()
						c.pending = append(c.pending, frame...)
						c.mu.Unlock()
						return len(b), nil
					}
				}
			}
		}
	}
	return c.Conn.Write(b)
}

func (c *noReversalConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	return c.Conn.Read(b)
}

// mutReprintUnmarked: duplicates come out without the DUPLICATE mark.
func mutReprintUnmarked() *Mutation {
	return &Mutation{
		Name:    "reprint-unmarked",
		Printer: func(_ int, p posclient.Printer) posclient.Printer { return unmarkedPrinter{p} },
	}
}

type unmarkedPrinter struct{ posclient.Printer }

func (u unmarkedPrinter) Print(ctx context.Context, job []byte) error {
	return u.Printer.Print(ctx, bytes.ReplaceAll(job, []byte("DUPLICATE"), []byte("         ")))
}

// mutRefundAnyCard: the same-card check passes for any card, because the
// original as the client reads it seems paid with the card presented.
func mutRefundAnyCard() *Mutation {
	var presented atomic.Value // string: the card of the refund or void being run
	presented.Store("")
	return &Mutation{
		Name: "refund-any-card",
		BeforeOp: func(op Op) {
			card := ""
			if op.Kind == OpRefund || op.Kind == OpLookupRefund || op.Kind == OpVoid {
				card = op.Card
			}
			presented.Store(card)
		},
		Journal: func(_ int, j posclient.Journal) posclient.Journal {
			return anyCardJournal{Journal: j, card: &presented}
		},
	}
}

type anyCardJournal struct {
	posclient.Journal
	card *atomic.Value
}

func (a anyCardJournal) Get(ctx context.Context, ref string) (posclient.Txn, error) {
	tx, err := a.Journal.Get(ctx, ref)
	if c := a.card.Load().(string); err == nil && c != "" && tx.Kind == posclient.KindSale {
		tx.Card = posclient.NewCard(c, CardKey)
	}
	return tx, err
}

func TestMutationsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		mut  func() *Mutation
		want int // the invariant the mutation breaks
	}{
		{mutNoReversal, InvCharge},
		{mutReprintUnmarked, InvReceipt},
		{mutRefundAnyCard, InvRefund},
	} {
		m := tc.mut()
		t.Run(m.Name, func(t *testing.T) {
			catchMutation(t, m, tc.want)
		})
	}
}

// catchMutation explores until a schedule violates want, shrinks it,
// writes the scenario and replays it from the file.
func catchMutation(t *testing.T, m *Mutation, want int) {
	ctx := t.Context()
	opts := Options{Mutation: m}
	sum := Explore(ctx, ExploreConfig{Seed: 100, Runs: 40, Parallel: 8, Gen: GenConfig{}, Options: opts})
	var found *RunResult
	for i := range sum.Failed {
		if hasInvariant(sum.Failed[i].Violations, want) {
			found = &sum.Failed[i]
			break
		}
	}
	if found == nil {
		t.Fatalf("40 schedules with mutation %s: no violation of invariant %d (%d schedules failed otherwise)", m.Name, want, sum.Violations)
	}
	keep := func(_, got []Violation) bool { return hasInvariant(got, want) }
	res := Shrink(ctx, found.Schedule, found.Violations, ShrinkConfig{Options: opts, MaxRuns: 120, Keep: keep})
	if !hasInvariant(res.Violations, want) {
		t.Fatalf("shrunk schedule lost the violation: %v", res.Violations)
	}
	before := len(found.Schedule.Ops) + len(found.Schedule.Faults)
	after := len(res.Schedule.Ops) + len(res.Schedule.Faults)
	if after >= before {
		t.Errorf("not shrunk: %d elements, was %d", after, before)
	}
	t.Logf("seed %d shrunk from %d to %d elements in %d runs:\n%s", found.Schedule.Seed, before, after, res.Runs, res.Schedule)

	path := filepath.Join(t.TempDir(), "scenario.txtar")
	if err := os.WriteFile(path, Scenario(res.History, res.Violations), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("\nexec hil chaos --replay "+ScheduleFile+" ")) || !bytes.Contains(data, []byte(InvariantName(want))) {
		t.Errorf("scenario does not replay its schedule or name the invariant:\n%s", data)
	}
	s, err := ScheduleFromScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != res.Schedule.String() {
		t.Fatalf("scenario holds another schedule:\n%s\nwant\n%s", s, res.Schedule)
	}
	// Replay from the file: the mutated client fails the same way, the
	// client as shipped does not.
	h, err := Run(ctx, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !hasInvariant(Check(h), want) {
		t.Errorf("replay of the scenario's schedule with %s: no violation of invariant %d", m.Name, want)
	}
	h, err = Run(ctx, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := Check(h); len(v) != 0 {
		t.Errorf("the same schedule without the mutation fails too: %v", v)
	}
}
