package hostproto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDumpMasksEveryFixture(t *testing.T) {
	for _, tc := range wireCases(t) {
		for name, v := range map[string]any{"bytes": tc.wire, "message": tc.msg} {
			var buf bytes.Buffer
			if err := Dump(&buf, v); err != nil {
				t.Fatalf("%s (%s): %v", tc.name, name, err)
			}
			out := buf.String()
			if strings.Contains(out, testPAN) {
				t.Errorf("%s (%s): dump shows the full card number:\n%s", tc.name, name, out)
			}
			if !strings.Contains(out, "MTI..") || !strings.Contains(out, string(tc.wire[:4])) {
				t.Errorf("%s (%s): dump lacks the MTI:\n%s", tc.name, name, out)
			}
		}
	}
}

func TestDumpShowsFields(t *testing.T) {
	var buf bytes.Buffer
	if err := Dump(&buf, testSaleWire(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"424242******4242", // DE2 masked
		"000000001234",     // DE4
		"TERM0001",         // DE41
		"723C048000C08010", // bitmap in hex
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("dump lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestDumpUndecodable(t *testing.T) {
	// A sale cut in the middle of DE4: the card number is whole in the bytes.
	cut := testSaleWire(t)[:40]
	var buf bytes.Buffer
	if err := Dump(&buf, cut); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "undecodable message (40 bytes)") || !strings.Contains(out, "field 4") {
		t.Errorf("dump does not say what is wrong:\n%s", out)
	}
	if strings.Contains(out, testPAN) || strings.Contains(out, "4242424242") {
		t.Errorf("dump of undecodable bytes shows card digits:\n%s", out)
	}
	if !strings.Contains(out, "|0200") {
		t.Errorf("dump lacks the hex view:\n%s", out)
	}
}

func TestDumpRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := Dump(&buf, "0200"); err == nil {
		t.Error("Dump accepted a string")
	}
	err := Dump(&buf, &FinancialRequest{})
	var pe *PackError
	if !errors.As(err, &pe) {
		t.Errorf("Dump of an invalid message: %v", err)
	}
}

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
