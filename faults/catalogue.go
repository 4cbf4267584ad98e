package faults

import (
	"fmt"
	"strings"
)

// Target names the part of the rig a rule acts on: the first word of a rule.
type Target string

// The targets of a plan. TargetHeal is not a part of the rig but the heal
// verb, which clears every rule and every condition the plan created.
const (
	TargetPrinter  Target = "printer"  // the ESC/POS printer emulator (emulator/escpos)
	TargetAcquirer Target = "acquirer" // the ISO 8583 acquirer emulator (emulator/acquirer)
	TargetLink     Target = "link"     // any TCP path: terminal↔host, terminal↔network printer
	TargetClient   Target = "client"   // the POS client (pkg/posclient), through its crash hook points
	TargetHeal     Target = "heal"     // the heal verb: clears everything
)

// Targets lists the targets that take a kind, in catalogue order.
var Targets = []Target{TargetPrinter, TargetAcquirer, TargetLink, TargetClient}

// Kind names a fault: the second word of a rule. Kinds are unique within a
// target, not across targets (printer disconnect and acquirer disconnect are
// different faults).
type Kind string

// Printer kinds.
const (
	PaperNearEnd Kind = "paper-near-end"
	PaperOut     Kind = "paper-out"
	CoverOpen    Kind = "cover-open"
	CutterJam    Kind = "cutter-jam"
	HeadOverheat Kind = "head-overheat"
	Offline      Kind = "offline"
	PowerCycle   Kind = "power-cycle"
	Garble       Kind = "garble"
	Stall        Kind = "stall"
	Disconnect   Kind = "disconnect" // printer and acquirer
)

// Acquirer kinds (and Disconnect above).
const (
	Decline            Kind = "decline"
	Delay              Kind = "delay"
	DropRequest        Kind = "drop-request"
	DropResponse       Kind = "drop-response"
	DuplicateResponse  Kind = "duplicate-response"
	MalformedResponse  Kind = "malformed-response"
	WrongSTAN          Kind = "wrong-stan"
	ReversalLost       Kind = "reversal-lost"
	SettlementMismatch Kind = "settlement-mismatch"
)

// Link kinds.
const (
	Latency   Kind = "latency"
	Bandwidth Kind = "bandwidth"
	Reset     Kind = "reset"
	Slice     Kind = "slice"
	Blackhole Kind = "blackhole"
)

// Client kinds.
const (
	Crash       Kind = "crash"
	DiskFull    Kind = "disk-full"
	Intrude     Kind = "intrude"
	HalfCommand Kind = "half-command"
)

// Step names a hook point in the POS client where a crash can be staged
// (client crash at=STEP). pkg/posclient exposes hook points with exactly
// these names.
type Step string

// The client's crash points, in the order a sale passes them.
const (
	AfterJournalWrite Step = "after-journal-write" // journal written, request not yet sent
	AfterSend         Step = "after-send"          // request sent, response not yet received
	AfterResponse     Step = "after-response"      // response received, not yet journaled
	AfterApproval     Step = "after-approval"      // approval journaled, receipt not yet printed
	MidPrint          Step = "mid-print"           // part of the receipt sent to the printer
	AfterPrint        Step = "after-print"         // the printer answered (or failed) the receipt, not yet journaled
	AfterPersist      Step = "after-persist"       // any journal row durable (nth=N: the N-th row), next step not taken
)

// Steps lists the crash points in order.
var Steps = []Step{AfterJournalWrite, AfterSend, AfterResponse, AfterApproval, MidPrint, AfterPrint, AfterPersist}

// Direction says which way across a link a link fault acts (dir=up|down).
// The zero value means both ways.
type Direction string

const (
	Both Direction = ""     // both directions (the default)
	Up   Direction = "up"   // from the client toward the server or device (a wrapped conn's Write)
	Down Direction = "down" // from the server or device toward the client (a wrapped conn's Read)
)

// Param names a key a kind takes, with what its value is.
type Param struct {
	Key      string // key in key=value
	Value    string // what the value is, for the catalogue: "D" (duration), "N" (count), "NN" (code), "STEP"
	Required bool
	Doc      string
}

