// Package escpostest holds test helpers for the ESC/POS emulator and for
// real printers: an emulated printer served for a test, and the
// Conformance suite that the emulator and a real printer must both pass.
//
// # Conformance
//
// [Conformance] checks status replies, block framing, GS ( H job
// confirmation and real-time handling over any io.ReadWriter: a net.Pipe
// to an [escpos.Printer], a pty, a serial port or TCP 9100.
package escpostest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/escposcmd"
)

// ConformanceOptions tunes RunConformance. The zero value runs the
// automatic checks only, with timeouts suited to a real printer.
type ConformanceOptions struct {
	// Interactive runs the checks that need a person at the printer
	// (opening the cover, taking the paper out). Without it they are
	// skipped with the reason.
	Interactive bool
	// Prompt tells the operator what to do; nil logs it with t.Log. The
	// suite then polls the printer's status until the change shows.
	Prompt func(action string)
	// ReplyTimeout bounds the wait for one reply; 0 means 5 s.
	// PrintTimeout bounds the wait for a GS ( H answer, which comes after
	// printing; 0 means 20 s. ActionTimeout bounds the wait for the
	// operator; 0 means 2 min.
	ReplyTimeout, PrintTimeout, ActionTimeout time.Duration
	// PollInterval is the time between status polls while waiting for
	// the operator; 0 means 200 ms.
	PollInterval time.Duration
}

// Conformance runs the ESC/POS conformance suite against port: a real
// printer (serial, TCP 9100) or the emulator. Every check is one that a
// correctly behaving Epson TM-class printer passes, and so must the
// emulator: the identification bits of DLE EOT 1–4, GS r and ASB replies,
// the block framing of GS I and DLE DC4 8 answers, the echo of a GS ( H
// process ID after a printed line, a real-time request answered from
// inside raster data. With interactive set it asks the operator (t.Log)
// to open the cover and take the paper out, and checks the status bits
// while polling; otherwise those checks are skipped with the reason.
//
// The suite prints a few short lines and feeds a little paper. It reads
// port from a goroutine that ends when the port's reads fail (closed, or
// a read deadline when the port has SetReadDeadline).
func Conformance(t *testing.T, port io.ReadWriter, interactive bool) {
	t.Helper()
	RunConformance(t, port, ConformanceOptions{Interactive: interactive})
}

