package escpos_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// BenchmarkDecodeTextRender is the figure: a text-heavy stream
// decoded, printed and rendered as text.
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
	p, err := escpos.NewPrinter(escpos.Options{KeepReceipts: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	p.OnReceipt(func(r *paper.Receipt) { out = render.AppendText(out[:0], r) })
	for b.Loop() {
		for i := 0; i < len(data); i += 4096 {
			p.Write(data[i:min(i+4096, len(data))])
		}
		if err := p.WaitIdle(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	if len(out) == 0 {
		b.Fatal("nothing rendered")
	}
}