// Spec documents one fault kind: what it does, what it threatens, and which
// parameters it takes beyond the triggers every rule of its target accepts.
type Spec struct {
	Target    Target
	Kind      Kind
	Params    []Param
	Effect    string // what the fault does to the rig
	Threatens string // which invariant or behaviour it puts to the test
	Example   string // a rule in canonical form
	// Lasting is true when for=D is the length of a condition that the
	// fault sets and that then ends by itself (head-overheat, stall,
	// blackhole, and the printer's state faults), rather than a window in
	// which the rule may fire.
	Lasting bool
	// Continuous is true when the fault applies to every matching event by
	// default (count=always), as link shaping does; otherwise a rule fires
	// once unless count says otherwise.
	Continuous bool
}

var (
	pFor      = Param{Key: "for", Value: "D", Required: true, Doc: "how long the condition lasts"}
	pCode     = Param{Key: "code", Value: "NN", Required: true, Doc: "ISO 8583 response code (field 39), two characters, not 00"}
	pBy       = Param{Key: "by", Value: "D", Required: true, Doc: "added delay"}
	pJitter   = Param{Key: "jitter", Value: "D", Doc: "random extra delay in [-D, +D], drawn from the plan's seed"}
	pRate     = Param{Key: "rate", Value: "N", Required: true, Doc: "bytes per second"}
	pSize     = Param{Key: "size", Value: "N", Doc: "chunk size in bytes (default 1)"}
	pStep     = Param{Key: "at", Value: "STEP", Required: true, Doc: "crash point: " + joinSteps()}
	pUntil    = Param{Key: "for", Value: "D", Doc: "the condition ends by itself after D (default: until heal)"}
	pPaperNow = Param{Key: "now", Value: "", Doc: "at once (the default when no printer trigger is given)"}
)

