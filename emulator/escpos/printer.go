package escpos

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// Options configures a Printer. The zero value is a TM-T88-class printer
// with an endless roll, logging nowhere, on the wall clock.
type Options struct {
	Profile string           // profile name; "" = DefaultProfile ("tm-t88")
	Logger  *slog.Logger     // nil = discard
	Now     func() time.Time // clock for overheat recovery and timestamps; nil = time.Now

	// ProfileDef, if set, is the profile itself (read from a file with
	// ReadProfileFile); it is checked and takes the place of Profile.
	ProfileDef *Profile

	// RollLengthMM is the length of the paper roll in millimetres; printing
	// and feeding consume it and the paper runs out at its end. 0 = endless.
	RollLengthMM int
	// NearEndMM is the roll length left when the near-end sensor trips
	// (profiles with a near-end sensor). 0 = a tenth of RollLengthMM.
	NearEndMM int
	// DrawerOpenLow makes an open drawer pull connector pin 3 LOW; by
	// default an open drawer reads HIGH. DLE EOT 1, GS r 2 and the ASB all
	// report the pin level, so the polarity applies to all of them.
	DrawerOpenLow bool
	// XONXOFF sends XOFF when the receive buffer becomes BUSY and XON when
	// it is released (serial XON/XOFF flow control).
	XONXOFF bool
	// KeepReceipts bounds how many finished receipts Receipts returns (the
	// most recent); 0 = DefaultKeepReceipts. OnReceipt still sees every
	// one. See store.go for the memory a printer holds.
	KeepReceipts int
	// KeepBytes bounds the estimated memory (ReceiptSize) of the receipts
	// Receipts returns; the newest is kept whatever its size. 0 =
	// DefaultKeepBytes.
	KeepBytes int64
	// MaxReceiptRaw bounds the host bytes a receipt keeps in Raw; the
	// rest is counted in Receipt.RawTruncated. 0 = DefaultMaxReceiptRaw;
	// negative keeps none.
	MaxReceiptRaw int
	// OnMalformed, if set, is called with every malformed sequence the
	// printer skips, in stream order, on the printer's goroutine with its
	// lock held: it must not call the Printer, and should only record.
	// Unlike OnEvent it keeps the fast path on (hil render reports skipped
	// sequences with it).
	OnMalformed func(Malformed)
}

