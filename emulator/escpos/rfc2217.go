package escpos

import (
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/poshil/hil/pkg/rfc2217"
)

// The RFC 2217 endpoint (ServerOptions.RFC2217). Each TCP connection is
// a telnet connection to an emulated access server with the printer on
// its serial port: the server offers BINARY and SGA both ways and asks the
// client for COM-PORT-OPTION; it answers every COM-PORT-OPTION command
// with the server form and the value it set (a value it cannot set —
// mark or space parity, 1.5 stop bits, 5 or 6 data bits — is answered
// with the setting in force, so a client sees the refusal); and it
// reports the modem lines the printer drives with NOTIFY-MODEMSTATE:
// CD is on while the printer is on, and DSR and/or CTS (the profile's
// BusyLines) drop while the printer is BUSY ([Printer.BusyLine]). The
// first report goes out when the client agrees to COM-PORT-OPTION, later
// ones when a line changes, filtered by the client's modem-state mask
// (255 until SET-MODEMSTATE-MASK); NOTIFY-MODEMSTATE from the client
// (a poll) is answered with the lines at once.
//
// Flow control is the client's choice (SET-CONTROL): with hardware
// (RTS/CTS or DSR) or XON/XOFF flow control the access server holds the
// data while the printer is BUSY, as a UART with handshake does, and the
// client's writes back up in TCP; with none (the default of pyserial and
// of rfc2217:// URLs) it sends regardless, and bytes that do not fit the
// receive buffer of an offline printer are lost and counted
// (Status.OverflowBytes), as on a serial line without handshake.
//
// Telnet commands are handled as the stream is read: while another
// session holds the printer, a waiting connection's commands wait too.

// rfcConn is the access-server side of one RFC 2217 connection. Read
// returns the data for the printer; Write sends the printer's replies.
type rfcConn struct {
	c   net.Conn
	log *slog.Logger

	wmu sync.Mutex // one write at a time: data, answers, notifications

	// The reader's (Read's) own.
	dec  rfc2217.Decoder
	opts rfc2217.Options

	mu        sync.Mutex
	baud      uint32
	dataSize  byte
	parity    rfc2217.Parity
	stopSize  rfc2217.StopSize
	flow      rfc2217.Control // outbound: FlowNone, FlowXONXOFF, FlowHardware, FlowDCD, FlowDSR
	inFlow    rfc2217.Control // InFlowNone, InFlowXONXOFF, InFlowHardware, InFlowDTR
	dtr, rts  bool
	brk       bool
	modemMask rfc2217.ModemState
	lineMask  rfc2217.LineState
	comPort   bool               // the client agreed to COM-PORT-OPTION
	lines     rfc2217.ModemState // the line states now
	reported  rfc2217.ModemState // the line states last reported
}

func newRFCConn(c net.Conn, baud int, log *slog.Logger) *rfcConn {
	rc := &rfcConn{c: c, log: log,
		baud: uint32(baud), dataSize: 8, parity: rfc2217.ParityNone, stopSize: rfc2217.StopOne,
		flow: rfc2217.FlowNone, inFlow: rfc2217.InFlowNone, dtr: true, rts: true,
		modemMask: 0xFF, lines: rfc2217.ModemCD | rfc2217.ModemDSR | rfc2217.ModemCTS,
	}
	for _, o := range []byte{rfc2217.OptBinary, rfc2217.OptSGA} {
		rc.opts.AcceptUs[o], rc.opts.AcceptThem[o] = true, true
	}
	rc.opts.AcceptThem[rfc2217.OptComPort] = true
	rc.opts.AcceptUs[rfc2217.OptComPort] = true // pyserial asks the server too
	return rc
}

// start sends the server's side of the negotiation.
func (c *rfcConn) start() error {
	var out []byte
	out = c.opts.Ask(out, rfc2217.WILL, rfc2217.OptBinary)
	out = c.opts.Ask(out, rfc2217.DO, rfc2217.OptBinary)
	out = c.opts.Ask(out, rfc2217.WILL, rfc2217.OptSGA)
	out = c.opts.Ask(out, rfc2217.DO, rfc2217.OptSGA)
	out = c.opts.Ask(out, rfc2217.DO, rfc2217.OptComPort)
	return c.writeRaw(out)
}

