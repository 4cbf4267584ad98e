package rfc2217

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Telnet command bytes (RFC 854).
const (
	IAC  byte = 0xFF // interpret as command
	DONT byte = 0xFE
	DO   byte = 0xFD
	WONT byte = 0xFC
	WILL byte = 0xFB
	SB   byte = 0xFA // subnegotiation begin
	GA   byte = 0xF9
	BRK  byte = 0xF3
	NOP  byte = 0xF1
	SE   byte = 0xF0 // subnegotiation end
)

// Telnet options used by a COM port connection.
const (
	OptBinary  byte = 0  // RFC 856: 8-bit data both ways
	OptEcho    byte = 1  // RFC 857 (refused: a serial line does not echo)
	OptSGA     byte = 3  // RFC 858: suppress go-ahead
	OptComPort byte = 44 // RFC 2217: COM-PORT-OPTION
)

// Code is a COM-PORT-OPTION command (the byte after IAC SB 44). The client
// sends 1–12; the access server answers with the same command plus 100
// ([Code.Server]).
type Code byte

// COM-PORT-OPTION commands, client to access server (RFC 2217 section 2).
const (
	Signature          Code = 0
	SetBaudrate        Code = 1
	SetDatasize        Code = 2
	SetParity          Code = 3
	SetStopsize        Code = 4
	SetControl         Code = 5
	NotifyLinestate    Code = 6
	NotifyModemstate   Code = 7
	FlowcontrolSuspend Code = 8
	FlowcontrolResume  Code = 9
	SetLinestateMask   Code = 10
	SetModemstateMask  Code = 11
	PurgeData          Code = 12
)

// ServerOffset is added to a command code in the access server's form.
const ServerOffset = 100

// Server returns the access server's form of c (c + 100); a server code is
// returned unchanged.
func (c Code) Server() Code {
	if c >= ServerOffset {
		return c
	}
	return c + ServerOffset
}

// Client returns the client's form of c (c − 100 for a server code).
func (c Code) Client() Code {
	if c >= ServerOffset {
		return c - ServerOffset
	}
	return c
}

// IsServer reports whether c is in the access server's form (100 and up).
func (c Code) IsServer() bool { return c >= ServerOffset }

var codeNames = [...]string{"SIGNATURE", "SET-BAUDRATE", "SET-DATASIZE", "SET-PARITY", "SET-STOPSIZE",
	"SET-CONTROL", "NOTIFY-LINESTATE", "NOTIFY-MODEMSTATE", "FLOWCONTROL-SUSPEND", "FLOWCONTROL-RESUME",
	"SET-LINESTATE-MASK", "SET-MODEMSTATE-MASK", "PURGE-DATA"}

func (c Code) String() string {
	b := c.Client()
	if int(b) >= len(codeNames) {
		return "COM-PORT-" + strconv.Itoa(int(c))
	}
	if c.IsServer() {
		return "server " + codeNames[b]
	}
	return codeNames[b]
}

// Parity values of SET-PARITY (0 asks for the current one).
type Parity byte

const (
	ParityRequest Parity = 0
	ParityNone    Parity = 1
	ParityOdd     Parity = 2
	ParityEven    Parity = 3
	ParityMark    Parity = 4
	ParitySpace   Parity = 5
)

func (p Parity) String() string {
	switch p {
	case ParityRequest:
		return "request"
	case ParityNone:
		return "none"
	case ParityOdd:
		return "odd"
	case ParityEven:
		return "even"
	case ParityMark:
		return "mark"
	case ParitySpace:
		return "space"
	}
	return "parity(" + strconv.Itoa(int(p)) + ")"
}

// StopSize values of SET-STOPSIZE (0 asks for the current one).
type StopSize byte

const (
	StopRequest      StopSize = 0
	StopOne          StopSize = 1
	StopTwo          StopSize = 2
	StopOnePointFive StopSize = 3
)

func (s StopSize) String() string {
	switch s {
	case StopRequest:
		return "request"
	case StopOne:
		return "1"
	case StopTwo:
		return "2"
	case StopOnePointFive:
		return "1.5"
	}
	return "stopsize(" + strconv.Itoa(int(s)) + ")"
}

