package printer

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// attach serves the emulated printer emu on conn: bytes from conn go to
// the emulator, its replies go back on conn. It returns a function that
// waits for the pump to stop (after conn is closed).
func attach(emu *escpos.Printer, conn io.ReadWriter) (wait func()) {
	emu.SetOutput(conn)
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				if _, err := emu.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	return wg.Wait
}

// newEmulator starts an emulated printer that is closed with the test.
func newEmulator(t *testing.T, opts escpos.Options) *escpos.Printer {
	t.Helper()
	opts.Logger = testLogger(t)
	emu, err := escpos.NewPrinter(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu
}

// emulatorPrinter connects a Printer to a new emulated printer over
// net.Pipe.
func emulatorPrinter(t *testing.T, eopts escpos.Options, opts *Options) (*Printer, *escpos.Printer) {
	t.Helper()
	emu := newEmulator(t, eopts)
	c1, c2 := net.Pipe()
	wait := attach(emu, c2)
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.Logger = testLogger(t)
	p := New(c1, &o)
	t.Cleanup(func() {
		p.Close()
		c2.Close()
		emu.SetOutput(nil)
		wait()
	})
	return p, emu
}

func saleJob(t *testing.T) []byte {
	t.Helper()
	pan, err := receipt.MaskPAN("4761739001010010")
	if err != nil {
		t.Fatal(err)
	}
	job, err := receipt.Encode(&receipt.Receipt{
		MerchantName: "EMULATOR SHOP",
		PAN:          pan,
		Amount:       receipt.Amount{Minor: 2500, Currency: "EUR"},
		RRN:          "000000000001",
		Time:         time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func TestEmulatorStatusStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, emu := emulatorPrinter(t, escpos.Options{}, nil)
		ctx := t.Context()
		check := func(name string, want error, field func(Status) bool) {
			t.Helper()
			st, err := p.Status(ctx)
			if err != nil {
				t.Fatalf("%s: Status: %v", name, err)
			}
			if !field(st) {
				t.Errorf("%s: status %v", name, st)
			}
			err = p.Ready(ctx)
			if want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Errorf("%s: Ready = %v, want %v", name, err, want)
			}
		}
		check("ready", nil, func(s Status) bool { return s.Online && s.Paper() == "ok" && s.Raw == [4]byte{0x12, 0x12, 0x12, 0x12} })
		emu.SetPaper(escpos.PaperNearEnd)
		check("near end", nil, func(s Status) bool { return s.PaperNearEnd && !s.PaperOut })
		emu.SetPaper(escpos.PaperOut)
		check("paper out", ErrPaperOut, func(s Status) bool { return s.PaperOut && !s.Online })
		emu.SetPaper(escpos.PaperOK)
		emu.SetCover(true)
		check("cover open", ErrCoverOpen, func(s Status) bool { return s.CoverOpen && !s.Online })
		emu.SetCover(false)
		emu.SetCutterJam(true)
		check("cutter jam", ErrCutter, func(s Status) bool { return s.CutterError && s.Error })
		emu.SetCutterJam(false)
		emu.SetCover(true) // opening and closing the cover clears a cutter error whose cause is gone
		emu.SetCover(false)
		emu.Overheat(time.Minute)
		check("overheat", ErrAutoRecoverable, func(s Status) bool { return s.AutoRecoverable })
		time.Sleep(time.Minute) // fake time in the bubble: the head cools down
		emu.SetOnline(false)
		check("offline", ErrOffline, func(s Status) bool { return !s.Online && !s.AutoRecoverable })
		emu.SetOnline(true)
		emu.SetDrawer(true)
		check("drawer", nil, func(s Status) bool { return s.DrawerPin3High })
	})
}

func TestEmulatorVerifiedPrint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, emu := emulatorPrinter(t, escpos.Options{}, nil)
		if err := p.Print(t.Context(), saleJob(t)); err != nil {
			t.Fatalf("Print: %v", err)
		}
		rs := emu.Receipts()
		if len(rs) != 1 {
			t.Fatalf("%d receipts printed, want 1", len(rs))
		}
		text := string(render.Text(rs[0]))
		if !strings.Contains(text, "476173******0010") || !strings.Contains(text, "EUR 25.00") {
			t.Errorf("printed:\n%s", text)
		}
	})
}