// RunConformance is Conformance with options.
func RunConformance(t *testing.T, port io.ReadWriter, opts ConformanceOptions) {
	t.Helper()
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
	if opts.Prompt == nil {
		opts.Prompt = func(action string) { t.Logf("OPERATOR: please %s", action) }
	}
	c := newConn(t, port, opts)

	// A known state: ASB off, modes reset, and anything the printer had
	// still to say read away.
	c.send(t, []byte{escpos.GS, escpos.GsASB, 0, escpos.ESC, escpos.EscInit})
	c.drain()

	online := true
	t.Run("DLE EOT", func(t *testing.T) {
		for n := byte(1); n <= 4; n++ {
			r, err := c.status(t, n)
			if err != nil {
				t.Errorf("DLE EOT %d: %v", n, err)
				continue
			}
			if r&escposcmd.StatusFixedMask != escposcmd.StatusFixedValue {
				t.Errorf("DLE EOT %d reply %#02x: bits 0,1,4,7 must read 0,1,1,0", n, r)
			}
			t.Logf("DLE EOT %d = %#02x: %s", n, r, DescribeStatus(n, r))
			if n == 1 && r&escposcmd.St1Offline != 0 {
				online = false
			}
		}
	})
	t.Run("GS r", func(t *testing.T) {
		if !online {
			t.Skip("printer offline: GS r is processed in order and would not be answered")
		}
		for _, n := range []byte{1, 2} {
			c.send(t, []byte{escpos.GS, escpos.GsStatus, n})
			r, err := c.readStatusByte(opts.ReplyTimeout)
			if err != nil {
				t.Errorf("GS r %d: %v", n, err)
				continue
			}
			if r&escposcmd.DataFixedMask != 0 {
				t.Errorf("GS r %d reply %#02x: bits 4 and 7 must be 0", n, r)
			}
		}
	})
	t.Run("GS I", func(t *testing.T) {
		if !online {
			t.Skip("printer offline")
		}
		for _, n := range []byte{1, 2, 3} {
			c.send(t, []byte{escpos.GS, escpos.GsPrinterID, n})
			r, err := c.readStatusByte(opts.ReplyTimeout)
			if err != nil {
				t.Errorf("GS I %d: %v", n, err)
				continue
			}
			if r&escposcmd.DataFixedMask != 0 {
				t.Errorf("GS I %d reply %#02x: bits 4 and 7 must be 0", n, r)
			}
		}
		for _, n := range []byte{65, 66, 67, 68} {
			c.send(t, []byte{escpos.GS, escpos.GsPrinterID, n})
			blk, err := c.readBlock(opts.ReplyTimeout, 82)
			if err != nil {
				t.Errorf("GS I %d: %v", n, err)
				continue
			}
			if blk[0] != 0x5F {
				t.Errorf("GS I %d reply % x: want header 5F", n, blk)
				continue
			}
			for _, b := range blk[1 : len(blk)-1] {
				if b < 0x20 || b > 0x7E {
					t.Errorf("GS I %d reply % x: data must be printable ASCII", n, blk)
					break
				}
			}
			t.Logf("GS I %d = %q", n, blk[1:len(blk)-1])
		}
	})
	t.Run("ASB", func(t *testing.T) {
		if !online {
			t.Skip("printer offline: GS a is processed in order")
		}
		c.send(t, []byte{escpos.GS, escpos.GsASB, 0x0F})
		asb, err := c.readN(4, opts.ReplyTimeout)
		c.send(t, []byte{escpos.GS, escpos.GsASB, 0})
		if err != nil {
			t.Fatalf("ASB after GS a 15: %v", err)
		}
		if asb[0]&escposcmd.StatusFixedMask != escposcmd.ASBFixedValue {
			t.Errorf("ASB byte 1 %#02x: bits 0,1,4,7 must read 0,0,1,0", asb[0])
		}
		for i := 1; i < 4; i++ {
			if asb[i]&escposcmd.DataFixedMask != 0 {
				t.Errorf("ASB byte %d %#02x: bits 4 and 7 must be 0", i+1, asb[i])
			}
		}
		c.drain()
	})
	t.Run("GS ( H after printing", func(t *testing.T) {
		if !online {
			t.Skip("printer offline: the process ID would be withheld")
		}
		c.send(t, []byte("poshil conformance: process ID\n"))
		c.send(t, processID("CF01"))
		got, err := c.readN(7, opts.PrintTimeout)
		if err != nil {
			t.Fatalf("GS ( H: %v", err)
		}
		if want := []byte{0x37, 0x22, 'C', 'F', '0', '1', 0}; !bytes.Equal(got, want) {
			t.Errorf("GS ( H reply % x, want % x", got, want)
		}
	})
	t.Run("real-time inside raster data", func(t *testing.T) {
		if !online {
			t.Skip("printer offline")
		}
		// A 16×2 raster whose data holds DLE EOT 1: answered at once, and
		// the image is still taken as 4 data bytes (the GS ( H after it
		// is answered, so the stream was not thrown out of step).
		c.send(t, []byte{escpos.GS, escpos.GsRaster, '0', 0, 2, 0, 2, 0, escpos.DLE, escpos.EOT, 1, 0xFF})
		r, err := c.readStatusByte(opts.ReplyTimeout)
		if err != nil {
			t.Fatalf("DLE EOT 1 inside raster data: %v", err)
		}
		if r&escposcmd.StatusFixedMask != escposcmd.StatusFixedValue {
			t.Errorf("reply %#02x is not a DLE EOT reply", r)
		}
		c.send(t, processID("CF02"))
		got, err := c.readN(7, opts.PrintTimeout)
		if err != nil {
			t.Fatalf("GS ( H after the image: %v", err)
		}
		if want := []byte{0x37, 0x22, 'C', 'F', '0', '2', 0}; !bytes.Equal(got, want) {
			t.Errorf("GS ( H reply % x, want % x", got, want)
		}
	})
	t.Run("DLE DC4 8", func(t *testing.T) {
		c.send(t, []byte{escpos.DLE, escpos.DC4, 8, 1, 3, 20, 1, 6, 2, 8})
		got, err := c.readN(3, opts.ReplyTimeout)
		if err != nil {
			t.Fatalf("DLE DC4 8: %v", err)
		}
		if want := []byte{0x37, 0x25, 0}; !bytes.Equal(got, want) {
			t.Errorf("DLE DC4 8 reply % x, want % x", got, want)
		}
	})
	t.Run("operator", func(t *testing.T) {
		if !opts.Interactive {
			t.Skip("not interactive: cover and paper checks need a person at the printer")
		}
		steps := []struct {
			action string
			n      byte
			done   func(byte) bool
			check  func(t *testing.T)
		}{
			{"open the printer cover", 2, func(r byte) bool { return r&escposcmd.St2CoverOpen != 0 }, func(t *testing.T) {
				if r, err := c.status(t, 1); err != nil || r&escposcmd.St1Offline == 0 {
					t.Errorf("cover open: DLE EOT 1 = %#02x, %v; want the offline bit", r, err)
				}
			}},
			{"close the printer cover", 2, func(r byte) bool { return r&escposcmd.St2CoverOpen == 0 }, nil},
			{"take the paper roll out and close the cover", 4, func(r byte) bool { return r&escposcmd.St4PaperOut == escposcmd.St4PaperOut }, func(t *testing.T) {
				if r, err := c.status(t, 2); err != nil || r&escposcmd.St2PaperEndStop == 0 {
					t.Errorf("paper out: DLE EOT 2 = %#02x, %v; want the paper-end stop bit", r, err)
				}
			}},
			{"put the paper roll back and close the cover", 4, func(r byte) bool { return r&escposcmd.St4PaperOut == 0 }, nil},
		}
		for _, s := range steps {
			opts.Prompt(s.action)
			if err := c.pollUntil(t, s.n, s.done); err != nil {
				t.Fatalf("waiting for the operator to %s: %v", s.action, err)
			}
			if s.check != nil {
				s.check(t)
			}
		}
	})
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
	w      io.Writer
	opts   ConformanceOptions
	chunks chan []byte
	buf    []byte
	rerr   error
	mu     sync.Mutex
}

