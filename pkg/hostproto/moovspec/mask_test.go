package moovspec

import "testing"

func TestMaskDigitRuns(t *testing.T) {
	tests := map[string]string{
		"164242424242424242000000": "164242**************0000",
		"0200x123456789012y":       "0200x123456789012y", // 12 digits stay
		"1234567890123":            "123456***0123",
		"":                         "",
	}
	for in, want := range tests {
		if got := string(maskDigitRuns([]byte(in))); got != want {
			t.Errorf("maskDigitRuns(%q) = %q, want %q", in, got, want)
		}
	}
}
