// Package evidence decides the invariants from what the world observed of a
// terminal, not from the terminal's own journal: the host's ledger, the
// paper the printer printed, the answers the terminal gave, and a scan of
// every file in its work directory and everything it wrote on its output.
// A terminal in any language is judged the same way (docs/your-terminal.md).
//
// Decided here: invariant 1 (no double charge, no charge left unknown),
// invariant 2 (one receipt per approved sale, or one visibly owed),
// invariant 3 (a refund goes back to an approved original, on its card,
// never more than remains of it), invariant 4 (settlement balances, or the
// mismatch is reported transaction by transaction) and invariant 5 (no full
// card number on disk, in the output or on paper).
package evidence

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/posclient/receipt"
	"github.com/poshil/hil/terminal"
)

// Invariant numbers, as in docs/architecture.md (and package chaos).
const (
	InvCharge  = 1 // no customer charged twice for one sale, no charge left unknown
	InvReceipt = 2 // every approved sale ends with exactly one receipt, or one visibly owed
	InvRefund  = 3 // every refund references an approved original on the same card, never more than remains
	InvSettle  = 4 // terminal totals equal host totals, or the mismatch is reported transaction by transaction
	InvPAN     = 5 // no full card number on disk, in a log or on a receipt
)

// Exchange is one request the harness made and the terminal's answer.
// The request holds the card number in memory only.
type Exchange struct {
	Request  terminal.Request
	Response terminal.Response
}

// Evidence is what the harness observed of one terminal.
type Evidence struct {
	// Host is the host's ledger for the terminal (acquirer.Ledger's
	// Transactions).
	Host []acquirer.TxnView
	// Batches are the host's batches for the terminal (acquirer.Ledger's
	// Batches: the window it keeps, oldest first), for invariant 4; nil
	// when the run settled nothing.
	Batches []acquirer.Batch
	// Ignore, when set, leaves host transactions out of invariants 1 and
	// 2 that the world itself put in the ledger (a fault that books a
	// phantom sale to unbalance the settlement).
	Ignore func(acquirer.TxnView) bool
	// Receipts is the text of every receipt the printer printed, in order.
	Receipts []string
	// Exchanges are the terminal's answers, in order.
	Exchanges []Exchange
	// WorkDir is the terminal's work directory: every file under it is
	// scanned for card numbers. Output is what the terminal wrote on its
	// standard output and error (terminal.Process.Transcript).
	WorkDir string
	Output  []byte
	// Cards are the full card numbers the harness used: the scan looks
	// for each of them (and for any Luhn-valid run of 13–19 digits that
	// starts like one of them).
	Cards []string
	// Match says whether a receipt is the customer receipt of a host
	// transaction; nil is MatchRRN.
	Match func(receipt string, t acquirer.TxnView) bool
	// Copy says whether a receipt is not the customer's original: marked
	// as a duplicate or reprint, or the merchant's copy; nil is MarkedCopy.
	Copy func(receipt string) bool
	// Restarted says that the harness killed the terminal in the middle
	// of operations (hil chaos --terminal): an answer cut off by the kill
	// names nothing. Then an original receipt printed for a host
	// transaction that no answer named counts as the terminal knowing the
	// approval (the restarted terminal printed it).
	Restarted bool
}

// InterruptedMark is the line that marks a receipt printed again after an
// interrupted print, which may or may not have come out (the spelling of
// receipt.InterruptedMark). Such a receipt is marked, as a copy is: it
// never counts as a second original, and it stands for the customer's
// receipt when no unmarked original came out (a print torn by paper out
// before its RRN line, then printed again), as poshil's own checker counts
// it.
const InterruptedMark = receipt.InterruptedMark

// MatchRRN matches a receipt to a transaction by the RRN printed on it: a
// line that holds the RRN and is not the reference of an original (a
// refund or void prints its sale's RRN on a line marked ORIG or 原).
func MatchRRN(receipt string, t acquirer.TxnView) bool {
	if t.RRN == "" {
		return false
	}
	for line := range strings.Lines(receipt) {
		if strings.Contains(line, t.RRN) && !strings.Contains(strings.ToUpper(line), "ORIG") && !strings.Contains(line, "原") {
			return true
		}
	}
	return false
}

