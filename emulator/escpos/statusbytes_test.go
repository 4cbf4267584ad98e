package escpos

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// One case per row (bit) of the reference tables (§2.2, §2.4, §2.5), on
// the pure status function: every bit alone, fixed bits checked.
func TestStatusTableRows(t *testing.T) {
	type row struct {
		name string
		s    sensors
		want byte
	}
	tables := []struct {
		n    byte
		rows []row
	}{
		{1, []row{
			{"all clear: fixed bits 1 and 4", sensors{}, 0x12},
			{"bit 2: drawer pin 3 HIGH", sensors{drawerHigh: true}, 0x16},
			{"bit 3: offline", sensors{offline: true}, 0x1A},
			{"bit 5: waiting for online recovery", sensors{waitingRecovery: true}, 0x32},
			{"bit 6: paper-feed button pushed", sensors{panelSwitch: true}, 0x52},
		}},
		{2, []row{
			{"all clear", sensors{}, 0x12},
			{"bit 2: cover open", sensors{coverOpen: true}, 0x16},
			{"bit 3: paper fed by FEED button", sensors{feeding: true}, 0x1A},
			{"bit 5: printing stopped by paper end", sensors{paperEndStop: true}, 0x32},
			{"bit 6: error (autocutter)", sensors{cutterError: true}, 0x52},
			{"bit 6: error (auto-recoverable)", sensors{autoRecoverable: true}, 0x52},
			{"bit 6: error (unrecoverable)", sensors{unrecoverable: true}, 0x52},
		}},
		{3, []row{
			{"all clear", sensors{}, 0x12},
			{"bit 2: recoverable error", sensors{recoverable: true}, 0x16},
			{"bit 3: autocutter error", sensors{cutterError: true}, 0x1A},
			{"bit 5: unrecoverable error", sensors{unrecoverable: true}, 0x32},
			{"bit 6: auto-recoverable error", sensors{autoRecoverable: true}, 0x52},
		}},
		{4, []row{
			{"all clear", sensors{}, 0x12},
			{"bits 2,3: near end", sensors{nearEnd: true}, 0x1E},
			{"bits 5,6: paper not present", sensors{paperOut: true}, 0x72},
			{"near end and out", sensors{nearEnd: true, paperOut: true}, 0x7E},
		}},
	}
	for _, tb := range tables {
		for _, r := range tb.rows {
			t.Run(fmt.Sprintf("DLE EOT %d/%s", tb.n, r.name), func(t *testing.T) {
				got, ok := r.s.dleEOT(tb.n)
				if !ok || got != r.want {
					t.Errorf("DLE EOT %d = %#02x, %v; want %#02x", tb.n, got, ok, r.want)
				}
				if got&0x93 != 0x12 {
					t.Errorf("DLE EOT reply %#02x fails the 0xx1xx10 identification", got)
				}
			})
		}
	}
	if _, ok := (sensors{}).dleEOT(5); ok {
		t.Error("DLE EOT 5 answered on a TM-T88-class printer")
	}

	asbRows := []struct {
		name string
		s    sensors
		want [4]byte
	}{
		{"all clear, pin 3 LOW", sensors{}, [4]byte{0x10, 0, 0, 0}},
		{"byte 1 bit 2: drawer pin 3 HIGH", sensors{drawerHigh: true}, [4]byte{0x14, 0, 0, 0}},
		{"byte 1 bit 3: offline", sensors{offline: true}, [4]byte{0x18, 0, 0, 0}},
		{"byte 1 bit 5: cover open", sensors{coverOpen: true}, [4]byte{0x30, 0, 0, 0}},
		{"byte 1 bit 6: paper fed by FEED button", sensors{feeding: true}, [4]byte{0x50, 0, 0, 0}},
		{"byte 2 bit 0: waiting for online recovery", sensors{waitingRecovery: true}, [4]byte{0x10, 0x01, 0, 0}},
		{"byte 2 bit 1: panel switch", sensors{panelSwitch: true}, [4]byte{0x10, 0x02, 0, 0}},
		{"byte 2 bit 2: recoverable error", sensors{recoverable: true}, [4]byte{0x10, 0x04, 0, 0}},
		{"byte 2 bit 3: autocutter error", sensors{cutterError: true}, [4]byte{0x10, 0x08, 0, 0}},
		{"byte 2 bit 5: unrecoverable error", sensors{unrecoverable: true}, [4]byte{0x10, 0x20, 0, 0}},
		{"byte 2 bit 6: auto-recoverable error", sensors{autoRecoverable: true}, [4]byte{0x10, 0x40, 0, 0}},
		{"byte 3 bits 0,1: near end", sensors{nearEnd: true}, [4]byte{0x10, 0, 0x03, 0}},
		{"byte 3 bits 2,3: paper end", sensors{paperOut: true}, [4]byte{0x10, 0, 0x0C, 0}},
	}
	for _, r := range asbRows {
		t.Run("ASB/"+r.name, func(t *testing.T) {
			got := r.s.asb()
			if got != r.want {
				t.Errorf("ASB = % x, want % x", got, r.want)
			}
			if got[0]&0x93 != 0x10 {
				t.Errorf("ASB byte 1 %#02x fails the 0xx1xx00 identification", got[0])
			}
			for i := 1; i < 4; i++ {
				if got[i]&0x90 != 0 {
					t.Errorf("ASB byte %d %#02x fails the 0xx0xxxx identification", i+1, got[i])
				}
			}
		})
	}

	gsrRows := []struct {
		name string
		n    byte
		s    sensors
		want byte
	}{
		{"GS r 1 all clear", 1, sensors{}, 0x00},
		{"GS r 1 bits 0,1: near end", 1, sensors{nearEnd: true}, 0x03},
		{"GS r 1 bits 2,3: paper end", 1, sensors{paperOut: true}, 0x0C},
		{"GS r 49 near end", 49, sensors{nearEnd: true}, 0x03},
		{"GS r 2 pin 3 LOW", 2, sensors{}, 0x00},
		{"GS r 2 bit 0: pin 3 HIGH", 2, sensors{drawerHigh: true}, 0x01},
		{"GS r 50 pin 3 HIGH", 50, sensors{drawerHigh: true}, 0x01},
	}
	for _, r := range gsrRows {
		t.Run(r.name, func(t *testing.T) {
			got, ok := r.s.gsR(r.n)
			if !ok || got != r.want {
				t.Errorf("got %#02x, %v; want %#02x", got, ok, r.want)
			}
		})
	}
}

