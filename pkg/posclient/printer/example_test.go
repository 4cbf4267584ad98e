package printer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/posclient/printer"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// A printer on any io.ReadWriteCloser: here the emulated printer at the
// other end of net.Pipe.
func ExampleNew() {
	emu, _ := escpos.NewPrinter(escpos.Options{})
	defer emu.Close()
	host, dev := net.Pipe()
	emu.SetOutput(dev)
	go io.Copy(emu, dev)
	defer dev.Close()

	p := printer.New(host, nil)
	defer p.Close()
	ctx := context.Background()

	pan, _ := receipt.MaskPAN("4761739001010010")
	job, _ := receipt.Encode(&receipt.Receipt{
		MerchantName: "EXAMPLE SHOP",
		PAN:          pan,
		Amount:       receipt.Amount{Minor: 990, Currency: "EUR"},
		Time:         time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	}, nil)
	if err := p.Ready(ctx); err != nil {
		fmt.Println("not ready:", err)
		return
	}
	err := p.Print(ctx, job)
	fmt.Println("printed:", err == nil, "receipts:", len(emu.Receipts()))

	emu.SetPaper(escpos.PaperOut)
	err = p.Ready(ctx)
	fmt.Println(errors.Is(err, printer.ErrPaperOut), err)
	// Output:
	// printed: true receipts: 1
	// true printer: not ready: paper out
}

// Opening a real printer by URL. Compiled, not run: it needs the hardware.
func ExampleOpen() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := printer.Open(ctx, "serial:///dev/ttyUSB0?baud=38400", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	st, err := p.Status(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range st.Items() {
		fmt.Println(it.Name, it.Value)
	}
}

// A failover group prints on the first printer that is ready and confirms.
func ExampleFailover() {
	ctx := context.Background()
	var devices []printer.Device
	var emus []*escpos.Printer
	for range 2 {
		emu, _ := escpos.NewPrinter(escpos.Options{})
		defer emu.Close()
		host, dev := net.Pipe()
		emu.SetOutput(dev)
		go io.Copy(emu, dev)
		defer dev.Close()
		p := printer.New(host, nil)
		defer p.Close()
		devices = append(devices, p)
		emus = append(emus, emu)
	}
	emus[0].SetCover(true) // the primary's cover is open

	g := printer.Failover(devices[0], devices[1])
	err := g.Print(ctx, []byte("\x1b@hello\n\x1dVB\x00"))
	fmt.Println(err, "used printer", g.Used())
	// Output:
	// <nil> used printer 1
}

// E-receipts stored as files.
func ExampleFileSink() {
	dir, _ := os.MkdirTemp("", "ereceipts")
	defer os.RemoveAll(dir)
	sink, _ := printer.NewFileSink(dir, 0)
	pan, _ := receipt.MaskPAN("6222021234567890123")
	err := sink.Deliver(context.Background(), &receipt.Receipt{
		MerchantName: "SHOP",
		PAN:          pan,
		Amount:       receipt.Amount{Minor: 100, Currency: "CNY"},
		RRN:          "612345678901",
		Time:         time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC),
	})
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, n := range names {
		fmt.Println(filepath.Base(n))
	}
	fmt.Println(err)
	// Output:
	// 20261123T093000Z_612345678901_customer.json
	// 20261123T093000Z_612345678901_customer.txt
	// <nil>
}

// A remote serial port: the emulated printer served as an RFC 2217 port
// (as ser2net serves a real one). The open confirms the line settings;
// the modem lines follow the printer, and a caller waits for their next
// change on a channel.
func ExampleOpen_rfc2217() {
	emu, _ := escpos.NewPrinter(escpos.Options{})
	defer emu.Close()
	srv, _ := escpos.NewServer(emu, escpos.ServerOptions{RFC2217: true})
	defer srv.Close()

	ctx := context.Background()
	p, err := printer.Open(ctx, srv.RFC2217URL()+"?baud=19200&flow=rtscts", &printer.Options{Name: "counter printer"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	lines, _, _ := p.ModemLines()
	fmt.Println("ready:", lines)

	emu.SetPaper(escpos.PaperOut)
	for {
		lines, changed, err := p.ModemLines()
		if err == nil && !lines.DSR {
			fmt.Println("paper out:", lines)
			break
		}
		<-changed
	}
	fmt.Println(p.Ready(ctx))
	// Output:
	// ready: CTS on, DSR on, CD on, RI off
	// paper out: CTS off, DSR off, CD on, RI off
	// printer: counter printer: not ready: paper out
}