// MarkedCopy reports a receipt that is not the customer's original:
// marked DUPLICATE, REPRINT, MERCHANT COPY (or 重印, 补打, 商户存根).
// "CUSTOMER COPY" is the original. (A receipt that carries InterruptedMark
// is marked whatever this says: see Check.)
func MarkedCopy(receipt string) bool {
	u := strings.ToUpper(receipt)
	for _, m := range []string{"DUPLICATE", "REPRINT", "MERCHANT COPY", "重印", "补打", "商户存根"} {
		if strings.Contains(u, m) {
			return true
		}
	}
	return false
}

// Cut reports whether a receipt's text (as render.Text lays it out) ends
// in a cut: one that does not was cut short by a fault (paper out, cover
// open) or came from a printer without a cutter.
func Cut(receipt string) bool {
	r := strings.TrimRight(receipt, "\n")
	return strings.HasSuffix(r, "[CUT]") || strings.HasSuffix(r, "[PARTIAL CUT]")
}

// Violation is one broken invariant and what shows it.
type Violation struct {
	Invariant int
	RRN       string // the host transaction, when about one
	Msg       string
}

func (v Violation) String() string {
	s := fmt.Sprintf("invariant %d", v.Invariant)
	if v.RRN != "" {
		s += " rrn " + v.RRN
	}
	return s + ": " + v.Msg
}

// Check decides invariants 1 to 5 from ev. The error is for evidence
// that cannot be read (the work directory).
func Check(ev Evidence) ([]Violation, error) {
	match, isCopy := ev.Match, ev.Copy
	if match == nil {
		match = MatchRRN
	}
	if isCopy == nil {
		isCopy = MarkedCopy
	}
	var out []Violation
	// What the terminal last said about each RRN, and the sales asked for.
	said := map[string]terminal.Response{} // the last answer naming the RRN with a receipt state
	approved := map[string]bool{}          // RRNs the terminal reported approved
	asked := map[string]int{}              // amount/last4 -> sale requests
	for _, x := range ev.Exchanges {
		if rrn := x.Response.RRN; rrn != "" {
			if _, ok := said[rrn]; !ok || x.Response.Receipt != "" {
				said[rrn] = x.Response
			}
			if x.Response.Outcome == terminal.Approved || x.Response.State == terminal.StateApproved {
				approved[rrn] = true
			}
		}
		if x.Request.Op == terminal.OpSale {
			asked[saleKey(x.Request.Amount, last4(x.Request.Card))]++
		}
	}
	standing := map[string]int{}
	for _, t := range ev.Host {
		if t.Type != acquirer.KindSale || t.State != acquirer.StateApproved || (ev.Ignore != nil && ev.Ignore(t)) {
			continue
		}
		standing[saleKey(t.Amount, last4(t.Card))]++
		r, known := said[t.RRN]
		var found []string // the receipts of this sale not marked as copies
		interrupted := 0
		for _, rc := range ev.Receipts {
			if !match(rc, t) {
				continue
			}
			switch {
			case strings.Contains(rc, InterruptedMark):
				interrupted++ // marked: never a second original
			case !isCopy(rc):
				found = append(found, rc)
			}
		}
		originals, cutLater := 0, false
		for i := len(found) - 1; i >= 0; i-- {
			// A print cut short (no cut at its end) that a whole original
			// follows was interrupted and printed again: one receipt.
			if !Cut(found[i]) && cutLater {
				continue
			}
			cutLater = cutLater || Cut(found[i])
			originals++
		}
		// Invariant 1: a standing approval the terminal never reported
		// as approved is a charge unknown to it.
		if !approved[t.RRN] && !(ev.Restarted && !known && originals+interrupted > 0) {
			what := "never named it"
			if known {
				what = fmt.Sprintf("last said %s", r.Outcome)
			}
			out = append(out, Violation{InvCharge, t.RRN, fmt.Sprintf(
				"the host holds an approved sale of %d on %s that stands, and the terminal %s: a charge left unknown (no reversal)", t.Amount, t.Card, what)})
			continue // its missing receipt follows from this; invariant 1 is the cause
		}
		// Invariant 2: exactly one original receipt, or visibly owed.
		switch {
		case originals > 1:
			out = append(out, Violation{InvReceipt, t.RRN, fmt.Sprintf("%d receipts not marked as copies print this sale", originals)})
		case originals == 0 && !(known && (r.Receipt == terminal.ReceiptOwed || r.Receipt == terminal.ReceiptEReceipt)) && interrupted == 0:
			out = append(out, Violation{InvReceipt, t.RRN, "no receipt printed for this approved sale, and the terminal did not say it is owed or sent electronically"})
		}
	}
	// Invariant 1, the other half: more standing charges than sales asked.
	keys := make([]string, 0, len(standing))
	for k := range standing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if standing[k] > asked[k] {
			out = append(out, Violation{Invariant: InvCharge, Msg: fmt.Sprintf(
				"%d standing approved sales of %s at the host, %d asked of the terminal: charged twice", standing[k], k, asked[k])})
		}
	}
	out = append(out, checkRefunds(ev)...)
	out = append(out, checkSettlements(ev)...)
	// Invariant 5: the card-number scan.
	scan := newScanner(ev.Cards)
	for i, rc := range ev.Receipts {
		if scan.found([]byte(rc)) {
			out = append(out, Violation{Invariant: InvPAN, Msg: fmt.Sprintf("receipt %d prints a full card number", i+1)})
		}
	}
	if scan.found(ev.Output) {
		out = append(out, Violation{Invariant: InvPAN, Msg: "the terminal's output (stdout/stderr) holds a full card number"})
	}
	if ev.WorkDir != "" {
		err := filepath.WalkDir(ev.WorkDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if scan.found(b) {
				rel, _ := filepath.Rel(ev.WorkDir, path)
				out = append(out, Violation{Invariant: InvPAN, Msg: fmt.Sprintf("file %s in the work directory holds a full card number", rel)})
			}
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("evidence: scanning the work directory: %w", err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Invariant < out[j].Invariant })
	return out, nil
}

