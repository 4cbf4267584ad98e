package cli

import (
	"bufio"
	"bytes"
	"context"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
)

// renderStream is a small sale: a centred title, two lines, a cut.
func renderStream(cuts int) []byte {
	var b []byte
	b = append(b, escpos.ESC, escpos.EscInit)
	for i := 0; i < max(cuts, 1); i++ {
		b = append(b, escpos.ESC, escpos.EscJustify, 1)
		b = append(b, "CORNER DELI"...)
		b = append(b, escpos.LF, escpos.ESC, escpos.EscJustify, 0)
		b = append(b, "Tea                                         2.50"...)
		b = append(b, escpos.LF)
		if cuts > 0 {
			b = append(b, escpos.GS, escpos.GsCut, 1)
		}
	}
	return b
}

const renderStreamText = `                  CORNER DELI
Tea                                         2.50
[PARTIAL CUT]
`

func runRenderCmd(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"render"}, args...), bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRenderTextFromFileAndStdin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sale.bin")
	if err := os.WriteFile(path, renderStream(1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{path}, {"-"}, {}, {"--format", "text", "--profile", "tm-t88", path}} {
		code, out, errs := runRenderCmd(t, renderStream(1), args...)
		if code != ExitOK || out != renderStreamText || errs != "" {
			t.Errorf("render %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errs)
		}
	}
}

func TestRenderTextToFileSeveralReceipts(t *testing.T) {
	out := filepath.Join(t.TempDir(), "all.txt")
	code, stdout, errs := runRenderCmd(t, renderStream(2), "-o", out)
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != renderStreamText+renderStreamText {
		t.Errorf("got\n%s", got)
	}
}

func TestRenderPNGAndHTML(t *testing.T) {
	dir := t.TempDir()
	// One receipt: to stdout or to -o.
	code, stdout, errs := runRenderCmd(t, renderStream(1), "--format", "png", "--profile", "generic-58")
	if code != ExitOK {
		t.Fatalf("png to stdout: exit %d: %s", code, errs)
	}
	img, err := png.Decode(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("stdout is not a PNG: %v", err)
	}
	if img.Bounds().Dx() != 384 {
		t.Errorf("58 mm profile PNG is %d dots wide, want 384", img.Bounds().Dx())
	}
	page := filepath.Join(dir, "r.html")
	if code, _, errs := runRenderCmd(t, renderStream(1), "--format", "html", "-o", page); code != ExitOK {
		t.Fatalf("html: exit %d: %s", code, errs)
	}
	html, err := os.ReadFile(page)
	if err != nil || !bytes.HasPrefix(html, []byte("<!DOCTYPE html>")) || !bytes.Contains(html, []byte("<i>T</i><i>e</i><i>a</i>")) {
		t.Errorf("html page wrong (%v):\n%.300s", err, html)
	}

	// Several receipts: -o is required, and files are numbered.
	code, _, errs = runRenderCmd(t, renderStream(3), "--format", "png")
	if code != ExitUsage || !strings.Contains(errs, "printed 3 receipts") || !strings.Contains(errs, "-o FILE") {
		t.Errorf("png of 3 receipts to stdout: exit %d, stderr %q", code, errs)
	}
	base := filepath.Join(dir, "receipt.png")
	if code, _, errs := runRenderCmd(t, renderStream(3), "--format", "png", "-o", base); code != ExitOK {
		t.Fatalf("png of 3 receipts: exit %d: %s", code, errs)
	}
	for _, name := range []string{"receipt-1.png", "receipt-2.png", "receipt-3.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f.Close()
	}
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Errorf("%s written besides the numbered files", base)
	}
}

func TestRenderErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		stdin []byte
		args  []string
		code  int
		want  string // in stderr
	}{
		{"bad format", renderStream(1), []string{"--format", "pdf"}, ExitUsage, `unknown format "pdf" (want text, html or png)`},
		{"bad profile", renderStream(1), []string{"--profile", "tm-xx"}, ExitUsage, `unknown printer profile "tm-xx" (known: generic-58, sunmi-v2, tm-t20iii, tm-t88, zh-80, zj-5870)`},
		{"missing file", nil, []string{filepath.Join(dir, "nope.bin")}, ExitFailure, "nope.bin: no such file or directory"},
		{"two files", nil, []string{"a.bin", "b.bin"}, ExitUsage, "one input file at most, got 2"},
		{"bad flag", nil, []string{"--colour"}, ExitUsage, "flag provided but not defined"},
		{"nothing printed", []byte{}, nil, ExitFailure, "the stream (0 bytes) printed nothing"},
		{"unwritable output", renderStream(1), []string{"-o", filepath.Join(dir, "no", "such", "dir.txt")}, ExitFailure, "no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, errs := runRenderCmd(t, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want it to contain %q)", code, tc.code, errs, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q on error", stdout)
			}
		})
	}
}

func TestRenderReportsSkippedSequences(t *testing.T) {
	// ESC a 7 is out of range: the printer skips it and prints the rest.
	in := append([]byte{escpos.ESC, escpos.EscJustify, 7}, renderStream(1)...)
	code, stdout, errs := runRenderCmd(t, in)
	if code != ExitOK || stdout != renderStreamText {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	if !strings.Contains(errs, "hil: render: skipped MALFORMED at 0 1b 61 07: ESC a justification 7 out of range") {
		t.Errorf("stderr %q does not report the skipped sequence", errs)
	}
}

func TestRenderHelp(t *testing.T) {
	code, _, errs := runRenderCmd(t, nil, "--help")
	if code != ExitOK || !strings.Contains(errs, renderSynopsis) || !strings.Contains(errs, "FILE-1.EXT") {
		t.Errorf("exit %d, help:\n%s", code, errs)
	}
}

// hil render streams: the first receipt's text is out before the input
// has ended (and before the second receipt was even sent).
func TestRenderStreamsReceiptByReceipt(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(context.Background(), []string{"render"}, inR, outW, &errb)
		outW.Close()
	}()
	go inW.Write(renderStream(1))
	sc := bufio.NewScanner(outR)
	var got []string
	for len(got) < 3 && sc.Scan() {
		got = append(got, sc.Text())
	}
	if strings.Join(got, "\n")+"\n" != renderStreamText {
		t.Fatalf("first receipt while the input is open:\n%s", strings.Join(got, "\n"))
	}
	go func() {
		inW.Write(renderStream(1))
		inW.Close()
	}()
	rest, _ := io.ReadAll(outR)
	if code := <-done; code != ExitOK || string(rest) != renderStreamText {
		t.Fatalf("exit %d, rest %q, stderr %s", code, rest, errb.String())
	}
}

// Many skipped sequences are reported one by one up to a bound, then
// counted.
func TestRenderBoundsSkipReports(t *testing.T) {
	var in []byte
	for range 100 {
		in = append(in, escpos.ESC, escpos.EscJustify, 7) // out of range
	}
	in = append(in, renderStream(1)...)
	code, stdout, errs := runRenderCmd(t, in)
	if code != ExitOK || stdout != renderStreamText {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	if n := strings.Count(errs, "render: skipped MALFORMED"); n != maxSkipReports {
		t.Errorf("%d sequences reported one by one, want %d", n, maxSkipReports)
	}
	if !strings.Contains(errs, "render: skipped 80 more malformed sequences (100 in all)") {
		t.Errorf("no count line:\n%s", errs)
	}
}