func (c *rfcConn) writeRaw(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.c.Write(b)
	return err
}

// Read returns the client's data; telnet commands are answered on the
// way.
func (c *rfcConn) Read(b []byte) (int, error) {
	for {
		n, err := c.c.Read(b)
		var out []byte
		data := c.dec.Decode(b[:n], func(cmd rfc2217.Command) { out = c.handle(out, cmd) })
		if werr := c.writeRaw(out); werr != nil && err == nil {
			err = werr
		}
		if len(data) > 0 || err != nil || n == 0 {
			return len(data), err
		}
	}
}

// Write sends the printer's bytes to the client, 0xFF doubled.
func (c *rfcConn) Write(b []byte) (int, error) {
	esc := rfc2217.AppendEscaped(make([]byte, 0, len(b)+8), b)
	c.wmu.Lock()
	_, err := c.c.Write(esc)
	c.wmu.Unlock()
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

func (c *rfcConn) SetReadDeadline(t time.Time) error { return c.c.SetReadDeadline(t) }
func (c *rfcConn) Close() error                      { return c.c.Close() }

// holdsOnBusy reports whether the client asked for flow control, so that
// the access server holds data while the printer is BUSY.
func (c *rfcConn) holdsOnBusy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flow != rfc2217.FlowNone
}

// setLines records the modem lines and reports them if the client's mask
// lets a change through.
func (c *rfcConn) setLines(lines rfc2217.ModemState) {
	c.mu.Lock()
	c.lines = lines
	var out []byte
	if c.comPort {
		deltas := lines.Deltas(c.reported)
		changed := (lines^c.reported)&rfc2217.ModemLines | deltas
		if changed&c.modemMask != 0 {
			out = rfc2217.AppendComPort(nil, rfc2217.NotifyModemstate.Server(), byte((lines|deltas)&c.modemMask))
		}
		c.reported = lines
	}
	c.mu.Unlock()
	if len(out) > 0 {
		c.log.Debug("rfc2217: modem lines", "lines", lines.String())
		_ = c.writeRaw(out) // a dead connection ends on its next read
	}
}

// handle answers one telnet command and appends what to send to out.
func (c *rfcConn) handle(out []byte, cmd rfc2217.Command) []byte {
	switch cmd.Verb {
	case rfc2217.WILL, rfc2217.WONT, rfc2217.DO, rfc2217.DONT:
		out = c.opts.Receive(out, cmd.Verb, cmd.Option)
		if cmd.Option == rfc2217.OptComPort && (c.opts.Them(rfc2217.OptComPort) || c.opts.Us(rfc2217.OptComPort)) {
			c.mu.Lock()
			if !c.comPort {
				// The first report, whatever changed, as the client
				// has no modem state before it.
				c.comPort = true
				c.reported = c.lines
				out = rfc2217.AppendComPort(out, rfc2217.NotifyModemstate.Server(), byte(c.lines&c.modemMask))
			}
			c.mu.Unlock()
		}
		return out
	}
	cp, ok := rfc2217.ParseComPort(cmd)
	if !ok {
		return out
	}
	if cp.Code.IsServer() {
		c.log.Debug("rfc2217: server command from the client ignored", "command", cp.String())
		return out
	}
	c.log.Debug("rfc2217: command", "command", cp.String())
	c.mu.Lock()
	defer c.mu.Unlock()
	answer := func(v ...byte) []byte { return rfc2217.AppendComPort(out, cp.Code.Server(), v...) }
	b, berr := cp.Byte()
	switch cp.Code {
	case rfc2217.Signature:
		if len(cp.Value) == 0 {
			return answer([]byte("poshil hil printer emulator")...)
		}
		return out // the client's own signature
	case rfc2217.SetBaudrate:
		n, err := cp.Uint32()
		if err != nil {
			c.log.Info("rfc2217: bad command", "err", err)
			return out
		}
		if n != 0 {
			c.baud = n
		}
		return answer(rfc2217.Uint32Value(c.baud)...)
	case rfc2217.FlowcontrolSuspend, rfc2217.FlowcontrolResume:
		// The client asks the server to pause its data: the printer's
		// replies are a few bytes at a time; not emulated.
		return out
	case rfc2217.NotifyModemstate: // a poll (pyserial's poll_modem sends no value)
		return answer(byte(c.lines & c.modemMask))
	case rfc2217.NotifyLinestate: // a poll: no line errors on the emulated line
		return answer(byte((rfc2217.LineShiftEmpty | rfc2217.LineHoldingEmpty) & c.lineMask))
	case rfc2217.PurgeData:
		if berr != nil || b < 1 || b > 3 {
			c.log.Info("rfc2217: bad PURGE-DATA", "value", cp.Value)
			return out
		}
		// Nothing is buffered on the way: replies are written as they
		// come, data goes to the printer as it is read.
		return answer(b)
	}
	if berr != nil {
		c.log.Info("rfc2217: bad command", "err", berr)
		return out
	}
	switch cp.Code {
	case rfc2217.SetDatasize:
		if b == 7 || b == 8 {
			c.dataSize = b
		}
		return answer(c.dataSize)
	case rfc2217.SetParity:
		if p := rfc2217.Parity(b); p >= rfc2217.ParityNone && p <= rfc2217.ParityEven {
			c.parity = p
		}
		return answer(byte(c.parity))
	case rfc2217.SetStopsize:
		if s := rfc2217.StopSize(b); s == rfc2217.StopOne || s == rfc2217.StopTwo {
			c.stopSize = s
		}
		return answer(byte(c.stopSize))
	case rfc2217.SetControl:
		return answer(byte(c.controlLocked(rfc2217.Control(b))))
	case rfc2217.SetModemstateMask:
		c.modemMask = rfc2217.ModemState(b)
		return answer(b)
	case rfc2217.SetLinestateMask:
		c.lineMask = rfc2217.LineState(b)
		return answer(b)
	}
	c.log.Info("rfc2217: unknown COM-PORT-OPTION command", "command", cp.String())
	return out
}

