package receipt

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// decodeAll runs the emulator's decoder over job and returns the commands.
func decodeAll(t *testing.T, job []byte, opts escpos.DecoderOptions) []escpos.Command {
	t.Helper()
	d := escpos.NewDecoder(opts)
	var cmds []escpos.Command
	d.Decode(job, func(c escpos.Command) { cmds = append(cmds, c) })
	d.Flush()
	for c, ok := d.Next(); ok; c, ok = d.Next() {
		cmds = append(cmds, c)
	}
	if n := d.Buffered(); n != 0 {
		t.Errorf("decoder left %d bytes undecoded", n)
	}
	for _, c := range cmds {
		if m, ok := c.(escpos.Malformed); ok {
			t.Errorf("decoder rejected part of the job: %v", m)
		}
	}
	return cmds
}

// printOn prints job on an emulated printer of the profile and returns the
// paper it produced.
func printOn(t *testing.T, profile string, job []byte, cut Cut) []*paper.Receipt {
	t.Helper()
	p, err := escpos.NewPrinter(escpos.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Write(job); err != nil {
		t.Fatal(err)
	}
	if cut == NoCut {
		p.EndJob() // the receipt ends where the job ends
	}
	if err := p.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p.Receipts()
}

func fullReceipt(lang Language) *Receipt {
	pan, _ := MaskPAN("6222021234567890123")
	return &Receipt{
		MerchantName:    "POSHIL COFFEE 咖啡",
		MerchantAddress: []string{"88 Jianguo Road, Beijing"},
		MerchantID:      "123456789012345",
		TerminalID:      "TERM0001",
		Type:            Sale,
		Copy:            CustomerCopy,
		PAN:             pan,
		Amount:          Amount{Minor: 12345, Currency: "CNY"},
		AuthCode:        "A1B2C3",
		RRN:             "612345678901",
		STAN:            "000042",
		Batch:           "000007",
		Time:            time.Date(2026, 11, 23, 17, 30, 5, 0, time.UTC),
		Reference:       "R0042",
		Reprint:         1,
		EReceiptURL:     "https://r.poshil.test/e/R0042",
		Language:        lang,
	}
}

// TestEncodeDecodesCleanly checks the job command by command with the
// emulator's decoder: nothing malformed, and the commands the encoder
// meant, in order.
func TestEncodeDecodesCleanly(t *testing.T) {
	for _, tc := range []struct {
		name string
		lang Language
		opts Options
	}{
		{"en-80", English, Options{}},
		{"zh-80", Chinese, Options{}},
		{"en-58", English, Options{Columns: 32}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job, err := Encode(fullReceipt(tc.lang), &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, c := range decodeAll(t, job, escpos.DecoderOptions{}) {
				fmt.Fprintf(&b, "%T %v\n", c, c)
			}
			golden(t, "commands-"+tc.name+".txt", []byte(b.String()))
		})
	}
}

// TestEncodeOnEmulator prints receipts on the emulated printers and checks
// the laid-out paper, rendered as text, against golden files; every line
// must fit the roll.
func TestEncodeOnEmulator(t *testing.T) {
	for _, tc := range []struct {
		name, profile string
		lang          Language
		columns       int
		cut           Cut
	}{
		{"en-80", "tm-t88", English, 48, PartialCut},
		{"zh-80", "zh-80", Chinese, 48, PartialCut},
		{"zh-on-tm-t88", "tm-t88", Chinese, 48, FullCut},
		{"en-58", "generic-58", English, 32, NoCut}, // no cutter on this profile
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fullReceipt(tc.lang)
			job, err := Encode(r, &Options{Columns: tc.columns, Cut: tc.cut})
			if err != nil {
				t.Fatal(err)
			}
			receipts := printOn(t, tc.profile, job, tc.cut)
			if len(receipts) != 1 {
				t.Fatalf("%d receipts on paper, want 1", len(receipts))
			}
			paperOut := receipts[0]
			switch c := paperOut.Cut(); {
			case tc.cut == NoCut && c != nil, tc.cut != NoCut && c == nil, c != nil && c.Partial != (tc.cut == PartialCut):
				t.Errorf("receipt ended by cut %v, want %v", c, tc.cut)
			}
			text := render.Text(paperOut)
			golden(t, "paper-"+tc.name+".txt", text)
			for _, line := range strings.Split(string(text), "\n") {
				if w := cells(line); w > tc.columns && !strings.HasPrefix(line, "[QR]") {
					t.Errorf("line wider than %d columns (%d): %q", tc.columns, w, line)
				}
			}
			for _, want := range []string{"622202*********0123", "[QR] " + r.EReceiptURL, "CNY 123.45", "#1"} {
				if !strings.Contains(string(text), want) {
					t.Errorf("paper lacks %q", want)
				}
			}
			if strings.Contains(string(text), "6222021234567890123") || strings.Contains(string(text), "2021234567") {
				t.Error("paper holds the full PAN")
			}
		})
	}
}

// TestInterruptedMarkInEveryLanguage: a receipt printed again after an
// interrupted print carries InterruptedMark in English and Chinese alike,
// on a 58 mm and an 80 mm roll, as checkers look for it; a duplicate's mark
// wins over it.
func TestInterruptedMarkInEveryLanguage(t *testing.T) {
	for _, lang := range []Language{English, Chinese} {
		for _, profile := range []string{"tm-t88", "generic-58"} {
			r := fullReceipt(lang)
			r.Reprint, r.Interrupted = 0, true
			opts := &Options{Cut: PartialCut}
			if profile == "generic-58" {
				opts.Columns, opts.Cut = 32, NoCut // no cutter on this profile
			}
			job, err := Encode(r, opts)
			if err != nil {
				t.Fatal(err)
			}
			rs := printOn(t, profile, job, opts.Cut)
			if len(rs) != 1 {
				t.Fatalf("%v on %s: %d receipts, want 1", lang, profile, len(rs))
			}
			text := string(render.Text(rs[0]))
			if !strings.Contains(text, InterruptedMark) || !strings.Contains(text, "REPRINT") {
				t.Errorf("%v on %s: no interrupted mark:\n%s", lang, profile, text)
			}
			r.Reprint = 1
			job, _ = Encode(r, opts)
			rs = printOn(t, profile, job, opts.Cut)
			if len(rs) != 1 {
				t.Fatalf("%v on %s: %d receipts, want 1", lang, profile, len(rs))
			}
			if text := string(render.Text(rs[0])); strings.Contains(text, InterruptedMark) {
				t.Errorf("%v on %s: a duplicate carries the interrupted mark", lang, profile)
			}
		}
	}
}
