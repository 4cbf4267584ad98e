package escpos

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/poshil/hil/emulator/escpos/render"
)

func TestKatakanaBoxCharacters(t *testing.T) {
	// printf '\x1bt\x01\x95\x96\x9c\x9d\x9e\x9f\n': Epson's page 1 has rule
	// and box graphics at 0x80–0x9F, used for table borders.
	if got := jobText(t, "\x1bt\x01\x95\x96\x9c\x9d\x9e\x9f\n"); got != "─│╭╮╰╯\n" {
		t.Errorf("got %q, want %q", got, "─│╭╮╰╯\n")
	}
}

func TestPC857EuroSign(t *testing.T) {
	// ESC t 13 (PC857), "5", 0xD5: Epson's page-13 chart has € at 0xD5.
	if got := jobText(t, "\x1bt\x0d5\xd5\n"); got != "5€\n" {
		t.Errorf("got %q, want %q", got, "5€\n")
	}
}

// knownChars are characters of every code page, written down from the
// code page charts (Epson's, IBM's, Microsoft's, ISO 8859), not from the
// generated tables: byte → character.
var knownChars = map[string]map[byte]rune{
	"PC437":           {0x80: 'Ç', 0x9B: '¢', 0xE1: 'ß', 0xFE: '■', 0xB3: '│'},
	"Katakana":        {0x80: '▁', 0x95: '─', 0x96: '│', 0x9F: '╯', 0xB1: 'ｱ', 0xDF: 'ﾟ', 0xF1: '円'},
	"PC850":           {0x9B: 'ø', 0xD5: 'ı', 0xE1: 'ß', 0x9D: 'Ø'},
	"PC860":           {0x84: 'ã', 0x8F: 'Â', 0x91: 'À', 0x94: 'õ'},
	"PC863":           {0x84: 'Â', 0x86: '¶', 0x8D: '‗'},
	"PC865":           {0x9B: 'ø', 0x9D: 'Ø', 0xAF: '¤'},
	"PC851":           {0x86: 'Ά', 0x8D: 'Έ', 0xA4: 'Α', 0xA5: 'Β'},
	"PC853":           {0x86: 'ĉ', 0x98: 'İ', 0xA6: 'Ğ', 0xA7: 'ğ'},
	"PC857":           {0x8D: 'ı', 0x98: 'İ', 0x9E: 'Ş', 0x9F: 'ş', 0xA6: 'Ğ', 0xA7: 'ğ', 0xD5: '€'},
	"PC737":           {0x80: 'Α', 0x98: 'α', 0xE0: 'ω'},
	"ISO8859-7":       {0xC1: 'Α', 0xE1: 'α', 0x80: '\uFFFD'},
	"WPC1252":         {0x80: '€', 0xE9: 'é', 0x81: '\uFFFD', 0x8A: 'Š'},
	"PC866":           {0x80: 'А', 0xA0: 'а', 0xF0: 'Ё'},
	"PC852":           {0x85: 'ů', 0x9F: 'č', 0xA5: 'ą'},
	"PC858":           {0xD5: '€', 0x9B: 'ø'},
	"TCVN-3":          {0xA8: 'ă', 0xA9: 'â', 0xAE: 'đ', 0xB5: 'à', 0xB8: 'á'},
	"TCVN-3-capitals": {0xA1: 'Ă', 0xA2: 'Â', 0xA7: 'Ð', 0xAA: 'Ê', 0xB5: 'À'},
	"PC720":           {0x83: 'â', 0x85: 'à', 0x87: 'ç', 0x98: 'ء'},
	"WPC775":          {0x80: 'Ć', 0x83: 'ā', 0x96: '¢'},
	"PC855":           {0x80: 'ђ', 0x81: 'Ђ', 0xEF: '№'},
	"PC861":           {0x8B: 'Ð', 0x8C: 'ð', 0x8D: 'Þ', 0x95: 'þ'},
	"PC862":           {0x80: 'א', 0x9A: 'ת'},
	"PC864":           {0x80: '°', 0x81: '·', 0x82: '∙', 0x83: '√'},
	"PC869":           {0x86: 'Ά', 0xA4: 'Α', 0xA5: 'Β'},
	"ISO8859-2":       {0xA1: 'Ą', 0xB1: 'ą', 0xE8: 'č'},
	"ISO8859-15":      {0xA4: '€', 0xBC: 'Œ'},
	"PC1098":          {0x82: '،', 0x83: '؛', 0x84: '؟'},
	"PC1118":          {0xB5: 'Ą', 0xD0: 'ą', 0x80: 'Ç'},
	"PC1119":          {0x80: 'А', 0xA0: 'а', 0xB5: 'Ą'},
	"PC1125":          {0x80: 'А', 0xF2: 'Ґ', 0xF3: 'ґ'},
	"WPC1250":         {0x8A: 'Š', 0x9A: 'š', 0xB9: 'ą'},
	"WPC1251":         {0xC0: 'А', 0xE0: 'а', 0xA8: 'Ё', 0x88: '€'},
	"WPC1253":         {0xC1: 'Α', 0xE1: 'α', 0xA2: 'Ά'},
	"WPC1254":         {0xD0: 'Ğ', 0xDD: 'İ', 0xFE: 'ş'},
	"WPC1255":         {0xE0: 'א', 0xFA: 'ת', 0xA4: '₪'},
	"WPC1256":         {0xC7: 'ا', 0xC8: 'ب', 0x81: 'پ'},
	"WPC1257":         {0xC0: 'Ą', 0xE0: 'ą', 0xD0: 'Š'},
	"WPC1258":         {0xC3: 'Ă', 0xE3: 'ă', 0xFE: '₫'},
	"KZ-1048":         {0xC0: 'А', 0xA3: 'Ә', 0xBC: 'ә'},
	"User-defined":    {0x80: '\uFFFD', 0xFF: '\uFFFD'},
}

