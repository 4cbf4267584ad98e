package chaos

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/faults/acquirerfaults"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// Invariant numbers, as in docs/architecture.md; Bounds is the bank-style
// check of card balances and Resolved the check that nothing stays in
// doubt after the heal.
const (
	InvCharge   = 1 // no double charge, no unknown charge
	InvReceipt  = 2 // one receipt per approved sale (or one visibly owed); reprints marked
	InvRefund   = 3 // refunds reference an approved original on the same card, within what is left
	InvTotals   = 4 // settlement balances, or the mismatch is reported per transaction
	InvPAN      = 5 // no full card number in the journal, logs or receipts
	InvBounds   = 6 // each card's host balance lies within what the client's outcomes allow
	InvResolved = 7 // every unknown operation is resolved after the heal
)

// InvariantName is a short name of an invariant number.
func InvariantName(n int) string {
	switch n {
	case InvCharge:
		return "charge"
	case InvReceipt:
		return "receipt"
	case InvRefund:
		return "refund"
	case InvTotals:
		return "totals"
	case InvPAN:
		return "card-number"
	case InvBounds:
		return "balance-bounds"
	case InvResolved:
		return "resolved"
	}
	return fmt.Sprintf("invariant-%d", n)
}

// Violation is one broken invariant, with what shows it.
type Violation struct {
	Invariant int
	Terminal  string // "" when not about one terminal
	Ref       string // the transaction, when about one
	Msg       string
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invariant %d (%s)", v.Invariant, InvariantName(v.Invariant))
	if v.Terminal != "" {
		b.WriteString(" " + v.Terminal)
	}
	if v.Ref != "" {
		b.WriteString(" " + v.Ref)
	}
	return b.String() + ": " + v.Msg
}

// Check checks a history against the five invariants and the bank-style
// bounds, and returns the violations (none: the run is sound).
//
// For a terminal driven through the contract (h.Contract set) the verdict
// was decided from the world's side when the run ended (History.World):
// invariants 1, 2 and 5 by package terminal/evidence, and 7 from what
// recover answered after the heal.
func Check(h *History) []Violation {
	if h.Contract != nil {
		return slices.Clone(h.World)
	}
	c := &checker{h: h}
	c.charges()
	c.resolved()
	c.receipts()
	c.refunds()
	c.totals()
	c.cardNumbers()
	c.bounds()
	sort.SliceStable(c.out, func(i, j int) bool { return c.out[i].Invariant < c.out[j].Invariant })
	return c.out
}

type checker struct {
	h   *History
	out []Violation
}

