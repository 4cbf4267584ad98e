package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poshil/hil/pkg/escposcmd"
)

// Options configure a Printer. The zero value is usable.
type Options struct {
	// Name labels the printer in errors and logs; Open sets it to the URL
	// when empty.
	Name string
	// Logger receives debug logs of stray replies and fallbacks; nil
	// discards them.
	Logger *slog.Logger
	// ReplyTimeout is how long to wait for each status byte; default 2s.
	ReplyTimeout time.Duration
	// ConfirmTimeout is how long Print waits for the job's GS ( H reply;
	// default 20s. Without it the job is not confirmed.
	ConfirmTimeout time.Duration
	// PollInterval is how often Print reads the real-time status while it
	// waits for the GS ( H reply; default 500ms. Negative disables polling.
	PollInterval time.Duration
	// Rand draws the first process ID; nil uses a random source. Inject
	// one for reproducible IDs in tests.
	Rand *rand.Rand
	// KeepJobOnFailure leaves a failed job in the printer's buffers. By
	// default, when the status fails a job (paper out, cover open, an
	// error), Print sends DLE DC4 8 to clear the printer's receive and print
	// buffers, so that the rest of the job cannot print unconfirmed after
	// the printer recovers: the receipt is owed and printed again later,
	// once.
	KeepJobOnFailure bool
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Logger == nil {
		v.Logger = slog.New(slog.DiscardHandler)
	}
	if v.ReplyTimeout <= 0 {
		v.ReplyTimeout = 2 * time.Second
	}
	if v.ConfirmTimeout <= 0 {
		v.ConfirmTimeout = 20 * time.Second
	}
	if v.PollInterval == 0 {
		v.PollInterval = 500 * time.Millisecond
	}
	return v
}

// statusRequests are the DLE EOT n arguments read by Status, in order.
var statusRequests = [4]byte{1, 2, 3, 4}

// Printer is a connection to one ESC/POS printer: real-time status, readiness
// and verified printing. Its methods may be called from several goroutines;
// status requests and print jobs take turns. Close stops its reader.
type Printer struct {
	name string
	rwc  io.ReadWriteCloser
	opts Options
	log  *slog.Logger

	turn     chan struct{} // one status request or print job at a time
	statusCh chan Reply    // status bytes and unknown bytes from the reader
	jobCh    chan string   // confirmed process IDs from the reader
	clearCh  chan struct{} // DLE DC4 8 answers from the reader
	done     chan struct{} // closed when the reader stops
	readErr  error         // why the reader stopped; set before done is closed
	canRead  bool

	wmu sync.Mutex // serialises writes
	// torn is set when the last job may have stopped part way on paper;
	// the next job cuts that piece off first. Used only in turn.
	torn bool

	idNext atomic.Uint32
	asb    atomic.Pointer[[4]byte]
	tap    atomic.Pointer[chan Reply] // set by Query: every reply goes there

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

// New returns a Printer speaking over rwc and starts reading its replies.
// The Printer owns rwc and closes it on Close.
func New(rwc io.ReadWriteCloser, opts *Options) *Printer {
	return newPrinter(rwc, true, opts)
}

// NewWriteOnly returns a Printer on a connection that cannot be read, such
// as a unidirectional USB printer or a file. Status and Ready return
// ErrStatusUnsupported, and Print writes the job but never confirms it.
func NewWriteOnly(w io.WriteCloser, opts *Options) *Printer {
	return newPrinter(writeOnly{w}, false, opts)
}

type writeOnly struct{ io.WriteCloser }

func (writeOnly) Read([]byte) (int, error) { return 0, ErrStatusUnsupported }

// SetWriteDeadline passes a deadline on to connections that take one, so
// that a blocked write ends with the caller's context.
func (w writeOnly) SetWriteDeadline(t time.Time) error {
	if d, ok := w.WriteCloser.(interface{ SetWriteDeadline(time.Time) error }); ok {
		return d.SetWriteDeadline(t)
	}
	return nil
}

func newPrinter(rwc io.ReadWriteCloser, canRead bool, opts *Options) *Printer {
	o := opts.withDefaults()
	r := o.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	p := &Printer{
		name:     o.Name,
		rwc:      rwc,
		opts:     o,
		log:      o.Logger,
		turn:     make(chan struct{}, 1),
		statusCh: make(chan Reply, 16),
		jobCh:    make(chan string, 16),
		clearCh:  make(chan struct{}, 1),
		done:     make(chan struct{}),
		canRead:  canRead,
	}
	if o.Name != "" {
		p.log = p.log.With("printer", o.Name)
	}
	p.idNext.Store(r.Uint32N(idSpace))
	if canRead {
		p.wg.Add(1)
		go p.readLoop()
	} else {
		p.readErr = ErrStatusUnsupported
		close(p.done)
	}
	return p
}

// Name returns the printer's label (its URL when opened with Open).
func (p *Printer) Name() string { return p.name }

// Close closes the connection and waits for the reader to stop. It is safe
// to call more than once and from several goroutines.
func (p *Printer) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.closeErr = p.rwc.Close()
		p.wg.Wait()
	})
	return p.closeErr
}

