package render

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/poshil/hil/emulator/escpos/paper"
)

var dataURI = regexp.MustCompile(`src="data:image/png;base64,([A-Za-z0-9+/=]+)"`)

func renderHTML(t *testing.T, r *paper.Receipt) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLSelfContained(t *testing.T) {
	for _, tc := range goldenReceipts {
		t.Run(tc.name, func(t *testing.T) {
			page := renderHTML(t, tc.r())
			if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
				t.Error("not a complete HTML page")
			}
			for _, bad := range []string{"<link", "<script", "url(", `src="http`, "@import"} {
				if strings.Contains(page, bad) {
					t.Errorf("page refers to something outside itself: %q", bad)
				}
			}
			if !strings.Contains(page, `<div class="roll" style="width:576px">`) {
				t.Error("roll is not the profile's width")
			}
			for _, m := range dataURI.FindAllStringSubmatch(page, -1) {
				raw, err := base64.StdEncoding.DecodeString(m[1])
				if err != nil {
					t.Fatal(err)
				}
				if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
					t.Errorf("embedded picture is not a PNG: %v", err)
				}
			}
		})
	}
}

func TestHTMLContent(t *testing.T) {
	en := renderHTML(t, englishReceipt())
	for _, want := range []string{
		`<i>T</i><i>O</i><i>T</i><i>A</i><i>L</i>`,
		`transform:scale(2,2)`,
		`class="r u1"`,
		`class="r b rev"`,
		`class="line up"`,
		`<div class="cut">cut</div>`,
	} {
		if !strings.Contains(en, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	zh := renderHTML(t, chineseReceipt())
	for _, want := range []string{`<i class="w">中</i><i class="w">文</i>`, `<div class="cut">partial cut</div>`} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese page lacks %q", want)
		}
	}
	logo := renderHTML(t, logoReceipt())
	if !strings.Contains(logo, "cash drawer pulse on pin 2 (100 ms on, 200 ms off)") {
		t.Error("no drawer note")
	}
	if n := len(dataURI.FindAllString(logo, -1)); n != 2 {
		t.Errorf("logo page has %d pictures, want 2", n)
	}
	pdf := renderHTML(t, newReceipt(1).add(paper.PDF417{Data: "RCPT 42", ErrorLevel: 1, ModuleWidth: 2, RowHeight: 3, AreaWidth: 576}).receipt())
	if !strings.Contains(pdf, `alt="PDF417 RCPT 42" width="576" height="`) || len(dataURI.FindAllString(pdf, -1)) != 1 {
		t.Error("PDF417 not drawn as a picture")
	}
	esc := renderHTML(t, newReceipt(1).line(paper.Left, plain("<b>&\"</b>")).receipt())
	if !strings.Contains(esc, "<i>&lt;</i><i>b</i><i>&gt;</i><i>&amp;</i>") || strings.Contains(esc, "<b>") {
		t.Error("run text not escaped")
	}
}

// TestHTMLQRDecodes reads the QR code back from the picture in the page.
func TestHTMLQRDecodes(t *testing.T) {
	page := renderHTML(t, qrReceipt())
	m := dataURI.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no picture in the QR page")
	}
	raw, _ := base64.StdEncoding.DecodeString(m[1])
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// Pad it with paper above and below, as on the roll.
	if got := decodeWith(t, qrcode.NewQRCodeReader(), padded(img, 24)); got != "https://r.example.com/000412?t=9f2c" {
		t.Errorf("decoded %q", got)
	}
}

func TestHTMLWriteError(t *testing.T) {
	if err := HTML(failWriter{}, qrReceipt()); !errors.Is(err, ErrWrite) || !errors.Is(err, errDisk) {
		t.Fatalf("error %v, want ErrWrite wrapping the writer's error", err)
	}
}
