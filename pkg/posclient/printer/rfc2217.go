package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/poshil/hil/pkg/rfc2217"
)

// DefaultRFC2217Baud is the speed an rfc2217:// URL asks for when it gives
// none: 9600 baud, 8 data bits, no parity, 1 stop bit, no flow control,
// as pyserial and most serial tools default.
const DefaultRFC2217Baud = 9600

// ErrSettingRefused is wrapped by a *SettingError: an RFC 2217 access
// server set something other than what the URL asked for.
var ErrSettingRefused = errors.New("printer: the remote serial port refused a setting")

// ErrNotRFC2217: the server of an rfc2217:// URL refuses COM-PORT-OPTION
// (a raw or plain telnet port: use tcp://).
var ErrNotRFC2217 = errors.New("printer: not an RFC 2217 port: the server refuses COM-PORT-OPTION (use tcp:// for a raw or telnet port)")

// ErrNoModemLines: the transport has no modem lines (only rfc2217:// ports
// report them), or the access server has not reported them yet.
var ErrNoModemLines = errors.New("printer: no modem lines on this transport")

// SettingError is an RFC 2217 setting the access server answered with
// another value than the one asked for (an unsupported speed, parity or
// flow control), or did not answer.
type SettingError struct {
	Setting string // "baud", "databits", "parity", "stopbits" or "flow"
	Asked   string
	Got     string // "" when no answer came
}

func (e *SettingError) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("rfc2217: %s %s: no answer from the access server", e.Setting, e.Asked)
	}
	return fmt.Sprintf("rfc2217: asked for %s %s, the access server set %s", e.Setting, e.Asked, e.Got)
}

// Unwrap returns ErrSettingRefused.
func (e *SettingError) Unwrap() error { return ErrSettingRefused }

// ModemLines are the modem-status lines of a remote serial port as the
// access server last reported them (RFC 2217 NOTIFY-MODEMSTATE). With an
// RS-232 printer, DSR follows the printer's DTR pin and CTS its RTS pin:
// Epson printers drop them while BUSY (offline, paper out, receive buffer
// full).
type ModemLines struct {
	CTS bool `json:"cts"`
	DSR bool `json:"dsr"`
	RI  bool `json:"ri"`
	CD  bool `json:"cd"`
}

func (m ModemLines) String() string {
	on := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	return fmt.Sprintf("CTS %s, DSR %s, CD %s, RI %s", on(m.CTS), on(m.DSR), on(m.CD), on(m.RI))
}

// modemLiner is a transport that reports modem lines.
type modemLiner interface {
	modemLines() (ModemLines, bool, <-chan struct{})
}

// ModemLines returns the modem-status lines the printer's port last
// reported, and a channel that is closed when they next change (a new
// report arrives). Only rfc2217:// printers have them; on other
// transports it returns ErrNoModemLines and a nil channel. Before the
// access server's first report it returns ErrNoModemLines and the channel
// to wait on.
func (p *Printer) ModemLines() (ModemLines, <-chan struct{}, error) {
	m, ok := p.rwc.(modemLiner)
	if !ok {
		return ModemLines{}, nil, ErrNoModemLines
	}
	lines, known, ch := m.modemLines()
	if !known {
		return ModemLines{}, ch, ErrNoModemLines
	}
	return lines, ch, nil
}

// lineSettings are the serial parameters of a URL's query.
type lineSettings struct {
	baud     int
	dataBits int
	parity   rfc2217.Parity
	stopBits int
	flow     string // "none", "rtscts", "xonxoff", "dsrdtr"
}