func (p *Printer) readLoop() {
	defer p.wg.Done()
	var parser ReplyParser
	buf := make([]byte, 256)
	emit := func(r Reply) { p.dispatch(r) }
	for {
		n, err := p.rwc.Read(buf)
		if n > 0 {
			parser.Feed(buf[:n], emit)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = ErrClosed
			}
			p.readErr = err
			close(p.done)
			return
		}
		// n == 0 with a nil error is a serial read timeout, not the end.
	}
}

func (p *Printer) dispatch(r Reply) {
	if t := p.tap.Load(); t != nil {
		select {
		case *t <- Reply{Kind: r.Kind, Bytes: append([]byte(nil), r.Bytes...)}:
		default:
		}
		return
	}
	switch r.Kind {
	case ReplyStatus, ReplyUnknown:
		rep := Reply{Kind: r.Kind, Bytes: append([]byte(nil), r.Bytes...)}
		select {
		case p.statusCh <- rep:
		default:
			p.log.Debug("status reply dropped: nobody is reading", "reply", rep)
		}
	case ReplyBlock:
		if b := r.Bytes; len(b) == 3 && b[0] == escposcmd.BlockHeaderResponse && b[1] == escposcmd.BlockIDClearBuffers {
			select {
			case p.clearCh <- struct{}{}:
			default:
			}
			return
		}
		if id, ok := processID(r); ok {
			select {
			case p.jobCh <- id:
			default:
				p.log.Debug("job reply dropped: nobody is waiting", "id", id)
			}
			return
		}
		p.log.Debug("block reply ignored", "reply", r)
	case ReplyASB:
		var a [4]byte
		copy(a[:], r.Bytes)
		p.asb.Store(&a)
		p.log.Debug("automatic status back", "bytes", fmt.Sprintf("% X", a))
	case ReplyFlow:
		p.log.Debug("flow control", "byte", fmt.Sprintf("%02X", r.Bytes[0]))
	}
}

