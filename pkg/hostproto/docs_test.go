package hostproto

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestWireProfileDocExample checks that the annotated hex dumps in
// docs/acquirer.md ("Example: a sale and its approval") are the bytes the
// codec sends, framed.
func TestWireProfileDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/acquirer.md")
	if err != nil {
		t.Skipf("docs not found: %v", err)
	}
	s := string(doc)
	i := strings.Index(s, "### Example: a sale and its approval")
	if i < 0 {
		t.Fatal("docs/acquirer.md lost its wire example section")
	}
	dumps := hexBlocks(t, s[i:], 2)

	sale := testSale()
	raw, err := Encode(sale)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := AppendFrame(nil, raw)
	if !bytes.Equal(dumps[0], want) {
		t.Errorf("documented sale differs from Encode:\n doc %x\nwant %x", dumps[0], want)
	}
	resp := sale.Response(RCApproved)
	resp.RRN, resp.AuthCode, resp.Batch = testRRN1, "A1B2C3", 1
	raw, err = Encode(resp)
	if err != nil {
		t.Fatal(err)
	}
	want, _ = AppendFrame(nil, raw)
	if !bytes.Equal(dumps[1], want) {
		t.Errorf("documented approval differs from Encode:\n doc %x\nwant %x", dumps[1], want)
	}
}

// hexBlocks returns the bytes of the first n fenced blocks in s that are
// hex.Dump output.
func hexBlocks(t *testing.T, s string, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for len(out) < n {
		a := strings.Index(s, "```\n0000")
		if a < 0 {
			t.Fatalf("found %d hex dumps, want %d", len(out), n)
		}
		s = s[a+4:]
		b := strings.Index(s, "```")
		var buf []byte
		for _, line := range strings.Split(strings.TrimSpace(s[:b]), "\n") {
			// "00000000  00 76 30 …  |ascii|": offset, hex bytes, then the ASCII column.
			line = line[:strings.Index(line, "|")]
			for _, h := range strings.Fields(line)[1:] {
				v, err := hex.DecodeString(h)
				if err != nil {
					t.Fatalf("bad hex %q in docs", h)
				}
				buf = append(buf, v...)
			}
		}
		out = append(out, buf)
		s = s[b+3:]
	}
	return out
}

// TestCUPProfileDocExample checks that the hex dump in docs/profiles.md
// ("Example: a sale") is the framed sale the cup profile sends.
func TestCUPProfileDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/profiles.md")
	if err != nil {
		t.Skipf("docs not found: %v", err)
	}
	s := string(doc)
	i := strings.Index(s, "### Example: a sale")
	if i < 0 {
		t.Fatal("docs/profiles.md lost its example section")
	}
	dump := hexBlocks(t, s[i:], 1)[0]
	tc := cupCases(t)[0]
	raw, err := CUP.AppendEncode(nil, tc.msg, cupTestKeys)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := AppendFrame(nil, raw)
	if !bytes.Equal(dump, want) {
		t.Errorf("documented cup sale differs from the profile:\n doc %x\nwant %x", dump, want)
	}
	if !strings.Contains(s, "4230EF1CB2684955 97F4494DD23D8A72 EB7A8DF9 3EB3B72576BBBE83 0000000000000000 6FB23EAD") {
		t.Error("docs/profiles.md lost the documented field 62 of the fixture keys")
	}
	f62, err := encodeKeys(cupTestKeys)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ToUpper(hex.EncodeToString([]byte(f62))); got != "4230EF1CB268495597F4494DD23D8A72EB7A8DF93EB3B72576BBBE8300000000000000006FB23EAD" {
		t.Errorf("field 62 of the fixture keys is %s", got)
	}
}