// parseLineQuery reads baud, databits, parity, stopbits (and flow, when
// allowed) from u's query over the defaults in s.
func parseLineQuery(rawURL string, u *url.URL, s lineSettings, allowFlow bool) (lineSettings, error) {
	for key, vals := range u.Query() {
		v := vals[len(vals)-1]
		bad := func(want string) error {
			return &URLError{URL: rawURL, Reason: key + "=" + strconv.Quote(v) + ": want " + want}
		}
		switch key {
		case "baud":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return s, bad("a positive number such as 38400")
			}
			s.baud = n
		case "databits":
			n, err := strconv.Atoi(v)
			if err != nil || (n != 7 && n != 8) {
				return s, bad("7 or 8")
			}
			s.dataBits = n
		case "parity":
			switch strings.ToLower(v) {
			case "none", "n":
				s.parity = rfc2217.ParityNone
			case "even", "e":
				s.parity = rfc2217.ParityEven
			case "odd", "o":
				s.parity = rfc2217.ParityOdd
			default:
				return s, bad("none, even or odd")
			}
		case "stopbits":
			switch v {
			case "1":
				s.stopBits = 1
			case "2":
				s.stopBits = 2
			default:
				return s, bad("1 or 2")
			}
		case "flow":
			if !allowFlow {
				return s, &URLError{URL: rawURL, Reason: "unknown parameter \"flow\"; want baud, databits, parity or stopbits"}
			}
			switch strings.ToLower(v) {
			case "none", "rtscts", "xonxoff", "dsrdtr":
				s.flow = strings.ToLower(v)
			default:
				return s, bad("none, rtscts, xonxoff or dsrdtr")
			}
		default:
			want := "baud, databits, parity or stopbits"
			if allowFlow {
				want = "baud, databits, parity, stopbits or flow"
			}
			return s, &URLError{URL: rawURL, Reason: "unknown parameter " + strconv.Quote(key) + "; want " + want}
		}
	}
	return s, nil
}

func openRFC2217(ctx context.Context, rawURL string, u *url.URL, o *Options) (io.ReadWriteCloser, error) {
	if u.Host == "" || u.Port() == "" {
		return nil, &URLError{URL: rawURL, Reason: "want rfc2217://host:port"}
	}
	if u.Path != "" && u.Path != "/" {
		return nil, &URLError{URL: rawURL, Reason: "rfc2217 URLs take host, port and parameters, no path"}
	}
	s, err := parseLineQuery(rawURL, u, lineSettings{baud: DefaultRFC2217Baud, dataBits: 8, parity: rfc2217.ParityNone, stopBits: 1, flow: "none"}, true)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, &TransportError{Printer: rawURL, Op: "open", Err: err}
	}
	c := &rfc2217Conn{conn: conn, log: o.Logger}
	if err := c.handshake(ctx, s, o.ReplyTimeout); err != nil {
		conn.Close()
		if ctx.Err() != nil {
			err = errors.Join(ctx.Err(), err)
		}
		return nil, &TransportError{Printer: rawURL, Op: "open", Err: err}
	}
	return c, nil
}

// rfc2217Conn is a client connection to an RFC 2217 access server: a
// telnet connection with BINARY, SGA and COM-PORT-OPTION, data escaped
// both ways, and the modem lines the server reports.
type rfc2217Conn struct {
	conn net.Conn
	log  *slog.Logger

	wmu sync.Mutex // one write at a time: data, answers

	// Only the reader (handshake, then Read) uses these.
	dec     rfc2217.Decoder
	opts    rfc2217.Options
	answers func(rfc2217.ComPort) // during the handshake: server answers

	mu        sync.Mutex
	modem     rfc2217.ModemState
	haveModem bool
	changed   chan struct{}
}

var _ modemLiner = (*rfc2217Conn)(nil)

