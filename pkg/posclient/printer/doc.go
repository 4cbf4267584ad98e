// Package printer talks to ESC/POS receipt printers for the POS client:
// transports, real-time status, readiness, verified printing, failover and
// electronic receipts.
//
// # Transports
//
// [Open] takes a URL: serial:///dev/ttyUSB0?baud=38400 (go.bug.st/serial;
// ptys work too), tcp://host:9100, or file:///dev/usb/lp0 (plain
// os.OpenFile, since usblp devices are not ttys). Everything above the
// transport works on an io.ReadWriteCloser ([New]), so tests can use
// net.Pipe and vendors can bring their own connection. A file:// printer
// that cannot be read (unidirectional USB, a plain file) has no status:
// [Printer.Status] returns [ErrStatusUnsupported] and [Printer.Print] never
// confirms.
//
// On tcp:// the client also reads telnet: ser2net's telnet and RFC 2217
// ports open with option negotiation (IAC DO/WILL …), which the client
// strips from the replies and refuses (WONT/DONT), so status works through
// them as through a raw port. Jobs are not telnet-escaped on tcp://: send
// jobs with 0xFF bytes (images) through a raw port, or use rfc2217://.
//
// # Remote serial ports (RFC 2217)
//
// rfc2217://host:port?baud=9600&databits=8&parity=none&stopbits=1&flow=none
// (the defaults) speaks the Telnet COM Port Control Option to an access
// server (ser2net, labgrid, hil printer serve --rfc2217): it negotiates
// BINARY, SGA and COM-PORT-OPTION, sets the line and flow control (none,
// rtscts, xonxoff, dsrdtr) and waits for the server to confirm each
// setting (a different value is a [SettingError] wrapping
// [ErrSettingRefused]; a server without COM-PORT-OPTION gives
// [ErrNotRFC2217]), escapes 0xFF both ways, and keeps the modem lines the
// server reports: [Printer.ModemLines] returns them (CTS, DSR, RI, CD) and
// a channel closed at their next change. Epson RS-232 printers drop DSR
// and CTS while BUSY (offline, paper out, buffer full).
//
// # Status
//
// [Printer.Status] sends DLE EOT 1, 2, 3 and 4 and decodes the four answers
// into a [Status], checking the fixed bits of each byte ((b & 0x93) == 0x12).
// The replies are read by one goroutine per printer with a [ReplyParser]
// that follows Epson's identification rules: Automatic Status Back blocks,
// XON/XOFF and header-to-NUL responses are told apart from status bytes and
// never taken for an answer. A missing answer is a [ReplyError] wrapping
// [ErrNoReply] after Options.ReplyTimeout (or when ctx ends); a byte that is
// not a status byte wraps [ErrBadReply]. [Printer.Ready] turns a status
// into a [StatusError] wrapping [ErrPaperOut], [ErrCoverOpen], [ErrCutter],
// [ErrOffline] and so on.
//
// # Verified printing
//
// [Printer.Print] returns nil only when the printer proves it printed the
// job. It first sends DLE DC4 8 (clear buffers), so that a command an
// earlier client left half sent cannot swallow the job, then the job with
// GS ( H fn 48 and a fresh four-character process ID appended, and waits
// for the printer's 37 22 <id> 00, which Epson printers send when
// everything before it has been printed. While it waits it polls the
// status and fails at once on paper out, cover open or an error. A clean
// status is no proof (a power cycle leaves one too), so a printer that
// does not answer GS ( H never confirms. Any other outcome is a
// [PrintError] matching [ErrNotConfirmed] (and the reason, such as
// [ErrPaperOut]): the caller marks the receipt owed.
// PrintError.MaybePrinted says whether the job reached the printer and so
// may be in the customer's hand.
//
// [Failover] groups printers: a job goes to the first that is ready and
// confirms it; a printer that may have printed it ends the round.
//
// # E-receipts
//
// A [ReceiptSink] takes receipts delivered electronically. [FileSink]
// stores one JSON and one text file per receipt in a directory; the card
// number in them is masked like on paper.
package printer
