package printer

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.bug.st/serial"

	"github.com/poshil/hil/pkg/rfc2217"
)

// DefaultBaud is the serial speed used when a serial URL gives none; it is
// the factory setting of current Epson TM printers.
const DefaultBaud = 38400

// DefaultTCPPort is the raw printing ("JetDirect") port.
const DefaultTCPPort = "9100"

// Open connects to the printer named by url and returns it ready for use:
//
//	serial:///dev/ttyUSB0?baud=38400&databits=8&parity=none&stopbits=1
//	tcp://10.0.0.5:9100            (port 9100 when left out)
//	rfc2217://10.0.0.5:2000?baud=19200&flow=rtscts   (a remote serial port)
//	file:///dev/usb/lp0            (a printer device or a plain file)
//
// Serial ports (ttyUSB, ttyACM, ttyS, ptys) go through go.bug.st/serial in
// raw mode; modem lines are left alone, since ptys do not have them. An
// rfc2217:// URL is a remote serial port behind an RFC 2217 access server
// (ser2net, labgrid, hil printer serve --rfc2217): the client negotiates
// telnet BINARY, SGA and COM-PORT-OPTION, sets baud, databits, parity,
// stopbits and flow (none, rtscts, xonxoff or dsrdtr; default 9600 8N1,
// no flow control), waits for the server to confirm each, and reports the
// modem lines it notifies ([Printer.ModemLines]). A
// file:// URL is opened with plain os.OpenFile: a character device is opened
// read-write when it allows it (bidirectional USB printers answer status),
// else write-only; a regular file is appended to and has no status. On a
// write-only printer Status returns ErrStatusUnsupported and Print never
// confirms.
//
// ctx bounds the connection attempt. Errors are a *URLError (ErrBadURL) or
// a *TransportError wrapping the cause.
func Open(ctx context.Context, rawURL string, opts *Options) (*Printer, error) {
	o := opts.withDefaults()
	if opts == nil || opts.Name == "" {
		o.Name = rawURL
	}
	rwc, err := dial(ctx, rawURL, &o)
	if err != nil {
		return nil, err
	}
	if w, ok := rwc.(writeOnly); ok {
		return NewWriteOnly(w.WriteCloser, &o), nil
	}
	return New(rwc, &o), nil
}

// Dial opens the connection to the printer named by url, as Open does,
// and returns it raw: bytes both ways and nothing parsed, for a program
// that speaks ESC/POS itself (a conformance check, a bridge). A serial
// port's reads block until bytes arrive or the port is closed. On a
// connection that cannot be read (a regular file, a write-only device),
// Read fails with ErrStatusUnsupported. Errors are those of Open.
func Dial(ctx context.Context, rawURL string) (io.ReadWriteCloser, error) {
	o := (*Options)(nil).withDefaults()
	o.Logger = slog.New(slog.DiscardHandler)
	return dial(ctx, rawURL, &o)
}

func dial(ctx context.Context, rawURL string, o *Options) (io.ReadWriteCloser, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !strings.Contains(rawURL, "://") {
		if _, _, err := net.SplitHostPort(rawURL); err == nil {
			return nil, &URLError{URL: rawURL, Reason: "no scheme; write tcp://" + rawURL + " for a network printer"}
		}
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &URLError{URL: rawURL, Reason: err.Error() + "; want serial:///dev/ttyUSB0, tcp://host:9100, rfc2217://host:port or file:///dev/usb/lp0"}
	}
	switch u.Scheme {
	case "serial":
		return openSerial(ctx, rawURL, u)
	case "tcp":
		return openTCP(ctx, rawURL, u)
	case "rfc2217":
		return openRFC2217(ctx, rawURL, u, o) // rfc2217.go
	case "file":
		return openFile(ctx, rawURL, u, log)
	case "":
		return nil, &URLError{URL: rawURL, Reason: "no scheme; want serial://, tcp://, rfc2217:// or file://"}
	}
	return nil, &URLError{URL: rawURL, Reason: "unknown scheme " + strconv.Quote(u.Scheme) + "; want serial, tcp, rfc2217 or file"}
}

// urlPath returns the device path of a serial:// or file:// URL, accepting
// both serial:///dev/x and serial:/dev/x.
func urlPath(rawURL string, u *url.URL) (string, error) {
	p := u.Path
	if u.Opaque != "" {
		p = u.Opaque
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", &URLError{URL: rawURL, Reason: "host " + strconv.Quote(u.Host) + " not allowed; write " + u.Scheme + ":///path"}
	}
	if p == "" {
		return "", &URLError{URL: rawURL, Reason: "no device path"}
	}
	return p, nil
}