// Printer is an emulated ESC/POS receipt printer: it takes the host's
// bytes with Write, answers status requests on the writer given to
// SetOutput, prints onto paper.Receipts and keeps the state that the
// status bytes report. Real-time commands are answered inside Write; the
// other commands are executed in order by a goroutine of the Printer, so
// Write never waits for printing. All methods are safe for concurrent use.
type Printer struct {
	prof Profile
	opts Options
	log  *slog.Logger
	now  func() time.Time

	mu      sync.Mutex
	dec     *Decoder
	rts     rtScanner
	rtFound func(Command, int64)
	emit    func(paper.Element) // putLocked with the element's own height, made once
	rtHits  []rtItem
	lay     *layout

	// state
	paper          PaperState
	rollLeft       int // dots left on a finite roll; -1 endless
	nearEndDots    int
	coverOpen      bool
	cutterJam      bool
	cutterErr      bool
	overheatUntil  time.Time
	overheated     bool
	switchedOff    bool
	drawerOpen     bool
	asbMask        byte
	lastASB        [4]byte
	nearEndStop    bool
	deselected     bool
	busy           bool
	busyLine       bool          // BUSY on the serial interface: busy or offline (BusyLine)
	busyLineCh     chan struct{} // closed when busyLine changes; nil until asked for
	overflow       int64
	rx             int             // bytes in the receive buffer (flow.go)
	roomWaiters    []chan struct{} // Feed calls waiting for room
	warn           warnLimiter     // warnings about the host's data (skiplog.go)
	skip           skipRun
	malformedN     int64
	malformedBytes int64
	ignoredN       int64
	droppedAtEnd   int64
	bytesIn        int64
	lines, cuts    int64
	unknownPages   map[int]int64 // ESC t numbers the profile has no page for, and how often
	pending        Command       // a command pulled but not executed yet (printing stopped)
	pendingSeen    bool          // EventCommand already sent for pending
	clearGen       int           // incremented when the buffers are cleared

	cur          *paper.Receipt
	raw          []byte // host bytes accepted; raw[rawOff:] is not yet in a receipt
	rawOff       int
	rawBase      int64  // stream offset of raw[rawOff]
	rawStart     int64  // stream offset where the current receipt's bytes start
	rawCut       bool   // recording stopped at MaxReceiptRaw (store.go)
	rawTail      []byte // the latest bytes while recording is stopped
	receipts     []*paper.Receipt
	keptSizes    []int64 // ReceiptSize of each of receipts
	keptBytes    int64
	evicted      int64
	deliveredSeq int // the last receipt the OnReceipt hooks returned from
	seq          int
	seqDone      int     // receipts finished
	elemHint     int     // elements of the last finished receipt (capped)
	endJobs      []int64 // EndJob calls: stream offsets whose data must print first

	onReceipt []func(*paper.Receipt)
	onEvent   []func(Event)
	events    []Event

	// receipt goroutine: finished receipts wait in deliver until the
	// OnReceipt hooks have been called with them
	deliver      []*paper.Receipt
	delivering   bool
	deliverWork  chan struct{}
	deliverCond  *sync.Cond    // signalled when the hooks took receipts off deliver
	deliverBytes int64         // ReceiptSize of deliver
	deliverStop  chan struct{} // closed by Close once nothing can finish a receipt
	deliverDone  chan struct{}

	// processing goroutine
	work    chan struct{}
	running bool
	queued  bool
	waiters []chan struct{}
	timer   *time.Timer

	// output goroutine
	out     io.Writer
	outBuf  []byte
	outGen  int
	writing bool
	outWork chan struct{}

	closed    bool
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

var (
	_ io.Writer = (*Printer)(nil)
	_ io.Writer = (*Decoder)(nil)
)

// NewPrinter returns a running printer in its power-on state.
func NewPrinter(opts Options) (*Printer, error) {
	var prof Profile
	var err error
	if opts.ProfileDef != nil {
		prof = cloneProfile(*opts.ProfileDef)
		err = prof.validate()
	} else {
		prof, err = LookupProfile(opts.Profile)
	}
	if err != nil {
		return nil, err
	}
	p := &Printer{
		prof:        prof,
		opts:        opts,
		log:         opts.Logger,
		now:         opts.Now,
		work:        make(chan struct{}, 1),
		outWork:     make(chan struct{}, 1),
		deliverWork: make(chan struct{}, 1),
		deliverStop: make(chan struct{}),
		deliverDone: make(chan struct{}),
		done:        make(chan struct{}),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.log = p.log.With("printer", prof.Name)
	if p.now == nil {
		p.now = time.Now
	}
	p.rollLeft = -1
	p.unknownPages = map[int]int64{}
	if opts.RollLengthMM > 0 {
		p.rollLeft = p.mmToDots(opts.RollLengthMM)
		ne := opts.NearEndMM
		if ne <= 0 {
			ne = opts.RollLengthMM / 10
		}
		p.nearEndDots = p.mmToDots(ne)
	}
	p.deliverCond = sync.NewCond(&p.mu)
	p.rtFound = func(c Command, end int64) { p.rtHits = append(p.rtHits, rtItem{c, end}) }
	p.emit = func(e paper.Element) { p.putLocked(e, elementDots(e)) }
	p.powerOnLocked()
	p.lastASB = p.sensorsLocked().asb()
	p.wg.Add(2)
	go p.run()
	go p.writer()
	go p.deliverReceipts()
	return p, nil
}

func (p *Printer) mmToDots(mm int) int { return mm * p.prof.DPI * 10 / 254 }

// powerOnLocked puts the volatile state in its power-on values.
func (p *Printer) powerOnLocked() {
	p.dec = NewDecoder(DecoderOptions{Kanji: p.prof.KanjiAtPowerOn, CodeTable: p.prof.CodeTable, CodePages: p.prof.CodePages, NoRealtime: true})
	p.rts.reset()
	p.lay = newLayout(p.prof)
	p.asbMask = 0
	p.nearEndStop = false
	p.deselected = false
	p.pending, p.pendingSeen = nil, false
	p.clearGen++
	p.rx = 0
	p.notifyRoomLocked()
	p.resetRawLocked()
	if p.cur == nil || len(p.cur.Elements) == 0 {
		p.cur = nil
	}
}

// unfinishedLocked is the number of elements on the paper since the last
// receipt was finished.
func (p *Printer) unfinishedLocked() int {
	if p.cur == nil {
		return 0
	}
	return len(p.cur.Elements)
}

// Profile returns the printer's profile.
func (p *Printer) Profile() Profile { return cloneProfile(p.prof) }

// SetOutput sets where replies go (the current connection); nil discards
// them. Replies not yet written to the previous writer are dropped.
func (p *Printer) SetOutput(w io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out = w
	p.outBuf = p.outBuf[:0]
	p.outGen++
	p.notifyIdleLocked()
}

// Write takes bytes from the host. Real-time commands in p are executed
// and answered before Write returns; the rest goes into the receive
// buffer and is executed by the printer's goroutine. Bytes that do not fit
// a full receive buffer (while printing is stopped) are lost, as on a
// real printer, counted in Status.OverflowBytes and logged; Write still
// reports them written. It fails only after Close.
func (p *Printer) Write(b []byte) (int, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, ErrClosed
	}
	p.writeLocked(b)
	return len(b), nil
}

// writeLocked is Write with p.mu held; it unlocks.
func (p *Printer) writeLocked(b []byte) {
	p.tickLocked()
	start := p.bytesIn
	p.rtHits = p.rtHits[:0]
	p.rts.scan(b, start, p.rtFound)
	prev := 0
	for _, h := range p.rtHits {
		i := int(h.end - start)
		p.acceptLocked(b[prev:i])
		prev = i
		p.realtimeLocked(h.cmd)
	}
	p.acceptLocked(b[prev:])
	p.bytesIn += int64(len(b))
	p.addEvent(Event{Kind: EventBytes})
	p.kickLocked()
	p.flushHooksUnlock()
}

// acceptLocked puts host bytes into the receive buffer.
func (p *Printer) acceptLocked(b []byte) {
	if len(b) == 0 {
		return
	}
	free := max(p.prof.BufferSize-p.rx, 0)
	if p.haltedLocked() {
		if free < len(b) {
			lost := len(b) - free
			p.overflow += int64(lost)
			p.warnLocked("receive buffer overflow: bytes lost", "lost", lost, "buffer", p.prof.BufferSize, "total_lost", p.overflow)
			b = b[:free]
		}
		p.rx += len(b)
	} else {
		p.rx = max(p.rx, min(p.rx+len(b), p.onlineFill())) // flow.go
	}
	p.dec.Write(b)
	p.appendRawLocked(b)
	p.updateBusyLocked()
}

// haltedLocked reports whether processing has stopped: the printer is
// offline. (A command pulled from the buffer waits in p.pending only
// while hooks run, which is not a stop, or while the printer is offline:
// counting it as a stop made data written during a hook overflow the
// buffer depending on timing.)
func (p *Printer) haltedLocked() bool { return p.offlineLocked() }

func (p *Printer) updateBusyLocked() {
	free := p.prof.BufferSize - p.rx
	switch {
	case !p.busy && free <= p.prof.BusyFree:
		p.busy = true
		if p.opts.XONXOFF {
			p.sendLocked([]byte{XOF})
		}
	case p.busy && free >= p.prof.ReleaseFree:
		p.busy = false
		if p.opts.XONXOFF {
			p.sendLocked([]byte{XON})
		}
	}
	if line := p.busy || p.offlineLocked(); line != p.busyLine {
		p.busyLine = line
		if p.busyLineCh != nil {
			close(p.busyLineCh)
			p.busyLineCh = nil
		}
	}
}

// BusyLine reports the BUSY signal of the printer's serial interface and
// returns a channel that is closed when it next changes. BUSY is up while
// the receive buffer is full (free space down to Profile.BusyFree, until
// it is back to ReleaseFree) or the printer is offline (cover open, paper
// end, an error, switched offline), as Epson's serial interfaces signal it
// with their factory setting "BUSY: offline or receive buffer full". The
// lines that carry it are the profile's (Profile.BusyOn).
func (p *Printer) BusyLine() (busy bool, changed <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tickLocked()
	p.busyLine = p.busy || p.offlineLocked()
	if p.busyLineCh == nil {
		p.busyLineCh = make(chan struct{})
	}
	return p.busyLine, p.busyLineCh
}

// sendLocked queues a reply for the output goroutine.
func (p *Printer) sendLocked(b []byte) {
	if p.out == nil {
		return
	}
	p.outBuf = append(p.outBuf, b...)
	select {
	case p.outWork <- struct{}{}:
	default:
	}
}

func (p *Printer) writer() {
	defer p.wg.Done()
	var buf []byte
	for {
		select {
		case <-p.outWork:
		case <-p.done:
			return
		}
		for {
			p.mu.Lock()
			if len(p.outBuf) == 0 || p.out == nil {
				p.outBuf = p.outBuf[:0]
				p.writing = false
				p.notifyIdleLocked()
				p.mu.Unlock()
				break
			}
			buf = append(buf[:0], p.outBuf...)
			p.outBuf = p.outBuf[:0]
			w, gen := p.out, p.outGen
			p.writing = true
			p.mu.Unlock()
			if _, err := w.Write(buf); err != nil {
				p.log.Warn("reply not delivered", "bytes", len(buf), "err", err)
				p.mu.Lock()
				if p.outGen == gen {
					p.outBuf = p.outBuf[:0]
				}
				p.mu.Unlock()
			}
		}
	}
}

// realtimeLocked executes a real-time command as its last byte arrives.
func (p *Printer) realtimeLocked(c Command) {
	p.log.Debug("real-time command", "cmd", c)
	switch c := c.(type) {
	case RealtimeStatus:
		if !p.prof.Answers.answersRealtime(c.N) {
			p.log.Debug("DLE EOT not answered: the profile does not answer it", "n", c.N)
			return
		}
		if b, ok := p.sensorsLocked().dleEOT(c.N); ok {
			p.sendLocked([]byte{b})
		}
	case RealtimeRequest:
		switch c.N {
		case 1, 2:
			if p.cutterErr && !p.cutterJam {
				p.cutterErr = false
				if c.N == 2 {
					p.clearBuffersLocked()
				}
				p.log.Info("recovered from autocutter error", "request", c.N)
				p.stateChangedLocked()
			}
		}
	case RealtimePulse:
		pin := 2
		if c.Pin == 1 {
			pin = 5
		}
		p.drawerKickLocked(paper.Drawer{Pin: pin, OnMS: int(c.Units) * 100, OffMS: int(c.Units) * 100})
	case RealtimePowerOff:
		p.sendLocked([]byte{0x3B, 0x30, NUL})
	case RealtimeASB:
		if c.M == 1 {
			a := p.sensorsLocked().asb()
			p.sendLocked(a[:])
		}
	case RealtimeClearBuffers:
		p.clearBuffersLocked()
		p.sendLocked([]byte{hdrProcessID, idClearBuf, NUL})
		p.stateChangedLocked()
	}
}

// clearBuffersLocked drops the receive and print buffers (DLE DC4 8,
// DLE ENQ 2).
func (p *Printer) clearBuffersLocked() {
	p.dec.Discard()
	p.rx = 0
	p.notifyRoomLocked()
	p.resetRawLocked()
	p.lay.clearLine()
	p.pending, p.pendingSeen = nil, false
	p.clearGen++
	p.deselected = false
	p.updateBusyLocked()
}

func (p *Printer) drawerKickLocked(d paper.Drawer) {
	p.putLocked(d, 0)
	if p.prof.Drawer && d.Pin == 2 && !p.drawerOpen {
		p.drawerOpen = true
		p.stateChangedLocked()
	}
}

// sensorsLocked is the state the status replies report.
func (p *Printer) sensorsLocked() sensors {
	nearEnd := p.prof.NearEndSensor && (p.paper == PaperNearEnd || p.paper == PaperOut)
	return sensors{
		drawerHigh:      p.drawerOpen != p.opts.DrawerOpenLow,
		offline:         p.offlineLocked(),
		coverOpen:       p.coverOpen,
		waitingRecovery: p.cutterErr,
		paperEndStop:    p.paperStopLocked(),
		cutterError:     p.cutterErr,
		autoRecoverable: p.overheated,
		nearEnd:         nearEnd,
		paperOut:        p.paper == PaperOut,
	}
}

func (p *Printer) paperStopLocked() bool {
	return p.paper == PaperOut || (p.nearEndStop && p.prof.NearEndSensor && p.paper == PaperNearEnd)
}

func (p *Printer) offlineLocked() bool {
	return p.coverOpen || p.paperStopLocked() || p.cutterErr || p.overheated || p.switchedOff
}

func (p *Printer) offlineCausesLocked() []string {
	c := []string{}
	if p.coverOpen {
		c = append(c, CauseCoverOpen)
	}
	if p.paperStopLocked() {
		c = append(c, CausePaperEnd)
	}
	if p.cutterErr || p.overheated {
		c = append(c, CauseError)
	}
	if p.switchedOff {
		c = append(c, CauseSwitched)
	}
	return c
}

// stateChangedLocked sends the ASB when an enabled item changed, and
// restarts processing when the printer came back online.
func (p *Printer) stateChangedLocked() {
	a := p.sensorsLocked().asb()
	if p.asbMask != 0 {
		items := asbItems(p.asbMask)
		for i := range a {
			if (a[i]^p.lastASB[i])&items[i] != 0 {
				p.sendLocked(a[:])
				break
			}
		}
	}
	p.lastASB = a
	p.updateBusyLocked()
	p.notifyRoomLocked() // offline, Feed may fill the buffer
	p.kickLocked()
}

// kickLocked wakes the processing goroutine.
func (p *Printer) kickLocked() {
	p.queued = true
	select {
	case p.work <- struct{}{}:
	default:
	}
}

func (p *Printer) run() {
	defer p.wg.Done()
	for {
		select {
		case <-p.work:
		case <-p.done:
			return
		}
		p.process()
	}
}

// process executes buffered commands until none is complete or printing
// stops. Hooks run between commands without the lock held.
func (p *Printer) process() {
	p.mu.Lock()
	p.running = true
	for {
		p.processLocked()
		// Hooks first, so that a waiter woken by idleness sees their effects.
		p.flushHooksUnlock()
		p.mu.Lock()
		if !p.queued || p.closed {
			break
		}
	}
	p.running = false
	p.updateBusyLocked()
	p.notifyIdleLocked()
	p.mu.Unlock()
}

func (p *Printer) processLocked() {
	p.tickLocked()
	for !p.closed {
		p.queued = false
		if p.offlineLocked() {
			// What was not processed stays in the receive buffer.
			p.rx = min(max(p.rx, p.dec.Buffered()), p.prof.BufferSize)
			break
		}
		p.takeLocked()
		if p.deliverFullLocked() {
			p.waitDeliverLocked()
			continue // the state may have changed meanwhile
		}
		c := p.pending
		if c == nil && len(p.onEvent) == 0 && !p.deselected && len(p.endJobs) == 0 {
			if p.fastLocked() {
				continue
			}
		}
		if c == nil {
			var ok bool
			if c, ok = p.dec.Next(); !ok {
				p.endJobsLocked(true)
				p.flushSkipLocked()
				break
			}
			p.pending, p.pendingSeen = c, false
		}
		if !p.pendingSeen && len(p.onEvent) > 0 {
			p.pendingSeen = true
			gen := p.clearGen
			p.addEvent(Event{Kind: EventCommand, Command: c})
			p.flushHooksUnlock()
			p.mu.Lock()
			if p.closed || p.offlineLocked() || p.clearGen != gen {
				continue // stopped, or the buffers were cleared, by a hook
			}
		}
		p.pending, p.pendingSeen = nil, false
		p.execLocked(c)
		p.updateBusyLocked()
		if len(p.endJobs) > 0 {
			p.endJobsLocked(false)
		}
		if len(p.events) > 0 {
			p.flushHooksUnlock()
			p.mu.Lock()
		}
	}
}

// addEvent queues an event for the hooks (none are queued without hooks).
func (p *Printer) addEvent(e Event) {
	if len(p.onEvent) == 0 {
		return
	}
	e.Bytes, e.Lines, e.Cuts = p.bytesIn, p.lines, p.cuts
	p.events = append(p.events, e)
}

// flushHooksUnlock unlocks p.mu and calls the event hooks with the events
// collected under the lock. (Finished receipts go to the receipt
// goroutine as they finish.)
func (p *Printer) flushHooksUnlock() {
	events := p.events
	p.events = nil
	onEvent := p.onEvent
	p.mu.Unlock()
	for _, e := range events {
		for _, f := range onEvent {
			f(e)
		}
	}
}

// deliverReceipts calls the OnReceipt hooks with the finished receipts,
// in order, on a goroutine of its own: rendering or storing a receipt
// overlaps with printing the next one. Receipts finished before Close are
// delivered before Close returns.
func (p *Printer) deliverReceipts() {
	defer close(p.deliverDone)
	for {
		stop := false
		select {
		case <-p.deliverWork:
		case <-p.deliverStop:
			stop = true
		}
		p.mu.Lock()
		for len(p.deliver) > 0 {
			batch, hooks := p.deliver, p.onReceipt
			p.deliver = nil
			p.deliverBytes = 0
			p.delivering = true
			p.deliverCond.Broadcast()
			p.mu.Unlock()
			for _, r := range batch {
				for _, f := range hooks {
					f(r)
				}
			}
			p.mu.Lock()
			p.delivering = false
			p.deliveredSeq = batch[len(batch)-1].Seq
			p.evictLocked()
		}
		p.notifyIdleLocked()
		p.mu.Unlock()
		if stop {
			return
		}
	}
}

// putLocked puts an element on the paper, consuming dots of roll.
func (p *Printer) putLocked(e paper.Element, dots int) {
	if p.cur == nil {
		p.seq++
		p.cur = &paper.Receipt{Seq: p.seq, Profile: p.prof.Name, Width: p.prof.WidthDots, Columns: p.prof.Columns(0)}
		if p.elemHint > 0 { // sized like the last receipt: no regrowth per receipt
			p.cur.Elements = make([]paper.Element, 0, p.elemHint)
		}
	}
	if im, ok := e.(paper.Image); ok && im.Source == "column" {
		if n := len(p.cur.Elements); n > 0 {
			if prev, ok := p.cur.Elements[n-1].(paper.Image); ok && prev.Source == "column" {
				// The next band of a bit image sent as ESC * bands with
				// the line spacing at the band height: one picture.
				e = stackImages(prev, im)
				p.cur.Elements = p.cur.Elements[:n-1]
			}
		}
	}
	p.cur.Elements = append(p.cur.Elements, e)
	if _, isCut := e.(paper.Cut); isCut {
		p.cuts++
		p.addEvent(Event{Kind: EventCut, Element: e})
	} else {
		p.lines++
		p.addEvent(Event{Kind: EventLine, Element: e})
	}
	if dots > 0 && p.rollLeft >= 0 {
		p.rollLeft = max(0, p.rollLeft-dots)
		switch {
		case p.rollLeft == 0 && p.paper != PaperOut:
			p.paper = PaperOut
			p.log.Info("paper roll ran out")
			p.stateChangedLocked()
		case p.rollLeft <= p.nearEndDots && p.paper == PaperOK && p.prof.NearEndSensor:
			p.paper = PaperNearEnd
			p.log.Info("paper roll near its end", "dots_left", p.rollLeft)
			p.stateChangedLocked()
		}
	}
}

// endJobsLocked finishes the receipts of EndJob calls whose data has been
// consumed; all of them when the decoder has no complete command left
// (what remains is an unfinished command or line of the same job).
func (p *Printer) endJobsLocked(all bool) {
	n := 0
	for n < len(p.endJobs) && (all || p.dec.Consumed() >= p.endJobs[n]) {
		n++
	}
	if n > 0 {
		p.endJobs = p.endJobs[n:]
		p.finishReceiptLocked()
	}
}

// EndJob tells the printer that the client went away: the paper printed
// since the last cut becomes a receipt once the data received before the
// call has been printed.
func (p *Printer) EndJob() {
	p.mu.Lock()
	p.endJobs = append(p.endJobs, p.dec.written)
	p.kickLocked()
	p.mu.Unlock()
}

// Receipts returns the finished receipts kept in memory, in order: the
// most recent, within Options.KeepReceipts and Options.KeepBytes. They
// are shared: do not modify.
func (p *Printer) Receipts() []*paper.Receipt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.receipts)
}

