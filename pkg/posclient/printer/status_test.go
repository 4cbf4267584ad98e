package printer

import (
	"errors"
	"testing"
)

func TestDecodeStatusTables(t *testing.T) {
	// Reference values from the Epson DLE EOT tables (escpos-protocol.md §2.2).
	for _, tc := range []struct {
		name  string
		raw   [4]byte
		check func(Status) bool
		err   error
	}{
		{"all clear", [4]byte{0x12, 0x12, 0x12, 0x12}, func(s Status) bool { return s.Online && !s.CoverOpen && s.Paper() == "ok" }, nil},
		{"drawer pin 3 high", [4]byte{0x16, 0x12, 0x12, 0x12}, func(s Status) bool { return s.DrawerPin3High && s.Online }, nil},
		{"offline", [4]byte{0x1A, 0x12, 0x12, 0x12}, func(s Status) bool { return !s.Online }, ErrOffline},
		{"cover open", [4]byte{0x1A, 0x16, 0x12, 0x12}, func(s Status) bool { return s.CoverOpen }, ErrCoverOpen},
		{"feeding", [4]byte{0x1A, 0x1A, 0x12, 0x12}, func(s Status) bool { return s.PaperFeeding }, ErrOffline},
		{"paper end stop", [4]byte{0x1A, 0x32, 0x12, 0x12}, func(s Status) bool { return s.PaperEndStop }, ErrPaperOut},
		{"error", [4]byte{0x1A, 0x52, 0x12, 0x12}, func(s Status) bool { return s.Error }, ErrPrinterError},
		{"recoverable", [4]byte{0x1A, 0x52, 0x16, 0x12}, func(s Status) bool { return s.RecoverableError }, ErrMechanical},
		{"cutter", [4]byte{0x1A, 0x52, 0x1A, 0x12}, func(s Status) bool { return s.CutterError }, ErrCutter},
		{"unrecoverable", [4]byte{0x1A, 0x52, 0x32, 0x12}, func(s Status) bool { return s.Unrecoverable }, ErrUnrecoverable},
		{"head overheat", [4]byte{0x1A, 0x52, 0x52, 0x12}, func(s Status) bool { return s.AutoRecoverable }, ErrAutoRecoverable},
		{"near end", [4]byte{0x12, 0x12, 0x12, 0x1E}, func(s Status) bool { return s.PaperNearEnd && s.Paper() == "near-end" }, nil},
		{"paper out", [4]byte{0x1A, 0x32, 0x12, 0x72}, func(s Status) bool { return s.PaperOut }, ErrPaperOut},
		{"near end and out", [4]byte{0x1A, 0x32, 0x12, 0x7E}, func(s Status) bool { return s.PaperOut && s.PaperNearEnd }, ErrPaperOut},
		{"waiting recovery", [4]byte{0x3A, 0x16, 0x12, 0x12}, func(s Status) bool { return s.WaitingRecovery }, ErrCoverOpen},
	} {
		st, err := DecodeStatus(tc.raw)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !tc.check(st) {
			t.Errorf("%s: decoded %+v", tc.name, st)
		}
		if got := st.Err(); !errors.Is(got, tc.err) || (tc.err == nil) != (got == nil) {
			t.Errorf("%s: Err() = %v, want %v", tc.name, got, tc.err)
		}
		if st.Raw != tc.raw {
			t.Errorf("%s: Raw = % X", tc.name, st.Raw)
		}
	}
}

func TestDecodeStatusFixedBits(t *testing.T) {
	for _, b := range []byte{0x00, 0x10, 0x13, 0x02, 0x92, 0x11, 0xFF} {
		for i := range 4 {
			raw := [4]byte{0x12, 0x12, 0x12, 0x12}
			raw[i] = b
			_, err := DecodeStatus(raw)
			var re *ReplyError
			if !errors.Is(err, ErrBadReply) || !errors.As(err, &re) || len(re.Got) != 1 || re.Got[0] != b {
				t.Errorf("byte %d = %02X: err %v, want ErrBadReply naming the byte", i+1, b, err)
			}
		}
	}
}

func TestStatusItems(t *testing.T) {
	st, _ := DecodeStatus([4]byte{0x1A, 0x36, 0x12, 0x72})
	want := map[string]string{"ready": "no (paper out)", "online": "no", "cover": "open", "paper": "out", "raw": "1A 36 12 72"}
	for _, it := range st.Items() {
		if w, ok := want[it.Name]; ok && w != it.Value {
			t.Errorf("%s = %q, want %q", it.Name, it.Value, w)
		}
		delete(want, it.Name)
	}
	if len(want) != 0 {
		t.Errorf("items missing: %v", want)
	}
}
