package rfc2217

// MaxSubnegotiation is the most payload bytes (after the option byte) a
// [Decoder] keeps of one subnegotiation; the rest is dropped and the
// command is reported with Truncated set. COM-PORT-OPTION commands carry
// at most five.
const MaxSubnegotiation = 64

// Command is one telnet command taken out of the data stream by a
// [Decoder].
type Command struct {
	// Verb is WILL, WONT, DO, DONT, SB, or a two-byte command such as NOP,
	// GA or BRK.
	Verb byte
	// Option is the option of WILL/WONT/DO/DONT and SB.
	Option byte
	// Data is the payload of SB after the option byte, with IAC IAC
	// undone. It is valid only during the callback.
	Data []byte
	// Truncated is set when an SB payload was longer than
	// MaxSubnegotiation, or was cut off by another command (IAC followed
	// by anything but IAC or SE).
	Truncated bool
}

// Decoder splits a telnet byte stream into data and commands. It keeps its
// state between calls, so the stream may be cut anywhere. The zero value
// is ready.
type Decoder struct {
	state     uint8
	verb      byte
	sub       []byte // option byte, then payload
	truncated bool
}

const (
	stData uint8 = iota
	stIAC
	stOption
	stSub
	stSubIAC
)

// Decode removes telnet commands from b in place and returns the data
// bytes (a prefix of b); fn is called for each command, in stream order.
// IAC IAC is one data byte 0xFF.
func (d *Decoder) Decode(b []byte, fn func(Command)) []byte {
	out := b[:0]
	for _, c := range b {
		switch d.state {
		case stData:
			if c == IAC {
				d.state = stIAC
			} else {
				out = append(out, c)
			}
		case stIAC:
			out = d.afterIAC(c, out, fn)
		case stOption:
			d.state = stData
			fn(Command{Verb: d.verb, Option: c})
		case stSub:
			if c == IAC {
				d.state = stSubIAC
			} else {
				d.subByte(c)
			}
		case stSubIAC:
			switch c {
			case IAC:
				d.subByte(IAC)
				d.state = stSub
			case SE:
				d.state = stData
				d.emitSub(fn, d.truncated)
			default:
				// Another command inside the subnegotiation: the
				// subnegotiation was never ended. Report what came and
				// take the command.
				d.emitSub(fn, true)
				out = d.afterIAC(c, out, fn)
			}
		}
	}
	return out
}

func (d *Decoder) afterIAC(c byte, out []byte, fn func(Command)) []byte {
	switch c {
	case IAC:
		d.state = stData
		return append(out, IAC)
	case WILL, WONT, DO, DONT:
		d.verb, d.state = c, stOption
	case SB:
		d.sub, d.truncated = d.sub[:0], false
		d.state = stSub
	case SE: // SE without SB: nothing to end
		d.state = stData
	default:
		d.state = stData
		fn(Command{Verb: c})
	}
	return out
}

func (d *Decoder) subByte(c byte) {
	if len(d.sub) > MaxSubnegotiation { // the option byte and MaxSubnegotiation payload bytes
		d.truncated = true
		return
	}
	d.sub = append(d.sub, c)
}

func (d *Decoder) emitSub(fn func(Command), truncated bool) {
	sub := d.sub
	d.sub, d.truncated = d.sub[:0], false
	if len(sub) == 0 { // IAC SB IAC SE: no option
		return
	}
	fn(Command{Verb: SB, Option: sub[0], Data: sub[1:], Truncated: truncated})
}

// AppendEscaped appends data to dst with every 0xFF doubled (IAC IAC), as
// data goes on a telnet connection.
func AppendEscaped(dst, data []byte) []byte {
	for {
		i := indexIAC(data)
		if i < 0 {
			return append(dst, data...)
		}
		dst = append(dst, data[:i+1]...)
		dst = append(dst, IAC)
		data = data[i+1:]
	}
}

func indexIAC(b []byte) int {
	for i, c := range b {
		if c == IAC {
			return i
		}
	}
	return -1
}

// AppendOption appends IAC verb option (verb is WILL, WONT, DO or DONT).
func AppendOption(dst []byte, verb, option byte) []byte {
	return append(dst, IAC, verb, option)
}

// AppendComPort appends the COM-PORT-OPTION command IAC SB 44 code value
// IAC SE, with 0xFF in the value doubled.
func AppendComPort(dst []byte, code Code, value ...byte) []byte {
	dst = append(dst, IAC, SB, OptComPort, byte(code))
	dst = AppendEscaped(dst, value)
	return append(dst, IAC, SE)
}
