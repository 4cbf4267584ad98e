package faults

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CountAlways is Rule.Count for count=always: the rule fires on every match.
const CountAlways = -1

// Rule is one line of a plan: a fault kind on a target, its parameters, and
// the triggers that select when it fires. The zero value of every field means
// "not given"; Validate checks which fields the kind accepts.
type Rule struct {
	Target Target
	Kind   Kind

	// Fault parameters (see the kind's Spec.Params).
	Code   string        // decline code=NN
	By     time.Duration // delay by=D, latency by=D
	Jitter time.Duration // latency jitter=D
	Rate   int           // bandwidth rate=N, bytes per second
	Size   int           // slice size=N, bytes (0 means 1)
	Step   Step          // client crash at=STEP

	// Scope: which messages an acquirer rule matches. Empty matches all.
	MTI      string // mti=0200
	Proc     string // proc=000000 (processing code, field 3)
	Amount   int64  // amount=1000, in minor units (field 4)
	Card     string // card=*4242 (last digits) or card=424242* (first digits); never a full number
	Terminal string // terminal=T0000001 (field 41)

	// Dir limits a link rule to one direction (dir=up|down).
	Dir Direction

	// Printer triggers: at most one of them. With none, a printer rule is
	// applied at once (or at At).
	Now        bool  // now: at once (paper-out)
	AfterLines int64 // after-lines=N: after the N-th printed line
	AfterBytes int64 // after-bytes=N: after the N-th byte received
	Cut        int   // cut=K: at the K-th cut

	// Selection.
	Nth   int     // nth=N: the N-th match is the first to fire (0 means 1)
	Count int     // count=N or count=always (CountAlways); 0 means the kind's default
	P     float64 // p=0.3: each eligible match fires with this probability; 0 means 1

	// Time, measured from the start of the injector.
	At  time.Duration // at=D: the rule is armed from D on
	For time.Duration // for=D: how long the condition lasts (lasting kinds), or how long the rule stays armed
}

// RuleError reports a rule that does not validate: the key at fault (or ""
// for the rule as a whole) and why.
type RuleError struct {
	Key string
	Msg string
	Err error // underlying cause, if any
}

func (e *RuleError) Error() string {
	if e.Key == "" {
		return "faults: " + e.Msg
	}
	return "faults: " + e.Key + ": " + e.Msg
}

func (e *RuleError) Unwrap() error { return e.Err }

// ErrInvalid is matched (errors.Is) by every *RuleError and *SyntaxError.
var ErrInvalid = errors.New("faults: invalid plan")

// Is makes errors.Is(err, ErrInvalid) true.
func (e *RuleError) Is(target error) bool { return target == ErrInvalid }

// key describes one key=value word: how to parse it into a Rule, how to
// print it back, and which rules may carry it. keys is in canonical order.
type key struct {
	name  string
	flag  bool // a bare word without "=value" (now)
	set   func(r *Rule, v string) error
	get   func(r *Rule) (string, bool)
	allow func(r *Rule, s Spec) bool
}

var (
	reDigits   = regexp.MustCompile(`^[0-9]+$`)
	reCode     = regexp.MustCompile(`^[0-9A-Za-z]{2}$`)
	reTerminal = regexp.MustCompile(`^[0-9A-Za-z_-]{1,16}$`)
	reCard     = regexp.MustCompile(`^(\*[0-9]{1,4}|[0-9]{1,6}\*)$`)
)

func hasParam(s Spec, k string) bool {
	for _, p := range s.Params {
		if p.Key == k {
			return true
		}
	}
	return false
}

func forTarget(ts ...Target) func(*Rule, Spec) bool {
	return func(r *Rule, _ Spec) bool {
		for _, t := range ts {
			if r.Target == t {
				return true
			}
		}
		return false
	}
}

func param(k string) func(*Rule, Spec) bool {
	return func(_ *Rule, s Spec) bool { return hasParam(s, k) }
}

var allTargets = forTarget(TargetPrinter, TargetAcquirer, TargetLink, TargetClient)

func parsePositive(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a whole number: %w", err)
	}
	if n <= 0 {
		return 0, errors.New("want a number above 0")
	}
	return n, nil
}

func parseInt(v string) (int, error) {
	n, err := parsePositive(v)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt32 {
		return 0, errors.New("number too large")
	}
	return int(n), nil
}

func parseDur(v string, zeroOK bool) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as 150ms or 2s: %w", err)
	}
	if d < 0 || (d == 0 && !zeroOK) {
		return 0, errors.New("want a duration above 0")
	}
	return d, nil
}

func durKey(name string, field func(*Rule) *time.Duration, zeroOK bool, allow func(*Rule, Spec) bool) key {
	return key{name: name, allow: allow,
		set: func(r *Rule, v string) error {
			d, err := parseDur(v, zeroOK)
			*field(r) = d
			return err
		},
		get: func(r *Rule) (string, bool) { d := *field(r); return d.String(), d != 0 },
	}
}