// TestEveryCodePage prints, on every profile, every page of its ESC t
// table: ESC t n and the known bytes, and checks the characters that come
// out. A page without known characters here fails the test.
func TestEveryCodePage(t *testing.T) {
	for _, prof := range Profiles() {
		for n, name := range prof.CodePages {
			known, ok := knownChars[name]
			if !ok {
				t.Errorf("%s ESC t %d: page %s has no known characters in this test", prof.Name, n, name)
				continue
			}
			var job strings.Builder
			var want strings.Builder
			job.WriteString("\x1bt")
			job.WriteByte(byte(n))
			for b, r := range known {
				job.WriteByte(b)
				job.WriteByte('\n')
				want.WriteRune(r)
				want.WriteByte('\n')
			}
			d := NewDecoder(DecoderOptions{CodePages: prof.CodePages, CodeTable: prof.CodeTable})
			var got strings.Builder
			d.Decode([]byte(job.String()), func(c Command) {
				switch c := c.(type) {
				case CodeTable:
					if c.Page != name {
						t.Errorf("%s ESC t %d: page %q, want %q", prof.Name, n, c.Page, name)
					}
				case Text:
					got.WriteString(c.Text)
				case LineFeed:
					got.WriteByte('\n')
				}
			})
			if got.String() != want.String() {
				t.Errorf("%s ESC t %d (%s):\n got %q\nwant %q", prof.Name, n, name, got.String(), want.String())
			}
		}
	}
}

