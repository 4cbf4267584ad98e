package printer

import "net"

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
const (
	telnetIAC  byte = 0xFF
	telnetDONT byte = 0xFE
	telnetDO   byte = 0xFD
	telnetWONT byte = 0xFC
	telnetWILL byte = 0xFB
	telnetSB   byte = 0xFA
	telnetSE   byte = 0xF0
)

// telnetFilter strips telnet commands from a byte stream. The zero value
// is ready.
type telnetFilter struct {
	state    uint8 // tnData, tnIAC, tnOption, tnSub, tnSubIAC
	verb     byte  // WILL/WONT/DO/DONT waiting for its option byte
	answered [2][256]bool
}

const (
	tnData uint8 = iota
	tnIAC
	tnOption
	tnSub
	tnSubIAC
)

// filter removes telnet commands from b in place and returns the data
// bytes; answer is called with the replies to send.
func (f *telnetFilter) filter(b []byte, answer func([]byte)) []byte {
	out := b[:0]
	for _, c := range b {
		switch f.state {
		case tnData:
			if c == telnetIAC {
				f.state = tnIAC
			} else {
				out = append(out, c)
			}
		case tnIAC:
			switch c {
			case telnetIAC: // an escaped data byte 0xFF
				out = append(out, c)
				f.state = tnData
			case telnetWILL, telnetWONT, telnetDO, telnetDONT:
				f.verb, f.state = c, tnOption
			case telnetSB:
				f.state = tnSub
			default: // NOP, GA, BRK …: two bytes
				f.state = tnData
			}
		case tnOption:
			f.state = tnData
			switch f.verb {
			case telnetDO:
				if !f.answered[0][c] {
					f.answered[0][c] = true
					answer([]byte{telnetIAC, telnetWONT, c})
				}
			case telnetWILL:
				if !f.answered[1][c] {
					f.answered[1][c] = true
					answer([]byte{telnetIAC, telnetDONT, c})
				}
			}
		case tnSub:
			if c == telnetIAC {
				f.state = tnSubIAC
			}
		case tnSubIAC:
			if c == telnetSE {
				f.state = tnData
			} else {
				f.state = tnSub // IAC IAC inside the subnegotiation
			}
		}
	}
	return out
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
