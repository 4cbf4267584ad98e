package printer

import (
	"fmt"

	"github.com/poshil/hil/pkg/escposcmd"
)

// ReplyKind classifies what a printer sent back, following Epson's
// "transmission status identification" rules.
type ReplyKind uint8

const (
	// ReplyStatus is one real-time status byte (DLE EOT n): 0xx1xx10.
	ReplyStatus ReplyKind = iota + 1
	// ReplyASB is a 4-byte Automatic Status Back: 0xx1xx00 then three
	// bytes 0xx0xxxx (XON/XOFF between them are skipped).
	ReplyASB
	// ReplyBlock is header-to-NUL block data, e.g. the GS ( H process-ID
	// response 37 22 d1 d2 d3 d4 00, or GS I printer information.
	ReplyBlock
	// ReplyFlow is XON (0x11) or XOFF (0x13).
	ReplyFlow
	// ReplyUnknown is a byte or run of bytes that fits none of the above:
	// a GS r / GS I 1–3 answer nobody asked for, line noise, a block that
	// never ended or an ASB cut short.
	ReplyUnknown
)

func (k ReplyKind) String() string {
	switch k {
	case ReplyStatus:
		return "status"
	case ReplyASB:
		return "asb"
	case ReplyBlock:
		return "block"
	case ReplyFlow:
		return "flow"
	case ReplyUnknown:
		return "unknown"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Reply is one unit of what the printer sent.
type Reply struct {
	Kind  ReplyKind
	Bytes []byte // the reply as received (for an ASB, without skipped XON/XOFF)
}

func (r Reply) String() string { return fmt.Sprintf("%s % X", r.Kind, r.Bytes) }

// Block headers of printer responses (the first byte of header-to-NUL data).
const (
	blockHeaderResponse byte = 0x37 // GS ( H, DLE DC4 7/8: 37 <id> … 00
	blockHeaderPowerOff byte = 0x3B // DLE DC4 2: 3B 30 00
	blockHeaderInfoA    byte = 0x3D // GS I printer information A: 3D <n> … 00
	blockHeaderInfoB    byte = 0x5F // GS I printer information B: 5F … 00

	// blockIDProcess is the identifier of the GS ( H fn 48 process-ID
	// response: 37 22 d1 d2 d3 d4 00.
	blockIDProcess byte = 0x22

	asbFirstMask  byte = 0x93
	asbFirstValue byte = 0x10
	asbRestMask   byte = 0x90

	// maxBlock bounds header-to-NUL data (Epson: at most 80 data bytes);
	// a longer run without NUL is reported as ReplyUnknown.
	maxBlock = 128
)

// ReplyParser splits the byte stream from a printer into replies. It is
// incremental: bytes may be fed in pieces split anywhere, and the replies do
// not depend on the split. The zero value is ready to use.
type ReplyParser struct {
	buf  []byte // the reply being collected (ASB or block)
	kind ReplyKind
}

// Feed parses b and calls emit for each complete reply, in order. The Bytes
// of a reply are only valid during the call.
func (p *ReplyParser) Feed(b []byte, emit func(Reply)) {
	for _, c := range b {
		p.feedByte(c, emit)
	}
}

// Pending reports whether a reply has been started and not finished.
func (p *ReplyParser) Pending() bool { return p.kind != 0 }

func (p *ReplyParser) feedByte(c byte, emit func(Reply)) {
	switch p.kind {
	case ReplyBlock:
		p.buf = append(p.buf, c)
		if c == escposcmd.NUL {
			emit(Reply{Kind: ReplyBlock, Bytes: p.buf})
			p.reset()
		} else if len(p.buf) >= maxBlock {
			emit(Reply{Kind: ReplyUnknown, Bytes: p.buf})
			p.reset()
		}
		return
	case ReplyASB:
		if c == escposcmd.XON || c == escposcmd.XOF {
			emit(Reply{Kind: ReplyFlow, Bytes: []byte{c}})
			return
		}
		if c&asbRestMask != 0 {
			// Not ASB data: the first byte was something else. Report what
			// was collected and read this byte afresh.
			emit(Reply{Kind: ReplyUnknown, Bytes: p.buf})
			p.reset()
			p.feedByte(c, emit)
			return
		}
		p.buf = append(p.buf, c)
		if len(p.buf) == 4 {
			emit(Reply{Kind: ReplyASB, Bytes: p.buf})
			p.reset()
		}
		return
	}
	switch {
	case c == escposcmd.XON || c == escposcmd.XOF:
		emit(Reply{Kind: ReplyFlow, Bytes: []byte{c}})
	case c&escposcmd.StatusFixedMask == escposcmd.StatusFixedValue:
		emit(Reply{Kind: ReplyStatus, Bytes: []byte{c}})
	case c&asbFirstMask == asbFirstValue:
		p.kind = ReplyASB
		p.buf = append(p.buf[:0], c)
	case c == blockHeaderResponse || c == blockHeaderPowerOff || c == blockHeaderInfoA || c == blockHeaderInfoB:
		p.kind = ReplyBlock
		p.buf = append(p.buf[:0], c)
	default:
		emit(Reply{Kind: ReplyUnknown, Bytes: []byte{c}})
	}
}

func (p *ReplyParser) reset() {
	p.kind = 0
	p.buf = p.buf[:0]
}

// ParseReplies parses a complete byte stream and returns its replies, and
// the bytes of a reply left unfinished at the end (nil if none).
func ParseReplies(b []byte) (replies []Reply, unfinished []byte) {
	var p ReplyParser
	p.Feed(b, func(r Reply) {
		replies = append(replies, Reply{Kind: r.Kind, Bytes: append([]byte(nil), r.Bytes...)})
	})
	if p.Pending() {
		unfinished = append([]byte(nil), p.buf...)
	}
	return replies, unfinished
}

// processID returns the process ID of a GS ( H fn 48 response block
// (37 22 d1 d2 d3 d4 00), and whether r is one.
func processID(r Reply) (string, bool) {
	b := r.Bytes
	if r.Kind != ReplyBlock || len(b) != 7 || b[0] != blockHeaderResponse || b[1] != blockIDProcess {
		return "", false
	}
	return string(b[2:6]), true
}