func joinSteps() string {
	s := make([]string, len(Steps))
	for i, st := range Steps {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

const (
	invCharged  = "invariant 1 (no double charge, no unknown charge)"
	invReceipt  = "invariant 2 (exactly one receipt per approved sale, or one visibly owed)"
	invTotals   = "invariant 4 (terminal totals equal host totals after heal)"
	invTimeouts = "the client's timeouts and reversal logic"
)

var catalogue = []Spec{
	// Printer.
	{Target: TargetPrinter, Kind: PaperNearEnd, Params: []Param{pUntil}, Lasting: true,
		Effect:    "the paper roll near-end sensor trips; printing still works",
		Threatens: "that the client reports near-end to the operator without failing the sale",
		Example:   "printer paper-near-end after-lines=20"},
	{Target: TargetPrinter, Kind: PaperOut, Params: []Param{pPaperNow, pUntil}, Lasting: true,
		Effect:    "the paper runs out now, after N printed lines, after N received bytes, or at the K-th cut; later data is not printed",
		Threatens: invReceipt + ": a receipt cut short must be detected and owed",
		Example:   "printer paper-out after-lines=12"},
	{Target: TargetPrinter, Kind: CoverOpen, Params: []Param{pUntil}, Lasting: true,
		Effect:    "the cover opens; the printer stops printing and reports the cover open",
		Threatens: invReceipt,
		Example:   "printer cover-open cut=1"},
	{Target: TargetPrinter, Kind: CutterJam, Params: []Param{pUntil}, Lasting: true,
		Effect:    "the auto-cutter jams (an unrecoverable error until healed); the receipt is not cut",
		Threatens: invReceipt + ": the client must not count an uncut receipt as printed",
		Example:   "printer cutter-jam cut=1"},
	{Target: TargetPrinter, Kind: HeadOverheat, Params: []Param{pFor}, Lasting: true,
		Effect:    "the print head overheats (an auto-recoverable error) and recovers after for=D",
		Threatens: "that the client waits for recovery instead of failing or printing twice",
		Example:   "printer head-overheat after-lines=5 for=3s"},
	{Target: TargetPrinter, Kind: Offline, Params: []Param{pUntil}, Lasting: true,
		Effect:    "the printer goes offline; it answers status but does not print",
		Threatens: invReceipt,
		Example:   "printer offline"},
	{Target: TargetPrinter, Kind: PowerCycle,
		Effect:    "the printer loses power and comes back: its buffer and modes are lost",
		Threatens: invReceipt + ": a half-printed receipt must be reprinted as a copy or owed",
		Example:   "printer power-cycle after-bytes=100"},
	{Target: TargetPrinter, Kind: Garble, Params: []Param{pUntil}, Lasting: true,
		Effect:    "bytes the printer sends to the host (status replies) are corrupted: the next reply, or every reply for=D",
		Threatens: "that the client treats an unreadable status as unknown, not as ready",
		Example:   "printer garble count=3"},
	{Target: TargetPrinter, Kind: Stall, Params: []Param{pFor}, Lasting: true,
		Effect:    "the printer stops reading from the host for=D, so the host's writes block",
		Threatens: "that the client's print timeout fires and the receipt is owed, not lost",
		Example:   "printer stall after-lines=3 for=10s"},
	{Target: TargetPrinter, Kind: Disconnect,
		Effect:    "the printer drops every TCP connection to it (a serial line has no connection to drop)",
		Threatens: invReceipt + ": the client must reconnect and know what was printed",
		Example:   "printer disconnect after-bytes=64"},

	// Acquirer.
	{Target: TargetAcquirer, Kind: Decline, Params: []Param{pCode},
		Effect:    "the acquirer answers with response code NN instead of approving; nothing is debited",
		Threatens: "that a decline is a result, journaled and shown, and never printed as approved",
		Example:   "acquirer decline code=51 amount=5000"},
	{Target: TargetAcquirer, Kind: Delay, Params: []Param{pBy},
		Effect:    "the acquirer holds its answer for by=D before sending it",
		Threatens: invTimeouts + ": a late answer after the client's timeout must not double-charge",
		Example:   "acquirer delay by=35s mti=0200"},
	{Target: TargetAcquirer, Kind: DropRequest,
		Effect:    "the acquirer reads the request and discards it: no ledger entry, no answer",
		Threatens: invTimeouts + ": the client times out and reverses something the host never saw",
		Example:   "acquirer drop-request mti=0200 nth=2"},
	{Target: TargetAcquirer, Kind: DropResponse,
		Effect:    "the acquirer commits the request to its ledger and then does not answer",
		Threatens: invCharged + ": the host approved, the terminal does not know (the S6 situation)",
		Example:   "acquirer drop-response mti=0200 nth=1"},
	{Target: TargetAcquirer, Kind: DuplicateResponse,
		Effect:    "the acquirer sends its answer twice",
		Threatens: "that the client matches responses by STAN and ignores the duplicate",
		Example:   "acquirer duplicate-response mti=0200"},
	{Target: TargetAcquirer, Kind: MalformedResponse,
		Effect:    "the acquirer commits the request and answers with bytes that do not unpack",
		Threatens: invCharged + ": an unreadable answer to an approved request must lead to a reversal",
		Example:   "acquirer malformed-response mti=0200"},
	{Target: TargetAcquirer, Kind: WrongSTAN,
		Effect:    "the acquirer commits the request and answers with a different STAN (field 11)",
		Threatens: invCharged + ": the client must not take another transaction's answer as its own",
		Example:   "acquirer wrong-stan mti=0200 nth=1"},
	{Target: TargetAcquirer, Kind: Disconnect,
		Effect:    "the acquirer closes the connection when the matching request arrives, before the ledger",
		Threatens: invTimeouts + ": the client must reconnect and resolve the in-doubt transaction",
		Example:   "acquirer disconnect mti=0200"},
	{Target: TargetAcquirer, Kind: ReversalLost,
		Effect:    "reversals (0400/0401) are read and discarded: the host keeps the charge",
		Threatens: invCharged + ": the client must keep its reversal queued and resend it",
		Example:   "acquirer reversal-lost count=2"},
	{Target: TargetAcquirer, Kind: SettlementMismatch,
		Effect:    "the host books a phantom sale for the terminal just before its first 0500, so the totals differ: the host answers 95 and the batch upload shows the phantom transaction",
		Threatens: invTotals + ": the mismatch must be reported transaction by transaction",
		Example:   "acquirer settlement-mismatch"},

	// Link.
	{Target: TargetLink, Kind: Latency, Params: []Param{pBy, pJitter}, Continuous: true,
		Effect:    "every chunk of data is held for by=D ± jitter=D before it passes",
		Threatens: invTimeouts,
		Example:   "link latency by=200ms jitter=50ms"},
	{Target: TargetLink, Kind: Bandwidth, Params: []Param{pRate}, Continuous: true,
		Effect:    "data passes at rate=N bytes per second",
		Threatens: invTimeouts + " and the printer's flow control",
		Example:   "link bandwidth rate=1200 dir=down"},
	{Target: TargetLink, Kind: Reset,
		Effect:    "the connection is reset (TCP RST) at the matching read or write",
		Threatens: invCharged + ": a reset after the request left must be resolved, not retried blindly",
		Example:   "link reset dir=up nth=2"},
	{Target: TargetLink, Kind: Slice, Params: []Param{pSize}, Continuous: true,
		Effect:    "data passes in chunks of size=N bytes (default 1), as a slow serial line or a fragmenting network delivers it",
		Threatens: "framing: a reader that assumes one read is one message breaks",
		Example:   "link slice size=3"},
	{Target: TargetLink, Kind: Blackhole, Params: []Param{pFor}, Lasting: true,
		Effect:    "data is silently discarded for=D while the connection stays up",
		Threatens: invTimeouts + ": silence without a close must end in a timeout",
		Example:   "link blackhole at=2s for=10s"},

	// Client.
	{Target: TargetClient, Kind: Crash, Params: []Param{pStep},
		Effect:    "the POS client dies at the named step, as kill -9 would",
		Threatens: invCharged + " and " + invReceipt + ": Recover must finish the job from the journal",
		Example:   "client crash at=after-send"},
	{Target: TargetClient, Kind: DiskFull, Continuous: true,
		Effect:    "from the matching journal write on (nth=N: the N-th write of the run), every write fails as on a full disk, until the heal",
		Threatens: invCharged + " and " + invReceipt + ": a sale approved at the host but not journaled must be reported as such and settled by the next Recover, never charged or printed twice",
		Example:   "client disk-full nth=3"},
	{Target: TargetClient, Kind: Intrude, Params: []Param{pStep},
		Effect:    "at the named step, a second till process starts on the same journal and runs recover (it must be refused: the journal has one owner)",
		Threatens: invCharged + ": a second driver would take the live transaction for a crash leftover and reverse it",
		Example:   "client intrude at=after-response"},
	{Target: TargetClient, Kind: HalfCommand, Params: []Param{pStep},
		Effect:    "at the named step, another client leaves the printer in the middle of a command (GS ( E with 65535 parameter bytes to come)",
		Threatens: invReceipt + ": the next receipt must be printed whole and proven, never journaled printed while the printer swallowed it",
		Example:   "client half-command at=after-approval"},
}

// Catalogue returns the documented fault kinds, printer first, then
// acquirer, link and client. The slice is a copy.
func Catalogue() []Spec {
	out := make([]Spec, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the Spec of kind on target.
func Lookup(target Target, kind Kind) (Spec, bool) {
	for _, s := range catalogue {
		if s.Target == target && s.Kind == kind {
			return s, true
		}
	}
	return Spec{}, false
}

func kindsOf(target Target) []string {
	var out []string
	for _, s := range catalogue {
		if s.Target == target {
			out = append(out, string(s.Kind))
		}
	}
	return out
}

// Usage returns the synopsis of a kind, e.g. "link latency by=D [jitter=D]".
func (s Spec) Usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.Target, s.Kind)
	for _, p := range s.Params {
		w := p.Key
		if p.Value != "" {
			w += "=" + p.Value
		}
		if !p.Required {
			w = "[" + w + "]"
		}
		b.WriteString(" " + w)
	}
	return b.String()
}
