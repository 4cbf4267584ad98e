package escpos

import (
	"context"
	"fmt"
	"testing"
)

// textHeavy is a receipt-like stream of n lines: item lines with
// right-aligned prices, emphasis toggles every few lines, a cut every 40.
func textHeavy(n int) []byte {
	var s []byte
	s = append(s, ESC, EscInit)
	for i := range n {
		if i%5 == 0 {
			s = append(s, ESC, EscEmphasize, byte(i/5%2))
		}
		s = fmt.Appendf(s, "Item %05d  Widget, blue, large   ", i)
		s = append(s, ESC, EscAbsolutePos, 0xD0, 0x01)
		s = fmt.Appendf(s, "%4d.%02d\n", i%1000, i%100)
		if i%40 == 39 {
			s = append(s, GS, GsCut, 66, 0)
		}
	}
	return s
}

func BenchmarkDecode(b *testing.B) {
	data := textHeavy(20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDecoder(DecoderOptions{})
		n := 0
		d.Decode(data, func(Command) { n++ })
		if n == 0 {
			b.Fatal("no commands")
		}
	}
}

// BenchmarkDecodeChunked feeds the stream in 1 KiB writes, as a
// connection reader does.
func BenchmarkDecodeChunked(b *testing.B) {
	data := textHeavy(20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDecoder(DecoderOptions{})
		for i := 0; i < len(data); i += 1024 {
			d.Write(data[i:min(i+1024, len(data))])
			for _, ok := d.Next(); ok; _, ok = d.Next() {
			}
		}
	}
}

// BenchmarkPrinter is decode plus execution and layout into receipts, on
// one long-running printer as a server has it.
func BenchmarkPrinter(b *testing.B) {
	data := textHeavy(20000)
	p, err := NewPrinter(Options{KeepReceipts: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(data); i += 4096 {
			p.Write(data[i:min(i+4096, len(data))])
		}
		if err := p.WaitIdle(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	if st := p.Status(); st.LinesPrinted%20000 != 0 || len(p.Receipts()) != 1 {
		b.Fatalf("printed %d lines, kept %d receipts", st.LinesPrinted, len(p.Receipts()))
	}
}