// take waits for this caller's turn to talk to the printer.
func (p *Printer) take(ctx context.Context) error {
	if p.closed.Load() {
		return ErrClosed
	}
	select {
	case p.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Printer) release() { <-p.turn }

// closedErr returns the error to report once the reader has stopped.
func (p *Printer) closedErr(op string) error {
	if p.closed.Load() {
		return ErrClosed
	}
	err := p.readErr
	if errors.Is(err, ErrStatusUnsupported) {
		return err
	}
	return &TransportError{Printer: p.name, Op: op, Err: err}
}

// write writes b, giving up when ctx ends if the connection has deadlines.
func (p *Printer) write(ctx context.Context, b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := p.rwc.(interface{ SetWriteDeadline(time.Time) error }); ok {
		stop := context.AfterFunc(ctx, func() { _ = d.SetWriteDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() {
				_ = d.SetWriteDeadline(time.Time{})
			}
		}()
	}
	if _, err := p.rwc.Write(b); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &TransportError{Printer: p.name, Op: "write", Err: err}
	}
	return nil
}

// drainStatus discards status bytes nobody asked for (late answers to a
// request that timed out), so that they are not taken for the next answer.
func (p *Printer) drainStatus() {
	for {
		select {
		case r := <-p.statusCh:
			p.log.Debug("stale status reply discarded", "reply", r)
		default:
			return
		}
	}
}

// query sends DLE EOT n and waits for its one-byte answer.
func (p *Printer) query(ctx context.Context, n byte) (byte, error) {
	req := fmt.Sprintf("DLE EOT %d", n)
	p.drainStatus()
	if err := p.write(ctx, []byte{escposcmd.DLE, escposcmd.EOT, n}); err != nil {
		return 0, err
	}
	timer := time.NewTimer(p.opts.ReplyTimeout)
	defer timer.Stop()
	select {
	case r := <-p.statusCh:
		if r.Kind != ReplyStatus {
			return 0, &ReplyError{Printer: p.name, Request: req, Got: r.Bytes, Err: ErrBadReply}
		}
		return r.Bytes[0], nil
	case <-timer.C:
		return 0, &ReplyError{Printer: p.name, Request: req, Err: ErrNoReply}
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-p.done:
		return 0, p.closedErr("read")
	}
}

// Status reads the real-time status (DLE EOT 1 to 4). Errors: a
// *ReplyError (ErrNoReply, ErrBadReply), a *TransportError, ctx's error, or
// ErrStatusUnsupported on a write-only printer.
func (p *Printer) Status(ctx context.Context) (Status, error) {
	if !p.canRead {
		return Status{}, ErrStatusUnsupported
	}
	if err := p.take(ctx); err != nil {
		return Status{}, err
	}
	defer p.release()
	return p.status(ctx)
}

func (p *Printer) status(ctx context.Context) (Status, error) {
	var raw [4]byte
	for i, n := range statusRequests {
		b, err := p.query(ctx, n)
		if err != nil {
			return Status{}, err
		}
		raw[i] = b
	}
	st, err := DecodeStatus(raw)
	if err != nil {
		var re *ReplyError
		if errors.As(err, &re) {
			re.Printer = p.name
		}
		return Status{}, err
	}
	return st, nil
}

// LastASB returns the last Automatic Status Back the printer sent, if any.
func (p *Printer) LastASB() ([4]byte, bool) {
	if a := p.asb.Load(); a != nil {
		return *a, true
	}
	return [4]byte{}, false
}

// Ready reads the status and returns nil if the printer can print now, or a
// *StatusError wrapping ErrPaperOut, ErrCoverOpen, ErrCutter,
// ErrUnrecoverable, ErrAutoRecoverable, ErrMechanical, ErrPrinterError or
// ErrOffline, or the error of the status read.
func (p *Printer) Ready(ctx context.Context) error {
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	if reason := st.Err(); reason != nil {
		return &StatusError{Printer: p.name, Status: st, Err: reason}
	}
	return nil
}

// idSpace is the number of distinct process IDs: four characters of
// [0-9A-Z], all within GS ( H's allowed 32–126.
const idSpace = 36 * 36 * 36 * 36

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func (p *Printer) nextID() string {
	v := p.idNext.Add(1) % idSpace
	var id [4]byte
	for i := 3; i >= 0; i-- {
		id[i] = idChars[v%36]
		v /= 36
	}
	return string(id[:])
}

// Print sends job and returns nil only when the printer proves that it
// printed it: the GS ( H process-ID answer that Epson printers send once
// everything before it has printed. Nothing else counts as proof — not a
// clean status, not silence.
//
// Before the job, Print brings the printer to a known state: DLE DC4 8
// (clear buffers, executed even in the middle of another command's
// parameters) drops whatever an earlier client left half sent, so that
// the job is not swallowed as that command's data. While waiting for the
// answer it polls the real-time status and fails as soon as the status
// shows paper out, cover open or an error.
//
// Otherwise it returns a *PrintError, which matches ErrNotConfirmed and,
// when the status says why, ErrPaperOut, ErrCoverOpen, ErrCutter, …: the
// receipt is then owed. PrintError.MaybePrinted says whether the job may
// have come out whole all the same — it reached the printer, and nothing
// proves it did not — in which case a later print of the receipt must be
// marked as such. The job should end
// with a cut, so that "printed" means "in the customer's hand".
func (p *Printer) Print(ctx context.Context, job []byte) error {
	if err := p.take(ctx); err != nil {
		return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: err}
	}
	defer p.release()
	err := p.print(ctx, job)
	var pe *PrintError
	switch {
	case err == nil:
		p.torn = false
	case errors.As(err, &pe) && pe.MaybePrinted:
		p.torn = true
	}
	return err
}