func TestGSIReplies(t *testing.T) {
	for _, prof := range Profiles() {
		t.Run(prof.Name, func(t *testing.T) {
			p, out := newTestPrinter(t, Options{Profile: prof.Name})
			id := prof.ID
			cases := []struct {
				n    byte
				want []byte
			}{
				{1, []byte{id.Model}}, {49, []byte{id.Model}},
				{2, []byte{id.Type}}, {50, []byte{id.Type}},
				{3, []byte{id.ROM}}, {51, []byte{id.ROM}},
				{65, append(append([]byte{0x5F}, id.Firmware...), 0)},
				{66, append(append([]byte{0x5F}, id.Maker...), 0)},
				{67, append(append([]byte{0x5F}, id.ModelName...), 0)},
				{68, append(append([]byte{0x5F}, id.Serial...), 0)},
				{69, append(append([]byte{0x5F}, id.Fonts...), 0)},
				{35, []byte{0x3D, 35, 0}},
			}
			for _, c := range cases {
				got := send(t, p, out, []byte{GS, GsPrinterID, c.n})
				if !cmp.Equal(got, c.want) {
					t.Errorf("GS I %d = % x, want % x", c.n, got, c.want)
				}
				if c.n < 4 && got[0]&0x90 != 0 {
					t.Errorf("GS I %d reply %#02x fails the 0xx0xxxx identification", c.n, got[0])
				}
			}
			got := send(t, p, out, []byte{GS, GsPrinterID, 33})
			if len(got) != 5 || got[0] != 0x3D || got[1] != 33 || got[2]&0xC0 != 0x40 || got[4] != 0 {
				t.Errorf("GS I 33 = % x, want 3D 21 <type: bit6 1, bit7 0> xx 00", got)
			}
			if got[2]&0x02 != 0 != prof.Cutter {
				t.Errorf("GS I 33 autocutter bit = %v, profile cutter %v", got[2]&0x02 != 0, prof.Cutter)
			}
		})
	}
}

