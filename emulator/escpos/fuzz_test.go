package escpos

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/emulator/escpos/paper"
)

func addFixtureSeeds(f *testing.F, extra ...any) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bin"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]any{data}, extra...)...)
	}
}

// FuzzDecoder: any input decodes without panic, and every Malformed
// report points inside the stream at the bytes it names.
func FuzzDecoder(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte{GS, GsRaster, '0', 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3})
	f.Add([]byte{FS, FsKanjiOn, 0x81, 0x30, 0x81, LF})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kanji := range []bool{false, true} {
			d := NewDecoder(DecoderOptions{Kanji: kanji, MaxData: 4096})
			check := func(c Command) {
				if m, ok := c.(Malformed); ok {
					if m.Offset < 0 || int(m.Offset)+len(m.Bytes) > len(data) {
						t.Fatalf("malformed at %d+%d outside the %d-byte stream", m.Offset, len(m.Bytes), len(data))
					}
					if string(data[m.Offset:int(m.Offset)+len(m.Bytes)]) != string(m.Bytes) {
						t.Fatalf("malformed at %d names % x, stream has % x", m.Offset, m.Bytes, data[m.Offset:int(m.Offset)+len(m.Bytes)])
					}
				}
				_ = c.String()
			}
			d.Decode(data, check)
			d.Flush()
			for c, ok := d.Next(); ok; c, ok = d.Next() {
				check(c)
			}
			if d.Buffered() != 0 {
				t.Fatalf("%d bytes left after Flush", d.Buffered())
			}
		}
	})
}

// FuzzDecoderChunking: writing a stream in pieces split at arbitrary
// points gives exactly the commands of writing it at once.
func FuzzDecoderChunking(f *testing.F) {
	addFixtureSeeds(f, []byte{3, 17, 7, 1, 64})
	f.Add([]byte{GS, GsRaster, '0', 0, 1, 0, 4, 0, DLE, EOT, 1, 0xAA, 'A', LF}, []byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		opts := DecoderOptions{MaxData: 4096}
		want := decodeAll(data, opts)
		d := NewDecoder(opts)
		var got []Command
		rest := data
		// cuts gives the piece sizes in turn (0 writes nothing).
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(cuts) > 0 && i < 4*len(data)+8 {
				n = min(n, int(cuts[i%len(cuts)])%32)
			}
			d.Write(rest[:n])
			rest = rest[n:]
			for c, ok := d.Next(); ok; c, ok = d.Next() {
				got = append(got, c)
			}
		}
		d.Flush()
		for c, ok := d.Next(); ok; c, ok = d.Next() {
			got = append(got, c)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("chunked decode differs (-one piece +chunked):\n%s", diff)
		}
	})
}

// FuzzPrinter: any byte stream is executed without a panic, processing
// finishes, every finished receipt lies within the paper, and the printer's
// fast path for text (taken without event hooks) prints exactly what the
// command-by-command path prints.
func FuzzPrinter(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte{ESC, EscBitImage, 33, 0xFF, 0x01})
	f.Add([]byte{GS, GsLeftMargin, 0xFF, 0x02, GS, GsPrintWidth, 0xFF, 0xFF, 'x', LF})
	// GS1 DataBar, GS k 75–78: good and bad data, wide modules.
	gsk := func(m byte, data string) []byte {
		return append([]byte{GS, GsBarcodeWidth, 6, GS, GsHRIPosition, 3, GS, GsBarcode, m, byte(len(data))}, data...)
	}
	f.Add(gsk(75, "0950110153000"))
	f.Add(gsk(76, "0001234567890"))
	f.Add(gsk(77, "1501234567890"))
	f.Add(gsk(77, "2501234567890"))
	f.Add(gsk(78, "(01)09501101530003(17)140704{1(10)AB-123*"))
	f.Add(gsk(78, "(91)"+strings.Repeat("9", 70)))
	f.Add(gsk(78, "(10){("))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, prof := range []string{"tm-t88", "zh-80"} {
			p, err := NewPrinter(Options{Profile: prof})
			if err != nil {
				t.Fatal(err)
			}
			p.Write(data)
			p.EndJob()
			if err := p.WaitIdle(context.Background()); err != nil && !errors.Is(err, ErrOffline) {
				t.Fatal(err)
			}
			slow, err := NewPrinter(Options{Profile: prof})
			if err != nil {
				t.Fatal(err)
			}
			slow.OnEvent(func(Event) {})
			slow.Write(data)
			slow.EndJob()
			if err := slow.WaitIdle(context.Background()); err != nil && !errors.Is(err, ErrOffline) {
				t.Fatal(err)
			}
			if diff := cmp.Diff(slow.Receipts(), p.Receipts()); diff != "" {
				t.Fatalf("%s: fast path differs (-with hooks +without):\n%s", prof, diff)
			}
			slow.Close()
			for _, r := range p.Receipts() {
				for _, e := range r.Elements {
					switch e := e.(type) {
					case paper.Image:
						if e.X < 0 || e.X+e.Width > r.Width || len(e.Bits) != (e.Width+7)/8*e.Height {
							t.Fatalf("image %dx%d at %d outside the %d-dot paper or with %d bytes", e.Width, e.Height, e.X, r.Width, len(e.Bits))
						}
					case *paper.Line:
						for _, run := range e.Runs {
							if run.X < 0 || run.X > r.Width {
								t.Fatalf("run at %d outside the %d-dot paper", run.X, r.Width)
							}
						}
					}
				}
			}
			p.Close()
		}
	})
}
