package escpos

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// qrJob stores a QR code of n bytes (GS ( k cn=49 fn=80) and prints it
// (fn=81) times times, each on a receipt of its own.
func qrJob(n, times int) []byte {
	data := strings.Repeat("0123456789ABCDEFGHIJ-poshil-", n/28+1)[:n]
	b := []byte{0x1b, '@', 0x1d, '(', 'k', byte((n + 3) & 0xff), byte((n + 3) >> 8), 0x31, 0x50, 0x30}
	b = append(b, data...)
	for range times {
		b = append(b, 0x1d, '(', 'k', 0x03, 0x00, 0x31, 0x51, 0x30) // print
		b = append(b, 0x1d, 'V', 0x00)
	}
	return b
}

// BenchmarkQRStoredOncePrinted100Times is the case: a 2,000-byte
// QR code stored once and printed 100 times (it held the printer 5–9 s).
func BenchmarkQRStoredOncePrinted100Times(b *testing.B) {
	job := qrJob(2000, 100)
	p, err := NewPrinter(Options{KeepReceipts: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for b.Loop() {
		qrSymbols.reset() // every round starts cold: the first print encodes
		p.Write(job)
		if err := p.WaitIdle(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	if st := p.Status(); st.Cuts%100 != 0 || st.IgnoredCommands != 0 {
		b.Fatalf("cuts %d, ignored %d", st.Cuts, st.IgnoredCommands)
	}
}

// The 100 prints of one stored symbol are 100 QR elements of the same
// size; the cache stays within its bounds.
func TestQRPrintedRepeatedlyComesFromTheCache(t *testing.T) {
	qrSymbols.reset()
	p, _ := newTestPrinter(t, Options{Logger: slog.New(slog.DiscardHandler)})
	p.Write(qrJob(2000, 100))
	idle(t, p)
	rs := p.Receipts()
	if len(rs) != 100 {
		t.Fatalf("%d receipts", len(rs))
	}
	for _, r := range rs {
		q, ok := r.Elements[0].(paper.QR)
		if !ok || len(q.Data) != 2000 || q.Data != rs[0].Elements[0].(paper.QR).Data {
			t.Fatalf("receipt %d: %#v", r.Seq, r.Elements[0])
		}
	}
	if h, m := qrSymbols.stats(); h != 99 || m != 1 {
		t.Errorf("cache: %d hits, %d misses; want 99 and 1", h, m)
	}
	// Many different symbols: the cache keeps at most its bound.
	var job []byte
	for i := range 3 * qrCacheEntries {
		d := []byte("symbol " + strings.Repeat("x", i))
		job = append(job, 0x1d, '(', 'k', byte(len(d)+3), 0, 0x31, 0x50, 0x30)
		job = append(job, d...)
		job = append(job, 0x1d, '(', 'k', 0x03, 0x00, 0x31, 0x51, 0x30, '\n')
	}
	p.Write(job)
	idle(t, p)
	if n, size := qrSymbols.size(); n > qrCacheEntries || size > qrCacheBytes {
		t.Errorf("cache holds %d symbols, %d bytes of data; bounds %d and %d", n, size, qrCacheEntries, qrCacheBytes)
	}
	if !bytes.Contains(rs[0].Raw, []byte("poshil")) {
		t.Error("raw lost")
	}
}
