package rfc2217

import (
	"bytes"
	"testing"
)

// FuzzDecoder: any bytes, cut anywhere, decode to the same data and
// commands; escaped data decodes back to itself; subnegotiations stay
// bounded.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0xFF, 0xFB, 0x03, 0xFF, 0xFD, 0x2C, 0x12}, uint8(1))
	f.Add([]byte{0xFF, 0xFA, 0x2C, 0x65, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0xFF, 0xF0, 0x12}, uint8(3))
	f.Add([]byte{0xFF, 0xFA, 0x2C, 0x6B, 0x30, 0xFF, 0xF0, 0x10, 0x04, 0x01}, uint8(2))
	f.Add([]byte{0x1B, 0x40, 0xFF, 0xFF, 'A', 0x0A, 0x1D, 0x56, 0x00}, uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		whole := decodeAll(in, max(len(in), 1))
		cut := decodeAll(in, int(split%16)+1)
		if !bytes.Equal(whole.data, cut.data) || len(whole.cmds) != len(cut.cmds) {
			t.Fatalf("the cut changes the result: % X %q vs % X %q", whole.data, whole.cmds, cut.data, cut.cmds)
		}
		for i := range whole.cmds {
			if whole.cmds[i] != cut.cmds[i] {
				t.Fatalf("command %d: %q vs %q", i, whole.cmds[i], cut.cmds[i])
			}
		}
		if len(whole.data) > len(in) {
			t.Fatalf("more data out than in")
		}
		if bytes.IndexByte(in, IAC) < 0 && !bytes.Equal(whole.data, in) {
			t.Fatalf("data without IAC changed")
		}
		var d Decoder
		esc := AppendEscaped(nil, in)
		if back := d.Decode(bytes.Clone(esc), func(c Command) { t.Fatalf("escaped data decodes to a command %+v", c) }); !bytes.Equal(back, in) {
			t.Fatalf("escape round trip: % X -> % X -> % X", in, esc, back)
		}
		var sd Decoder
		sd.Decode(bytes.Clone(in), func(c Command) {
			if len(c.Data) > MaxSubnegotiation {
				t.Fatalf("subnegotiation of %d bytes", len(c.Data))
			}
		})
	})
}
