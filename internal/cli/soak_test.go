package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

var (
	soakAddr   = flag.String("soak.addr", "", "TestSoakPrinterServe pushes receipts to the printer at `ADDR` (a running 'hil printer serve')")
	soakN      = flag.Int("soak.n", 100000, "receipts TestSoakPrinterServe sends")
	soakRaster = flag.Int("soak.raster-every", 1000, "every `N`th receipt carries a 1 MB GS v 0 image")
)

// TestSoakPrinterServe is the soak of docs/printer.md, not a CI test: it
// pushes -soak.n receipts (every -soak.raster-every'th with a 1 MB raster
// image) through a served printer in one connection per 100 receipts, and
// syncs on GS ( H after each connection's receipts so the printer is
// never more than a connection behind. Measure the server with
// /usr/bin/time -v.
func TestSoakPrinterServe(t *testing.T) {
	if *soakAddr == "" {
		t.Skip("no -soak.addr")
	}
	var receipt []byte
	receipt = append(receipt, "\x1b@\x1ba\x01CORNER DELI\n\x1ba\x00"...)
	for i := range 18 {
		receipt = fmt.Appendf(receipt, "Item %02d  Widget, blue, large\x1b$\xd0\x01%4d.%02d\n", i, i*3, i)
	}
	receipt = append(receipt, "\x1bE\x01TOTAL 123.45\x1bE\x00\n\x1dV\x42\x00"...)
	// 72 bytes × 14,563 rows = 1,048,536 bytes: a full-width 1 MB image.
	raster := []byte("\x1b@IMAGE\n\x1dv0\x00\x48\x00\xe3\x38")
	raster = append(raster, bytes.Repeat([]byte{0xF0, 0x0F}, 72*14563/2)...)
	raster = append(raster, "\n\x1dV\x00"...)
	start := time.Now()
	sent, bytesSent := 0, int64(0)
	for sent < *soakN {
		c, err := net.Dial("tcp", *soakAddr)
		if err != nil {
			t.Fatal(err)
		}
		for range min(100, *soakN-sent) {
			job := receipt
			if sent%*soakRaster == *soakRaster-1 {
				job = raster
			}
			if _, err := c.Write(job); err != nil {
				t.Fatal(err)
			}
			sent++
			bytesSent += int64(len(job))
		}
		c.Write([]byte("\x1d(H\x06\x00\x30\x30SOAK"))
		reply := make([]byte, 7)
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatalf("after %d receipts: %v", sent, err)
		}
		c.Close()
	}
	d := time.Since(start)
	t.Logf("%d receipts, %d MB, in %v (%.0f receipts/s)", sent, bytesSent>>20, d.Round(time.Millisecond), float64(sent)/d.Seconds())
}
