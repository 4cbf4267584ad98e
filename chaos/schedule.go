package chaos

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/faults"
)

// OpKind is what one workload operation does.
type OpKind string

// Operation kinds.
const (
	OpSale   OpKind = "sale"
	OpRefund OpKind = "refund" // the original's reference comes from its result (the receipt in hand)
	// OpLookupRefund finds the original by Lookup (amount and last 4
	// digits), as a merchant does when the customer has no receipt.
	OpLookupRefund OpKind = "lookup-refund"
	OpVoid         OpKind = "void"
	OpReprint      OpKind = "reprint"
	OpSettle       OpKind = "settle"
)

// Op is one operation of the workload, on one terminal.
type Op struct {
	ID       int    // 1-based position in the schedule; stays the same when the schedule is shrunk
	Terminal int    // 1-based terminal number
	Kind     OpKind //
	Amount   int64  // minor units; refund: 0 means all that is left
	Card     string // the card presented (sale, refund, void)
	Of       int    // refund, void, reprint: ID of the original sale
}

// Fault is one rule of the fault plan and the terminal it belongs to.
// Acquirer rules have Terminal 0: there is one acquirer.
type Fault struct {
	Terminal int
	Rule     faults.Rule
}

// Schedule is one chaos run: the workload and the fault plan. Its text
// form (String, ParseSchedule) is what hil chaos prints and what a
// scenario embeds to replay the run.
type Schedule struct {
	Seed      int64
	Terminals int
	Ops       []Op
	Faults    []Fault
}

// Cards used by the workload: the acquirer's approving test card, a second
// approving card created on first use, and a declining one.
const (
	CardA       = acquirer.CardApprove
	CardB       = "4000056655665556"
	CardDecline = acquirer.CardDecline
	CardNoFunds = acquirer.CardNoFunds
)

// cardNames are the names of the workload's cards in a schedule's text
// form, which never holds a card number.
var cardNames = []struct{ name, pan string }{
	{"approve", CardA}, {"other", CardB}, {"decline", CardDecline}, {"nofunds", CardNoFunds},
}

// CardName returns the schedule name of a workload card ("approve",
// "other", "decline", "nofunds"), or "" for another number.
func CardName(pan string) string {
	for _, c := range cardNames {
		if c.pan == pan {
			return c.name
		}
	}
	return ""
}

func cardByName(name string) (string, bool) {
	for _, c := range cardNames {
		if c.name == name {
			return c.pan, true
		}
	}
	return "", false
}

// InitialBalance returns a workload card's balance before the run.
func InitialBalance(pan string) int64 {
	for _, c := range acquirer.TestCards() {
		if c.PAN == pan {
			return c.Balance
		}
	}
	return acquirer.DefaultBalance
}

// GenConfig sizes generated schedules. Zero fields take the defaults.
type GenConfig struct {
	Terminals int // default 2
	Ops       int // operations per schedule; default 12
	Faults    int // at most this many faults per schedule; default 4
	// Exclude leaves fault kinds out of the draw, as "target kind"
	// ("printer power-cycle").
	Exclude []string
	// Only, when set, draws from these fault kinds alone ("target kind",
	// or a longer prefix of a rule such as "client crash at=after-print").
	Only []string
}

func (g GenConfig) withDefaults() GenConfig {
	if g.Terminals <= 0 {
		g.Terminals = 2
	}
	if g.Ops <= 0 {
		g.Ops = 12
	}
	if g.Faults < 0 {
		g.Faults = 0
	} else if g.Faults == 0 {
		g.Faults = 4
	}
	return g
}