func openSerial(ctx context.Context, rawURL string, u *url.URL) (io.ReadWriteCloser, error) {
	path, err := urlPath(rawURL, u)
	if err != nil {
		return nil, err
	}
	s, err := parseLineQuery(rawURL, u, lineSettings{baud: DefaultBaud, dataBits: 8, parity: rfc2217.ParityNone, stopBits: 1}, false)
	if err != nil {
		return nil, err
	}
	mode := &serial.Mode{BaudRate: s.baud, DataBits: s.dataBits, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	switch s.parity {
	case rfc2217.ParityEven:
		mode.Parity = serial.EvenParity
	case rfc2217.ParityOdd:
		mode.Parity = serial.OddParity
	}
	if s.stopBits == 2 {
		mode.StopBits = serial.TwoStopBits
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	port, err := serial.Open(path, mode)
	if err != nil {
		return nil, &TransportError{Printer: rawURL, Op: "open", Err: wrapSerial(err)}
	}
	return serialPort{port}, nil
}

var (
	_ io.ReadWriteCloser = serialPort{}
	_ io.ReadWriteCloser = (*deviceFile)(nil)
)

// serialPort adapts a serial.Port to io.ReadWriteCloser with errors that
// unwrap.
type serialPort struct{ p serial.Port }

func (s serialPort) Read(b []byte) (int, error) {
	n, err := s.p.Read(b)
	return n, wrapSerial(err)
}

func (s serialPort) Write(b []byte) (int, error) {
	n, err := s.p.Write(b)
	return n, wrapSerial(err)
}

func (s serialPort) Close() error { return wrapSerial(s.p.Close()) }

// SerialError is a go.bug.st/serial *PortError made to unwrap: PortError
// formats its cause with %w but has no Unwrap method, which cuts the chain.
// SerialError unwraps to the sentinel that matches the port error code
// (fs.ErrNotExist, fs.ErrPermission, ErrBusy, ErrClosed) and to the
// PortError itself.
type SerialError struct {
	Port *serial.PortError
}

func (e *SerialError) Error() string { return "serial: " + e.Port.Error() }

// Code returns the go.bug.st/serial error code.
func (e *SerialError) Code() serial.PortErrorCode { return e.Port.Code() }

// Unwrap returns the matching sentinel, if any, and the PortError.
func (e *SerialError) Unwrap() []error {
	errs := []error{e.Port}
	switch e.Port.Code() {
	case serial.PortNotFound:
		errs = append(errs, fs.ErrNotExist)
	case serial.PermissionDenied:
		errs = append(errs, fs.ErrPermission)
	case serial.PortBusy:
		errs = append(errs, ErrBusy)
	case serial.PortClosed:
		errs = append(errs, ErrClosed)
	}
	return errs
}

func wrapSerial(err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		return &SerialError{Port: pe}
	}
	return err
}

func openTCP(ctx context.Context, rawURL string, u *url.URL) (io.ReadWriteCloser, error) {
	if u.Host == "" {
		return nil, &URLError{URL: rawURL, Reason: "no host; want tcp://host:9100"}
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return nil, &URLError{URL: rawURL, Reason: "tcp URLs take only host and port"}
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), DefaultTCPPort)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &TransportError{Printer: rawURL, Op: "open", Err: err}
	}
	return &telnetConn{Conn: conn}, nil // telnet.go: works through ser2net's telnet ports
}

func openFile(ctx context.Context, rawURL string, u *url.URL, log *slog.Logger) (io.ReadWriteCloser, error) {
	path, err := urlPath(rawURL, u)
	if err != nil {
		return nil, err
	}
	if u.RawQuery != "" {
		return nil, &URLError{URL: rawURL, Reason: "file URLs take no parameters"}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &TransportError{Printer: rawURL, Op: "open", Err: err}
	}
	switch {
	case fi.Mode().IsRegular():
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, &TransportError{Printer: rawURL, Op: "open", Err: err}
		}
		return writeOnly{f}, nil
	case fi.Mode()&fs.ModeDevice != 0:
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err == nil {
			return &deviceFile{f}, nil
		}
		f, err2 := os.OpenFile(path, os.O_WRONLY, 0)
		if err2 != nil {
			return nil, &TransportError{Printer: rawURL, Op: "open", Err: err2}
		}
		log.Debug("printer device opened write-only", "printer", rawURL, "read-write error", err)
		return writeOnly{f}, nil
	}
	return nil, &URLError{URL: rawURL, Reason: "not a device or a regular file: " + fi.Mode().String()}
}

// deviceFile is a printer device opened read-write. A device whose read
// fails at once (usblp on a unidirectional interface: EINVAL) has no status;
// the reader then stops with ErrStatusUnsupported.
type deviceFile struct{ f *os.File }

func (d *deviceFile) Read(b []byte) (int, error) {
	n, err := d.f.Read(b)
	switch {
	case errors.Is(err, syscall.EINVAL):
		// usblp on a unidirectional interface.
		err = errors.Join(ErrStatusUnsupported, err)
	case errors.Is(err, io.EOF):
		// A device that reads as empty (/dev/null, a printer that sends
		// nothing) gives no status.
		err = ErrStatusUnsupported
	}
	return n, err
}

func (d *deviceFile) Write(b []byte) (int, error) { return d.f.Write(b) }

// SetWriteDeadline lets a write blocked on the device (usblp waits forever
// on paper out) end with the caller's context, where the device is
// pollable.
func (d *deviceFile) SetWriteDeadline(t time.Time) error { return d.f.SetWriteDeadline(t) }
func (d *deviceFile) Close() error                       { return d.f.Close() }