// OnReceipt registers f to be called with every receipt finished from now
// on, in order, on the printer's receipt goroutine (not the one that
// prints: the next receipt prints meanwhile), without locks held.
// WaitIdle returns only once the hooks have returned for every receipt
// finished so far, and Close delivers the finished receipts before it
// returns. A hook must not call WaitIdle or Close.
func (p *Printer) OnReceipt(f func(*paper.Receipt)) {
	p.mu.Lock()
	p.onReceipt = append(p.onReceipt, f)
	if len(p.deliver) == 0 && !p.delivering && len(p.receipts) > 0 {
		// Receipts finished before the first hook are not waiting for it.
		p.deliveredSeq = max(p.deliveredSeq, p.receipts[len(p.receipts)-1].Seq)
	}
	p.mu.Unlock()
}

// OnEvent registers f to be called for every Event, synchronously
// between commands and without locks held: a hook may call the state
// verbs (SetPaper …) and the effect applies before the next command. A
// hook must not call WaitIdle or Close (they wait for the goroutine that
// runs the hook).
func (p *Printer) OnEvent(f func(Event)) {
	p.mu.Lock()
	p.onEvent = append(p.onEvent, f)
	p.mu.Unlock()
}

// WaitIdle waits until every byte received so far has been processed,
// every reply written and every finished receipt given to the OnReceipt
// hooks. When processing has stopped because the printer
// is offline with data still buffered, it returns an *OfflineError
// (errors.Is ErrOffline) instead of waiting for recovery.
func (p *Printer) WaitIdle(ctx context.Context) error {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return ErrClosed
		}
		p.tickLocked()
		if p.idleLocked() {
			var err error
			if p.offlineLocked() && (p.dec.Buffered() > 0 || p.pending != nil || len(p.endJobs) > 0) {
				err = &OfflineError{Causes: p.offlineCausesLocked(), Buffered: p.dec.Buffered()}
			}
			p.mu.Unlock()
			return err
		}
		ch := make(chan struct{})
		p.waiters = append(p.waiters, ch)
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (p *Printer) idleLocked() bool {
	return !p.running && !p.queued && !p.writing && len(p.outBuf) == 0 && len(p.deliver) == 0 && !p.delivering
}

