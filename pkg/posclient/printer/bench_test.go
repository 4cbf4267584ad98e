package printer

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

func BenchmarkParseReplies(b *testing.B) {
	stream := bytes.Repeat([]byte{0x12, 0x16, 0x11, 0x10, 0x00, 0x00, 0x00, 0x72, 0x37, 0x22, 'A', 'B', 'C', 'D', 0x00}, 1000)
	b.SetBytes(int64(len(stream)))
	n := 0
	for b.Loop() {
		var p ReplyParser
		p.Feed(stream, func(Reply) { n++ })
	}
	if n == 0 {
		b.Fatal("no replies")
	}
}

// BenchmarkStatusRoundTrip is one Status (DLE EOT 1–4) over net.Pipe.
func BenchmarkStatusRoundTrip(b *testing.B) {
	p, done := benchPrinter(b)
	defer done()
	for b.Loop() {
		if _, err := p.Status(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrintConfirmed is one verified Print (job + GS ( H reply).
func BenchmarkPrintConfirmed(b *testing.B) {
	p, done := benchPrinter(b)
	defer done()
	job := bytes.Repeat([]byte("RECEIPT LINE 0123456789\n"), 30)
	for b.Loop() {
		if err := p.Print(b.Context(), job); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPrinter(b *testing.B) (*Printer, func()) {
	c1, c2 := net.Pipe()
	peer := newPeer()
	var wg sync.WaitGroup
	wg.Go(func() { peer.serve(devNullPeer{c2, peer}) })
	p := New(c1, nil)
	return p, func() { p.Close(); c2.Close(); wg.Wait() }
}

// devNullPeer keeps the peer from recording a benchmark's worth of bytes.
type devNullPeer struct {
	net.Conn
	e *epsonPeer
}

func (d devNullPeer) Read(b []byte) (int, error) {
	n, err := d.Conn.Read(b)
	d.e.mu.Lock()
	d.e.received.Reset()
	d.e.mu.Unlock()
	return n, err
}

// BenchmarkPrintOnEmulator is one verified Print of a real receipt on the
// emulated printer over net.Pipe: encoding not included; the emulator's
// layout (QR encoding dominates the "qr" case) and the GS ( H reply
// included.
func BenchmarkPrintOnEmulator(b *testing.B) {
	for _, url := range []string{"", "https://r.example/e/1"} {
		name := "plain"
		if url != "" {
			name = "qr"
		}
		b.Run(name, func(b *testing.B) {
			emu, err := escpos.NewPrinter(escpos.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer emu.Close()
			c1, c2 := net.Pipe()
			wait := attach(emu, c2)
			p := New(c1, nil)
			defer func() { p.Close(); c2.Close(); wait() }()
			pan, _ := receipt.MaskPAN("4761739001010010")
			job, err := receipt.Encode(&receipt.Receipt{
				MerchantName: "BENCH SHOP", PAN: pan, RRN: "000000000001", STAN: "000001",
				Amount: receipt.Amount{Minor: 2500, Currency: "EUR"}, EReceiptURL: url,
				Time: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
			}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(job)))
			for b.Loop() {
				if err := p.Print(b.Context(), job); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
