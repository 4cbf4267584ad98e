package printerfaults

import (
	"io"
	"math/rand/v2"
	"sync"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/faults"
)

// stateKinds are fired from printer progress (garble fires on replies).
var stateKinds = []faults.Kind{faults.PaperNearEnd, faults.PaperOut, faults.CoverOpen, faults.CutterJam,
	faults.HeadOverheat, faults.Offline, faults.PowerCycle, faults.Stall, faults.Disconnect}

// Adapter applies a plan's printer rules to one printer (and optionally the
// server that serves it). Close stops it.
type Adapter struct {
	in  *faults.Injector
	p   *escpos.Printer
	srv *escpos.Server // nil: stall and disconnect have nothing to act on

	mu      sync.Mutex
	closed  bool
	last    escpos.Event // counters of the last event seen
	applied map[faults.Kind]bool
	timers  map[int]func() bool
	seq     int
	wg      sync.WaitGroup
	detach  func()
}

// Attach starts applying in's printer rules to p and, when srv is not nil,
// to the server serving it (stall, disconnect). For garble, build the
// server with ServerOptions.WrapConn set to WrapConn(in).
func Attach(in *faults.Injector, p *escpos.Printer, srv *escpos.Server) *Adapter {
	a := &Adapter{in: in, p: p, srv: srv, applied: map[faults.Kind]bool{}, timers: map[int]func() bool{}}
	st := p.Status()
	a.last = escpos.Event{Bytes: st.BytesReceived, Lines: st.LinesPrinted, Cuts: st.Cuts}
	p.OnEvent(a.onEvent)
	a.detach = in.Attach(faults.TargetPrinter, faults.Applier{
		IsTimed: faults.PrinterTimed,
		Timed:   a.apply,
		Heal:    a.heal,
	})
	return a
}

func (a *Adapter) onEvent(e escpos.Event) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	ev := faults.Event{Target: faults.TargetPrinter}
	switch e.Kind {
	case escpos.EventBytes:
		ev.AddBytes = e.Bytes - a.last.Bytes
	case escpos.EventLine:
		ev.AddLines = e.Lines - a.last.Lines
	case escpos.EventCut:
		ev.AddCuts = int(e.Cuts - a.last.Cuts)
	default:
		a.mu.Unlock()
		return
	}
	a.last = e
	a.mu.Unlock()
	ev.Line, ev.Bytes, ev.Cut = e.Lines, e.Bytes, int(e.Cuts)
	ev.Note = e.Kind.String()
	for _, f := range a.in.Fire(ev, stateKinds...) {
		a.apply(f)
	}
}

// apply carries out one firing.
func (a *Adapter) apply(f faults.Firing) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.applied[f.Rule.Kind] = true
	a.mu.Unlock()
	r := f.Rule
	switch r.Kind {
	case faults.PaperNearEnd:
		a.p.SetPaper(escpos.PaperNearEnd)
	case faults.PaperOut:
		a.p.SetPaper(escpos.PaperOut)
	case faults.CoverOpen:
		a.p.SetCover(true)
	case faults.CutterJam:
		a.p.SetCutterJam(true)
	case faults.HeadOverheat:
		a.p.Overheat(r.For)
		return
	case faults.Offline:
		a.p.SetOnline(false)
	case faults.PowerCycle:
		a.p.PowerCycle()
		return
	case faults.Stall:
		if a.srv != nil {
			a.srv.Stall(r.For)
		}
		return
	case faults.Disconnect:
		if a.srv != nil {
			a.srv.DropConnections()
		}
		return
	default:
		return
	}
	if r.For > 0 {
		a.later(r, func() { a.undo(r.Kind) })
	}
}

// later runs fn after r.For on the injector's clock, unless the adapter is
// closed first.
func (a *Adapter) later(r faults.Rule, fn func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.seq++
	id := a.seq
	a.wg.Add(1)
	a.timers[id] = a.in.Clock().AfterFunc(r.For, func() {
		defer a.wg.Done()
		a.mu.Lock()
		delete(a.timers, id)
		closed := a.closed
		a.mu.Unlock()
		if !closed {
			fn()
		}
	})
}

// undo ends a condition this adapter set.
func (a *Adapter) undo(k faults.Kind) {
	switch k {
	case faults.PaperNearEnd, faults.PaperOut:
		a.p.SetPaper(escpos.PaperOK)
	case faults.CoverOpen:
		a.p.SetCover(false)
	case faults.CutterJam:
		a.p.SetCutterJam(false)
		// The latched autocutter error clears when the cover is closed.
		if !a.p.Status().CoverOpen {
			a.p.SetCover(true)
			a.p.SetCover(false)
		}
	case faults.Offline:
		a.p.SetOnline(true)
	case faults.Stall:
		if a.srv != nil {
			a.srv.Stall(0)
		}
	}
}

// heal undoes every condition the adapter set.
func (a *Adapter) heal() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	kinds := a.applied
	a.applied = map[faults.Kind]bool{}
	a.mu.Unlock()
	for _, k := range stateKinds {
		if kinds[k] {
			a.undo(k)
		}
	}
}

// Close stops applying rules, cancels pending undos and waits for those in
// flight. It is idempotent; the conditions already set stay.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		a.wg.Wait()
		return nil
	}
	a.closed = true
	for id, stop := range a.timers {
		if stop() {
			a.wg.Done()
		}
		delete(a.timers, id)
	}
	a.mu.Unlock()
	a.detach()
	a.wg.Wait()
	return nil
}

// WrapConn returns a ServerOptions.WrapConn that applies garble rules to
// what the printer sends to the host: when a garble rule fires on a reply
// (or one fired with for=D is still in effect), every byte of the reply is
// changed (XOR with a nonzero byte drawn from the plan's seed).
func WrapConn(in *faults.Injector) func(io.ReadWriteCloser) io.ReadWriteCloser {
	return func(rwc io.ReadWriteCloser) io.ReadWriteCloser {
		return &garbleConn{ReadWriteCloser: rwc, in: in}
	}
}

type garbleConn struct {
	io.ReadWriteCloser
	in *faults.Injector
}

func (g *garbleConn) Write(b []byte) (int, error) {
	ev := faults.Event{Target: faults.TargetPrinter, Hit: faults.Hit{Bytes: int64(len(b)), Note: "reply"}}
	if len(g.in.Fire(ev, faults.Garble)) == 0 && !g.in.Holding(faults.TargetPrinter, faults.Garble, faults.Both) {
		return g.ReadWriteCloser.Write(b)
	}
	out := make([]byte, len(b))
	g.in.Rand(func(r *rand.Rand) {
		for i, c := range b {
			out[i] = c ^ byte(1+r.IntN(255))
		}
	})
	return g.ReadWriteCloser.Write(out)
}