// Control is a SET-CONTROL value: flow control, BREAK, DTR and RTS.
type Control byte

const (
	FlowRequest     Control = 0  // request the outbound (or both) flow control setting
	FlowNone        Control = 1  // no flow control (outbound/both)
	FlowXONXOFF     Control = 2  // XON/XOFF (outbound/both)
	FlowHardware    Control = 3  // RTS/CTS (outbound/both)
	BreakRequest    Control = 4  // request the BREAK state
	BreakOn         Control = 5  //
	BreakOff        Control = 6  //
	DTRRequest      Control = 7  // request the DTR state
	DTROn           Control = 8  //
	DTROff          Control = 9  //
	RTSRequest      Control = 10 // request the RTS state
	RTSOn           Control = 11 //
	RTSOff          Control = 12 //
	InFlowRequest   Control = 13 // request the inbound flow control setting
	InFlowNone      Control = 14 //
	InFlowXONXOFF   Control = 15 //
	InFlowHardware  Control = 16 //
	FlowDCD         Control = 17 // DCD flow control (outbound/both)
	InFlowDTR       Control = 18 // DTR flow control (inbound)
	FlowDSR         Control = 19 // DSR flow control (outbound/both)
	controlKnownEnd Control = 20
)

var controlNames = [...]string{"flow-request", "flow-none", "flow-xonxoff", "flow-hardware",
	"break-request", "break-on", "break-off", "dtr-request", "dtr-on", "dtr-off",
	"rts-request", "rts-on", "rts-off", "inflow-request", "inflow-none", "inflow-xonxoff",
	"inflow-hardware", "flow-dcd", "inflow-dtr", "flow-dsr"}

func (c Control) String() string {
	if c < controlKnownEnd {
		return controlNames[c]
	}
	return "control(" + strconv.Itoa(int(c)) + ")"
}

// Purge values of PURGE-DATA.
type Purge byte

const (
	PurgeReceive  Purge = 1 // the access server's receive buffer (data from the device)
	PurgeTransmit Purge = 2 // the access server's transmit buffer (data to the device)
	PurgeBoth     Purge = 3
)

// ModemState is the byte of NOTIFY-MODEMSTATE and SET-MODEMSTATE-MASK:
// four line states and their change ("delta") bits, as a UART's modem
// status register has them.
type ModemState byte

const (
	ModemCD       ModemState = 0x80 // receive line signal detect (carrier detect)
	ModemRI       ModemState = 0x40 // ring indicator
	ModemDSR      ModemState = 0x20 // data set ready
	ModemCTS      ModemState = 0x10 // clear to send
	ModemDeltaCD  ModemState = 0x08 // CD changed
	ModemRIEdge   ModemState = 0x04 // trailing edge of RI
	ModemDeltaDSR ModemState = 0x02 // DSR changed
	ModemDeltaCTS ModemState = 0x01 // CTS changed

	// ModemLines are the four line states; ModemDeltas the change bits.
	ModemLines  ModemState = 0xF0
	ModemDeltas ModemState = 0x0F
)

// Deltas returns the change bits that go with moving from old to m's line
// states (RI reports its trailing edge only, as RFC 2217 and UARTs do).
func (m ModemState) Deltas(old ModemState) ModemState {
	var d ModemState
	ch := (m ^ old) & ModemLines
	if ch&ModemCD != 0 {
		d |= ModemDeltaCD
	}
	if ch&ModemRI != 0 && m&ModemRI == 0 {
		d |= ModemRIEdge
	}
	if ch&ModemDSR != 0 {
		d |= ModemDeltaDSR
	}
	if ch&ModemCTS != 0 {
		d |= ModemDeltaCTS
	}
	return d
}