// Generate draws a schedule from seed: the same seed and config give the
// same schedule.
func Generate(seed int64, cfg GenConfig) Schedule {
	cfg = cfg.withDefaults()
	r := rand.New(rand.NewPCG(uint64(seed), 0x6368616f73))
	s := Schedule{Seed: seed, Terminals: cfg.Terminals}
	sales := map[int][]Op{} // per terminal
	for i := 1; i <= cfg.Ops; i++ {
		t := 1 + r.IntN(cfg.Terminals)
		op := Op{ID: i, Terminal: t}
		prior := sales[t]
		n := r.IntN(100)
		switch {
		case n < 50 || len(prior) == 0:
			op.Kind = OpSale
			op.Amount = saleAmount(r)
			switch c := r.IntN(20); {
			case c < 12:
				op.Card = CardA
			case c < 18:
				op.Card = CardB
			case c < 19:
				op.Card = CardDecline
			default:
				op.Card = CardNoFunds
			}
			sales[t] = append(sales[t], op)
		case n < 65:
			op.Kind = OpRefund
			if r.IntN(3) == 0 {
				op.Kind = OpLookupRefund
			}
			orig := prior[r.IntN(len(prior))]
			op.Of, op.Card = orig.ID, presented(r, orig.Card)
			if r.IntN(2) == 0 {
				op.Amount = 1 + r.Int64N(orig.Amount) // partial (or, by chance, full)
			}
		case n < 75:
			orig := prior[r.IntN(len(prior))]
			op.Kind, op.Of, op.Card = OpVoid, orig.ID, presented(r, orig.Card)
		case n < 88:
			orig := prior[r.IntN(len(prior))]
			op.Kind, op.Of = OpReprint, orig.ID
		default:
			op.Kind = OpSettle
		}
		s.Ops = append(s.Ops, op)
	}
	nf := r.IntN(cfg.Faults + 1)
	for range nf {
		if f, ok := genFault(r, cfg.Terminals, cfg.Exclude, cfg.Only); ok {
			s.Faults = append(s.Faults, f)
		}
	}
	return s
}

// presented is the card the customer presents for a refund or void: now
// and then not the one that paid (the client must refuse it).
func presented(r *rand.Rand, paid string) string {
	if r.IntN(8) != 0 {
		return paid
	}
	if paid == CardA {
		return CardB
	}
	return CardA
}

func saleAmount(r *rand.Rand) int64 {
	switch n := r.IntN(10); {
	case n < 6:
		return 100 + r.Int64N(9900) // 1.00–99.99
	case n < 9:
		return 10000 + r.Int64N(40000)
	default:
		return 1 + r.Int64N(99)
	}
}

// faultTemplates are the catalogue kinds the generator draws from, as rule
// text with a %d hole for a small count or a short duration. Kinds that
// act on time (for=, at=, long delays, blackholes) are left out so that one
// schedule takes milliseconds; delays and latency stay within tens of
// milliseconds, around the chaos response timeout, so that late answers
// happen.
var faultTemplates = []struct {
	target faults.Target
	text   string
	holes  int
}{
	{faults.TargetAcquirer, "acquirer drop-response mti=0200 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer drop-request mti=0200 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer malformed-response mti=0200 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer wrong-stan mti=0200 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer duplicate-response mti=0200 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer disconnect mti=0200 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer decline code=05 mti=0200 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer reversal-lost count=%d", 1},
	{faults.TargetAcquirer, "acquirer drop-response mti=0400 nth=%d", 1},
	{faults.TargetAcquirer, "acquirer settlement-mismatch", 0},
	{faults.TargetAcquirer, "acquirer delay mti=0200 by=%dms", 1},
	{faults.TargetPrinter, "printer paper-out after-lines=%d", 1},
	{faults.TargetPrinter, "printer cover-open cut=%d", 1},
	{faults.TargetPrinter, "printer cutter-jam cut=%d", 1},
	{faults.TargetPrinter, "printer offline cut=%d", 1},
	{faults.TargetPrinter, "printer power-cycle after-bytes=%d", 1},
	// By printed lines too: status polls do not move this trigger, so a
	// schedule with it replays exactly however the polls fall.
	{faults.TargetPrinter, "printer power-cycle after-lines=%d", 1},
	{faults.TargetLink, "link reset dir=down nth=%d", 1},
	{faults.TargetLink, "link reset dir=up nth=%d", 1},
	{faults.TargetLink, "link slice size=%d", 1},
	{faults.TargetLink, "link latency by=%dms", 1},
	{faults.TargetClient, "client crash at=after-journal-write nth=%d", 1},
	{faults.TargetClient, "client crash at=after-send nth=%d", 1},
	{faults.TargetClient, "client crash at=after-response nth=%d", 1},
	{faults.TargetClient, "client crash at=after-approval nth=%d", 1},
	{faults.TargetClient, "client crash at=mid-print nth=%d", 1},
	{faults.TargetClient, "client crash at=after-print nth=%d", 1},
	{faults.TargetClient, "client crash at=after-persist nth=%d", 1},
	{faults.TargetClient, "client disk-full nth=%d", 1},
	{faults.TargetClient, "client intrude at=after-response nth=%d", 1},
	{faults.TargetClient, "client intrude at=after-send nth=%d", 1},
	{faults.TargetClient, "client half-command at=after-approval nth=%d", 1},
}