func newConn(t *testing.T, port io.ReadWriter, opts ConformanceOptions) *conn {
	c := &conn{w: port, opts: opts, chunks: make(chan []byte, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
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
	t.Cleanup(func() {
		if d, ok := port.(interface{ SetReadDeadline(time.Time) error }); ok {
			d.SetReadDeadline(time.Unix(1, 0))
			go func() {
				for range c.chunks { // let the reader finish a pending send
				}
			}()
			<-done
			d.SetReadDeadline(time.Time{})
		}
	})
	return c
}

func (c *conn) send(t *testing.T, b []byte) {
	t.Helper()
	if _, err := c.w.Write(b); err != nil {
		t.Fatalf("write % x: %v", b, err)
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

func (c *conn) status(t *testing.T, n byte) (byte, error) {
	t.Helper()
	c.send(t, []byte{escpos.DLE, escpos.EOT, n})
	return c.readStatusByte(c.opts.ReplyTimeout)
}

// pollUntil asks DLE EOT n until done accepts the reply.
func (c *conn) pollUntil(t *testing.T, n byte, done func(byte) bool) error {
	t.Helper()
	give := time.After(c.opts.ActionTimeout)
	tick := time.NewTicker(c.opts.PollInterval)
	defer tick.Stop()
	for {
		r, err := c.status(t, n)
		if err != nil {
			return err
		}
		if done(r) {
			return nil
		}
		select {
		case <-tick.C:
		case <-give:
			return fmt.Errorf("DLE EOT %d still %#02x after %v", n, r, c.opts.ActionTimeout)
		}
	}
}
