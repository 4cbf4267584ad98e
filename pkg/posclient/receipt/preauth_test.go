package receipt

import (
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos/render"
)

// TestPreAuthReceiptsOnEmulator prints the pre-authorization receipt
// types on the printer emulator and reads the paper back: each carries
// its own heading in both languages, and a released hold is negative.
func TestPreAuthReceiptsOnEmulator(t *testing.T) {
	for _, tc := range []struct {
		typ        Type
		lang       Language
		profile    string
		head, amnt string
	}{
		{PreAuth, English, "tm-t88", "PRE-AUTH\n", "CNY 123.45"},
		{PreAuthCancel, English, "tm-t88", "PRE-AUTH CANCEL", "CNY -123.45"},
		{Completion, English, "tm-t88", "PRE-AUTH COMPLETE", "CNY 123.45"},
		{PreAuth, Chinese, "zh-80", "预授权\n", "CNY 123.45"},
		{PreAuthCancel, Chinese, "zh-80", "预授权撤销", "CNY -123.45"},
		{Completion, Chinese, "zh-80", "预授权完成", "CNY 123.45"},
	} {
		t.Run(tc.typ.String()+"-"+tc.profile, func(t *testing.T) {
			r := fullReceipt(tc.lang)
			r.Type = tc.typ
			job, err := Encode(r, &Options{Columns: 48, Cut: PartialCut})
			if err != nil {
				t.Fatal(err)
			}
			got := printOn(t, tc.profile, job, PartialCut)
			if len(got) != 1 {
				t.Fatalf("%d receipts", len(got))
			}
			text := string(render.Text(got[0]))
			// Double-width text renders with a space after each character.
			flat := strings.ReplaceAll(text, " ", "")
			for _, want := range []string{tc.head, tc.amnt} {
				if !strings.Contains(flat, strings.ReplaceAll(want, " ", "")) {
					t.Errorf("paper lacks %q:\n%s", want, text)
				}
			}
			if b, err := tc.typ.MarshalText(); err != nil || string(b) != tc.typ.String() {
				t.Errorf("MarshalText %q %v", b, err)
			}
		})
	}
}
