package escpos_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
)

func newAdmin(t *testing.T, p *escpos.Printer) *escpos.Admin {
	t.Helper()
	a, err := escpos.NewAdmin(p, escpos.AdminOptions{})
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

func TestAdminStatusAndState(t *testing.T) {
	p, _ := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{})
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
	write(t, c, dleEOT4)
	if got := readN(t, c, 1); got[0] != 0x7e {
		t.Fatalf("DLE EOT 4 after paper out: % x, want 7e", got)
	}
	code, body, _ = httpDo(t, "POST", a.URL()+"/state", `{"paper":"near-end","cover":"closed","cutter":"ok","online":true}`)
	if code != 200 || json.Unmarshal(body, &st) != nil || st.Paper != escpos.PaperNearEnd || st.CoverOpen {
		t.Fatalf("POST /state recovery: %d %s", code, body)
	}
	write(t, c, dleEOT4)
	if got := readN(t, c, 1); got[0] != 0x1e {
		t.Fatalf("DLE EOT 4 at near-end: % x, want 1e", got)
	}
}

func TestAdminStateRejectsWhatItDoesNotKnow(t *testing.T) {
	p, _ := newPrinter(t)
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

func TestParseStateRequestErrors(t *testing.T) {
	_, err := escpos.ParseStateRequest([]byte(`{"drawer":"ajar"}`))
	var se *escpos.StateError
	if !errors.Is(err, escpos.ErrBadState) || !errors.As(err, &se) || se.Field != "drawer" || se.Value != `"ajar"` {
		t.Fatalf("ParseStateRequest: %v", err)
	}
}

func TestAdminReceipts(t *testing.T) {
	p, receipts := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{})
	a := newAdmin(t, p)
	job := cat(receiptBytes("COFFEE 3.50", "TOTAL 3.50"), fullCut)
	c := dial(t, s.Addr())
	write(t, c, job)
	c.Close()
	nextReceipt(t, receipts)

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

// FuzzParseStateRequest: any body gives a request or a *StateError, never a
// panic, and an accepted request holds only the documented values.
func FuzzParseStateRequest(f *testing.F) {
	for _, seed := range []string{
		`{"paper":"ok","cover":"closed","cutter":"ok","online":true,"drawer":"closed"}`,
		`{"paper":"out"}`, `{"paper":"near-end","online":false}`, `{"cover":"open","drawer":"open"}`,
		`{"cutter":"jammed"}`, `{}`, `{"papr":"out"}`, `{"online":"yes"}`, `null`, `[]`, `{"paper":1}`,
		`{"paper":"out","paper":"ok"}`, "{\"paper\":\"o\\u0075t\"}", ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := escpos.ParseStateRequest(body)
		if err != nil {
			var se *escpos.StateError
			if !errors.As(err, &se) || !errors.Is(err, escpos.ErrBadState) {
				t.Fatalf("error %v is not a *StateError", err)
			}
			return
		}
		check := func(name string, v *string, allowed ...string) {
			if v != nil && !slices.Contains(allowed, *v) {
				t.Fatalf("%s accepted as %q", name, *v)
			}
		}
		check("paper", req.Paper, "ok", "near-end", "out")
		check("cover", req.Cover, "open", "closed")
		check("cutter", req.Cutter, "ok", "jammed")
		check("drawer", req.Drawer, "open", "closed")
	})
}
