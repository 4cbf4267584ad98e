// Command cpgen writes the code page tables of package escpos
// (codepages_table.go): for every code page an ESC t number can select on
// an emulated printer, the character of each byte 0x80–0xFF, taken from a
// documented source named in the output next to the table.
//
// Sources, in order of preference:
//
//   - golang.org/x/text/encoding/charmap, where it has the page;
//   - Python's codecs module (python3 on the PATH);
//   - glibc's charmaps (/usr/share/i18n/charmaps, Debian package locales);
//   - transcribed.txt in this directory, for the pages none of these has
//     (Epson's Katakana chart, pages from a receipt-printer code page
//     library); each block there says where it comes from.
//
// Epson's own chart wins where it differs from the source: overrides below.
// Positions where the source has no printable character (C1 controls of
// the ISO and Windows pages, unassigned bytes) become U+FFFD.
//
// Run it with go generate ./emulator/escpos.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// page is one code page and where its table comes from.
type page struct {
	name   string
	kind   string // "xtext", "python", "glibc", "transcribed", "none"
	source string // charmap variable, codec, charmap file or transcribed block
	// overrides are Epson's characters where its chart differs from the source.
	overrides map[byte]rune
	note      string
}

var xtext = map[string]*charmap.Charmap{
	"CodePage437": charmap.CodePage437, "CodePage850": charmap.CodePage850,
	"CodePage852": charmap.CodePage852, "CodePage855": charmap.CodePage855,
	"CodePage858": charmap.CodePage858, "CodePage860": charmap.CodePage860,
	"CodePage862": charmap.CodePage862, "CodePage863": charmap.CodePage863,
	"CodePage865": charmap.CodePage865, "CodePage866": charmap.CodePage866,
	"ISO8859_2": charmap.ISO8859_2, "ISO8859_7": charmap.ISO8859_7, "ISO8859_15": charmap.ISO8859_15,
	"Windows1250": charmap.Windows1250, "Windows1251": charmap.Windows1251,
	"Windows1252": charmap.Windows1252, "Windows1253": charmap.Windows1253,
	"Windows1254": charmap.Windows1254, "Windows1255": charmap.Windows1255,
	"Windows1256": charmap.Windows1256, "Windows1257": charmap.Windows1257,
	"Windows1258": charmap.Windows1258,
}

// pages lists every code page a profile may name (profiles/*.json,
// "codePages"), by Epson's name for it.
var pages = []page{
	{name: "PC437", kind: "xtext", source: "CodePage437"},
	{name: "Katakana", kind: "transcribed", source: "Katakana"},
	{name: "PC850", kind: "xtext", source: "CodePage850"},
	{name: "PC860", kind: "xtext", source: "CodePage860"},
	{name: "PC863", kind: "xtext", source: "CodePage863"},
	{name: "PC865", kind: "xtext", source: "CodePage865"},
	{name: "PC851", kind: "glibc", source: "IBM851"},
	{name: "PC853", kind: "transcribed", source: "PC853"},
	{name: "PC857", kind: "python", source: "cp857",
		overrides: map[byte]rune{0xD5: '€'},
		note:      "0xD5 is the euro sign on Epson's page 13 chart (unassigned in cp857)"},
	{name: "PC737", kind: "python", source: "cp737"},
	{name: "ISO8859-7", kind: "xtext", source: "ISO8859_7"},
	{name: "WPC1252", kind: "xtext", source: "Windows1252"},
	{name: "PC866", kind: "xtext", source: "CodePage866"},
	{name: "PC852", kind: "xtext", source: "CodePage852"},
	{name: "PC858", kind: "xtext", source: "CodePage858"},
	{name: "TCVN-3", kind: "transcribed", source: "TCVN-3"},
	{name: "TCVN-3-capitals", kind: "transcribed", source: "TCVN-3-capitals"},
	{name: "PC720", kind: "python", source: "cp720"},
	{name: "WPC775", kind: "python", source: "cp775"},
	{name: "PC855", kind: "xtext", source: "CodePage855"},
	{name: "PC861", kind: "python", source: "cp861"},
	{name: "PC862", kind: "xtext", source: "CodePage862"},
	{name: "PC864", kind: "python", source: "cp864"},
	{name: "PC869", kind: "python", source: "cp869"},
	{name: "ISO8859-2", kind: "xtext", source: "ISO8859_2"},
	{name: "ISO8859-15", kind: "xtext", source: "ISO8859_15"},
	{name: "PC1098", kind: "transcribed", source: "PC1098"},
	{name: "PC1118", kind: "glibc", source: "CP774", note: "IBM's code page 1118 (Lithuanian) is its 774"},
	{name: "PC1119", kind: "glibc", source: "CP772", note: "IBM's code page 1119 (Lithuanian and Russian) is its 772"},
	{name: "PC1125", kind: "python", source: "cp1125"},
	{name: "WPC1250", kind: "xtext", source: "Windows1250"},
	{name: "WPC1251", kind: "xtext", source: "Windows1251"},
	{name: "WPC1253", kind: "xtext", source: "Windows1253"},
	{name: "WPC1254", kind: "xtext", source: "Windows1254"},
	{name: "WPC1255", kind: "xtext", source: "Windows1255"},
	{name: "WPC1256", kind: "xtext", source: "Windows1256"},
	{name: "WPC1257", kind: "xtext", source: "Windows1257"},
	{name: "WPC1258", kind: "xtext", source: "Windows1258"},
	{name: "KZ-1048", kind: "python", source: "kz1048"},
	{name: "User-defined", kind: "none",
		note: "page 255: user-defined characters (ESC &) are not emulated; every byte 0x80-0xFF is undefined"},
}

