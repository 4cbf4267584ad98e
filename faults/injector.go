package faults

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by Injector.Add after Close.
var ErrClosed = errors.New("faults: injector closed")

// Clock is the time source of an Injector and of the link wrappers. The
// zero Options use the real clock; under testing/synctest the real clock is
// the bubble's fake one, so tests need not inject anything.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d and returns a function
	// that stops the timer (reporting whether it did before f ran).
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Options configure an Injector. The zero value is usable.
type Options struct {
	Clock    Clock        // nil: the real clock
	Evidence io.Writer    // each applied fault as a JSON line; nil: kept in memory only
	Logger   *slog.Logger // nil: discard
	// KeepEvidence caps how many Evidence values stay in memory (the newest
	// are kept). 0 means 10000.
	KeepEvidence int
}

// Hit says what an applied fault hit. Which fields are set depends on the
// target: messages for the acquirer, positions for the printer, a
// connection and direction for a link, a step for the client. Card numbers
// are masked.
type Hit struct {
	MTI      string    `json:"mti,omitempty"`
	STAN     string    `json:"stan,omitempty"`
	Proc     string    `json:"proc,omitempty"`
	Amount   int64     `json:"amount,omitempty"`
	Card     string    `json:"card,omitempty"` // masked: first 6 and last 4 at most
	Terminal string    `json:"terminal,omitempty"`
	Conn     string    `json:"conn,omitempty"`
	Dir      Direction `json:"dir,omitempty"`
	Line     int64     `json:"line,omitempty"`  // printer: lines printed so far
	Bytes    int64     `json:"bytes,omitempty"` // printer: bytes received so far; link: size of the chunk
	Cut      int       `json:"cut,omitempty"`   // printer: cuts so far
	Step     Step      `json:"step,omitempty"`
	Note     string    `json:"note,omitempty"` // what was done, when not plain from the kind (e.g. "held 213ms")
}

// Event is something an adapter saw and asks the injector about: a message
// at the acquirer, data through a link, printer progress, a client step.
type Event struct {
	Target Target
	Hit
	// PAN is the full card number, used for card= matching only; it is
	// masked before it reaches Evidence.
	PAN string
	// Printer progress carried by this event, counted by each armed rule
	// towards its after-lines, after-bytes and cut thresholds.
	AddLines, AddBytes int64
	AddCuts            int
}

// Evidence records one applied fault.
type Evidence struct {
	Time   time.Time `json:"time"`
	Rule   string    `json:"rule"` // canonical form
	Target Target    `json:"target"`
	Kind   Kind      `json:"kind,omitempty"`
	Hit    Hit       `json:"hit"`
}

// Firing is a rule that fired, as handed to an adapter.
type Firing struct {
	Rule Rule
	ID   int // the rule's position in the injector, from 1
}

// RuleStatus is what GET /faults shows of a rule.
type RuleStatus struct {
	ID      int    `json:"id"`
	Rule    string `json:"rule"`
	Matches int    `json:"matches"` // events that matched its scope while armed
	Fired   int    `json:"fired"`
	Done    bool   `json:"done"` // fired as often as count allows
}

// Applier is what an adapter registers for its target: Timed applies a rule
// that fires on time rather than on an event (a printer rule without a
// printer trigger), Heal undoes every condition the adapter created.
type Applier struct {
	// IsTimed says which of the target's rules fire at start+at without an
	// event. nil: none.
	IsTimed func(r *Rule) bool
	Timed   func(f Firing)
	Heal    func()
}

type ruleState struct {
	id      int
	rule    Rule
	text    string
	added   time.Duration // elapsed time at which the rule was added
	matches int
	fired   int
	lines   int64
	bytes   int64
	cuts    int
	until   time.Time // end of a lasting condition
	due     bool      // timed, came due while no applier was attached
	stop    func() bool
}

