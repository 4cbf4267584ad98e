// Package escpostest holds test helpers for the ESC/POS emulator and for
// real printers: an emulated printer served for a test, and the
// conformance suite that the emulator and a real printer must both pass.
//
// # Conformance
//
// The suite checks status replies, block framing, GS ( H job
// confirmation and real-time handling, as a correctly behaving Epson
// TM-class printer answers them. It runs on any printer URL that package
// printer of posclient opens (tcp://, serial://, file://), or on any
// io.ReadWriter (a net.Pipe to an [escpos.Printer]), fstest-style:
//
//	if err := escpostest.TestURL(ctx, "tcp://10.0.0.5:9100", escpostest.ConformanceOptions{}); err != nil {
//		t.Fatal(err)
//	}
//
// [Conformance] reports each check to a test; [CheckURL] and [Check]
// return a [Report] of every check (hil printer check prints one).
package escpostest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/escposcmd"
	"github.com/poshil/hil/pkg/posclient/printer"
)

// ConformanceOptions tunes the suite. The zero value runs the automatic
// checks only, with timeouts suited to a real printer.
type ConformanceOptions struct {
	// Interactive runs the checks that need a person at the printer
	// (opening the cover, taking the paper out). Without it they are
	// skipped with the reason.
	Interactive bool
	// Prompt tells the operator what to do; nil logs it in the check
	// (Conformance: with t.Log). The suite then polls the printer's
	// status until the change shows.
	Prompt func(action string)
	// ReplyTimeout bounds the wait for one reply; 0 means 5 s.
	// PrintTimeout bounds the wait for a GS ( H answer, which comes after
	// printing; 0 means 20 s. ActionTimeout bounds the wait for the
	// operator; 0 means 2 min.
	ReplyTimeout, PrintTimeout, ActionTimeout time.Duration
	// PollInterval is the time between status polls while waiting for
	// the operator; 0 means 200 ms.
	PollInterval time.Duration
	// OnCheck, when set, is called as each check ends (to show progress
	// on a slow printer).
	OnCheck func(CheckResult)
}

// Outcome is how a check ended.
type Outcome int

const (
	Pass Outcome = iota + 1
	Fail
	Skip
)

func (o Outcome) String() string {
	switch o {
	case Pass:
		return "ok"
	case Fail:
		return "FAIL"
	case Skip:
		return "skip"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// CheckResult is one check of the suite.
type CheckResult struct {
	Name    string
	Outcome Outcome
	Log     []string // what the check saw (replies, decoded), in order
	Errors  []string // why it failed
	Skipped string   // why it was skipped
}

// Report is the outcome of the suite, check by check, in the order run.
type Report struct {
	Checks []CheckResult
}

// Count returns how many checks ended with o.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, c := range r.Checks {
		if c.Outcome == o {
			n++
		}
	}
	return n
}

