// Package evidence decides the invariants from what the world observed of a
// terminal, not from the terminal's own journal: the host's ledger, the
// paper the printer printed, the answers the terminal gave, and a scan of
// every file in its work directory and everything it wrote on its output.
// A terminal in any language is judged the same way (docs/your-terminal.md).
//
// Decided here: invariant 1 (no double charge, no charge left unknown),
// invariant 2 (one receipt per approved sale, or one visibly owed) and
// invariant 5 (no full card number on disk, in the output or on paper).
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
// receipt.InterruptedMark). Such a receipt is a copy, and it stands for
// the customer's receipt when no unmarked original came out (a print torn
// by paper out before the RRN line, then printed again).
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
// "CUSTOMER COPY" is the original.
func MarkedCopy(receipt string) bool {
	u := strings.ToUpper(receipt)
	for _, m := range []string{"DUPLICATE", "REPRINT", "MERCHANT COPY", "重印", "补打", "商户存根"} {
		if strings.Contains(u, m) {
			return true
		}
	}
	return false
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

// Check decides invariants 1, 2 and 5 from ev. The error is for evidence
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
		if t.Type != acquirer.KindSale || t.State != acquirer.StateApproved {
			continue
		}
		standing[saleKey(t.Amount, last4(t.Card))]++
		r, known := said[t.RRN]
		originals, interrupted := 0, 0
		for _, rc := range ev.Receipts {
			if !match(rc, t) {
				continue
			}
			if !isCopy(rc) {
				originals++
			} else if strings.Contains(rc, InterruptedMark) {
				interrupted++
			}
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