func (p *Printer) notifyIdleLocked() {
	if !p.idleLocked() && !p.closed {
		return
	}
	for _, ch := range p.waiters {
		close(ch)
	}
	p.waiters = nil
}

// Close stops the printer's goroutines and waits for them. It is
// idempotent. A reply being written to an output writer that blocks holds
// Close until that Write returns: close the connection first.
func (p *Printer) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.deliverCond.Broadcast()
		p.notifyRoomLocked()
		if p.timer != nil {
			p.timer.Stop()
		}
		close(p.done)
		p.notifyIdleLocked()
		p.mu.Unlock()
		p.wg.Wait()
		// The processing goroutine has stopped: no receipt is finished
		// from here on, so the receipt goroutine can drain and stop.
		close(p.deliverStop)
		<-p.deliverDone
	})
	return nil
}

// State verbs.

// SetPaper sets what the paper sensors see. PaperOut stops printing
// (offline); PaperOK after PaperOut is a new roll (of RollLengthMM when
// set): what was printed on the end of the old roll becomes a receipt of
// its own (torn off, never cut), and printing resumes with the data
// waiting in the buffer.
func (p *Printer) SetPaper(s PaperState) {
	p.verb(func() {
		if p.paper == PaperOut && s != PaperOut && p.cur != nil {
			// A new roll: what was printed on the end of the old one is
			// torn off with it, a receipt of its own (never cut).
			p.finishReceiptLocked()
		}
		if s == PaperOK && p.opts.RollLengthMM > 0 {
			p.rollLeft = p.mmToDots(p.opts.RollLengthMM)
		}
		p.paper = s
	})
}