func excluded(text string, exclude []string) bool {
	for _, e := range exclude {
		if e != "" && strings.HasPrefix(text, e+" ") || text == e {
			return true
		}
	}
	return false
}

func included(text string, only []string) bool {
	for _, o := range only {
		if o != "" && strings.HasPrefix(text, o) {
			return true
		}
	}
	return false
}

func genFault(r *rand.Rand, terminals int, exclude, only []string) (Fault, bool) {
	for range 100 {
		tpl := faultTemplates[r.IntN(len(faultTemplates))]
		if excluded(tpl.text, exclude) || len(only) > 0 && !included(tpl.text, only) {
			continue
		}
		text := tpl.text
		if tpl.holes > 0 {
			var v int
			switch {
			case strings.Contains(text, "after-lines"):
				v = 1 + r.IntN(40)
			case strings.Contains(text, "after-bytes"):
				v = 1 + r.IntN(600)
			case strings.Contains(text, "delay"):
				v = 10 + r.IntN(90) // around the 30ms response timeout: late answers
			case strings.Contains(text, "latency"):
				v = 1 + r.IntN(8)
			case strings.Contains(text, "size="):
				v = 1 + r.IntN(7)
			case strings.Contains(text, "count="):
				v = 1 + r.IntN(3)
			case strings.Contains(text, "after-persist"), strings.Contains(text, "disk-full"):
				v = 1 + r.IntN(40) // every journal row of a dozen operations
			case strings.Contains(text, "intrude"), strings.Contains(text, "half-command"):
				v = 1 + r.IntN(3)
			default:
				v = 1 + r.IntN(6)
			}
			text = fmt.Sprintf(text, v)
		}
		f := Fault{}
		if tpl.target != faults.TargetAcquirer {
			f.Terminal = 1 + r.IntN(terminals)
		}
		rule, err := faults.ParseRule(text)
		if err != nil {
			panic("chaos: bad fault template " + text + ": " + err.Error())
		}
		f.Rule = rule
		return f, true
	}
	return Fault{}, false
}

