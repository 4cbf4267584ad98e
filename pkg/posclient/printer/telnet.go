package printer

import (
	"net"

	"github.com/poshil/hil/pkg/rfc2217"
)

// Telnet bytes on TCP. Bench rigs reach serial printers through ser2net,
// whose telnet (and RFC 2217) ports open with option negotiation
// (IAC DO/WILL …, IAC SB … IAC SE) and double a data byte 0xFF as
// IAC IAC. A printer's status replies never contain 0xFF (DLE EOT bytes
// are 0xx1xx10, ASB bytes have bit 7 clear), so on a TCP connection the
// client reads IAC sequences as telnet: it strips them from what it
// parses and refuses every option (DO x → WONT x, WILL x → DONT x, each
// once), as a plain network terminal does, so that the port stays a
// plain byte pipe. A raw port-9100 printer never sends IAC and sees no
// difference. Jobs are not escaped (a 0xFF in a job through a telnet
// port is still taken as IAC by ser2net): rfc2217:// (rfc2217.go) does the
// full protocol.
// telnetFilter strips telnet commands from a byte stream (rfc2217.Decoder)
// and refuses each option once. The zero value is ready.
type telnetFilter struct {
	dec      rfc2217.Decoder
	answered [2][256]bool // DO, WILL already refused
}

// filter removes telnet commands from b in place and returns the data
// bytes; answer is called with the replies to send.
func (f *telnetFilter) filter(b []byte, answer func([]byte)) []byte {
	return f.dec.Decode(b, func(c rfc2217.Command) {
		var i int
		var no byte
		switch c.Verb {
		case rfc2217.DO:
			i, no = 0, rfc2217.WONT
		case rfc2217.WILL:
			i, no = 1, rfc2217.DONT
		default:
			return
		}
		if !f.answered[i][c.Option] {
			f.answered[i][c.Option] = true
			answer(rfc2217.AppendOption(nil, no, c.Option))
		}
	})
}

// telnetConn is a TCP connection whose reads have telnet commands
// stripped and answered. (An answer is one Write on the net.Conn, which
// writes it whole between the client's own writes.)
type telnetConn struct {
	net.Conn
	f telnetFilter
}

func (c *telnetConn) Read(b []byte) (int, error) {
	for {
		n, err := c.Conn.Read(b)
		data := c.f.filter(b[:n], func(a []byte) {
			c.Conn.Write(a) // best effort: a failed answer shows on the next read
		})
		if len(data) > 0 || err != nil || n == 0 {
			return len(data), err
		}
	}
}