// checkRefunds decides invariant 3 from the host's ledger and the cards
// the harness presented. The host's refusal does not excuse a refund: a
// refund the terminal sent against no approved original, to another card
// or for more than remains was the terminal's to refuse before any host
// traffic (another host may not refuse it).
func checkRefunds(ev Evidence) []Violation {
	var out []Violation
	byRRN := map[string]acquirer.TxnView{}
	for _, t := range ev.Host {
		byRRN[t.RRN] = t
	}
	host := append([]acquirer.TxnView(nil), ev.Host...)
	sort.SliceStable(host, func(i, j int) bool { return host[i].Seq < host[j].Seq })
	refunded := map[string]int64{} // original RRN -> approved refunds so far
	flagged := map[string]bool{}   // refund RRNs already reported
	for _, t := range host {
		if t.Type != acquirer.KindRefund {
			continue
		}
		orig, ok := byRRN[t.OrigRRN]
		var msg string
		switch {
		case t.OrigRRN == "" || !ok:
			msg = fmt.Sprintf("a refund of %d on %s references no transaction the host has", t.Amount, t.Card)
		case orig.Type != acquirer.KindSale || orig.Code != "00":
			msg = fmt.Sprintf("a refund of %d references %s %s, not an approved sale", t.Amount, orig.Type, orig.RRN)
		case orig.State == acquirer.StateReversed || orig.State == acquirer.StateVoided:
			msg = fmt.Sprintf("a refund of %d references sale %s, which is %s", t.Amount, orig.RRN, orig.State)
		case t.Card != orig.Card:
			msg = fmt.Sprintf("a refund of %d goes to card %s, the sale %s was on %s", t.Amount, t.Card, orig.RRN, orig.Card)
		case t.Amount > orig.Amount-refunded[orig.RRN]:
			msg = fmt.Sprintf("a refund of %d against sale %s of %d of which %d remained refundable", t.Amount, orig.RRN, orig.Amount, orig.Amount-refunded[orig.RRN])
		}
		if msg != "" {
			flagged[t.RRN] = true
			if t.State != acquirer.StateApproved {
				msg += fmt.Sprintf(" (sent to the host, which declined it with %s)", t.Code)
			}
			out = append(out, Violation{InvRefund, t.RRN, msg})
			continue
		}
		if t.State == acquirer.StateApproved {
			refunded[orig.RRN] += t.Amount
		}
	}
	// The cards the harness presented: a refund on another card than its
	// sale's that the terminal did not refuse.
	saleCard := map[string]string{} // terminal ref -> full card of the sale
	for _, x := range ev.Exchanges {
		if x.Request.Op == terminal.OpSale && x.Response.Ref != "" {
			saleCard[x.Response.Ref] = x.Request.Card
		}
	}
	for _, x := range ev.Exchanges {
		card, ok := saleCard[x.Request.Ref]
		if x.Request.Op != terminal.OpRefund || !ok || card == x.Request.Card {
			continue
		}
		switch x.Response.Outcome {
		case terminal.Refused, terminal.Error:
			continue
		}
		if x.Response.RRN != "" && flagged[x.Response.RRN] {
			continue
		}
		out = append(out, Violation{InvRefund, x.Response.RRN, fmt.Sprintf(
			"the refund of %d against ref %s was presented with card *%s, the sale's card is *%s, and the terminal answered %s instead of refusing it",
			x.Request.Amount, x.Request.Ref, last4(x.Request.Card), last4(card), x.Response.Outcome)})
	}
	return out
}

