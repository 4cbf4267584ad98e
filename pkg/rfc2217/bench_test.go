package rfc2217

import (
	"testing"
)

// rasterLike is 64 KiB of image-like data: runs of 0x00 and 0xFF, so a
// telnet stream doubles about a third of it.
func rasterLike() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		if i%3 == 0 {
			b[i] = 0xFF
		}
	}
	return b
}

func BenchmarkAppendEscaped(b *testing.B) {
	data := rasterLike()
	buf := make([]byte, 0, 2*len(data))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		buf = AppendEscaped(buf[:0], data)
	}
}

func BenchmarkDecode(b *testing.B) {
	esc := AppendEscaped(nil, rasterLike())
	work := make([]byte, len(esc))
	var d Decoder
	b.SetBytes(int64(len(esc)))
	for b.Loop() {
		copy(work, esc)
		if out := d.Decode(work, func(Command) {}); len(out) != 64<<10 {
			b.Fatal(len(out))
		}
	}
}