func TestEmulatorPrintFailsWhenPaperRunsOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A roll of 30 mm runs out in the middle of the receipt.
		p, emu := emulatorPrinter(t, escpos.Options{RollLengthMM: 30}, &Options{PollInterval: 100 * time.Millisecond})
		err := p.Print(t.Context(), saleJob(t))
		var pe *PrintError
		if !errors.Is(err, ErrNotConfirmed) || !errors.Is(err, ErrPaperOut) || !errors.As(err, &pe) || pe.Status == nil {
			t.Fatalf("Print = %v, want a PrintError for paper out", err)
		}
		if len(emu.Receipts()) != 0 {
			t.Errorf("a receipt was finished although the paper ran out")
		}
		linesBefore := emu.Status().LinesPrinted
		// Paper out before the next job: Ready says so.
		if err := p.Ready(t.Context()); !errors.Is(err, ErrPaperOut) {
			t.Errorf("Ready = %v", err)
		}
		// The failed job was cleared from the printer's buffers: a new
		// roll (again of 30 mm) prints nothing of it.
		emu.SetPaper(escpos.PaperOK)
		if err := emu.WaitIdle(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Only the torn end of the old roll, never cut, is finished.
		if rs := emu.Receipts(); len(rs) != 1 || rs[0].Cut() != nil {
			t.Errorf("%d receipts finished after the new roll, want the torn one", len(rs))
		}
		if st := emu.Status(); st.Buffered != 0 || st.LinesPrinted != linesBefore {
			t.Errorf("after the new roll: %d bytes buffered, %d lines printed (were %d)", st.Buffered, st.LinesPrinted, linesBefore)
		}
	})
}

func TestEmulatorCoverOpenedBeforeJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, emu := emulatorPrinter(t, escpos.Options{}, &Options{PollInterval: 100 * time.Millisecond, ConfirmTimeout: 10 * time.Second})
		emu.SetCover(true)
		start := time.Now()
		err := p.Print(t.Context(), saleJob(t))
		if !errors.Is(err, ErrCoverOpen) {
			t.Fatalf("Print = %v, want ErrCoverOpen", err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("failed after %v, want the first poll", d)
		}
		// The failed job was cleared from the printer, so closing the cover
		// prints nothing; the owed receipt is printed again, once.
		emu.SetCover(false)
		if err := p.Print(t.Context(), saleJob(t)); err != nil {
			t.Fatalf("Print after closing the cover: %v", err)
		}
		if n := len(emu.Receipts()); n != 1 {
			t.Errorf("%d receipts, want exactly 1", n)
		}
	})
}

func TestEmulatorFailover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		primary, pemu := emulatorPrinter(t, escpos.Options{}, nil)
		backup, bemu := emulatorPrinter(t, escpos.Options{Profile: "zh-80"}, nil)
		pemu.SetPaper(escpos.PaperOut)
		g := Failover(primary, backup)
		if err := g.Print(t.Context(), saleJob(t)); err != nil || g.Used() != 1 {
			t.Fatalf("Print = %v, used %d; want the backup", err, g.Used())
		}
		if len(pemu.Receipts()) != 0 || len(bemu.Receipts()) != 1 {
			t.Errorf("receipts: primary %d, backup %d", len(pemu.Receipts()), len(bemu.Receipts()))
		}
	})
}