// SetCover opens or closes the roll cover. An open cover stops printing.
// Closing it clears an autocutter error whose cause is gone.
func (p *Printer) SetCover(open bool) {
	p.verb(func() {
		if p.coverOpen && !open && p.cutterErr && !p.cutterJam {
			p.cutterErr = false
		}
		p.coverOpen = open
	})
}

// SetCutterJam jams (true) or frees (false) the autocutter. A jam is an
// autocutter error at once: the printer goes offline. Freeing the blade
// removes the cause; the error stays until DLE ENQ 1 (recover and retry
// from the stopped line), DLE ENQ 2 (recover and clear the buffers) or
// closing the cover.
func (p *Printer) SetCutterJam(jammed bool) {
	p.verb(func() {
		p.cutterJam = jammed
		if jammed {
			p.cutterErr = true
		}
	})
}

// SetOnline switches the printer offline (false) or back online (true),
// as during power-on or a self-test; the other offline causes stay.
func (p *Printer) SetOnline(online bool) {
	p.verb(func() { p.switchedOff = !online })
}

// SetDrawer opens or closes the cash drawer (its switch on pin 3).
func (p *Printer) SetDrawer(open bool) {
	p.verb(func() { p.drawerOpen = open })
}

// Overheat overheats the head for d: an automatically recoverable error
// that stops printing until Options.Now has passed the end of d. The
// recovery is checked on every call into the printer and by a timer.
func (p *Printer) Overheat(d time.Duration) {
	p.verb(func() {
		p.overheated = true
		p.overheatUntil = p.now().Add(d)
		if p.timer != nil {
			p.timer.Stop()
		}
		p.timer = time.AfterFunc(d, p.tick)
	})
}

