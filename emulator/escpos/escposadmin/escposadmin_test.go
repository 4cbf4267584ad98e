package escposadmin_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escposadmin"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/paper"
)

func newAdmin(t *testing.T, p *escpos.Printer) *escposadmin.Server {
	t.Helper()
	a, err := escposadmin.NewServer(p, escposadmin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func httpDo(t *testing.T, method, url, body string) (int, []byte, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header.Get("Content-Type")
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, w io.Writer, b []byte) {
	t.Helper()
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
}

func readN(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

func TestAdminStatusAndState(t *testing.T) {
	tp := escpostest.NewServer(t, escpos.Options{})
	p, s := tp.Printer, tp.Server
	a := newAdmin(t, p)
	if !strings.HasPrefix(a.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", a.URL())
	}
	code, body, ctype := httpDo(t, "GET", a.URL()+"/status", "")
	var st escpos.Status
	if code != 200 || ctype != "application/json" || json.Unmarshal(body, &st) != nil {
		t.Fatalf("GET /status: %d %s %s", code, ctype, body)
	}
	if !st.Online || st.Paper != escpos.PaperOK || st.Profile != escpos.DefaultProfile {
		t.Fatalf("fresh status %+v", st)
	}

	code, body, _ = httpDo(t, "POST", a.URL()+"/state", `{"paper":"out","cover":"open","drawer":"open"}`)
	if code != 200 || json.Unmarshal(body, &st) != nil {
		t.Fatalf("POST /state: %d %s", code, body)
	}
	if st.Paper != escpos.PaperOut || !st.CoverOpen || !st.DrawerOpen || st.Online {
		t.Fatalf("status after POST /state: %+v", st)
	}
	// The client on TCP sees the same state in real-time status bytes.
	c := dial(t, s.Addr())
	write(t, c, []byte{0x10, 0x04, 4}) // DLE EOT 4
	if got := readN(t, c, 1); got[0] != 0x7e {
		t.Fatalf("DLE EOT 4 after paper out: % x, want 7e", got)
	}
	code, body, _ = httpDo(t, "POST", a.URL()+"/state", `{"paper":"near-end","cover":"closed","cutter":"ok","online":true}`)
	if code != 200 || json.Unmarshal(body, &st) != nil || st.Paper != escpos.PaperNearEnd || st.CoverOpen {
		t.Fatalf("POST /state recovery: %d %s", code, body)
	}
	write(t, c, []byte{0x10, 0x04, 4}) // DLE EOT 4
	if got := readN(t, c, 1); got[0] != 0x1e {
		t.Fatalf("DLE EOT 4 at near-end: % x, want 1e", got)
	}
}

func TestAdminStateRejectsWhatItDoesNotKnow(t *testing.T) {
	p := escpostest.NewServer(t, escpos.Options{}).Printer
	a := newAdmin(t, p)
	for _, tc := range []struct{ body, mention string }{
		{`{"paper":"empty"}`, `"empty"`},
		{`{"papr":"out"}`, `"papr"`},
		{`{"online":"yes"}`, "online"},
		{`{"cover":true}`, "cover"},
		{`{"cutter":"broken"}`, "jammed"},
		{`not json`, "JSON object"},
		{`["paper"]`, "JSON object"},
	} {
		code, body, _ := httpDo(t, "POST", a.URL()+"/state", tc.body)
		var e struct{ Error string }
		if code != 400 || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, tc.mention) {
			t.Errorf("POST /state %s: %d %s (want 400 mentioning %s)", tc.body, code, body, tc.mention)
		}
	}
	// Nothing was applied by the bad requests, not even a good key beside a bad one.
	httpDo(t, "POST", a.URL()+"/state", `{"paper":"out","bogus":1}`)
	if st := p.Status(); st.Paper != escpos.PaperOK {
		t.Fatalf("a rejected request changed the printer: %+v", st)
	}
	if code, _, _ := httpDo(t, "GET", a.URL()+"/state", ""); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /state: %d", code)
	}
}

func TestAdminReceipts(t *testing.T) {
	tp := escpostest.NewServer(t, escpos.Options{})
	p := tp.Printer
	a := newAdmin(t, p)
	// ESC @, two lines, GS V 0 (full cut), written by hand.
	job := []byte("\x1b@COFFEE 3.50\nTOTAL 3.50\n\x1dV\x00")
	// WaitIdle alone could run before the server has read the bytes:
	// wait for the cut to finish the receipt, then for the hooks.
	cut := make(chan struct{}, 1)
	p.OnReceipt(func(*paper.Receipt) { cut <- struct{}{} })
	c := dial(t, tp.Addr)
	write(t, c, job)
	c.Close()
	select {
	case <-cut:
	case <-t.Context().Done():
		t.Fatal("no receipt")
	}
	tp.MustWaitIdle(t)

	code, body, _ := httpDo(t, "GET", a.URL()+"/receipts", "")
	var list []escpos.ReceiptInfo
	if code != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("GET /receipts: %d %s", code, body)
	}
	if len(list) != 1 || list[0] != (escpos.ReceiptInfo{N: 1, Lines: 2, Cut: "full", Bytes: len(job)}) {
		t.Fatalf("receipts %+v", list)
	}
	code, body, ctype := httpDo(t, "GET", a.URL()+"/receipts/1.bin", "")
	if code != 200 || !bytes.Equal(body, job) || ctype != "application/octet-stream" {
		t.Fatalf("1.bin: %d %s % x", code, ctype, body)
	}
	code, body, _ = httpDo(t, "GET", a.URL()+"/receipts/1.txt", "")
	if code != 200 || !strings.Contains(string(body), "COFFEE 3.50") || !strings.Contains(string(body), "[CUT]") {
		t.Fatalf("1.txt: %d\n%s", code, body)
	}
	code, body, ctype = httpDo(t, "GET", a.URL()+"/receipts/1.png", "")
	img, err := png.Decode(bytes.NewReader(body))
	if code != 200 || ctype != "image/png" || err != nil || img.Bounds().Dx() != p.Profile().WidthDots {
		t.Fatalf("1.png: %d %s %v", code, ctype, err)
	}
	code, body, ctype = httpDo(t, "GET", a.URL()+"/receipts/1.html", "")
	if code != 200 || ctype != "text/html; charset=utf-8" || !strings.Contains(string(body), "<i>C</i><i>O</i><i>F</i>") || !strings.Contains(string(body), "<html") {
		t.Fatalf("1.html: %d %s\n%s", code, ctype, body)
	}
	for _, bad := range []string{"2.txt", "1.pdf", "x.txt", "0.bin"} {
		if code, body, _ := httpDo(t, "GET", a.URL()+"/receipts/"+bad, ""); code != 404 || !bytes.Contains(body, []byte("error")) {
			t.Errorf("GET /receipts/%s: %d %s", bad, code, body)
		}
	}
}