// handshake negotiates the options and the line settings, and waits for
// the access server to confirm each of them (within timeout and ctx).
func (c *rfc2217Conn) handshake(ctx context.Context, s lineSettings, timeout time.Duration) error {
	for _, opt := range []byte{rfc2217.OptBinary, rfc2217.OptSGA} {
		c.opts.AcceptUs[opt], c.opts.AcceptThem[opt] = true, true
	}
	c.opts.AcceptUs[rfc2217.OptComPort] = true
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.conn.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer func() {
		stop()
		_ = c.conn.SetReadDeadline(time.Time{})
	}()

	var out []byte
	out = c.opts.Ask(out, rfc2217.WILL, rfc2217.OptBinary)
	out = c.opts.Ask(out, rfc2217.DO, rfc2217.OptBinary)
	out = c.opts.Ask(out, rfc2217.WILL, rfc2217.OptSGA)
	out = c.opts.Ask(out, rfc2217.DO, rfc2217.OptSGA)
	out = c.opts.Ask(out, rfc2217.WILL, rfc2217.OptComPort)
	if err := c.writeRaw(out); err != nil {
		return err
	}
	buf := make([]byte, 512)
	stale := 0 // data bytes before the first request: a banner, stale bytes
	read := func() error {
		n, err := c.conn.Read(buf)
		stale += len(c.dec.Decode(buf[:n], c.handle))
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("rfc2217: no answer within %v", timeout)
		}
		return err
	}
	for !c.opts.Us(rfc2217.OptComPort) {
		if c.opts.Refused(rfc2217.WILL, rfc2217.OptComPort) {
			return ErrNotRFC2217
		}
		if err := read(); err != nil {
			return fmt.Errorf("rfc2217: negotiating COM-PORT-OPTION: %w", err)
		}
	}

	type want struct {
		setting string
		code    rfc2217.Code
		value   []byte
		asked   string
		got     string
	}
	stopCode := byte(s.stopBits)
	wants := []*want{
		{setting: "baud", code: rfc2217.SetBaudrate, value: rfc2217.Uint32Value(uint32(s.baud)), asked: strconv.Itoa(s.baud)},
		{setting: "databits", code: rfc2217.SetDatasize, value: []byte{byte(s.dataBits)}, asked: strconv.Itoa(s.dataBits)},
		{setting: "parity", code: rfc2217.SetParity, value: []byte{byte(s.parity)}, asked: s.parity.String()},
		{setting: "stopbits", code: rfc2217.SetStopsize, value: []byte{stopCode}, asked: rfc2217.StopSize(stopCode).String()},
	}
	flow := map[string]rfc2217.Control{"none": rfc2217.FlowNone, "rtscts": rfc2217.FlowHardware,
		"xonxoff": rfc2217.FlowXONXOFF, "dsrdtr": rfc2217.FlowDSR}[s.flow]
	wants = append(wants, &want{setting: "flow", code: rfc2217.SetControl, value: []byte{byte(flow)}, asked: s.flow})
	out = out[:0]
	for _, w := range wants {
		out = rfc2217.AppendComPort(out, w.code, w.value...)
	}
	// The host is ready: DTR and RTS on, unless the flow control drives
	// them (as pyserial does), and every modem line reported. Their
	// answers are not waited for: ser2net on a device without modem
	// lines (a pty) does not answer them.
	if s.flow != "dsrdtr" {
		out = rfc2217.AppendComPort(out, rfc2217.SetControl, byte(rfc2217.DTROn))
	}
	if s.flow != "rtscts" {
		out = rfc2217.AppendComPort(out, rfc2217.SetControl, byte(rfc2217.RTSOn))
	}
	out = rfc2217.AppendComPort(out, rfc2217.SetModemstateMask, 0xFF)
	if err := c.writeRaw(out); err != nil {
		return err
	}
	left := len(wants)
	c.answers = func(cp rfc2217.ComPort) {
		for _, w := range wants {
			if w.got == "" && w.code.Server() == cp.Code {
				// As pyserial: the answer carries the value set (some
				// servers append bytes).
				if bytes.HasPrefix(cp.Value, w.value) {
					w.got = w.asked
				} else if w.got = describeSetting(w.code, cp); w.got == w.asked {
					w.got += fmt.Sprintf(" (% X)", cp.Value)
				}
				left--
				return
			}
		}
	}
	defer func() { c.answers = nil }()
	for left > 0 {
		if err := read(); err != nil {
			for _, w := range wants {
				if w.got == "" {
					return errors.Join(&SettingError{Setting: w.setting, Asked: w.asked}, err)
				}
			}
			return err
		}
	}
	for _, w := range wants {
		if w.got != w.asked {
			return &SettingError{Setting: w.setting, Asked: w.asked, Got: w.got}
		}
	}
	if stale > 0 {
		// Nothing was asked of the printer yet: these are no replies
		// (pyserial purges them too).
		c.log.Debug("rfc2217: bytes before the first request discarded", "bytes", stale)
	}
	return nil
}