// PowerCycle switches the printer off and on: the receive and print
// buffers are lost, modes return to power-on values, GS a is disabled. The
// paper, cover, drawer and a present cutter jam stay as they are.
func (p *Printer) PowerCycle() {
	p.verb(func() {
		if len(p.endJobs) > 0 { // jobs that ended before the power went
			p.endJobs = nil
			p.finishReceiptLocked()
		}
		p.cutterErr = p.cutterJam
		p.powerOnLocked()
		p.log.Info("power cycled")
	})
}

func (p *Printer) verb(f func()) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.tickLocked()
	f()
	p.stateChangedLocked()
	p.flushHooksUnlock()
}

func (p *Printer) tick() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.tickLocked()
	p.mu.Unlock()
}

// tickLocked ends an overheat whose time is over.
func (p *Printer) tickLocked() {
	if p.overheated && !p.now().Before(p.overheatUntil) {
		p.overheated = false
		p.log.Info("head cooled down")
		p.stateChangedLocked()
	}
}

// Status returns a snapshot of the printer's state.
func (p *Printer) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tickLocked()
	errs := []string{}
	if p.cutterErr {
		errs = append(errs, "cutter")
	}
	if p.overheated {
		errs = append(errs, "overheat")
	}
	s := p.sensorsLocked()
	return Status{
		Profile:              p.prof.Name,
		Online:               !s.offline,
		Paper:                p.paper,
		RollRemainingDots:    p.rollLeft,
		CoverOpen:            p.coverOpen,
		CutterError:          p.cutterErr,
		CutterJammed:         p.cutterJam,
		Overheated:           p.overheated,
		DrawerOpen:           p.drawerOpen,
		DrawerPinHigh:        s.drawerHigh,
		OfflineCauses:        p.offlineCausesLocked(),
		Errors:               errs,
		ASBMask:              p.asbMask,
		Buffered:             p.rx,
		PendingBytes:         p.dec.Buffered(),
		BufferSize:           p.prof.BufferSize,
		Busy:                 p.busy,
		OverflowBytes:        p.overflow,
		Receipts:             p.seqDone,
		Unfinished:           p.unfinishedLocked(),
		BytesReceived:        p.bytesIn,
		LinesPrinted:         p.lines,
		Cuts:                 p.cuts,
		MalformedCommands:    p.malformedN,
		MalformedBytes:       p.malformedBytes,
		IgnoredCommands:      p.ignoredN,
		LogSuppressed:        p.warn.total,
		DroppedAtSessionEnd:  p.droppedAtEnd,
		ReceiptsInMemory:     len(p.receipts),
		ReceiptBytesInMemory: p.keptBytes,
		ReceiptsEvicted:      p.evicted,
		UnknownCodePages:     maps.Clone(p.unknownPages),
	}
}