// newServer serves a new emulated printer with the emulator's own server
// (pty and TCP), closed with the test.
func newServer(t *testing.T, pty bool) (*escpos.Server, *escpos.Printer) {
	t.Helper()
	emu := newEmulator(t, escpos.Options{})
	srv, err := escpos.NewServer(emu, escpos.ServerOptions{PTY: pty, TCP: true, Logger: testLogger(t)})
	if errors.Is(err, escpos.ErrNoPTY) {
		t.Skipf("no pty support here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, emu
}

// TestEmulatorOverTCP runs status and a verified print over a real TCP
// connection to the emulator's server.
func TestEmulatorOverTCP(t *testing.T) {
	srv, emu := newServer(t, false)
	p, err := Open(t.Context(), srv.URL(), &Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	emu.SetPaper(escpos.PaperNearEnd)
	if st, err := p.Status(t.Context()); err != nil || !st.PaperNearEnd {
		t.Fatalf("Status = %v, %v", st, err)
	}
	if err := p.Print(t.Context(), saleJob(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(emu.Receipts()); n != 1 {
		t.Errorf("%d receipts", n)
	}
	emu.SetCover(true)
	if err := p.Print(t.Context(), saleJob(t)); !errors.Is(err, ErrCoverOpen) {
		t.Errorf("Print with the cover open = %v", err)
	}
}

// TestEmulatorOverPty drives the emulator's virtual serial port with
// go.bug.st/serial, as a real serial printer is driven.
func TestEmulatorOverPty(t *testing.T) {
	srv, emu := newServer(t, true)
	p, err := Open(t.Context(), "serial://"+srv.PTY()+"?baud=38400", &Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	emu.SetCutterJam(true)
	if err := p.Ready(t.Context()); !errors.Is(err, ErrCutter) {
		t.Errorf("Ready = %v, want ErrCutter", err)
	}
	emu.SetCutterJam(false)
	emu.SetCover(true)
	emu.SetCover(false)
	job := saleJob(t)
	if err := p.Print(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	rs := emu.Receipts()
	if len(rs) != 1 || !bytes.Contains(rs[0].Raw, job[:32]) {
		t.Fatalf("receipts %d; the job did not arrive intact", len(rs))
	}
	if text := string(render.Text(rs[0])); !strings.Contains(text, "476173******0010") {
		t.Errorf("printed:\n%s", text)
	}
	// Close and reopen the port: the emulator keeps serving.
	p.Close()
	p2, err := Open(t.Context(), "serial://"+srv.PTY(), &Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if err := p2.Ready(t.Context()); err != nil {
		t.Errorf("Ready after reopening: %v", err)
	}
}

// A printer that has confirmed jobs before and then loses one to a power
// cycle (buffers emptied, status clean afterwards) must not have the lost
// job counted as printed.
// TestEmulatorFirstJobLostToPowerCycleNotConfirmed is the same loss on the
// first job of a connection: the probe before it has shown that the printer
// answers GS ( H, so its silence is not taken for a printer without it.
func TestEmulatorFirstJobLostToPowerCycleNotConfirmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, emu := emulatorPrinter(t, escpos.Options{}, &Options{ConfirmTimeout: 2 * time.Second, PollInterval: -1})
		var once sync.Once
		emu.OnEvent(func(e escpos.Event) {
			if e.Lines > 3 {
				once.Do(emu.PowerCycle)
			}
		})
		err := p.Print(t.Context(), saleJob(t))
		if !errors.Is(err, ErrNotConfirmed) {
			t.Fatalf("first Print with a power cycle mid-job = %v, want ErrNotConfirmed", err)
		}
		if st, err := p.Status(t.Context()); err != nil || st.Err() != nil {
			t.Fatalf("status after the power cycle: %v %v", st, err)
		}
		// The printer is back: the next job is confirmed by its reply.
		if err := p.Print(t.Context(), saleJob(t)); err != nil {
			t.Fatalf("job after the power cycle: %v", err)
		}
	})
}

func TestEmulatorJobLostToPowerCycleNotConfirmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, emu := emulatorPrinter(t, escpos.Options{}, &Options{ConfirmTimeout: 2 * time.Second, PollInterval: -1})
		if err := p.Print(t.Context(), saleJob(t)); err != nil {
			t.Fatalf("first job: %v", err)
		}
		done := emu.Status().LinesPrinted
		var once sync.Once
		emu.OnEvent(func(e escpos.Event) {
			if e.Lines > done+3 {
				once.Do(emu.PowerCycle)
			}
		})
		err := p.Print(t.Context(), saleJob(t))
		if !errors.Is(err, ErrNotConfirmed) {
			t.Fatalf("Print after a power cycle mid-job = %v, want ErrNotConfirmed", err)
		}
		if st, err := p.Status(t.Context()); err != nil || st.Err() != nil {
			t.Fatalf("status after the power cycle: %v %v (the clean status is what the old fallback trusted)", st, err)
		}
	})
}

// TestEmulatorJobAfterTruncatedCommand: an earlier client left the
// printer in the middle of a command (its parameter or data bytes still
// expected), as a client killed mid-job on a serial line does. Without a
// reset the job's bytes would be taken for that command's data and its
// GS ( H answer never sent; Print's DLE DC4 8 brings the printer back to a
// command boundary, so the job prints whole and is confirmed. The bytes
// are written by hand from Epson's command reference, one per class of
// command the decoder waits inside.
func TestEmulatorJobAfterTruncatedCommand(t *testing.T) {
	cases := []struct {
		name string
		left []byte
	}{
		{"lone ESC", []byte{0x1B}},
		{"ESC ! without n", []byte{0x1B, 0x21}},
		{"ESC $ without nH", []byte{0x1B, 0x24, 0x00}},
		{"ESC D tabs without NUL", []byte{0x1B, 0x44, 0x05, 0x0A}},
		{"GS ( E pL pH = 65535", []byte{0x1D, 0x28, 0x45, 0xFF, 0xFF}},
		{"GS ( k QR store cut short", []byte{0x1D, 0x28, 0x6B, 0x10, 0x00, 0x31, 0x50, 0x30, 0x41, 0x42}},
		{"GS v 0 raster cut short", []byte{0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x10, 0x00, 0xFF, 0x00, 0xAA}},
		{"ESC * band cut short", []byte{0x1B, 0x2A, 0x21, 0x10, 0x00, 0xFF, 0xFF, 0xFF}},
		{"GS k CODE39 without NUL", []byte{0x1D, 0x6B, 0x04, 0x41, 0x42, 0x43}},
		{"GS k CODE128 cut short", []byte{0x1D, 0x6B, 0x49, 0x0A, 0x7B, 0x42, 0x31}},
		{"GS 8 L graphics cut short", []byte{0x1D, 0x38, 0x4C, 0x10, 0x00, 0x00, 0x00, 0x30, 0x70, 0x30}},
		{"GS V without m", []byte{0x1D, 0x56}},
		{"lone DLE", []byte{0x10}},
		{"DLE EOT without n", []byte{0x10, 0x04}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, emu := emulatorPrinter(t, escpos.Options{}, &Options{ConfirmTimeout: 5 * time.Second})
				if _, err := emu.Write(c.left); err != nil {
					t.Fatal(err)
				}
				emu.WaitIdle(t.Context())
				if err := p.Print(t.Context(), saleJob(t)); err != nil {
					t.Fatalf("Print after %q was left half sent: %v", c.name, err)
				}
				emu.WaitIdle(t.Context())
				var whole []string
				for _, r := range emu.Receipts() {
					if text := string(render.Text(r)); strings.Contains(text, "476173******0010") {
						whole = append(whole, text)
					}
				}
				if len(whole) != 1 {
					t.Fatalf("%d whole receipts with the job's card, want 1", len(whole))
				}
			})
		})
	}
}