// Err is nil when no check failed; otherwise it names every failure.
func (r *Report) Err() error {
	var msgs []string
	for _, c := range r.Checks {
		for _, e := range c.Errors {
			msgs = append(msgs, c.Name+": "+e)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("escpostest: %d of %d checks failed:\n\t%s", r.Count(Fail), len(r.Checks), strings.Join(msgs, "\n\t"))
}

// TestURL runs the suite on the printer at url and returns an error
// naming every failed check, or the reason the printer could not be
// opened: nil means the printer conforms (skipped checks aside).
func TestURL(ctx context.Context, url string, opts ConformanceOptions) error {
	rep, err := CheckURL(ctx, url, opts)
	if err != nil {
		return err
	}
	return rep.Err()
}

// CheckURL opens the printer at url as package printer of posclient opens
// it ([printer.Dial]: serial:///dev/ttyUSB0?baud=38400, tcp://host:9100,
// file:///dev/usb/lp0), runs the suite and closes the connection. The
// error is for a printer that cannot be opened or has no way to answer (a
// write-only file); failed checks are in the Report.
func CheckURL(ctx context.Context, url string, opts ConformanceOptions) (*Report, error) {
	port, err := printer.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	rep, rerr := runSuite(ctx, port, opts, port.Close)
	if errors.Is(rerr, printer.ErrStatusUnsupported) {
		return rep, fmt.Errorf("escpostest: %s cannot be read (a write-only device or file), so it cannot answer the suite: %w", url, rerr)
	}
	return rep, nil
}

// Check runs the suite over port, an open connection to a printer. Every
// check is one that a correctly behaving Epson TM-class printer passes,
// and so must the emulator: the identification bits of DLE EOT 1–4, GS r
// and ASB replies, the block framing of GS I and DLE DC4 8 answers, the
// echo of a GS ( H process ID after a printed line, a real-time request
// answered from inside raster data. With opts.Interactive it asks the
// operator (opts.Prompt) to open the cover and take the paper out, and
// checks the status bits while polling; otherwise those checks are
// skipped with the reason. ctx bounds the whole run.
//
// The suite prints a few short lines and feeds a little paper. It reads
// port from a goroutine that ends when Check returns if the port has
// SetReadDeadline, and otherwise when the caller closes the port.
func Check(ctx context.Context, port io.ReadWriter, opts ConformanceOptions) *Report {
	rep, _ := runSuite(ctx, port, opts, nil)
	return rep
}

// Conformance runs the suite on the printer at url and reports to t:
// each failure as an error, what each check saw and why one was skipped
// as logs. Use it in a vendor's own test of a printer:
//
//	escpostest.Conformance(t, "serial:///dev/ttyUSB0?baud=38400", escpostest.ConformanceOptions{})
func Conformance(t testing.TB, url string, opts ConformanceOptions) {
	t.Helper()
	if opts.Prompt == nil {
		opts.Prompt = func(action string) { t.Logf("OPERATOR: please %s", action) }
	}
	rep, err := CheckURL(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("printer %s: %v", url, err)
	}
	report(t, rep)
}

// ConformancePort is Conformance over an open connection to a printer,
// such as a net.Pipe to an [escpos.Printer].
func ConformancePort(t testing.TB, port io.ReadWriter, opts ConformanceOptions) {
	t.Helper()
	if opts.Prompt == nil {
		opts.Prompt = func(action string) { t.Logf("OPERATOR: please %s", action) }
	}
	report(t, Check(context.Background(), port, opts))
}

func report(t testing.TB, rep *Report) {
	t.Helper()
	for _, c := range rep.Checks {
		for _, l := range c.Log {
			t.Logf("%s: %s", c.Name, l)
		}
		switch c.Outcome {
		case Skip:
			t.Logf("%s: skipped: %s", c.Name, c.Skipped)
		case Fail:
			for _, e := range c.Errors {
				t.Errorf("%s: %s", c.Name, e)
			}
		}
	}
}

// check is one running check. Fatalf and Skip end it, as they end a test
// (testing uses runtime.Goexit; a check unwinds with a panic of endCheck
// that its runner recovers).
type check struct{ res *CheckResult }

type endCheck struct{}

func (k *check) Logf(format string, args ...any) {
	k.res.Log = append(k.res.Log, fmt.Sprintf(format, args...))
}
func (k *check) Errorf(format string, args ...any) {
	k.res.Errors = append(k.res.Errors, fmt.Sprintf(format, args...))
}
func (k *check) Fatalf(format string, args ...any) {
	k.Errorf(format, args...)
	panic(endCheck{})
}
func (k *check) Skip(reason string) {
	k.res.Skipped = reason
	panic(endCheck{})
}

// runSuite runs the checks over port, then closes it with closePort (if
// set) and stops reading. It returns the error that ended the reads.
func runSuite(ctx context.Context, port io.ReadWriter, opts ConformanceOptions, closePort func() error) (_ *Report, readErr error) {
	if opts.ReplyTimeout <= 0 {
		opts.ReplyTimeout = 5 * time.Second
	}
	if opts.PrintTimeout <= 0 {
		opts.PrintTimeout = 20 * time.Second
	}
	if opts.ActionTimeout <= 0 {
		opts.ActionTimeout = 2 * time.Minute
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	c := newConn(ctx, port, opts)
	defer func() {
		if closePort != nil {
			closePort()
		}
		c.stop()
		c.mu.Lock()
		readErr = c.rerr
		c.mu.Unlock()
	}()
	rep := &Report{}
	run := func(name string, f func(k *check)) {
		res := CheckResult{Name: name}
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(endCheck); !ok {
						panic(r)
					}
				}
			}()
			f(&check{res: &res})
		}()
		switch {
		case len(res.Errors) > 0:
			res.Outcome = Fail
		case res.Skipped != "":
			res.Outcome = Skip
		default:
			res.Outcome = Pass
		}
		rep.Checks = append(rep.Checks, res)
		if opts.OnCheck != nil {
			opts.OnCheck(res)
		}
	}

	// A known state: ASB off, modes reset, and anything the printer had
	// still to say read away.
	reset := true
	run("reset", func(k *check) {
		reset = false
		c.send(k, []byte{escpos.GS, escpos.GsASB, 0, escpos.ESC, escpos.EscInit})
		c.drain()
		reset = true
	})
	if !reset {
		return rep, nil
	}
	online := true
	run("DLE EOT", func(k *check) {
		for n := byte(1); n <= 4; n++ {
			r, err := c.status(k, n)
			if err != nil {
				k.Errorf("DLE EOT %d: %v", n, err)
				continue
			}
			if r&escposcmd.StatusFixedMask != escposcmd.StatusFixedValue {
				k.Errorf("DLE EOT %d reply %#02x: bits 0,1,4,7 must read 0,1,1,0", n, r)
			}
			k.Logf("DLE EOT %d = %#02x: %s", n, r, DescribeStatus(n, r))
			if n == 1 && r&escposcmd.St1Offline != 0 {
				online = false
			}
		}
	})
	run("GS r", func(k *check) {
		if !online {
			k.Skip("printer offline: GS r is processed in order and would not be answered")
		}
		for _, n := range []byte{1, 2} {
			c.send(k, []byte{escpos.GS, escpos.GsStatus, n})
			r, err := c.readStatusByte(opts.ReplyTimeout)
			if err != nil {
				k.Errorf("GS r %d: %v", n, err)
				continue
			}
			if r&escposcmd.DataFixedMask != 0 {
				k.Errorf("GS r %d reply %#02x: bits 4 and 7 must be 0", n, r)
			}
		}
	})
	run("GS I", func(k *check) {
		if !online {
			k.Skip("printer offline")
		}
		for _, n := range []byte{1, 2, 3} {
			c.send(k, []byte{escpos.GS, escpos.GsPrinterID, n})
			r, err := c.readStatusByte(opts.ReplyTimeout)
			if err != nil {
				k.Errorf("GS I %d: %v", n, err)
				continue
			}
			if r&escposcmd.DataFixedMask != 0 {
				k.Errorf("GS I %d reply %#02x: bits 4 and 7 must be 0", n, r)
			}
		}
		for _, n := range []byte{65, 66, 67, 68} {
			c.send(k, []byte{escpos.GS, escpos.GsPrinterID, n})
			blk, err := c.readBlock(opts.ReplyTimeout, 82)
			if err != nil {
				k.Errorf("GS I %d: %v", n, err)
				continue
			}
			if blk[0] != 0x5F {
				k.Errorf("GS I %d reply % x: want header 5F", n, blk)
				continue
			}
			for _, b := range blk[1 : len(blk)-1] {
				if b < 0x20 || b > 0x7E {
					k.Errorf("GS I %d reply % x: data must be printable ASCII", n, blk)
					break
				}
			}
			k.Logf("GS I %d = %q", n, blk[1:len(blk)-1])
		}
	})
	run("ASB", func(k *check) {
		if !online {
			k.Skip("printer offline: GS a is processed in order")
		}
		c.send(k, []byte{escpos.GS, escpos.GsASB, 0x0F})
		asb, err := c.readN(4, opts.ReplyTimeout)
		c.send(k, []byte{escpos.GS, escpos.GsASB, 0})
		if err != nil {
			k.Fatalf("ASB after GS a 15: %v", err)
		}
		if asb[0]&escposcmd.StatusFixedMask != escposcmd.ASBFixedValue {
			k.Errorf("ASB byte 1 %#02x: bits 0,1,4,7 must read 0,0,1,0", asb[0])
		}
		for i := 1; i < 4; i++ {
			if asb[i]&escposcmd.DataFixedMask != 0 {
				k.Errorf("ASB byte %d %#02x: bits 4 and 7 must be 0", i+1, asb[i])
			}
		}
		c.drain()
	})
	run("GS ( H after printing", func(k *check) {
		if !online {
			k.Skip("printer offline: the process ID would be withheld")
		}
		c.send(k, []byte("poshil conformance: process ID\n"))
		c.send(k, processID("CF01"))
		got, err := c.readN(7, opts.PrintTimeout)
		if err != nil {
			k.Fatalf("GS ( H: %v", err)
		}
		if want := []byte{0x37, 0x22, 'C', 'F', '0', '1', 0}; !bytes.Equal(got, want) {
			k.Errorf("GS ( H reply % x, want % x", got, want)
		}
	})
	run("real-time inside raster data", func(k *check) {
		if !online {
			k.Skip("printer offline")
		}
		// A 16×2 raster whose data holds DLE EOT 1: answered at once, and
		// the image is still taken as 4 data bytes (the GS ( H after it
		// is answered, so the stream was not thrown out of step).
		c.send(k, []byte{escpos.GS, escpos.GsRaster, '0', 0, 2, 0, 2, 0, escpos.DLE, escpos.EOT, 1, 0xFF})
		r, err := c.readStatusByte(opts.ReplyTimeout)
		if err != nil {
			k.Fatalf("DLE EOT 1 inside raster data: %v", err)
		}
		if r&escposcmd.StatusFixedMask != escposcmd.StatusFixedValue {
			k.Errorf("reply %#02x is not a DLE EOT reply", r)
		}
		c.send(k, processID("CF02"))
		got, err := c.readN(7, opts.PrintTimeout)
		if err != nil {
			k.Fatalf("GS ( H after the image: %v", err)
		}
		if want := []byte{0x37, 0x22, 'C', 'F', '0', '2', 0}; !bytes.Equal(got, want) {
			k.Errorf("GS ( H reply % x, want % x", got, want)
		}
	})
	run("DLE DC4 8", func(k *check) {
		c.send(k, []byte{escpos.DLE, escpos.DC4, 8, 1, 3, 20, 1, 6, 2, 8})
		got, err := c.readN(3, opts.ReplyTimeout)
		if err != nil {
			k.Fatalf("DLE DC4 8: %v", err)
		}
		if want := []byte{0x37, 0x25, 0}; !bytes.Equal(got, want) {
			k.Errorf("DLE DC4 8 reply % x, want % x", got, want)
		}
	})
	run("operator", func(k *check) {
		if !opts.Interactive {
			k.Skip("not interactive: cover and paper checks need a person at the printer")
		}
		steps := []struct {
			action string
			n      byte
			done   func(byte) bool
			check  func(k *check)
		}{
			{"open the printer cover", 2, func(r byte) bool { return r&escposcmd.St2CoverOpen != 0 }, func(k *check) {
				if r, err := c.status(k, 1); err != nil || r&escposcmd.St1Offline == 0 {
					k.Errorf("cover open: DLE EOT 1 = %#02x, %v; want the offline bit", r, err)
				}
			}},
			{"close the printer cover", 2, func(r byte) bool { return r&escposcmd.St2CoverOpen == 0 }, nil},
			{"take the paper roll out and close the cover", 4, func(r byte) bool { return r&escposcmd.St4PaperOut == escposcmd.St4PaperOut }, func(k *check) {
				if r, err := c.status(k, 2); err != nil || r&escposcmd.St2PaperEndStop == 0 {
					k.Errorf("paper out: DLE EOT 2 = %#02x, %v; want the paper-end stop bit", r, err)
				}
			}},
			{"put the paper roll back and close the cover", 4, func(r byte) bool { return r&escposcmd.St4PaperOut == 0 }, nil},
		}
		for _, s := range steps {
			if opts.Prompt != nil {
				opts.Prompt(s.action)
			} else {
				k.Logf("OPERATOR: please %s", s.action)
			}
			if err := c.pollUntil(k, s.n, s.done); err != nil {
				k.Fatalf("waiting for the operator to %s: %v", s.action, err)
			}
			if s.check != nil {
				s.check(k)
			}
		}
	})
	return rep, nil
}