// tornCut is GS V 66 0: feed to the cutting position and cut (partial).
var tornCut = []byte{escposcmd.GS, escposcmd.GsCut, 66, 0}

func (p *Printer) print(ctx context.Context, job []byte) error {
	if !p.canRead {
		if err := p.write(ctx, job); err != nil {
			return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: err, MaybePrinted: true}
		}
		return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: ErrStatusUnsupported, MaybePrinted: true}
	}
	p.reset(ctx)
	id := p.nextID()
	p.drainJobs()
	msg := make([]byte, 0, len(job)+15)
	if p.torn {
		// The last job stopped part way: cut its paper off first, so the
		// torn piece is not the top of this receipt.
		msg = append(msg, tornCut...)
	}
	msg = append(msg, job...)
	msg = escposcmd.AppendProcessID(msg, [4]byte([]byte(id)))
	if err := p.write(ctx, msg); err != nil {
		// Part of the job may have left.
		return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: err, MaybePrinted: true}
	}

	deadline := time.NewTimer(p.opts.ConfirmTimeout)
	defer deadline.Stop()
	var poll <-chan time.Time
	if p.opts.PollInterval > 0 {
		t := time.NewTicker(p.opts.PollInterval)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case got := <-p.jobCh:
			if got == id {
				return nil
			}
			p.log.Debug("job reply for another job", "id", got, "want", id)
		case <-poll:
			st, err := p.status(ctx)
			var re *ReplyError
			if errors.As(err, &re) {
				// A missed or garbled status byte while printing does not
				// fail the job: the job reply decides.
				p.log.Debug("status poll while printing failed", "err", err)
				continue
			}
			if err != nil {
				return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: err, MaybePrinted: true}
			}
			if reason := st.Err(); reason != nil {
				// The printer stopped: the rest of the job is cleared so
				// that it cannot print later unconfirmed. Whether the job
				// came out whole before the fault struck (a cover opened
				// or the printer went offline right after the cut) cannot
				// be told, so it may have printed.
				p.discardJob(ctx)
				return &PrintError{Printer: p.name, Reason: reason, Status: &st, MaybePrinted: true}
			}
		case <-deadline.C:
			return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: ErrNoReply, MaybePrinted: true}
		case <-ctx.Done():
			return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: ctx.Err(), MaybePrinted: true}
		case <-p.done:
			// The reply may have come just before the connection ended.
			select {
			case got := <-p.jobCh:
				if got == id {
					return nil
				}
			default:
			}
			return &PrintError{Printer: p.name, Reason: ErrNotConfirmed, Err: p.closedErr("read"), MaybePrinted: true}
		}
	}
}

// reset brings the printer to a command boundary before a job: DLE DC4 8
// clears its receive and print buffers, including a command that an
// earlier client left half sent (its parameter bytes would otherwise
// swallow the job), and the printer answers 37 25 00. A printer that does
// not answer is logged: the job's own GS ( H answer still decides.
func (p *Printer) reset(ctx context.Context) bool {
	for len(p.clearCh) > 0 {
		<-p.clearCh
	}
	seq := escposcmd.ClearBuffers // a copy: the write must not touch the shared bytes
	msg := seq[:]
	if err := p.write(ctx, msg); err != nil {
		p.log.Debug("could not clear the printer's buffers", "err", err)
		return false
	}
	timer := time.NewTimer(p.opts.ReplyTimeout)
	defer timer.Stop()
	select {
	case <-p.clearCh:
		return true
	case <-timer.C:
		p.log.Debug("no answer to DLE DC4 8")
	case <-ctx.Done():
	case <-p.done:
	}
	return false
}

func (p *Printer) drainJobs() {
	for len(p.jobCh) > 0 {
		p.log.Debug("stale job reply discarded", "id", <-p.jobCh)
	}
}

// discardJob clears the printer's buffers after a failed job (DLE DC4 8)
// unless Options.KeepJobOnFailure is set, and reports whether the printer
// confirmed it: only then can the rest of the job not print later.
func (p *Printer) discardJob(ctx context.Context) bool {
	if p.opts.KeepJobOnFailure {
		return false
	}
	if p.reset(ctx) {
		p.log.Debug("failed job cleared from the printer's buffers")
		return true
	}
	p.log.Debug("failed job not cleared: the rest may still print after recovery")
	return false
}