// execLocked executes one command in receive-buffer order.
func (p *Printer) execLocked(c Command) {
	l := p.lay
	if p.deselected {
		if sp, ok := c.(SelectPeripheral); ok && sp.N&1 != 0 {
			p.deselected = false
		}
		return
	}
	emit := p.emit
	var err error
	switch c := c.(type) {
	case Text:
		l.text(c, emit)
	case LineFeed:
		l.printLine(emit, 0)
	case FormFeed:
		if !l.lineEmpty() {
			l.printLine(emit, 0)
		}
	case CarriageReturn, QRTransmitSize, PDF417TransmitSize, Ignored, Extended, Symbol2D, IntlCharset, KanjiCodeSystem, MotionUnits:
		// Accepted without effect on the paper (CR: automatic line feed off).
	case Cancel:
		l.clearLine()
	case Tab:
		l.tab()
	case Initialize:
		l.reset()
	case DefaultLineSpacing:
		l.lineSpacing = p.prof.LineSpacing
	case LineSpacing:
		l.lineSpacing = c.Dots
	case PrintMode:
		l.printMode(c.N)
	case Emphasize:
		l.mode.Bold = c.On
	case Underline:
		l.mode.Underline = uint8(c.Dots)
	case DoubleStrike:
		l.mode.DoubleStrike = c.On
	case SelectFont:
		l.font = int(c.Font)
	case CharSize:
		l.mode.Width, l.mode.Height = uint8(c.Width), uint8(c.Height)
	case Reverse:
		l.mode.Reverse = c.On
	case UpsideDown:
		l.mode.UpsideDown = c.On
	case Justification:
		if l.lineEmpty() {
			l.justify = c.Align
		} else {
			err = ignored("ESC a ignored: not at the beginning of a line")
		}
	case PrintFeedLines:
		if l.lineEmpty() {
			if c.N > 0 {
				emit(paper.Feed{Dots: c.N * l.lineSpacing})
			}
		} else {
			l.printLine(emit, max(0, c.N-1)*l.lineSpacing)
		}
	case PrintFeedDots:
		if l.lineEmpty() {
			if c.N > 0 {
				emit(paper.Feed{Dots: c.N})
			}
		} else {
			sp := l.lineSpacing
			l.lineSpacing = c.N
			l.printLine(emit, 0)
			l.lineSpacing = sp
		}
	case PrintReverse:
		if !l.lineEmpty() {
			l.printLine(emit, 0)
		}
		err = ignored("ESC e: reverse feed is not emulated")
	case RightSpacing:
		l.charSpacing = c.Dots
	case AbsolutePosition:
		l.position(c.Dots)
	case RelativePosition:
		l.position(l.x + c.Dots)
	case LeftMargin:
		if l.lineEmpty() {
			l.leftMargin = min(c.Dots, p.prof.WidthDots-1)
			l.areaWidth = min(l.areaWidth, p.prof.WidthDots-l.leftMargin)
		} else {
			err = ignored("GS L ignored: not at the beginning of a line")
		}
	case PrintAreaWidth:
		if l.lineEmpty() {
			l.areaWidth = max(1, min(c.Dots, p.prof.WidthDots-l.leftMargin))
		} else {
			err = ignored("GS W ignored: not at the beginning of a line")
		}
	case SetTabs:
		l.tabs = append([]int{}, c.Columns...)
	case CodeTable:
		if c.Page == "" {
			// Reported, never guessed: the decoder kept the table in force.
			p.unknownPages[c.N]++
			err = ignored("ESC t %d: profile %s has no code page %d; the code table stays %s", c.N, p.prof.Name, c.N, p.prof.CodePages[p.dec.table])
		}
	case KanjiOn, KanjiOff:
		// The decoder switched modes.
	case KanjiPrintMode:
		l.kanjiMode = c.N
		l.kanjiUnderline = 0
		if c.N&0x80 != 0 {
			l.kanjiUnderline = 1
		}
	case KanjiUnderline:
		l.kanjiUnderline = c.Dots
	case KanjiQuad:
		l.kanjiQuad = c.On
	case KanjiSpacing:
		l.kanjiLeft, l.kanjiRight = c.Left, c.Right
	case SelectPeripheral:
		p.deselected = c.N&1 == 0
	case PaperSensor:
		if c.Which == '4' {
			p.nearEndStop = c.N&0x03 != 0
			p.stateChangedLocked()
		}
	case BarcodeHeight:
		l.bcHeight = c.Dots
	case BarcodeWidth:
		l.bcWidth = c.N
	case HRIPosition:
		l.hriPos = c.Pos
	case HRIFont:
		l.hriFont = c.Font
	case Barcode:
		var b paper.Barcode
		if b, err = l.barcode(c); err == nil {
			p.putLocked(b, l.barcodeHeight(b))
		}
	case QRModel:
		l.qrModel = c.Model
	case QRModuleSize:
		l.qrModule = c.Dots
	case QRErrorLevel:
		l.qrLevel = c.Level
	case QRStore:
		l.qrData = c.Data
	case PDF417Columns:
		l.pdfColumns = c.N
	case PDF417Rows:
		l.pdfRows = c.N
	case PDF417Module:
		l.pdfModule = c.Dots
	case PDF417RowHeight:
		l.pdfRowH = c.N
	case PDF417ErrorLevel:
		l.pdfRatio, l.pdfLevel = c.Ratio, c.N
	case PDF417Options:
		l.pdfTruncated = c.Truncated
	case PDF417Store:
		l.pdfData = c.Data
	case PDF417Print:
		var pd paper.PDF417
		var h int
		if pd, h, err = l.pdf417(); err == nil {
			p.putLocked(pd, h)
		}
	case QRPrint:
		var q paper.QR
		var h int
		if q, h, err = l.qr(); err == nil {
			p.putLocked(q, h)
		}
	case RasterImage:
		var im paper.Image
		if im, err = l.raster(c); err == nil {
			emit(im)
		}
	case ColumnImage:
		l.column(c)
	case Graphics:
		var im *paper.Image
		if im, err = l.graphicsCmd(c); err == nil && im != nil {
			emit(*im)
		}
	case Cut:
		err = p.cutLocked(c.Partial, c.Feed)
	case LegacyCut:
		err = p.cutLocked(c.Partial, 0)
	case DrawerPulse:
		p.drawerKickLocked(paper.Drawer{Pin: c.Pin, OnMS: c.OnMS, OffMS: c.OffMS})
	case ASBEnable:
		if !p.prof.Answers.answersASB() {
			err = ignored("GS a: profile %s sends no ASB", p.prof.Name)
			break
		}
		p.asbMask = c.Mask & 0x4F
		if p.asbMask != 0 {
			a := p.sensorsLocked().asb()
			p.lastASB = a
			p.sendLocked(a[:])
		}
	case TransmitStatus:
		if !p.prof.Answers.answersGSr(c.N) {
			err = ignored("GS r %d: profile %s does not answer it", c.N, p.prof.Name)
		} else if b, ok := p.sensorsLocked().gsR(c.N); ok {
			p.sendLocked([]byte{b})
		} else {
			err = ignored("GS r %d: no such status", c.N)
		}
	case TransmitID:
		if !p.prof.Answers.answersGSI(c.N) {
			err = ignored("GS I %d: profile %s does not answer it", c.N, p.prof.Name)
		} else if b := gsI(p.prof.ID, p.prof.KanjiEncoding != "" && p.prof.ID.Type&1 != 0, c.N); b != nil {
			p.sendLocked(b)
		} else {
			err = ignored("GS I %d: no such information", c.N)
		}
	case ProcessID:
		// Everything before it has been printed: this goroutine executes
		// in order and nothing runs while the printer is offline.
		p.sendLocked([]byte{hdrProcessID, idProcessID, c.ID[0], c.ID[1], c.ID[2], c.ID[3], NUL})
	case Malformed:
		p.malformedLocked(c)
		if p.opts.OnMalformed != nil {
			p.opts.OnMalformed(c)
		}
	default:
		if _, rt := c.(Realtime); !rt {
			p.log.Debug("command not executed", "cmd", c)
		}
	}
	if err != nil {
		p.logIgnored(c, err)
	}
}