// controlLocked applies a SET-CONTROL value and returns the value to
// answer: the setting now in force.
func (c *rfcConn) controlLocked(v rfc2217.Control) rfc2217.Control {
	onOff := func(b bool, on, off rfc2217.Control) rfc2217.Control {
		if b {
			return on
		}
		return off
	}
	switch v {
	case rfc2217.FlowNone, rfc2217.FlowXONXOFF, rfc2217.FlowHardware, rfc2217.FlowDCD, rfc2217.FlowDSR:
		c.flow = v
	case rfc2217.InFlowNone, rfc2217.InFlowXONXOFF, rfc2217.InFlowHardware, rfc2217.InFlowDTR:
		c.inFlow = v
	case rfc2217.BreakOn, rfc2217.BreakOff:
		c.brk = v == rfc2217.BreakOn
	case rfc2217.DTROn, rfc2217.DTROff:
		c.dtr = v == rfc2217.DTROn
	case rfc2217.RTSOn, rfc2217.RTSOff:
		c.rts = v == rfc2217.RTSOn
	case rfc2217.FlowRequest:
		return c.flow
	case rfc2217.InFlowRequest:
		return c.inFlow
	case rfc2217.BreakRequest:
		return onOff(c.brk, rfc2217.BreakOn, rfc2217.BreakOff)
	case rfc2217.DTRRequest:
		return onOff(c.dtr, rfc2217.DTROn, rfc2217.DTROff)
	case rfc2217.RTSRequest:
		return onOff(c.rts, rfc2217.RTSOn, rfc2217.RTSOff)
	default:
		return c.flow
	}
	return v
}

// modemLines are the lines the printer drives for the host: CD while it
// is on, and DSR and CTS low while BUSY, as the profile says.
func modemLines(prof Profile, busy bool) rfc2217.ModemState {
	lines := rfc2217.ModemCD | rfc2217.ModemDSR | rfc2217.ModemCTS
	dsr, cts := prof.BusyOn()
	if busy && dsr {
		lines &^= rfc2217.ModemDSR
	}
	if busy && cts {
		lines &^= rfc2217.ModemCTS
	}
	return lines
}

// driveModem reports the printer's BUSY line on c until the stream ends.
func (s *Server) driveModem(st *stream, c *rfcConn) {
	defer s.wg.Done()
	prof := s.p.Profile()
	for {
		busy, changed := s.p.BusyLine()
		c.setLines(modemLines(prof, busy))
		select {
		case <-changed:
		case <-st.ctx.Done():
			return
		}
	}
}
