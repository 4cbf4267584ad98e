package escposcmd_test

import (
	"errors"
	"testing"

	"github.com/poshil/hil/pkg/escposcmd"
)

// Bytes from Epson's DLE EOT tables, written by hand.
func TestRealtimeStatusBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    escposcmd.RealtimeStatus
		want [4]byte
	}{
		{"ready", escposcmd.RealtimeStatus{}, [4]byte{0x12, 0x12, 0x12, 0x12}},
		{"cover open", escposcmd.RealtimeStatus{Offline: true, CoverOpen: true}, [4]byte{0x1A, 0x16, 0x12, 0x12}},
		{"paper out", escposcmd.RealtimeStatus{Offline: true, PaperEndStop: true, PaperOut: true}, [4]byte{0x1A, 0x32, 0x12, 0x72}},
		{"near end", escposcmd.RealtimeStatus{NearEnd: true}, [4]byte{0x12, 0x12, 0x12, 0x1E}},
		{"cutter jam waiting for recovery", escposcmd.RealtimeStatus{Offline: true, WaitingRecovery: true, Error: true, Cutter: true}, [4]byte{0x3A, 0x52, 0x1A, 0x12}},
		{"feed button, drawer high", escposcmd.RealtimeStatus{FeedButton: true, DrawerPin3High: true}, [4]byte{0x56, 0x12, 0x12, 0x12}},
	} {
		var got [4]byte
		for n := byte(1); n <= 4; n++ {
			got[n-1], _ = tc.s.Encode(n)
		}
		if got != tc.want {
			t.Errorf("%s: % X, want % X", tc.name, got, tc.want)
		}
		back, err := escposcmd.DecodeRealtime(tc.want)
		if err != nil || back != tc.s {
			t.Errorf("%s: decoded %+v, %v", tc.name, back, err)
		}
	}
	if _, ok := (escposcmd.RealtimeStatus{}).Encode(5); ok {
		t.Error("DLE EOT 5 has a reply")
	}
	var bad *escposcmd.BadStatusByteError
	if _, err := escposcmd.DecodeRealtime([4]byte{0x12, 0xFF, 0x12, 0x12}); !errors.As(err, &bad) || bad.N != 2 {
		t.Errorf("bad byte: %v", err)
	}
}