// FaultKinds lists the "target kind" pairs the generator draws from.
func FaultKinds() []string {
	var out []string
	for _, tpl := range faultTemplates {
		w := strings.Fields(tpl.text)
		k := w[0] + " " + w[1]
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// String is the schedule's text form:
//
//	seed 42
//	terminals 2
//	op 1 t1 sale amount=1250 card=approve
//	op 2 t1 refund of=1 amount=500 card=approve
//	fault acquirer drop-response mti=0200 nth=1
//	fault t2 client crash at=after-send nth=1
//
// Cards are named, never numbered: approve (4242…4242, the acquirer's
// approving test card), other (a second approving card), decline and
// nofunds (the acquirer's test cards that decline with 05 and 51).
func (s Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d\nterminals %d\n", s.Seed, s.Terminals)
	for _, op := range s.Ops {
		b.WriteString(op.String())
		b.WriteByte('\n')
	}
	for _, f := range s.Faults {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String is the op's line in the schedule's text form.
func (op Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "op %d t%d %s", op.ID, op.Terminal, op.Kind)
	if op.Of != 0 {
		fmt.Fprintf(&b, " of=%d", op.Of)
	}
	if op.Amount != 0 {
		fmt.Fprintf(&b, " amount=%d", op.Amount)
	}
	if op.Card != "" {
		name := CardName(op.Card)
		if name == "" {
			name = "unknown"
		}
		fmt.Fprintf(&b, " card=%s", name)
	}
	return b.String()
}

// String is the fault's line in the schedule's text form.
func (f Fault) String() string {
	if f.Terminal == 0 {
		return "fault " + f.Rule.String()
	}
	return fmt.Sprintf("fault t%d %s", f.Terminal, f.Rule.String())
}

// ParseError reports a line of a schedule that does not parse.
type ParseError struct {
	Line int
	Text string
	Err  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("chaos: schedule line %d %q: %v", e.Line, e.Text, e.Err)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// ParseSchedule parses the text form written by Schedule.String. '#'
// starts a comment.
func ParseSchedule(text string) (Schedule, error) {
	var s Schedule
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	ids := map[int]bool{}
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		ws := strings.Fields(line)
		if len(ws) == 0 {
			continue
		}
		fail := func(format string, args ...any) error {
			return &ParseError{Line: n, Text: sc.Text(), Err: fmt.Errorf("%w: "+format, append([]any{ErrSchedule}, args...)...)}
		}
		switch ws[0] {
		case "seed", "terminals":
			if len(ws) != 2 {
				return s, fail("want %s N", ws[0])
			}
			v, err := strconv.ParseInt(ws[1], 10, 64)
			if err != nil {
				return s, fail("%s: not a number", ws[0])
			}
			if ws[0] == "seed" {
				s.Seed = v
			} else {
				if v < 1 || v > 99 {
					return s, fail("terminals: want 1 to 99")
				}
				s.Terminals = int(v)
			}
		case "op":
			if len(ws) < 4 {
				return s, fail("want op ID tN KIND [key=value...]")
			}
			var op Op
			id, err := strconv.Atoi(ws[1])
			if err != nil || id < 1 || ids[id] {
				return s, fail("op id %q: want a new positive number", ws[1])
			}
			ids[id] = true
			op.ID = id
			t, err := termNum(ws[2])
			if err != nil {
				return s, fail("%v", err)
			}
			op.Terminal = t
			op.Kind = OpKind(ws[3])
			switch op.Kind {
			case OpSale, OpRefund, OpLookupRefund, OpVoid, OpReprint, OpSettle:
			default:
				return s, fail("unknown op kind %q", ws[3])
			}
			for _, kv := range ws[4:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return s, fail("%q: want key=value", kv)
				}
				switch k {
				case "of":
					op.Of, err = strconv.Atoi(v)
				case "amount":
					op.Amount, err = strconv.ParseInt(v, 10, 64)
				case "card":
					pan, ok := cardByName(v)
					if !ok {
						return s, fail("card=%q: want approve, other, decline or nofunds", v)
					}
					op.Card = pan
				default:
					return s, fail("unknown key %q", k)
				}
				if err != nil {
					return s, fail("%s: not a number", k)
				}
			}
			if op.Kind == OpSale && (op.Amount <= 0 || op.Card == "") {
				return s, fail("a sale needs amount= and card=")
			}
			if (op.Kind == OpRefund || op.Kind == OpLookupRefund || op.Kind == OpVoid) && (op.Of == 0 || op.Card == "") {
				return s, fail("%s needs of= and card=", op.Kind)
			}
			s.Ops = append(s.Ops, op)
		case "fault":
			var f Fault
			rest := ws[1:]
			if len(rest) > 0 && strings.HasPrefix(rest[0], "t") && len(rest[0]) > 1 && rest[0][1] >= '0' && rest[0][1] <= '9' {
				t, err := termNum(rest[0])
				if err != nil {
					return s, fail("%v", err)
				}
				f.Terminal, rest = t, rest[1:]
			}
			r, err := faults.ParseRule(strings.Join(rest, " "))
			if err != nil {
				return s, &ParseError{Line: n, Text: sc.Text(), Err: err}
			}
			if (r.Target == faults.TargetAcquirer) != (f.Terminal == 0) {
				return s, fail("acquirer faults take no terminal, the others need one (tN)")
			}
			f.Rule = r
			s.Faults = append(s.Faults, f)
		default:
			return s, fail("unknown word %q (want seed, terminals, op or fault)", ws[0])
		}
	}
	if s.Terminals == 0 {
		s.Terminals = 1
	}
	for _, op := range s.Ops {
		if op.Terminal > s.Terminals {
			return s, &ParseError{Line: 0, Text: op.String(), Err: fmt.Errorf("%w: terminal t%d of %d", ErrSchedule, op.Terminal, s.Terminals)}
		}
	}
	for _, f := range s.Faults {
		if f.Terminal > s.Terminals {
			return s, &ParseError{Line: 0, Text: f.String(), Err: fmt.Errorf("%w: terminal t%d of %d", ErrSchedule, f.Terminal, s.Terminals)}
		}
	}
	return s, nil
}

func termNum(w string) (int, error) {
	if !strings.HasPrefix(w, "t") {
		return 0, fmt.Errorf("%w: terminal %q: want tN", ErrSchedule, w)
	}
	t, err := strconv.Atoi(w[1:])
	if err != nil || t < 1 {
		return 0, fmt.Errorf("%w: terminal %q: want tN with N ≥ 1", ErrSchedule, w)
	}
	return t, nil
}