func (p *Printer) logIgnored(c Command, err error) {
	var ig *ignoredError
	if errors.As(err, &ig) {
		p.ignoredN++
		p.warnLocked("command ignored", "cmd", c, "reason", ig.reason)
	}
}

// cutLocked cuts the paper: the receipt ends.
func (p *Printer) cutLocked(partial bool, feed int) error {
	if !p.prof.Cutter {
		return ignored("cut ignored: profile %s has no cutter", p.prof.Name)
	}
	if !p.lay.lineEmpty() {
		return ignored("cut ignored: not at the beginning of a line")
	}
	if feed > 0 {
		p.putLocked(paper.Feed{Dots: feed}, feed)
	}
	p.putLocked(paper.Cut{Partial: partial}, 0)
	p.finishReceiptLocked()
	return nil
}

// stackImages returns the image of b printed right below a, across the
// dots either covers.
func stackImages(a, b paper.Image) paper.Image {
	if a.X == b.X && a.Width == b.Width {
		// Bits past len(a.Bits) are no one's: append in place.
		a.Bits = append(a.Bits, b.Bits...)
		a.Height += b.Height
		return a
	}
	x0, x1 := min(a.X, b.X), max(a.X+a.Width, b.X+b.Width)
	out := paper.Image{X: x0, Width: x1 - x0, Height: a.Height + b.Height, Source: a.Source}
	stride := (out.Width + 7) / 8
	out.Bits = make([]byte, stride*out.Height)
	for i, im := range [2]*paper.Image{&a, &b} {
		top := 0
		if i == 1 {
			top = a.Height
		}
		dx := im.X - x0
		for y := 0; y < im.Height; y++ {
			for x := 0; x < im.Width; x++ {
				if im.At(x, y) {
					X := dx + x
					out.Bits[(top+y)*stride+X/8] |= 0x80 >> (X % 8)
				}
			}
		}
	}
	return out
}

// hasInk reports whether elements put something on the paper (or kicked
// the drawer): anything but blank feed and cuts.
func hasInk(elements []paper.Element) bool {
	for _, e := range elements {
		switch e.(type) {
		case paper.Feed, paper.Cut:
		default:
			return true
		}
	}
	return false
}

// elementDots is the paper an element uses.
func elementDots(e paper.Element) int {
	switch e := e.(type) {
	case *paper.Line:
		return e.Height
	case paper.Image:
		return e.Height
	case paper.Feed:
		return e.Dots
	}
	return 0
}