func int64Key(name string, field func(*Rule) *int64, allow func(*Rule, Spec) bool) key {
	return key{name: name, allow: allow,
		set: func(r *Rule, v string) error {
			n, err := parsePositive(v)
			*field(r) = n
			return err
		},
		get: func(r *Rule) (string, bool) { n := *field(r); return strconv.FormatInt(n, 10), n != 0 },
	}
}

func intKey(name string, field func(*Rule) *int, allow func(*Rule, Spec) bool) key {
	return key{name: name, allow: allow,
		set: func(r *Rule, v string) error {
			n, err := parseInt(v)
			*field(r) = n
			return err
		},
		get: func(r *Rule) (string, bool) { n := *field(r); return strconv.Itoa(n), n != 0 },
	}
}

func strKey(name string, field func(*Rule) *string, re *regexp.Regexp, want string, allow func(*Rule, Spec) bool) key {
	return key{name: name, allow: allow,
		set: func(r *Rule, v string) error {
			if !re.MatchString(v) {
				return errors.New("want " + want)
			}
			*field(r) = v
			return nil
		},
		get: func(r *Rule) (string, bool) { s := *field(r); return s, s != "" },
	}
}

// keys in canonical order: fault parameters, scope, printer triggers,
// selection, time.
var keys = []key{
	strKey("code", func(r *Rule) *string { return &r.Code }, reCode, "a two-character response code such as 05 or 51", param("code")),
	durKey("by", func(r *Rule) *time.Duration { return &r.By }, false, param("by")),
	durKey("jitter", func(r *Rule) *time.Duration { return &r.Jitter }, true, param("jitter")),
	intKey("rate", func(r *Rule) *int { return &r.Rate }, param("rate")),
	intKey("size", func(r *Rule) *int { return &r.Size }, param("size")),
	{name: "at", allow: forTarget(TargetClient),
		set: func(r *Rule, v string) error {
			for _, s := range Steps {
				if string(s) == v {
					r.Step = s
					return nil
				}
			}
			return errors.New("want a crash step: " + joinSteps())
		},
		get: func(r *Rule) (string, bool) { return string(r.Step), r.Step != "" },
	},
	strKey("mti", func(r *Rule) *string { return &r.MTI }, regexp.MustCompile(`^[0-9]{4}$`), "four digits such as 0200", forTarget(TargetAcquirer)),
	strKey("proc", func(r *Rule) *string { return &r.Proc }, regexp.MustCompile(`^[0-9]{6}$`), "six digits such as 000000", forTarget(TargetAcquirer)),
	{name: "amount", allow: forTarget(TargetAcquirer),
		set: func(r *Rule, v string) error {
			if !reDigits.MatchString(v) || len(v) > 12 {
				return errors.New("want an amount in minor units, up to 12 digits")
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			if n == 0 {
				return errors.New("want an amount above 0")
			}
			r.Amount = n
			return nil
		},
		get: func(r *Rule) (string, bool) { return strconv.FormatInt(r.Amount, 10), r.Amount != 0 },
	},
	strKey("card", func(r *Rule) *string { return &r.Card }, reCard, "*NNNN (up to 4 last digits) or NNNNNN* (up to 6 first digits); never a full card number", forTarget(TargetAcquirer)),
	strKey("terminal", func(r *Rule) *string { return &r.Terminal }, reTerminal, "a terminal ID of up to 16 letters, digits, _ or -", forTarget(TargetAcquirer)),
	{name: "dir", allow: forTarget(TargetLink),
		set: func(r *Rule, v string) error {
			switch Direction(v) {
			case Up, Down:
				r.Dir = Direction(v)
				return nil
			}
			return errors.New("want up or down")
		},
		get: func(r *Rule) (string, bool) { return string(r.Dir), r.Dir != Both },
	},
	{name: "now", flag: true, allow: param("now"),
		set: func(r *Rule, v string) error { r.Now = true; return nil },
		get: func(r *Rule) (string, bool) { return "", r.Now },
	},
	int64Key("after-lines", func(r *Rule) *int64 { return &r.AfterLines }, forTarget(TargetPrinter)),
	int64Key("after-bytes", func(r *Rule) *int64 { return &r.AfterBytes }, forTarget(TargetPrinter)),
	intKey("cut", func(r *Rule) *int { return &r.Cut }, forTarget(TargetPrinter)),
	intKey("nth", func(r *Rule) *int { return &r.Nth }, allTargets),
	{name: "count", allow: allTargets,
		set: func(r *Rule, v string) error {
			if v == "always" {
				r.Count = CountAlways
				return nil
			}
			n, err := parseInt(v)
			if err != nil {
				return fmt.Errorf("want a number above 0 or always: %w", err)
			}
			r.Count = n
			return nil
		},
		get: func(r *Rule) (string, bool) {
			if r.Count == CountAlways {
				return "always", true
			}
			return strconv.Itoa(r.Count), r.Count != 0
		},
	},
	{name: "p", allow: allTargets,
		set: func(r *Rule, v string) error {
			p, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(p) || p <= 0 || p > 1 {
				return fmt.Errorf("want a probability in (0, 1] such as 0.3")
			}
			r.P = p
			return nil
		},
		get: func(r *Rule) (string, bool) { return strconv.FormatFloat(r.P, 'g', -1, 64), r.P != 0 },
	},
	durKey("at", func(r *Rule) *time.Duration { return &r.At }, true,
		forTarget(TargetPrinter, TargetAcquirer, TargetLink, TargetHeal)),
	durKey("for", func(r *Rule) *time.Duration { return &r.For }, false, allTargets),
}

// lookupKey finds the key definition name means on rule r: "at" is a
// crash step on client rules and a time offset elsewhere.
func lookupKey(r *Rule, s Spec, name string) (*key, bool) {
	known := false
	for i := range keys {
		k := &keys[i]
		if k.name != name {
			continue
		}
		known = true
		if k.allow(r, s) {
			return k, true
		}
	}
	return nil, known
}

// words returns the key=value words of r in canonical order.
func (r *Rule) words() []string {
	var out []string
	s, _ := Lookup(r.Target, r.Kind)
	for _, k := range keys {
		if !k.allow(r, s) {
			continue
		}
		v, ok := k.get(r)
		if !ok {
			continue
		}
		if k.flag {
			out = append(out, k.name)
		} else {
			out = append(out, k.name+"="+v)
		}
	}
	return out
}

// String returns the rule in canonical form, one plan line without a
// newline: target, kind, then keys in a fixed order, defaults left out.
func (r Rule) String() string {
	head := string(r.Target)
	if r.Target != TargetHeal {
		head += " " + string(r.Kind)
	}
	w := r.words()
	if len(w) == 0 {
		return head
	}
	return head + " " + strings.Join(w, " ")
}

// Spec returns the catalogue entry of the rule's kind.
func (r *Rule) Spec() (Spec, bool) { return Lookup(r.Target, r.Kind) }

// Validate checks that the rule names a known kind, carries only the keys
// the kind accepts, has its required parameters, and that its values are in
// range. It returns a *RuleError.
func (r *Rule) Validate() error {
	if r.Target == TargetHeal {
		if r.Kind != "" {
			return &RuleError{Msg: "heal takes no kind"}
		}
		var tmp Rule
		tmp.Target, tmp.At = TargetHeal, r.At
		if *r != tmp {
			return &RuleError{Msg: "heal takes only at=D"}
		}
		if r.At < 0 {
			return &RuleError{Key: "at", Msg: "want a duration of 0 or more"}
		}
		return nil
	}
	s, ok := Lookup(r.Target, r.Kind)
	if !ok {
		if !validTarget(r.Target) {
			return &RuleError{Msg: fmt.Sprintf("unknown target %q", r.Target)}
		}
		return &RuleError{Msg: fmt.Sprintf("unknown %s kind %q; want one of %s", r.Target, r.Kind, strings.Join(kindsOf(r.Target), ", "))}
	}
	// Every key that is set must be allowed; its value must parse back.
	for _, k := range keys {
		v, set := k.get(r)
		if !set {
			continue
		}
		if !k.allow(r, s) {
			return &RuleError{Key: k.name, Msg: fmt.Sprintf("%s %s does not take %s=", r.Target, r.Kind, k.name)}
		}
		var probe Rule
		probe.Target, probe.Kind = r.Target, r.Kind
		if k.flag {
			continue
		}
		if err := k.set(&probe, v); err != nil {
			return &RuleError{Key: k.name, Msg: err.Error(), Err: err}
		}
	}
	if r.Count < CountAlways {
		return &RuleError{Key: "count", Msg: "want a number above 0 or always"}
	}
	for _, p := range s.Params {
		if !p.Required {
			continue
		}
		if !keySet(r, s, p.Key) {
			return &RuleError{Key: p.Key, Msg: fmt.Sprintf("%s %s needs %s=%s", r.Target, r.Kind, p.Key, p.Value)}
		}
	}
	if r.Kind == Decline && r.Code == "00" {
		return &RuleError{Key: "code", Msg: "code=00 is an approval, not a decline"}
	}
	if r.Jitter > r.By && r.Kind == Latency {
		return &RuleError{Key: "jitter", Msg: "jitter must not exceed by"}
	}
	n := 0
	for _, b := range []bool{r.Now, r.AfterLines != 0, r.AfterBytes != 0, r.Cut != 0} {
		if b {
			n++
		}
	}
	if n > 1 {
		return &RuleError{Msg: "give at most one of now, after-lines, after-bytes and cut"}
	}
	return nil
}

func keySet(r *Rule, s Spec, name string) bool {
	for _, k := range keys {
		if k.name == name && k.allow(r, s) {
			_, ok := k.get(r)
			return ok
		}
	}
	return false
}

func validTarget(t Target) bool {
	for _, x := range Targets {
		if x == t {
			return true
		}
	}
	return false
}

// count returns how many times the rule may fire (CountAlways for no limit).
func (r *Rule) count() int {
	if r.Count != 0 {
		return r.Count
	}
	if s, ok := r.Spec(); ok && s.Continuous {
		return CountAlways
	}
	return 1
}

// nth returns the index (1-based) of the first match that may fire.
func (r *Rule) nth() int {
	if r.Nth == 0 {
		return 1
	}
	return r.Nth
}
