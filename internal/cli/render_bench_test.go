package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// renderBenchStream is the text-heavy stream of the escpos benchmarks
// (BenchmarkDecodeTextRender): item lines with an ESC $ column, emphasis
// toggles, a cut every 40 lines; 20,000 lines are 934 KB.
func renderBenchStream(lines int) []byte {
	var data []byte
	data = append(data, escpos.ESC, escpos.EscInit)
	for i := range lines {
		if i%5 == 0 {
			data = append(data, escpos.ESC, escpos.EscEmphasize, byte(i/5%2))
		}
		data = fmt.Appendf(data, "Item %05d  Widget, blue, large   ", i%100000)
		data = append(data, escpos.ESC, escpos.EscAbsolutePos, 0xD0, 0x01)
		data = fmt.Appendf(data, "%4d.%02d\n", i%1000, i%100)
		if i%40 == 39 {
			data = append(data, escpos.GS, escpos.GsCut, 66, 0)
		}
	}
	return data
}

const renderBenchLines = 90000 // 4.2 MB

// BenchmarkRenderInProcess is the yardstick: decode, lay out and render
// the text of every receipt in process (4 KiB writes, hook rendering into
// a reused buffer), as BenchmarkDecodeTextRender does.
func BenchmarkRenderInProcess(b *testing.B) {
	data := renderBenchStream(renderBenchLines)
	b.SetBytes(int64(len(data)))
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
}

// BenchmarkRenderCommand is 'hil render FILE -o OUT' end to end, in
// process: reading the file, a fresh printer, text written to a file.
func BenchmarkRenderCommand(b *testing.B) {
	data := renderBenchStream(renderBenchLines)
	dir := b.TempDir()
	in, out := filepath.Join(dir, "in.bin"), filepath.Join(dir, "out.txt")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var stdout, stderr bytes.Buffer
		if code := Run(context.Background(), []string{"render", "-o", out, in}, nil, &stdout, &stderr); code != ExitOK {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	txt, _ := os.ReadFile(out)
	if want := renderBenchLines + renderBenchLines/40; bytes.Count(txt, []byte{'\n'}) != want {
		b.Fatalf("%d lines rendered, want %d", bytes.Count(txt, []byte{'\n'}), want)
	}
}

var renderInput = flag.String("render.input", "", "TestWriteRenderInput writes the render benchmark's stream to `FILE` (with -render.mb)")
var renderMB = flag.Int("render.mb", 42, "size of the stream TestWriteRenderInput writes, MB")

// TestWriteRenderInput writes the benchmark stream to a file, for
// measuring the hil binary (docs/printer.md):
//
//	go test ./internal/cli -run TestWriteRenderInput -render.input /tmp/r42.bin -render.mb 42
func TestWriteRenderInput(t *testing.T) {
	if *renderInput == "" {
		t.Skip("no -render.input")
	}
	lines := *renderMB * 1_000_000 / 47
	if err := os.WriteFile(*renderInput, renderBenchStream(lines), 0o644); err != nil {
		t.Fatal(err)
	}
}
