package hostproto_test

import (
	"fmt"
	"testing"

	"github.com/poshil/hil/pkg/hostproto"
)

func TestMaskPANs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"exec hil pos sale 1.00 --card 4242424242424242", "exec hil pos sale 1.00 --card 424242******4242"},
		{"4242424242424242,4000056655665556", "424242******4242,400005******5556"},
		{"rrn 000000000001 stan 000042", "rrn 000000000001 stan 000042"}, // 12 digits: an RRN, not a card
		{"4242424242424241", "4242424242424241"},                         // check digit wrong
		{"x42424242424242424y", "x42424242424242424y"},                   // 17 digits, not Luhn-valid
		{"card=6011111111111117!", "card=601111******1117!"},
	} {
		if got := hostproto.MaskPANs(tc.in); got != tc.want {
			t.Errorf("MaskPANs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func ExampleMaskPANs() {
	fmt.Println(hostproto.MaskPANs("> exec hil pos sale 12.50 --card 4242424242424242"))
	// Output: > exec hil pos sale 12.50 --card 424242******4242
}

// FuzzMaskPANs: the masked text has the same length, holds no card
// number, and masking it again changes nothing.
func FuzzMaskPANs(f *testing.F) {
	for _, s := range []string{"4242424242424242", "a 4000056655665556 b", "000000000001", "4242424242424242424242", "\xff4242424242424242"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := hostproto.MaskPANs(s)
		if len(m) != len(s) {
			t.Fatalf("length %d, was %d", len(m), len(s))
		}
		if hostproto.HasPAN(m) {
			t.Fatalf("%q still holds a card number", m)
		}
		if hostproto.MaskPANs(m) != m {
			t.Fatalf("masking twice changed %q", m)
		}
	})
}