func (c *checker) add(inv int, term, ref, format string, args ...any) {
	c.out = append(c.out, Violation{Invariant: inv, Terminal: term, Ref: ref, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) terminal(id string) *TerminalRecord {
	for i := range c.h.Terminals {
		if c.h.Terminals[i].ID == id {
			return &c.h.Terminals[i]
		}
	}
	return nil
}

func phantom(v acquirer.TxnView) bool { return v.STAN == acquirerfaults.PhantomSTAN }

func stanOf(n uint32) string { return fmt.Sprintf("%06d", n) }

// hostFinancial returns a terminal's sales, refunds and voids at the host
// by STAN, leaving out the phantom sale a settlement-mismatch fault books.
func (c *checker) hostFinancial(id string) map[string]acquirer.TxnView {
	m := map[string]acquirer.TxnView{}
	for _, v := range c.h.Host {
		if v.Terminal != id || phantom(v) {
			continue
		}
		switch v.Type {
		case acquirer.KindSale, acquirer.KindRefund, acquirer.KindVoid:
			m[v.STAN] = v
		}
	}
	return m
}

func kindOf(k acquirer.Kind) posclient.Kind {
	switch k {
	case acquirer.KindRefund:
		return posclient.KindRefund
	case acquirer.KindVoid:
		return posclient.KindVoid
	}
	return posclient.KindSale
}

// charges: invariant 1. Every authorization the host approved and that
// stands is approved in the journal; every approval in the journal stands
// at the host.
func (c *checker) charges() {
	for _, tr := range c.h.Terminals {
		host := c.hostFinancial(tr.ID)
		mine := map[string]posclient.Txn{}
		for _, tx := range tr.Txns {
			if tx.Kind != posclient.KindSettlement {
				mine[stanOf(tx.STAN)] = tx
			}
		}
		stans := make([]string, 0, len(host))
		for s := range host {
			stans = append(stans, s)
		}
		sort.Strings(stans)
		for _, s := range stans {
			v := host[s]
			standing := v.Code == hostproto.RCApproved && (v.State == acquirer.StateApproved || v.State == acquirer.StateVoided)
			tx, ok := mine[s]
			switch {
			case standing && !ok:
				c.add(InvCharge, tr.ID, "", "the host holds an approved %s of %d (STAN %s, RRN %s) the journal does not know", v.Type, v.Amount, s, v.RRN)
			case standing && tx.State != posclient.StateApproved:
				c.add(InvCharge, tr.ID, tx.Ref, "the host holds the %s of %d as approved, the journal says %s", v.Type, v.Amount, tx.State)
			case ok && tx.Kind != kindOf(v.Type):
				c.add(InvCharge, tr.ID, tx.Ref, "the host has STAN %s as a %s, the journal as a %s", s, v.Type, tx.Kind)
			}
		}
		for _, tx := range tr.Txns {
			if tx.Kind == posclient.KindSettlement || tx.State != posclient.StateApproved {
				continue
			}
			v, ok := host[stanOf(tx.STAN)]
			switch {
			case !ok:
				c.add(InvCharge, tr.ID, tx.Ref, "approved in the journal, unknown at the host")
			case v.Code != hostproto.RCApproved || v.State == acquirer.StateReversed || v.State == acquirer.StateDeclined:
				c.add(InvCharge, tr.ID, tx.Ref, "approved in the journal, %s (code %s) at the host", v.State, string(v.Code))
			case v.Amount != tx.Amount:
				c.add(InvCharge, tr.ID, tx.Ref, "amount %d in the journal, %d at the host", tx.Amount, v.Amount)
			}
		}
	}
	// An op reported as refused or declined (nothing happened at the host)
	// must not have been approved there, even if it was undone later: the
	// client told the cashier "nothing charged".
	for _, r := range c.h.Ops {
		if r.Outcome != Fail || r.Ref == "" || r.Op.Kind == OpReprint || r.Op.Kind == OpSettle {
			continue
		}
		tr := c.terminal(TerminalID(r.Op.Terminal))
		if tr == nil {
			continue
		}
		for _, tx := range tr.Txns {
			if tx.Ref != r.Ref {
				continue
			}
			if v, ok := c.hostFinancial(tr.ID)[stanOf(tx.STAN)]; ok && v.Code == hostproto.RCApproved {
				c.add(InvCharge, tr.ID, tx.Ref, "op %d was reported as nothing charged (%s), yet the host approved it (now %s)", r.Op.ID, r.Err, v.State)
			}
		}
	}
	// One driver per journal: a second till process must be refused.
	for _, tr := range c.h.Terminals {
		if n := tr.Intrusions - tr.IntrusionsRefused; n > 0 {
			c.add(InvCharge, tr.ID, "", "%d second till process(es) drove the journal while its owner was mid-transaction", n)
		}
	}
	// One sale op is one charge at most: two ops never share a reference.
	seen := map[string]int{}
	for _, r := range c.h.Ops {
		if r.Ref == "" || r.Op.Kind == OpReprint || r.Op.Kind == OpSettle {
			continue
		}
		key := fmt.Sprintf("t%d %s", r.Op.Terminal, r.Ref)
		if prev, ok := seen[key]; ok {
			c.add(InvCharge, TerminalID(r.Op.Terminal), r.Ref, "ops %d and %d got the same transaction", prev, r.Op.ID)
		}
		seen[key] = r.Op.ID
	}
}

// resolved: after the heal, Recover and Settle, nothing is in doubt.
func (c *checker) resolved() {
	for _, tr := range c.h.Terminals {
		if tr.RecoverErr != "" {
			c.add(InvResolved, tr.ID, "", "Recover after the heal failed: %s", tr.RecoverErr)
		}
		for _, tx := range tr.Txns {
			if tx.Kind == posclient.KindSettlement {
				continue
			}
			if tx.State.Doubtful() || !tx.State.Final() {
				c.add(InvResolved, tr.ID, tx.Ref, "still %s after the heal", tx.State)
			}
		}
	}
}

// receiptCount counts the whole (cut) receipts of one transaction: unmarked
// originals, those printed again after an interrupted print (marked
// "PRINTING WAS INTERRUPTED"), and duplicates.
type receiptCount struct{ originals, interrupted, duplicates int }

// InterruptedMark marks a receipt printed again after an interrupted print
// (receipt.InterruptedMark).
const InterruptedMark = receipt.InterruptedMark

func countReceipts(tr TerminalRecord) map[string]*receiptCount {
	out := map[string]*receiptCount{}
	for _, tx := range tr.Txns {
		if tx.Kind == posclient.KindSettlement {
			continue
		}
		rc := &receiptCount{}
		for _, r := range tr.Receipts {
			if !r.Cut || !strings.Contains(r.Text, tx.Ref) {
				continue
			}
			switch {
			case strings.Contains(r.Text, "DUPLICATE"):
				rc.duplicates++
			case strings.Contains(r.Text, InterruptedMark):
				rc.interrupted++
			default:
				rc.originals++
			}
		}
		out[tx.Ref] = rc
	}
	return out
}

// receipts: invariant 2.
func (c *checker) receipts() {
	failedReprints := map[string]map[string]int{}
	for _, r := range c.h.Ops {
		if r.Op.Kind == OpReprint && r.Outcome != OK && r.OrigRef != "" {
			id := TerminalID(r.Op.Terminal)
			if failedReprints[id] == nil {
				failedReprints[id] = map[string]int{}
			}
			failedReprints[id][r.OrigRef]++
		}
	}
	for _, tr := range c.h.Terminals {
		counts := countReceipts(tr)
		erefs, emarked := map[string]int{}, map[string]int{}
		for _, r := range tr.EReceipts {
			if r.Interrupted {
				emarked[r.Ref]++
			} else {
				erefs[r.Ref]++
			}
		}
		for _, tx := range tr.Txns {
			if tx.Kind == posclient.KindSettlement {
				continue
			}
			rc := counts[tx.Ref]
			e := erefs[tx.Ref]
			marked := rc.interrupted + emarked[tx.Ref]
			if tx.State != posclient.StateApproved {
				if rc.originals+rc.duplicates+e+marked > 0 {
					c.add(InvReceipt, tr.ID, tx.Ref, "a receipt was delivered for a %s that does not stand (%s)", tx.Kind, tx.State)
				}
				continue
			}
			// Any second unmarked original is a violation, whatever
			// happened to the first print: a print that may have come out
			// must make every later one marked.
			extra := tr.Unconfirmed[tx.Ref] // unconfirmed prints that may have come out whole
			if rc.originals+e > 1 {
				c.add(InvReceipt, tr.ID, tx.Ref, "%d receipts not marked as copies (%d e-receipts, %d unconfirmed prints)", rc.originals+e, e, extra)
			}
			if tx.Kind != posclient.KindSale {
				continue
			}
			switch tx.Receipt {
			case posclient.ReceiptPrinted:
				if rc.originals+rc.interrupted < 1 {
					c.add(InvReceipt, tr.ID, tx.Ref, "journal says printed; the printer has no whole original")
				}
			case posclient.ReceiptElectronic:
				if e+emarked[tx.Ref] != 1 {
					c.add(InvReceipt, tr.ID, tx.Ref, "journal says e-receipt; %d e-receipts delivered", e+emarked[tx.Ref])
				}
			case posclient.ReceiptOwed:
				if rc.originals+e > extra {
					c.add(InvReceipt, tr.ID, tx.Ref, "journal says owed, yet %d receipt(s) were delivered", rc.originals+e)
				}
			default:
				c.add(InvReceipt, tr.ID, tx.Ref, "approved sale with receipt state %q after recovery", tx.Receipt)
			}
			// A reprint that failed may still have come out whole.
			if failed := failedReprints[tr.ID][tx.Ref]; rc.duplicates > tx.Copies+failed {
				c.add(InvReceipt, tr.ID, tx.Ref, "%d duplicates printed, %d journaled, %d reprints failed", rc.duplicates, tx.Copies, failed)
			}
		}
	}
}

// refunds: invariant 3, in the journal and at the host.
func (c *checker) refunds() {
	for _, tr := range c.h.Terminals {
		byRef := map[string]posclient.Txn{}
		for _, tx := range tr.Txns {
			byRef[tx.Ref] = tx
		}
		taken := map[string]int64{}
		voided := map[string]bool{}
		for _, tx := range tr.Txns {
			if tx.Kind != posclient.KindRefund && tx.Kind != posclient.KindVoid {
				continue
			}
			if tx.State == posclient.StateFailed || tx.State == posclient.StateCreated {
				continue // never left the terminal
			}
			orig, ok := byRef[tx.OrigRef]
			switch {
			case !ok:
				c.add(InvRefund, tr.ID, tx.Ref, "%s of an original %q the journal does not have", tx.Kind, tx.OrigRef)
				continue
			case orig.Kind != posclient.KindSale || orig.State != posclient.StateApproved:
				c.add(InvRefund, tr.ID, tx.Ref, "%s of %s, a %s in state %s", tx.Kind, orig.Ref, orig.Kind, orig.State)
			case !tx.Card.SameAs(orig.Card):
				c.add(InvRefund, tr.ID, tx.Ref, "%s to card %s of a sale paid with %s", tx.Kind, tx.Card.Masked, orig.Card.Masked)
			}
			if tx.State == posclient.StateApproved {
				if tx.Kind == posclient.KindVoid {
					voided[orig.Ref] = true
				} else {
					taken[orig.Ref] += tx.Amount
				}
			}
		}
		for ref, amt := range taken {
			orig := byRef[ref]
			if amt > orig.Amount {
				c.add(InvRefund, tr.ID, ref, "refunds of %d exceed the sale of %d", amt, orig.Amount)
			}
			if voided[ref] {
				c.add(InvRefund, tr.ID, ref, "both voided and refunded (%d)", amt)
			}
		}
	}
	// At the host: a refund or void is sent with the original's card.
	byRRN := map[string]acquirer.TxnView{}
	for _, v := range c.h.Host {
		if v.RRN != "" {
			byRRN[v.RRN] = v
		}
	}
	for _, v := range c.h.Host {
		if (v.Type != acquirer.KindRefund && v.Type != acquirer.KindVoid) || v.OrigRRN == "" {
			continue
		}
		if o, ok := byRRN[v.OrigRRN]; ok && o.Card != v.Card {
			c.add(InvRefund, v.Terminal, "", "the host got a %s (STAN %s) with card %s for a sale paid with %s", v.Type, v.STAN, v.Card, o.Card)
		}
	}
}

// totals: invariant 4. The final settlement after the heal goes through;
// unbalanced, it reports the differences transaction by transaction.
func (c *checker) totals() {
	for _, tr := range c.h.Terminals {
		if tr.SettleErr != "" {
			c.add(InvTotals, tr.ID, "", "settlement after the heal failed: %s", tr.SettleErr)
			continue
		}
		if !tr.Settle.Balanced && len(tr.Settle.Differences) == 0 {
			c.add(InvTotals, tr.ID, "", "batch %d unbalanced with no difference reported", tr.Settle.Batch)
		}
		for _, d := range tr.Settle.Differences {
			if d.Ref == "" && d.STAN != stanNum(acquirerfaults.PhantomSTAN) {
				c.add(InvTotals, tr.ID, "", "difference %s of STAN %06d (terminal %d, host %d) on no transaction of the terminal", d.Kind, d.STAN, d.TerminalAmount, d.HostAmount)
			}
		}
	}
}

func stanNum(s string) uint32 {
	var n uint32
	for _, ch := range s {
		n = n*10 + uint32(ch-'0')
	}
	return n
}

// cardNumbers: invariant 5.
func (c *checker) cardNumbers() {
	pans := []string{CardA, CardB, CardDecline, CardNoFunds}
	for _, tr := range c.h.Terminals {
		places := map[string]string{"journal": tr.JournalDump, "log": tr.Logs}
		var rc strings.Builder
		for _, r := range tr.Receipts {
			rc.WriteString(r.Text)
		}
		places["receipts"] = rc.String()
		for _, where := range []string{"journal", "log", "receipts"} {
			for _, pan := range pans {
				if strings.Contains(places[where], pan) {
					c.add(InvPAN, tr.ID, "", "the full card number %s appears in the %s", acquirer.MaskPAN(pan), where)
				}
			}
		}
	}
}

// bounds: each card's balance at the host lies between what the confirmed
// operations imply and what confirmed plus unknown operations allow.
func (c *checker) bounds() {
	type rng struct{ lo, hi int64 }
	delta := map[string]*rng{}
	get := func(pan string) *rng {
		if delta[pan] == nil {
			delta[pan] = &rng{}
		}
		return delta[pan]
	}
	byID := map[int]OpRecord{}
	for _, r := range c.h.Ops {
		byID[r.Op.ID] = r
	}
	for _, r := range c.h.Ops {
		var lo, hi int64
		switch r.Op.Kind {
		case OpSale:
			lo, hi = -r.Op.Amount, -r.Op.Amount
		case OpRefund, OpLookupRefund:
			a := r.Amount
			lo, hi = a, a
			if a == 0 { // all that is left: at most the sale
				lo, hi = 0, byID[r.Op.Of].Op.Amount
			}
		case OpVoid:
			a := byID[r.Op.Of].Op.Amount
			lo, hi = a, a
		default:
			continue
		}
		d := get(r.Op.Card)
		switch r.Outcome {
		case OK:
			d.lo += lo
			d.hi += hi
		case Unknown:
			d.lo += min(0, lo)
			d.hi += max(0, hi)
		}
	}
	for _, v := range c.h.Host {
		if phantom(v) && v.Code == hostproto.RCApproved && v.State == acquirer.StateApproved {
			d := get(CardA)
			d.lo -= v.Amount
			d.hi -= v.Amount
		}
	}
	pans := make([]string, 0, len(delta))
	for p := range delta {
		pans = append(pans, p)
	}
	sort.Strings(pans)
	for _, pan := range pans {
		d := delta[pan]
		init := InitialBalance(pan)
		bal, ok := c.h.Balances[pan]
		if !ok {
			bal = init // never reached the host: untouched
		}
		if bal < init+d.lo || bal > init+d.hi {
			c.add(InvBounds, "", "", "card %s balance %d outside [%d, %d] allowed by the client's outcomes", acquirer.MaskPAN(pan), bal, init+d.lo, init+d.hi)
		}
	}
}