// Status replies of the emulated printer in every state it can be put in.
func TestPrinterStatusStates(t *testing.T) {
	eot := func(t *testing.T, p *Printer, out *replies) []byte {
		return send(t, p, out, []byte{DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 3, DLE, EOT, 4})
	}
	tests := []struct {
		name    string
		opts    Options
		set     func(p *Printer)
		want    []byte // DLE EOT 1, 2, 3, 4
		offline bool
	}{
		{"all clear", Options{}, func(*Printer) {}, []byte{0x12, 0x12, 0x12, 0x12}, false},
		{"drawer open (open = HIGH)", Options{}, func(p *Printer) { p.SetDrawer(true) }, []byte{0x16, 0x12, 0x12, 0x12}, false},
		{"drawer open (open = LOW)", Options{DrawerOpenLow: true}, func(p *Printer) { p.SetDrawer(true) }, []byte{0x12, 0x12, 0x12, 0x12}, false},
		{"drawer closed (open = LOW)", Options{DrawerOpenLow: true}, func(*Printer) {}, []byte{0x16, 0x12, 0x12, 0x12}, false},
		{"cover open", Options{}, func(p *Printer) { p.SetCover(true) }, []byte{0x1A, 0x16, 0x12, 0x12}, true},
		{"near end", Options{}, func(p *Printer) { p.SetPaper(PaperNearEnd) }, []byte{0x12, 0x12, 0x12, 0x1E}, false},
		{"paper out (near-end sensor)", Options{}, func(p *Printer) { p.SetPaper(PaperOut) }, []byte{0x1A, 0x32, 0x12, 0x7E}, true},
		{"paper out (no near-end sensor)", Options{Profile: "generic-58"}, func(p *Printer) { p.SetPaper(PaperOut) }, []byte{0x1A, 0x32, 0x12, 0x72}, true},
		{"near end on 58 mm without sensor", Options{Profile: "generic-58"}, func(p *Printer) { p.SetPaper(PaperNearEnd) }, []byte{0x12, 0x12, 0x12, 0x12}, false},
		{"cutter jam", Options{}, func(p *Printer) { p.SetCutterJam(true) }, []byte{0x3A, 0x52, 0x1A, 0x12}, true}, // waits for DLE ENQ: DLE EOT 1 bit 5
		{"overheat", Options{}, func(p *Printer) { p.Overheat(time.Hour) }, []byte{0x1A, 0x52, 0x52, 0x12}, true},
		{"switched offline", Options{}, func(p *Printer) { p.SetOnline(false) }, []byte{0x1A, 0x12, 0x12, 0x12}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, out := newTestPrinter(t, tc.opts)
			tc.set(p)
			if got := eot(t, p, out); !cmp.Equal(got, tc.want) {
				t.Errorf("DLE EOT 1–4 = % x, want % x", got, tc.want)
			}
			if st := p.Status(); st.Online == tc.offline {
				t.Errorf("Status.Online = %v, want %v (causes %v)", st.Online, !tc.offline, st.OfflineCauses)
			}
		})
	}
}

func TestNearEndStop(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	p.SetPaper(PaperNearEnd)
	// ESC c 4 3: the near-end sensor stops printing.
	send(t, p, out, []byte{ESC, EscPaperSensor, '4', 3})
	if got := send(t, p, out, []byte{DLE, EOT, 2}); !cmp.Equal(got, []byte{0x32}) {
		t.Errorf("DLE EOT 2 = % x, want 32", got)
	}
	if p.Status().Online {
		t.Error("online at near end with ESC c 4 3")
	}
}

func TestGSr(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	p.SetPaper(PaperNearEnd)
	p.SetDrawer(true)
	got := send(t, p, out, []byte{GS, GsStatus, 1, GS, GsStatus, 49, GS, GsStatus, 2, GS, GsStatus, 50})
	if want := []byte{0x03, 0x03, 0x01, 0x01}; !cmp.Equal(got, want) {
		t.Errorf("GS r 1, 49, 2, 50 = % x, want % x", got, want)
	}
	// Paper end: the printer is offline and does not execute GS r until
	// the paper is back.
	p.SetPaper(PaperOut)
	if got := send(t, p, out, []byte{GS, GsStatus, 1}); len(got) != 0 {
		t.Errorf("GS r 1 answered while offline: % x", got)
	}
	p.SetPaper(PaperOK)
	idle(t, p)
	if got := out.take(); !cmp.Equal(got, []byte{0x00}) {
		t.Errorf("GS r 1 after recovery = % x, want 00", got)
	}
}
