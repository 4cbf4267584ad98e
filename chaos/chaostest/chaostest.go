// Package chaostest holds clients broken on purpose for tests of the chaos
// checker and of the scenarios it writes. Each is a chaos.Mutation: it
// wraps a terminal's journal, host connection or printer through the rig's
// hooks (posclient itself is untouched), so a test can show that chaos
// catches the broken client, shrinks the schedule and writes a scenario
// that reproduces the failure. Nothing outside tests uses them.
package chaostest

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"

	"github.com/poshil/hil/chaos"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
)

// NoReversal: the client never sends a reversal; it behaves as if the
// host had acknowledged it (0410 00). A timeout after the host approved
// leaves the customer charged with the terminal believing the opposite.
func NoReversal() *chaos.Mutation {
	return &chaos.Mutation{
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

// ReprintUnmarked: duplicates come out without the DUPLICATE mark.
func ReprintUnmarked() *chaos.Mutation {
	return &chaos.Mutation{
		Name:    "reprint-unmarked",
		Printer: func(_ int, p posclient.Printer) posclient.Printer { return unmarkedPrinter{p} },
	}
}

type unmarkedPrinter struct{ posclient.Printer }

func (u unmarkedPrinter) Print(ctx context.Context, job []byte) error {
	return u.Printer.Print(ctx, bytes.ReplaceAll(job, []byte("DUPLICATE"), []byte("         ")))
}

// RefundAnyCard: the same-card check passes for any card, because the
// original as the client reads it seems paid with the card presented.
func RefundAnyCard() *chaos.Mutation {
	var presented atomic.Value // string: the card of the refund or void being run
	presented.Store("")
	return &chaos.Mutation{
		Name: "refund-any-card",
		BeforeOp: func(op chaos.Op) {
			card := ""
			if op.Kind == chaos.OpRefund || op.Kind == chaos.OpLookupRefund || op.Kind == chaos.OpVoid {
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

func (a anyCardJournal) Unwrap() posclient.Journal { return a.Journal }

func (a anyCardJournal) Get(ctx context.Context, ref string) (posclient.Txn, error) {
	tx, err := a.Journal.Get(ctx, ref)
	if c := a.card.Load().(string); err == nil && c != "" && tx.Kind == posclient.KindSale {
		tx.Card = posclient.NewCard(c, chaos.CardKey)
	}
	return tx, err
}

// SecondOwner: a second till process opens the journal without its
// one-owner claim (as a vendor's back-office tool that opens the file
// directly would) and runs recover while the till is mid-transaction: it
// takes the live sale for a crash leftover and reverses it.
func SecondOwner() *chaos.Mutation {
	return &chaos.Mutation{
		Name: "second-owner",
		// A wrapper without Unwrap: the claim never reaches the journal.
		Intruder: func(_ int, j posclient.Journal) posclient.Journal { return &unclaimed{j} },
	}
}

type unclaimed struct{ posclient.Journal }

// TrustCleanStatus: a job the printer did not confirm counts as printed
// when the status read after it is clean — the fallback that journals
// "printed" after a power cycle lost the job.
func TrustCleanStatus() *chaos.Mutation {
	return &chaos.Mutation{
		Name:    "trust-clean-status",
		Printer: func(_ int, p posclient.Printer) posclient.Printer { return statusTrusting{p} },
	}
}

type statusTrusting struct{ posclient.Printer }

func (s statusTrusting) Print(ctx context.Context, job []byte) error {
	err := s.Printer.Print(ctx, job)
	if err != nil && s.Printer.Ready(ctx) == nil {
		return nil
	}
	return err
}

// InterruptedUnmarked: the receipt printed again after an interrupted
// print (a crash between the cut and the journal write, a lost answer)
// comes out without its mark: a second unmarked original.
func InterruptedUnmarked() *chaos.Mutation {
	return &chaos.Mutation{
		Name:    "interrupted-unmarked",
		Printer: func(_ int, p posclient.Printer) posclient.Printer { return markStripper{p} },
	}
}

type markStripper struct{ posclient.Printer }

var (
	markInterrupted = []byte(chaos.InterruptedMark)
	markReprint     = []byte("** REPRINT **")
)

func (m markStripper) Print(ctx context.Context, job []byte) error {
	job = bytes.ReplaceAll(job, markInterrupted, bytes.Repeat([]byte(" "), len(markInterrupted)))
	job = bytes.ReplaceAll(job, markReprint, bytes.Repeat([]byte(" "), len(markReprint)))
	return m.Printer.Print(ctx, job)
}

// SwallowJournalErrors: a journal write that fails (a full disk) is
// reported as done. The journal then lags behind what happened: a sale
// approved and printed is still "sent", and the next recover reverses a
// sale whose receipt the customer holds.
func SwallowJournalErrors() *chaos.Mutation {
	return &chaos.Mutation{
		Name:    "swallow-journal-errors",
		Journal: func(_ int, j posclient.Journal) posclient.Journal { return swallowing{j} },
	}
}

type swallowing struct{ posclient.Journal }

func (s swallowing) Unwrap() posclient.Journal { return s.Journal }

func (s swallowing) Append(ctx context.Context, e posclient.Entry) error {
	s.Journal.Append(ctx, e) // the error is dropped on purpose
	return nil
}