// Injector runs plans: it decides, for each event an adapter reports,
// which rules fire, and records the evidence. It owns the *rand.Rand built
// from the plan's seed: the same seed and the same sequence of events give
// the same sequence of firings. It is safe for concurrent use; what is
// reproducible is the order in which events reach it.
type Injector struct {
	clock  Clock
	w      io.Writer
	logger *slog.Logger
	keep   int

	mu       sync.Mutex
	start    time.Time
	rng      *rand.Rand
	rules    []*ruleState
	nextID   int
	evidence []Evidence
	appliers map[Target][]*Applier
	closed   bool
	wg       sync.WaitGroup // timed callbacks in flight
}

func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// NewInjector validates p (which may be nil) and returns an injector
// running it from now.
func NewInjector(p *Plan, opts Options) (*Injector, error) {
	in := &Injector{clock: opts.Clock, w: opts.Evidence, logger: opts.Logger, keep: opts.KeepEvidence,
		appliers: map[Target][]*Applier{}}
	if in.clock == nil {
		in.clock = realClock{}
	}
	if in.logger == nil {
		in.logger = slog.New(slog.DiscardHandler)
	}
	if in.keep == 0 {
		in.keep = 10000
	}
	in.start = in.clock.Now()
	in.rng = newRand(0)
	if p != nil {
		if err := in.Add(p); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// Add validates p and adds its rules; times in them (at=, for=) count from
// the injector's start. A seed line in p reseeds the random source.
func (in *Injector) Add(p *Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return ErrClosed
	}
	if p.Seeded {
		in.rng = newRand(p.Seed)
	}
	now := in.elapsed()
	for _, r := range p.Rules {
		if r.Target == TargetHeal {
			in.scheduleHeal(r, now)
			continue
		}
		in.nextID++
		st := &ruleState{id: in.nextID, rule: r, text: r.String(), added: now}
		in.rules = append(in.rules, st)
		in.logger.Info("fault rule added", "id", st.id, "rule", st.text)
		if in.isTimed(&st.rule) {
			in.schedule(st, now)
		}
	}
	return nil
}

func (in *Injector) elapsed() time.Duration { return in.clock.Now().Sub(in.start) }

// isTimed reports whether some adapter treats r as timed; with no adapter
// attached yet, printer rules without a printer trigger are timed.
func (in *Injector) isTimed(r *Rule) bool {
	if as := in.appliers[r.Target]; len(as) > 0 {
		for _, a := range as {
			if a.IsTimed != nil && a.IsTimed(r) {
				return true
			}
		}
		return false
	}
	return r.Target == TargetPrinter && PrinterTimed(r)
}

// PrinterTimed reports whether a printer rule fires on time (it has no
// after-lines, after-bytes or cut trigger) rather than on printer progress.
// Garble acts on replies and is never timed.
func PrinterTimed(r *Rule) bool {
	return r.Target == TargetPrinter && r.Kind != Garble && r.AfterLines == 0 && r.AfterBytes == 0 && r.Cut == 0
}

func (in *Injector) schedule(st *ruleState, now time.Duration) {
	wait := max(st.rule.At-now, 0)
	in.wg.Add(1)
	st.stop = in.clock.AfterFunc(wait, func() {
		defer in.wg.Done()
		in.fireTimed(st)
	})
}

func (in *Injector) scheduleHeal(r Rule, now time.Duration) {
	in.nextID++
	st := &ruleState{id: in.nextID, rule: r, text: r.String(), added: now}
	in.rules = append(in.rules, st)
	in.wg.Add(1)
	st.stop = in.clock.AfterFunc(max(r.At-now, 0), func() {
		defer in.wg.Done()
		in.heal(st.text, st)
	})
}

// fireTimed fires a timed rule that came due.
func (in *Injector) fireTimed(st *ruleState) {
	in.mu.Lock()
	if in.closed || !slices.Contains(in.rules, st) {
		in.mu.Unlock()
		return
	}
	as := in.appliers[st.rule.Target]
	if len(as) == 0 {
		st.due = true
		in.mu.Unlock()
		return
	}
	f, ok := in.decide(st, Event{Target: st.rule.Target, Hit: Hit{Note: "on time"}})
	in.mu.Unlock()
	if ok {
		for _, a := range as {
			if a.Timed != nil {
				a.Timed(f)
			}
		}
	}
}

// Attach registers an adapter for a target and returns a function that
// removes it. Timed rules that came due while no adapter was attached are
// applied now.
func (in *Injector) Attach(target Target, a Applier) (detach func()) {
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return func() {}
	}
	ap := &a
	in.appliers[target] = append(in.appliers[target], ap)
	var due []*ruleState
	for _, st := range in.rules {
		if st.rule.Target == target && st.due {
			st.due = false
			due = append(due, st)
		}
	}
	in.mu.Unlock()
	for _, st := range due {
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			in.fireTimed(st)
		}()
	}
	return func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		in.appliers[target] = slices.DeleteFunc(in.appliers[target], func(x *Applier) bool { return x == ap })
	}
}

