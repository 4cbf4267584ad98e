package printer

import (
	"bytes"
	"net"
	"sync"
	"testing"
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