func main() {
	out := flag.String("o", "codepages_table.go", "output file")
	tr := flag.String("transcribed", "internal/cpgen/transcribed.txt", "transcribed tables")
	charmaps := flag.String("charmaps", "/usr/share/i18n/charmaps", "glibc charmaps directory")
	flag.Parse()
	transcribed, err := readTranscribed(*tr)
	if err != nil {
		log.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/cpgen (go generate); DO NOT EDIT.\n\npackage escpos\n\n")
	b.WriteString("// codePageData holds the upper halves (bytes 0x80–0xFF) of the code pages;\n")
	b.WriteString("// bytes 0x20–0x7F are ASCII on every page. U+FFFD: no character.\n")
	b.WriteString("var codePageData = [...]codePage{\n")
	for _, p := range pages {
		var hi [128]rune
		var src string
		switch p.kind {
		case "xtext":
			cm := xtext[p.source]
			if cm == nil {
				log.Fatalf("%s: no charmap %s", p.name, p.source)
			}
			for i := range hi {
				hi[i] = cm.DecodeByte(byte(0x80 + i))
			}
			src = "golang.org/x/text/encoding/charmap." + p.source
		case "python":
			if hi, err = python(p.source); err != nil {
				log.Fatalf("%s: %v", p.name, err)
			}
			src = "Python codecs " + p.source
		case "glibc":
			if hi, err = glibc(*charmaps, p.source); err != nil {
				log.Fatalf("%s: %v", p.name, err)
			}
			src = "glibc charmap " + p.source
		case "transcribed":
			t, ok := transcribed[p.source]
			if !ok {
				log.Fatalf("%s: no block %q in %s", p.name, p.source, *tr)
			}
			hi, src = t.hi, t.origin+" (internal/cpgen/transcribed.txt)"
		case "none":
			for i := range hi {
				hi[i] = 0xFFFD
			}
			src = "none"
		}
		for i, r := range hi {
			if r >= 0x80 && r <= 0x9F || r < 0x20 || r == 0x7F {
				hi[i] = 0xFFFD // a control code, not a character
			}
		}
		for c, r := range p.overrides {
			hi[c-0x80] = r
		}
		if p.note != "" {
			src += "; " + p.note
		}
		fmt.Fprintf(&b, "\t{name: %q, source: %q, hi: [128]rune{", p.name, src)
		for i, r := range hi {
			if i%16 == 0 {
				b.WriteString("\n\t\t")
			} else {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "0x%04X,", r)
		}
		b.WriteString("\n\t}},\n")
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// python decodes bytes 0x80–0xFF with a Python codec, byte by byte;
// U+FFFD where the codec has no character.
func python(codec string) ([128]rune, error) {
	var hi [128]rune
	script := `import sys
for b in range(0x80, 0x100):
    try:
        c = bytes([b]).decode(sys.argv[1])
    except UnicodeDecodeError:
        c = '\ufffd'
    print('%04X' % ord(c))`
	out, err := exec.Command("python3", "-c", script, codec).Output()
	if err != nil {
		return hi, fmt.Errorf("python3 codec %s: %w", codec, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 128 {
		return hi, fmt.Errorf("python3 codec %s: %d values", codec, len(f))
	}
	for i, s := range f {
		v, err := strconv.ParseUint(s, 16, 32)
		if err != nil {
			return hi, err
		}
		hi[i] = rune(v)
	}
	return hi, nil
}

// glibc reads a charmap file: lines "<U00C7>     /x80    NAME".
func glibc(dir, name string) ([128]rune, error) {
	var hi [128]rune
	for i := range hi {
		hi[i] = 0xFFFD
	}
	f, err := os.Open(dir + "/" + name + ".gz")
	if err != nil {
		return hi, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return hi, err
	}
	sc := bufio.NewScanner(z)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 || !strings.HasPrefix(fs[0], "<U") || !strings.HasPrefix(fs[1], "/x") || len(fs[1]) != 4 {
			continue
		}
		u, err1 := strconv.ParseUint(strings.Trim(fs[0], "<U>"), 16, 32)
		c, err2 := strconv.ParseUint(fs[1][2:], 16, 8)
		if err1 != nil || err2 != nil {
			return hi, fmt.Errorf("%s: bad line %q", name, sc.Text())
		}
		if c >= 0x80 {
			hi[c-0x80] = rune(u)
		}
	}
	return hi, sc.Err()
}

type transcribedPage struct {
	hi     [128]rune
	origin string
}

// readTranscribed reads transcribed.txt: "page NAME", "source CITATION",
// comment lines, then 128 hexadecimal code points.
func readTranscribed(path string) (map[string]transcribedPage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]transcribedPage{}
	var name string
	var cps []rune
	var origin []string
	flush := func() error {
		if name == "" {
			return nil
		}
		if len(cps) != 128 {
			return fmt.Errorf("%s: page %s has %d code points, want 128", path, name, len(cps))
		}
		var t transcribedPage
		copy(t.hi[:], cps)
		t.origin = strings.Join(origin, " ")
		m[name] = t
		name, cps, origin = "", nil, nil
		return nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "page "):
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimPrefix(line, "page ")
		case strings.HasPrefix(line, "source "):
			origin = append(origin, strings.TrimPrefix(line, "source "))
		case strings.HasPrefix(line, "#"):
		default:
			for _, f := range strings.Fields(line) {
				v, err := strconv.ParseUint(f, 16, 32)
				if err != nil {
					return nil, fmt.Errorf("%s: page %s: %v", path, name, err)
				}
				cps = append(cps, rune(v))
			}
		}
	}
	return m, flush()
}
