package symbol

import (
	"slices"
	"testing"
)

// TestPDF417ErrorCorrection checks the Reed–Solomon codewords with the
// worked example of ISO/IEC 15438 (Annex: "PDF417" in text compaction,
// data codewords 5 453 178 121 239 at error correction level 1).
func TestPDF417ErrorCorrection(t *testing.T) {
	got := pdf417EC([]int{5, 453, 178, 121, 239}, 4)
	if want := []int{452, 327, 657, 619}; !slices.Equal(got, want) {
		t.Errorf("error correction codewords %v, want %v", got, want)
	}
}

// TestPDF417ByteCompaction: six bytes are five base-900 codewords
// (ISO/IEC 15438 5.4.3), after latch 924 for a multiple of six, 901 else.
func TestPDF417ByteCompaction(t *testing.T) {
	// 0x010203040506 = 1108152157446 = 1·900⁴ + 620·900³ + 89·900² + 74·900 + 846.
	if got, want := pdf417Bytes([]byte{1, 2, 3, 4, 5, 6}), []int{924, 1, 620, 89, 74, 846}; !slices.Equal(got, want) {
		t.Errorf("6 bytes: %v, want %v", got, want)
	}
	if got := pdf417Bytes([]byte{1, 2, 3}); !slices.Equal(got, []int{901, 1, 2, 3}) {
		t.Errorf("3 bytes: %v", got)
	}
}