// TestCodePagesMatchTheirSource compares the generated tables, all 128
// bytes, with the source each was generated from where it is on this
// machine: golang.org/x/text, Python's codecs, glibc's charmaps.
func TestCodePagesMatchTheirSource(t *testing.T) {
	xtext := map[string]*charmap.Charmap{
		"PC437": charmap.CodePage437, "PC850": charmap.CodePage850, "PC860": charmap.CodePage860,
		"PC863": charmap.CodePage863, "PC865": charmap.CodePage865, "ISO8859-7": charmap.ISO8859_7,
		"WPC1252": charmap.Windows1252, "PC866": charmap.CodePage866, "PC852": charmap.CodePage852,
		"PC858": charmap.CodePage858, "PC855": charmap.CodePage855, "PC862": charmap.CodePage862,
		"ISO8859-2": charmap.ISO8859_2, "ISO8859-15": charmap.ISO8859_15,
		"WPC1250": charmap.Windows1250, "WPC1251": charmap.Windows1251, "WPC1253": charmap.Windows1253,
		"WPC1254": charmap.Windows1254, "WPC1255": charmap.Windows1255, "WPC1256": charmap.Windows1256,
		"WPC1257": charmap.Windows1257, "WPC1258": charmap.Windows1258,
	}
	python := map[string]string{
		"PC857": "cp857", "PC737": "cp737", "PC720": "cp720", "WPC775": "cp775", "PC861": "cp861",
		"PC864": "cp864", "PC869": "cp869", "PC1125": "cp1125", "KZ-1048": "kz1048",
	}
	// Where Epson's chart differs from the source.
	epson := map[string]map[byte]rune{"PC857": {0xD5: '€'}}
	check := func(name string, b byte, src rune) {
		t.Helper()
		if r, ok := epson[name][b]; ok {
			src = r
		}
		if src >= 0x80 && src <= 0x9F {
			src = '\uFFFD' // a C1 control: no character
		}
		if got := pageRunes(name)[b]; got != src {
			t.Errorf("%s %#02x = %U, source has %U", name, b, got, src)
		}
	}
	for name, cm := range xtext {
		if !strings.HasPrefix(CodePageSource(name), "golang.org/x/text") {
			t.Errorf("%s: source %q", name, CodePageSource(name))
		}
		for b := 0x80; b <= 0xFF; b++ {
			check(name, byte(b), cm.DecodeByte(byte(b)))
		}
	}
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is needed to check the code pages generated from Python's codecs")
		}
		t.Log("python3 not installed: pages from Python's codecs not checked")
	} else {
		for name, codec := range python {
			out, err := exec.Command("python3", "-c", `import sys
for b in range(0x80, 0x100):
    try: print(ord(bytes([b]).decode(sys.argv[1])))
    except UnicodeDecodeError: print(0xFFFD)`, codec).Output()
			if err != nil {
				t.Fatalf("python3 %s: %v", codec, err)
			}
			for i, f := range strings.Fields(string(out)) {
				var r rune
				fmt.Sscan(f, &r)
				check(name, byte(0x80+i), r)
			}
		}
	}
	for _, name := range []string{"PC851", "PC1118", "PC1119"} {
		if !strings.HasPrefix(CodePageSource(name), "glibc charmap") {
			t.Errorf("%s: source %q", name, CodePageSource(name))
		}
	}
	// Every page in the profiles has a source.
	for _, prof := range Profiles() {
		for n, name := range prof.CodePages {
			if CodePageSource(name) == "" {
				t.Errorf("%s ESC t %d: %s has no source", prof.Name, n, name)
			}
		}
	}
}

func TestUnknownCodePageIsReported(t *testing.T) {
	p, out, lb := newLoggedPrinter(t, Options{})
	// ESC t 16 (WPC1252) 0x80, then ESC t 99 (no such page) 0x80 LF: the
	// second € is still WPC1252, and the printer says so.
	send(t, p, out, []byte("\x1bt\x10\x80\x1bt\x63\x80\n\x1bt\x63"))
	p.EndJob()
	send(t, p, out)
	rs := p.Receipts()
	if len(rs) != 1 || string(render.Text(rs[0])) != "€€\n" {
		t.Fatalf("receipts %v", rs)
	}
	if got := p.Status().UnknownCodePages; len(got) != 1 || got[99] != 2 {
		t.Errorf("Status.UnknownCodePages = %v, want map[99:2]", got)
	}
	if !strings.Contains(lb.String(), "ESC t 99: profile tm-t88 has no code page 99; the code table stays WPC1252") {
		t.Errorf("log:\n%s", lb)
	}
	// The status as JSON (what the admin API's GET /status serves) shows it.
	b, err := json.Marshal(p.Status())
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		UnknownCodePages map[string]int64 `json:"unknownCodePages"`
	}
	if err := json.Unmarshal(b, &st); err != nil || len(st.UnknownCodePages) != 1 || st.UnknownCodePages["99"] != 2 {
		t.Errorf("Status as JSON: unknownCodePages %v (%v)", st.UnknownCodePages, err)
	}
}

// TestCodePageGlyphs: the PNG renderer has a glyph for every character of
// every code page of every profile (private-use characters excepted).
func TestCodePageGlyphs(t *testing.T) {
	for _, prof := range Profiles() {
		for n, name := range prof.CodePages {
			var missing []string
			for b, r := range pageRunes(name)[0x80:] {
				if r == '\uFFFD' || r >= 0xE000 && r <= 0xF8FF || render.HasGlyph(r) {
					continue
				}
				missing = append(missing, fmt.Sprintf("%#02x %U", 0x80+b, r))
			}
			if len(missing) > 0 {
				t.Errorf("%s ESC t %d (%s): no glyph for %v", prof.Name, n, name, missing)
			}
		}
	}
}