func processID(id string) []byte {
	return append([]byte{escpos.GS, escpos.GsParen, escpos.GsParenProcessID, 6, 0, 48, 48}, id...)
}

// DescribeStatus names the bits set in a DLE EOT n reply.
func DescribeStatus(n, r byte) string {
	names := map[byte][]string{
		1: {2: "drawer pin 3 HIGH", 3: "offline"},
		2: {2: "cover open", 3: "feed button", 5: "paper-end stop", 6: "error"},
		3: {2: "recoverable error", 3: "autocutter error", 5: "unrecoverable error", 6: "auto-recoverable error"},
		4: {2: "near end", 5: "paper out"},
	}[n]
	var out []string
	for bit, name := range names {
		if name != "" && r&(1<<bit) != 0 {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return "all clear"
	}
	return fmt.Sprint(out)
}

var errTimeout = errors.New("escpostest: no reply in time")

// conn reads the port from a goroutine so that reads can time out.
type conn struct {
	ctx    context.Context
	w      io.Writer
	opts   ConformanceOptions
	chunks chan []byte
	buf    []byte
	rerr   error
	mu     sync.Mutex
	done   chan struct{} // closed when the reader has ended
	port   io.ReadWriter
}

func newConn(ctx context.Context, port io.ReadWriter, opts ConformanceOptions) *conn {
	c := &conn{ctx: ctx, w: port, port: port, opts: opts, chunks: make(chan []byte, 64), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer close(c.chunks)
		for {
			b := make([]byte, 256)
			n, err := port.Read(b)
			if n > 0 {
				c.chunks <- b[:n]
			}
			if err != nil {
				c.mu.Lock()
				c.rerr = err
				c.mu.Unlock()
				return
			}
		}
	}()
	return c
}

// stop lets the reader end: at once on a port with a read deadline,
// otherwise when its owner closes it. What it still reads is dropped.
func (c *conn) stop() {
	go func() {
		for range c.chunks {
		}
	}()
	if d, ok := c.port.(interface{ SetReadDeadline(time.Time) error }); ok {
		if d.SetReadDeadline(time.Unix(1, 0)) == nil {
			<-c.done
			d.SetReadDeadline(time.Time{})
		}
	}
}

func (c *conn) send(k *check, b []byte) {
	if _, err := c.w.Write(b); err != nil {
		k.Fatalf("write % x: %v", b, err)
	}
}

// fill waits up to timeout for more bytes.
func (c *conn) fill(deadline <-chan time.Time) error {
	select {
	case b, ok := <-c.chunks:
		if !ok {
			c.mu.Lock()
			defer c.mu.Unlock()
			return fmt.Errorf("escpostest: port closed: %w", c.rerr)
		}
		c.buf = append(c.buf, b...)
		return nil
	case <-deadline:
		return errTimeout
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
}

// drain forgets what has arrived so far.
func (c *conn) drain() {
	for {
		select {
		case b, ok := <-c.chunks:
			if !ok {
				return
			}
			_ = b
		default:
			c.buf = c.buf[:0]
			return
		}
	}
}

func (c *conn) readN(n int, timeout time.Duration) ([]byte, error) {
	deadline := time.After(timeout)
	for len(c.buf) < n {
		if err := c.fill(deadline); err != nil {
			return nil, fmt.Errorf("%w (%d of %d bytes: % x)", err, len(c.buf), n, c.buf)
		}
	}
	out := bytes.Clone(c.buf[:n])
	c.buf = c.buf[n:]
	return out, nil
}

// readStatusByte reads one reply byte, skipping XON/XOFF.
func (c *conn) readStatusByte(timeout time.Duration) (byte, error) {
	for {
		b, err := c.readN(1, timeout)
		if err != nil {
			return 0, err
		}
		if b[0] != escpos.XON && b[0] != escpos.XOF {
			return b[0], nil
		}
	}
}

// readBlock reads a Header…NUL block reply of at most max bytes.
func (c *conn) readBlock(timeout time.Duration, max int) ([]byte, error) {
	deadline := time.After(timeout)
	for {
		if i := bytes.IndexByte(c.buf, 0); i >= 1 {
			out := bytes.Clone(c.buf[:i+1])
			c.buf = c.buf[i+1:]
			return out, nil
		}
		if len(c.buf) > max {
			return nil, fmt.Errorf("escpostest: block reply longer than %d bytes without NUL: % x", max, c.buf)
		}
		if err := c.fill(deadline); err != nil {
			return nil, fmt.Errorf("%w (block so far: % x)", err, c.buf)
		}
	}
}

func (c *conn) status(k *check, n byte) (byte, error) {
	c.send(k, []byte{escpos.DLE, escpos.EOT, n})
	return c.readStatusByte(c.opts.ReplyTimeout)
}

// pollUntil asks DLE EOT n until done accepts the reply.
func (c *conn) pollUntil(k *check, n byte, done func(byte) bool) error {
	give := time.After(c.opts.ActionTimeout)
	tick := time.NewTicker(c.opts.PollInterval)
	defer tick.Stop()
	for {
		r, err := c.status(k, n)
		if err != nil {
			return err
		}
		if done(r) {
			return nil
		}
		select {
		case <-tick.C:
		case <-c.ctx.Done():
			return c.ctx.Err()
		case <-give:
			return fmt.Errorf("DLE EOT %d still %#02x after %v", n, r, c.opts.ActionTimeout)
		}
	}
}