// TestEmulatorUnconfirmedJobMayHavePrinted: the printer goes offline
// right after the receipt's cut, so the job's answer never comes; the
// status shows the fault, yet the receipt is whole in the customer's hand.
// The error must say the job may have printed, so that the owed receipt is
// printed again marked, not as a second original.
func TestEmulatorUnconfirmedJobMayHavePrinted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, emu := emulatorPrinter(t, escpos.Options{}, &Options{ConfirmTimeout: 2 * time.Second, PollInterval: 100 * time.Millisecond})
		var once sync.Once
		emu.OnEvent(func(e escpos.Event) {
			if e.Cuts > 0 {
				once.Do(func() { emu.SetCover(true) })
			}
		})
		err := p.Print(t.Context(), saleJob(t))
		var pe *PrintError
		if !errors.As(err, &pe) || !errors.Is(err, ErrCoverOpen) {
			t.Fatalf("Print with the cover opened after the cut = %v", err)
		}
		if !pe.MaybePrinted {
			t.Error("MaybePrinted false, yet the receipt was cut whole before the fault")
		}
		emu.WaitIdle(t.Context())
		if n := len(emu.Receipts()); n != 1 || emu.Receipts()[0].Cut() == nil {
			t.Errorf("%d receipts; want the one whole receipt", n)
		}
	})
}

// TestEmulatorTornJobIsCutOff: a job that stopped part way (a power cycle
// mid-receipt) leaves its lines on the paper; the next job cuts them off
// first, so the new receipt does not start with the torn one's text.
func TestEmulatorTornJobIsCutOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, emu := emulatorPrinter(t, escpos.Options{}, &Options{ConfirmTimeout: 2 * time.Second, PollInterval: -1})
		var once sync.Once
		emu.OnEvent(func(e escpos.Event) {
			if e.Lines > 3 {
				once.Do(emu.PowerCycle)
			}
		})
		if err := p.Print(t.Context(), saleJob(t)); !errors.Is(err, ErrNotConfirmed) {
			t.Fatalf("Print with a power cycle mid-job = %v", err)
		}
		if err := p.Print(t.Context(), saleJob(t)); err != nil {
			t.Fatalf("next job: %v", err)
		}
		emu.WaitIdle(t.Context())
		rs := emu.Receipts()
		if len(rs) != 2 {
			t.Fatalf("%d receipts, want the torn piece and the whole receipt", len(rs))
		}
		torn, whole := string(render.Text(rs[0])), string(render.Text(rs[1]))
		if strings.Contains(torn, "AMOUNT") || !strings.Contains(whole, "AMOUNT") || strings.Count(whole, "EMULATOR SHOP") != 1 {
			t.Errorf("torn piece:\n%s\nwhole receipt:\n%s", torn, whole)
		}
	})
}
