package receipt

import (
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
)

// FuzzMaskPAN checks that whatever MaskPAN accepts shows at most the first
// 6 and last 4 digits, and that those are the input's own digits.
func FuzzMaskPAN(f *testing.F) {
	for _, s := range []string{"4111111111111111", "4111-1111-1111-1111", "411111******1111", "************1111",
		"6222021234567890123", "41111111111", "4111 11XX XXXX 1111", "411111*1111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := MaskPAN(in)
		if err != nil {
			if strings.Contains(err.Error(), in) && len(in) >= 10 {
				t.Fatalf("error repeats the input: %v", err)
			}
			return
		}
		s := string(m)
		if len(s) < 12 || len(s) > 19 {
			t.Fatalf("masked length %d", len(s))
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '*' {
				continue
			}
			if c < '0' || c > '9' {
				t.Fatalf("masked PAN %q holds %q", s, c)
			}
			if i >= 6 && i < len(s)-4 {
				t.Fatalf("masked PAN %q shows digit %d", s, i+1)
			}
		}
		if again, err := MaskPAN(s); err != nil || again != m {
			t.Fatalf("masking is not stable: %q -> %q, %v", s, again, err)
		}
	})
}

// FuzzEncode checks that any receipt Encode accepts decodes cleanly on the
// emulator's decoder (nothing malformed, every byte consumed) and that the
// text fields cannot inject commands.
func FuzzEncode(f *testing.F) {
	f.Add("SHOP", "88 Road", "A1B2C3", "https://e.example/1", uint8(0), uint8(48))
	f.Add("咖啡店", "北京市", "授权", "", uint8(1), uint8(32))
	f.Add("x\x1b@", "", "", "", uint8(0), uint8(48))
	f.Add(strings.Repeat("W", 100), strings.Repeat("长", 40), "", strings.Repeat("u", 300), uint8(1), uint8(24))
	f.Fuzz(func(t *testing.T, name, addr, auth, url string, lang, cols uint8) {
		r := &Receipt{
			MerchantName:    name,
			MerchantAddress: []string{addr},
			AuthCode:        auth,
			EReceiptURL:     url,
			PAN:             "411111******1111",
			Amount:          Amount{Minor: 1, Currency: "CNY"},
			Time:            time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Language:        Language(lang % 2),
		}
		job, err := Encode(r, &Options{Columns: 24 + int(cols)%41})
		if err != nil {
			return
		}
		d := escpos.NewDecoder(escpos.DecoderOptions{})
		texts := 0
		check := func(c escpos.Command) {
			switch c := c.(type) {
			case escpos.Malformed:
				t.Fatalf("malformed: %v", c)
			case escpos.Text:
				texts++
			}
		}
		d.Decode(job, check)
		d.Flush()
		for c, ok := d.Next(); ok; c, ok = d.Next() {
			check(c)
		}
		if d.Buffered() != 0 || texts == 0 {
			t.Fatalf("buffered %d, texts %d", d.Buffered(), texts)
		}
	})
}