// Heal removes every rule and asks every attached adapter to undo the
// conditions it created (paper back in, cover closed, links clear).
func (in *Injector) Heal() { in.heal("heal", nil) }

func (in *Injector) heal(text string, self *ruleState) {
	in.mu.Lock()
	if in.closed || (self != nil && !slices.Contains(in.rules, self)) {
		in.mu.Unlock()
		return
	}
	for _, st := range in.rules {
		if st.stop != nil && st != self && st.stop() {
			in.wg.Done()
		}
	}
	in.rules = nil
	in.record(Evidence{Time: in.clock.Now(), Rule: text, Target: TargetHeal})
	var heals []func()
	for _, as := range in.appliers {
		for _, a := range as {
			if a.Heal != nil {
				heals = append(heals, a.Heal)
			}
		}
	}
	in.mu.Unlock()
	for _, h := range heals {
		h()
	}
}

// Close stops the injector's timers and waits for callbacks in flight. It
// is idempotent. Adapters keep working but nothing fires any more.
func (in *Injector) Close() error {
	in.mu.Lock()
	if !in.closed {
		in.closed = true
		for _, st := range in.rules {
			if st.stop != nil && st.stop() {
				in.wg.Done()
			}
		}
	}
	in.mu.Unlock()
	in.wg.Wait()
	return nil
}

// Fire reports ev and returns the rules among kinds that fire for it, in
// rule order, recording evidence for each. Adapters call it for each event
// they see; printer progress in ev counts towards every armed printer rule.
func (in *Injector) Fire(ev Event, kinds ...Kind) []Firing {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return nil
	}
	var out []Firing
	el := in.elapsed()
	for _, st := range in.rules {
		r := &st.rule
		if r.Target != ev.Target || !armed(st, el) {
			continue
		}
		st.lines += ev.AddLines
		st.bytes += ev.AddBytes
		st.cuts += ev.AddCuts
		if !slices.Contains(kinds, r.Kind) || in.isTimed(r) || !matches(st, &ev) {
			continue
		}
		if f, ok := in.decide(st, ev); ok {
			out = append(out, f)
		}
	}
	return out
}

// armed reports whether the rule's time window is open at el after the start.
func armed(st *ruleState, el time.Duration) bool {
	r := &st.rule
	if el < r.At {
		return false
	}
	if s, _ := r.Spec(); r.For != 0 && !s.Lasting && el >= r.At+r.For {
		return false
	}
	return true
}

// matches checks scope and thresholds (not nth, count or p).
func matches(st *ruleState, ev *Event) bool {
	r := &st.rule
	switch {
	case r.MTI != "" && r.MTI != ev.MTI,
		r.Proc != "" && r.Proc != ev.Proc,
		r.Amount != 0 && r.Amount != ev.Amount,
		r.Terminal != "" && r.Terminal != ev.Terminal,
		r.Card != "" && !cardMatches(r.Card, ev.PAN),
		r.Dir != Both && ev.Dir != Both && r.Dir != ev.Dir,
		r.Step != "" && r.Step != ev.Step,
		r.AfterLines != 0 && st.lines < r.AfterLines,
		r.AfterBytes != 0 && st.bytes < r.AfterBytes,
		r.Cut != 0 && st.cuts < r.Cut:
		return false
	}
	return true
}