// checkSettlements decides invariant 4 from the host's batches and the
// terminal's settle answers: every batch the host closed balanced, or
// closed after the terminal uploaded its transactions (the host's
// difference report is then the mismatch transaction by transaction); no
// batch left waiting for an upload; and no settlement the terminal called
// done that the host did not close.
func checkSettlements(ev Evidence) []Violation {
	var out []Violation
	closed := 0
	if len(ev.Batches) > 0 {
		// The host numbers a terminal's batches from 1 and keeps a window
		// of the latest (acquirer.LedgerOptions.KeepBatches): the batches
		// before the first one listed were closed too.
		closed = ev.Batches[0].Number - 1
	}
	for _, b := range ev.Batches {
		switch b.State {
		case acquirer.BatchUploading:
			out = append(out, Violation{Invariant: InvSettle, Msg: fmt.Sprintf(
				"batch %d of %s: the host answered the settlement unbalanced (95) and the terminal never uploaded its transactions and closed it", b.Number, b.Terminal)})
		case acquirer.BatchClosed:
			closed++
			// A terminal whose totals held transactions and that uploaded
			// none did not report the mismatch. One whose totals were
			// empty had nothing to upload: the host's report lists what
			// only it holds, transaction by transaction.
			if r := b.Report; r != nil && !r.Balanced && r.Uploaded == 0 && len(r.Differences) > 0 && counted(r.Terminal) > 0 {
				out = append(out, Violation{Invariant: InvSettle, Msg: fmt.Sprintf(
					"batch %d of %s closed unbalanced (%d differences) without a single transaction uploaded: the mismatch was not reported", b.Number, b.Terminal, len(r.Differences))})
			}
		}
	}
	done := 0
	for _, x := range ev.Exchanges {
		if x.Request.Op == terminal.OpSettle && x.Response.Outcome == terminal.OK {
			done++
		}
	}
	if done > closed {
		out = append(out, Violation{Invariant: InvSettle, Msg: fmt.Sprintf(
			"the terminal answered %d settlements done, the host closed %d batches", done, closed)})
	}
	return out
}

// counted is the number of transactions a settlement's totals count.
func counted(t acquirer.Totals) int64 {
	return t.CreditsCount + t.CreditReversalsCount + t.DebitsCount + t.DebitReversalsCount
}

func saleKey(amount int64, last4 string) string { return fmt.Sprintf("%d on *%s", amount, last4) }

func last4(card string) string {
	if len(card) < 4 {
		return card
	}
	return card[len(card)-4:]
}

// scanner finds the harness's card numbers, and Luhn-valid runs of 13–19
// digits that start with a card's first six digits (another card of the
// same issuer range, a number the terminal made up or mangled).
type scanner struct {
	cards [][]byte
	bins  map[string]bool
}

var digitRun = regexp.MustCompile(`[0-9]{13,19}`)

func newScanner(cards []string) *scanner {
	s := &scanner{bins: map[string]bool{}}
	for _, c := range cards {
		s.cards = append(s.cards, []byte(c))
		if len(c) >= 6 {
			s.bins[c[:6]] = true
		}
	}
	return s
}

func (s *scanner) found(b []byte) bool {
	for _, c := range s.cards {
		if len(c) > 0 && bytes.Contains(b, c) {
			return true
		}
	}
	for _, run := range digitRun.FindAll(b, -1) {
		if s.bins[string(run[:6])] && luhn(run) {
			return true
		}
	}
	return false
}

func luhn(d []byte) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