// describeSetting renders an answer's value as the URL would write it.
func describeSetting(code rfc2217.Code, cp rfc2217.ComPort) string {
	switch code {
	case rfc2217.SetBaudrate:
		if n, err := cp.Uint32(); err == nil {
			return strconv.FormatUint(uint64(n), 10)
		}
	case rfc2217.SetDatasize:
		if b, err := cp.Byte(); err == nil {
			return strconv.Itoa(int(b))
		}
	case rfc2217.SetParity:
		if b, err := cp.Byte(); err == nil {
			return rfc2217.Parity(b).String()
		}
	case rfc2217.SetStopsize:
		if b, err := cp.Byte(); err == nil {
			return rfc2217.StopSize(b).String()
		}
	case rfc2217.SetControl:
		if b, err := cp.Byte(); err == nil {
			switch rfc2217.Control(b) {
			case rfc2217.FlowNone:
				return "none"
			case rfc2217.FlowHardware:
				return "rtscts"
			case rfc2217.FlowXONXOFF:
				return "xonxoff"
			case rfc2217.FlowDSR:
				return "dsrdtr"
			case rfc2217.DTROn, rfc2217.RTSOn:
				return "on"
			case rfc2217.DTROff, rfc2217.RTSOff:
				return "off"
			}
			return rfc2217.Control(b).String()
		}
	case rfc2217.SetModemstateMask:
		if b, err := cp.Byte(); err == nil {
			return fmt.Sprintf("%02X", b)
		}
	}
	return fmt.Sprintf("% X", cp.Value)
}

// handle acts on one telnet command from the server.
func (c *rfc2217Conn) handle(cmd rfc2217.Command) {
	switch cmd.Verb {
	case rfc2217.WILL, rfc2217.WONT, rfc2217.DO, rfc2217.DONT:
		if reply := c.opts.Receive(nil, cmd.Verb, cmd.Option); len(reply) > 0 {
			_ = c.writeRaw(reply) // a failed write shows on the next read or write
		}
		return
	}
	cp, ok := rfc2217.ParseComPort(cmd)
	if !ok {
		return
	}
	c.log.Debug("rfc2217: from server", "command", cp.String())
	switch cp.Code {
	case rfc2217.NotifyModemstate.Server():
		b, err := cp.Byte()
		if err != nil {
			c.log.Debug("rfc2217: bad notification", "err", err)
			return
		}
		c.mu.Lock()
		c.modem, c.haveModem = rfc2217.ModemState(b), true
		if c.changed != nil {
			close(c.changed)
			c.changed = nil
		}
		c.mu.Unlock()
	case rfc2217.NotifyLinestate.Server():
		if b, err := cp.Byte(); err == nil && rfc2217.LineState(b)&rfc2217.LineErrors != 0 {
			c.log.Debug("rfc2217: line errors", "linestate", rfc2217.LineState(b).String())
		}
	default:
		if c.answers != nil && cp.Code.IsServer() {
			c.answers(cp)
			return
		}
		c.log.Debug("rfc2217: command ignored", "command", cp.String())
	}
}

func (c *rfc2217Conn) modemLines() (ModemLines, bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	m := c.modem
	return ModemLines{CTS: m&rfc2217.ModemCTS != 0, DSR: m&rfc2217.ModemDSR != 0,
		RI: m&rfc2217.ModemRI != 0, CD: m&rfc2217.ModemCD != 0}, c.haveModem, c.changed
}

func (c *rfc2217Conn) writeRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.conn.Write(b)
	return err
}

// Read returns data from the serial port; telnet commands are handled on
// the way.
func (c *rfc2217Conn) Read(b []byte) (int, error) {
	for {
		n, err := c.conn.Read(b)
		data := c.dec.Decode(b[:n], c.handle)
		if len(data) > 0 || err != nil || n == 0 {
			return len(data), err
		}
	}
}

// Write sends b to the serial port, 0xFF doubled.
func (c *rfc2217Conn) Write(b []byte) (int, error) {
	esc := rfc2217.AppendEscaped(make([]byte, 0, len(b)+8), b)
	c.wmu.Lock()
	n, err := c.conn.Write(esc)
	c.wmu.Unlock()
	if err != nil {
		return unescapedLen(esc[:n]), err
	}
	return len(b), nil
}

// unescapedLen is how many data bytes the escaped prefix esc carries.
func unescapedLen(esc []byte) int {
	n := 0
	for i := 0; i < len(esc); i++ {
		if esc[i] == rfc2217.IAC {
			if i+1 == len(esc) {
				break // half an escape: that byte did not go
			}
			i++
		}
		n++
	}
	return n
}

func (c *rfc2217Conn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }

func (c *rfc2217Conn) Close() error { return c.conn.Close() }