func (m ModemState) String() string {
	var parts []string
	for _, b := range []struct {
		bit  ModemState
		name string
	}{{ModemCD, "CD"}, {ModemRI, "RI"}, {ModemDSR, "DSR"}, {ModemCTS, "CTS"},
		{ModemDeltaCD, "ΔCD"}, {ModemRIEdge, "RI-edge"}, {ModemDeltaDSR, "ΔDSR"}, {ModemDeltaCTS, "ΔCTS"}} {
		if m&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// LineState is the byte of NOTIFY-LINESTATE and SET-LINESTATE-MASK.
type LineState byte

const (
	LineTimeout      LineState = 0x80 // time-out error
	LineShiftEmpty   LineState = 0x40 // transfer shift register empty
	LineHoldingEmpty LineState = 0x20 // transfer holding register empty
	LineBreak        LineState = 0x10 // break-detect error
	LineFraming      LineState = 0x08 // framing error
	LineParity       LineState = 0x04 // parity error
	LineOverrun      LineState = 0x02 // overrun error
	LineDataReady    LineState = 0x01 // data ready
	LineErrors       LineState = LineTimeout | LineBreak | LineFraming | LineParity | LineOverrun
)

func (l LineState) String() string {
	var parts []string
	for _, b := range []struct {
		bit  LineState
		name string
	}{{LineTimeout, "timeout"}, {LineShiftEmpty, "shift-empty"}, {LineHoldingEmpty, "holding-empty"},
		{LineBreak, "break"}, {LineFraming, "framing"}, {LineParity, "parity"}, {LineOverrun, "overrun"},
		{LineDataReady, "data-ready"}} {
		if l&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// ErrShortValue is wrapped when a COM-PORT-OPTION command carries fewer
// value bytes than its command needs.
var ErrShortValue = errors.New("rfc2217: value too short")

// ComPort is one COM-PORT-OPTION subnegotiation: IAC SB 44 <code> <value>
// IAC SE, with the value's IAC IAC undone.
type ComPort struct {
	Code  Code
	Value []byte
}

// ParseComPort returns the COM-PORT-OPTION command in c, if c is one.
// Value aliases c.Data.
func ParseComPort(c Command) (ComPort, bool) {
	if c.Verb != SB || c.Option != OptComPort || len(c.Data) == 0 {
		return ComPort{}, false
	}
	return ComPort{Code: Code(c.Data[0]), Value: c.Data[1:]}, true
}

// Uint32 returns the four-byte big-endian value of SET-BAUDRATE.
func (c ComPort) Uint32() (uint32, error) {
	if len(c.Value) < 4 {
		return 0, fmt.Errorf("%v: %d value bytes, want 4: %w", c.Code, len(c.Value), ErrShortValue)
	}
	v := c.Value
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]), nil
}

// Byte returns the one-byte value of the other commands.
func (c ComPort) Byte() (byte, error) {
	if len(c.Value) < 1 {
		return 0, fmt.Errorf("%v: no value byte: %w", c.Code, ErrShortValue)
	}
	return c.Value[0], nil
}

func (c ComPort) String() string {
	switch c.Code.Client() {
	case SetBaudrate:
		if n, err := c.Uint32(); err == nil {
			return fmt.Sprintf("%v %d", c.Code, n)
		}
	case SetParity:
		if b, err := c.Byte(); err == nil {
			return fmt.Sprintf("%v %v", c.Code, Parity(b))
		}
	case SetStopsize:
		if b, err := c.Byte(); err == nil {
			return fmt.Sprintf("%v %v", c.Code, StopSize(b))
		}
	case SetControl:
		if b, err := c.Byte(); err == nil {
			return fmt.Sprintf("%v %v", c.Code, Control(b))
		}
	case NotifyModemstate, SetModemstateMask:
		if b, err := c.Byte(); err == nil {
			return fmt.Sprintf("%v %v", c.Code, ModemState(b))
		}
	case NotifyLinestate, SetLinestateMask:
		if b, err := c.Byte(); err == nil {
			return fmt.Sprintf("%v %v", c.Code, LineState(b))
		}
	}
	return fmt.Sprintf("%v % X", c.Code, c.Value)
}

// Uint32Value is the four-byte big-endian value of SET-BAUDRATE.
func Uint32Value(n uint32) []byte {
	return []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}