func cardMatches(pattern, pan string) bool {
	if pan == "" {
		return false
	}
	if s, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(pan, s)
	}
	return strings.HasPrefix(pan, strings.TrimSuffix(pattern, "*"))
}

// MaskPAN returns pan with all but the first 6 and last 4 digits replaced
// by '*' (fewer shown for short numbers).
func MaskPAN(pan string) string {
	if pan == "" {
		return ""
	}
	if len(pan) <= 10 {
		if len(pan) <= 4 {
			return strings.Repeat("*", len(pan))
		}
		return strings.Repeat("*", len(pan)-4) + pan[len(pan)-4:]
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

// decide applies nth, count and p to a matching event; on firing it
// records evidence. Called with mu held.
func (in *Injector) decide(st *ruleState, ev Event) (Firing, bool) {
	r := &st.rule
	st.matches++
	if st.matches < r.nth() {
		return Firing{}, false
	}
	if c := r.count(); c != CountAlways && st.fired >= c {
		return Firing{}, false
	}
	if r.P != 0 && in.rng.Float64() >= r.P {
		return Firing{}, false
	}
	st.fired++
	now := in.clock.Now()
	if s, _ := r.Spec(); s.Lasting {
		st.until = now.Add(r.For)
	}
	hit := ev.Hit
	if ev.PAN != "" && hit.Card == "" {
		hit.Card = MaskPAN(ev.PAN)
	}
	in.record(Evidence{Time: now, Rule: st.text, Target: r.Target, Kind: r.Kind, Hit: hit})
	return Firing{Rule: *r, ID: st.id}, true
}

func (in *Injector) record(e Evidence) {
	in.evidence = append(in.evidence, e)
	if len(in.evidence) > in.keep {
		in.evidence = slices.Delete(in.evidence, 0, len(in.evidence)-in.keep)
	}
	in.logger.Info("fault applied", "rule", e.Rule, "hit", e.Hit)
	if in.w == nil {
		return
	}
	b, err := json.Marshal(e)
	if err == nil {
		b = append(b, '\n')
		_, err = in.w.Write(b)
	}
	if err != nil {
		in.logger.Error("fault evidence not written", "err", err)
	}
}

// Holding reports whether a lasting condition of kind (blackhole, stall,
// head-overheat) is in effect on target for direction dir.
func (in *Injector) Holding(target Target, kind Kind, dir Direction) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	now := in.clock.Now()
	for _, st := range in.rules {
		r := &st.rule
		if r.Target == target && r.Kind == kind && st.fired > 0 && now.Before(st.until) &&
			(r.Dir == Both || dir == Both || r.Dir == dir) {
			return true
		}
	}
	return false
}

// Rand calls f with the injector's random source, under its lock, so that
// draws stay in event order (jitter, garbled bytes).
func (in *Injector) Rand(f func(r *rand.Rand)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	f(in.rng)
}

// Now returns the injector clock's time.
func (in *Injector) Now() time.Time { return in.clock.Now() }

// Clock returns the injector's clock.
func (in *Injector) Clock() Clock { return in.clock }

// Rules returns the active rules with their counts, in order.
func (in *Injector) Rules() []RuleStatus {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]RuleStatus, 0, len(in.rules))
	for _, st := range in.rules {
		c := st.rule.count()
		out = append(out, RuleStatus{ID: st.id, Rule: st.text, Matches: st.matches, Fired: st.fired,
			Done: c != CountAlways && st.fired >= c})
	}
	return out
}

// Evidence returns the faults applied so far (the newest KeepEvidence).
func (in *Injector) Evidence() []Evidence {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.evidence)
}
