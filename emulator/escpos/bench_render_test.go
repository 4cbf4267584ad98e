package escpos_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// BenchmarkDecodeTextRender is the figure (decode + text render
// ≥ 200 MB/s): a text-heavy stream of 20,000 lines (934 KB) written in
// 4 KiB chunks to one long-running printer, waited to idle, and every
// receipt rendered with render.AppendText into a reused buffer.
func BenchmarkDecodeTextRender(b *testing.B) {
	var data []byte
	data = append(data, escpos.ESC, escpos.EscInit)
	for i := range 20000 {
		if i%5 == 0 {
			data = append(data, escpos.ESC, escpos.EscEmphasize, byte(i/5%2))
		}
		data = fmt.Appendf(data, "Item %05d  Widget, blue, large   ", i)
		data = append(data, escpos.ESC, escpos.EscAbsolutePos, 0xD0, 0x01)
		data = fmt.Appendf(data, "%4d.%02d\n", i%1000, i%100)
		if i%40 == 39 {
			data = append(data, escpos.GS, escpos.GsCut, 66, 0)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var out []byte
	lines := 0 // text lines rendered, counted on the printer's goroutine
	p, err := escpos.NewPrinter(escpos.Options{KeepReceipts: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	p.OnReceipt(func(r *paper.Receipt) {
		out = render.AppendText(out[:0], r)
		lines += bytes.Count(out, []byte{'\n'})
	})
	for b.Loop() {
		for i := 0; i < len(data); i += 4096 {
			p.Write(data[i:min(i+4096, len(data))])
		}
		if err := p.WaitIdle(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	// Every item line and a [CUT] line per receipt.
	if want := b.N * (20000 + 500); lines != want {
		b.Fatalf("rendered %d lines, want %d", lines, want)
	}
}
