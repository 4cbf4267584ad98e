package lab_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/internal/cli"
	"github.com/poshil/hil/internal/lab"
)

// rig is a running 'hil lab' (in-process) and its endpoints, from the
// ready lines it printed.
type rig struct {
	URL      string // the page
	Printer  string // tcp://host:port
	Acquirer string // host:port
	PTY      string
}

// startLab runs 'hil lab' with args until the test ends.
func startLab(t *testing.T, args ...string) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		code := cli.Run(ctx, append([]string{"lab"}, args...), strings.NewReader(""), pw, &stderr)
		pw.Close()
		exited <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("hil lab exited %d; stderr:\n%s", code, stderr.String())
		}
	})
	r := &rig{}
	sc := bufio.NewScanner(pr)
	for r.URL == "" && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		switch k {
		case "pty":
			r.PTY = v
		case "tcp":
			r.Printer = "tcp://" + v
		case "acquirer":
			r.Acquirer = v
		case "lab":
			r.URL = v
		}
	}
	if r.URL == "" {
		t.Fatalf("hil lab printed no 'lab URL' line; stderr:\n%s", stderr.String())
	}
	go io.Copy(io.Discard, pr)
	return r
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sale runs 'hil pos sale' against the rig and returns its JSON outcome.
func (r *rig) sale(t *testing.T, terminal, amount string, extra ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"pos", "sale", amount, "--card", acquirer.CardApprove, "--host", r.Acquirer,
		"--printer", r.Printer, "--journal", ":memory:", "--terminal", terminal, "--json"}, extra...)
	cli.Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("hil pos sale: %v; stdout %q stderr %q", err, out.String(), errb.String())
	}
	return res
}

type event struct {
	kind string
	data []byte
}

// stream reads the lab's /events.
type stream struct {
	events chan event
	seen   []event // read by next, in order
	mu     sync.Mutex
	raw    bytes.Buffer
}

func openStream(t *testing.T, url string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("GET /events: Content-Type %q", ct)
	}
	s := &stream{events: make(chan event, 1000)}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); resp.Body.Close(); <-done })
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.raw.WriteString(line + "\n")
			s.mu.Unlock()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.kind = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = append(ev.data, line[len("data: "):]...)
			case line == "" && ev.kind != "":
				s.events <- ev
				ev = event{}
			}
		}
	}()
	return s
}

// next waits for an event of kind whose data, decoded into v, satisfies
// ok; events seen before (of any order) count.
func (s *stream) next(t *testing.T, kind string, v any, ok func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	match := func(ev event) bool {
		if ev.kind != kind {
			return false
		}
		if err := json.Unmarshal(ev.data, v); err != nil {
			t.Fatalf("%s event %q: %v", kind, ev.data, err)
		}
		return ok == nil || ok()
	}
	for _, ev := range s.seen {
		if match(ev) {
			return
		}
	}
	for {
		select {
		case ev := <-s.events:
			s.seen = append(s.seen, ev)
			if match(ev) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s event as wanted within 30s", kind)
		}
	}
}

func TestStreamAndHandlers(t *testing.T) {
	r := startLab(t)
	s := openStream(t, r.URL)

	var snap lab.Snapshot
	s.next(t, "snapshot", &snap, nil)
	if snap.Printer.Paper != "ok" || len(snap.Receipts) != 0 || snap.Ledger.Total != 0 || snap.Faults == nil {
		t.Fatalf("first snapshot: %+v", snap)
	}

	// A sale through hil pos: its messages, the ledger and the receipt
	// come down the stream.
	if res := r.sale(t, "TERM0001", "12.50"); res["state"] != "approved" || res["receipt"] != "printed" {
		t.Fatalf("sale: %v", res)
	}
	var msg lab.MessageView
	s.next(t, "message", &msg, func() bool { return msg.MTI == "0200" })
	if msg.Card != "424242******4242" || msg.Response != "0210" || msg.Code != "00" || msg.Amount != 1250 {
		t.Errorf("message %+v", msg)
	}
	var rc lab.ReceiptView
	s.next(t, "receipt", &rc, nil)
	if rc.N != 1 || !strings.Contains(rc.Text, "12.50") || rc.PNG != "/receipts/1.png" {
		t.Errorf("receipt %+v", rc)
	}
	resp, err := http.Get(r.URL + rc.PNG)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("GET %s: %v", rc.PNG, err)
	}
	if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 100 {
		t.Errorf("receipt picture %v", b)
	}
	var led lab.LedgerView
	s.next(t, "ledger", &led, func() bool { return led.Total == 1 })
	if tx := led.Transactions[0]; tx.State != acquirer.StateApproved || tx.Amount != 1250 || tx.Card != "424242******4242" {
		t.Errorf("ledger %+v", tx)
	}

	// The printer's admin API, mounted under /printer: paper out.
	resp, err = http.Post(r.URL+"/printer/state", "application/json", strings.NewReader(`{"paper":"out"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /printer/state: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	var pv lab.PrinterView
	s.next(t, "printer", &pv, func() bool { return pv.Paper == "out" })
	if pv.Online || pv.Receipts != 1 {
		t.Errorf("printer after paper out: %+v", pv)
	}
	// Its errors stay its own.
	resp, _ = http.Post(r.URL+"/printer/state", "application/json", strings.NewReader(`{"paper":"gone"}`))
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 400 || !strings.Contains(string(body), "paper") {
		t.Errorf("bad state: %s %s", resp.Status, body)
	}
	resp.Body.Close()

	// A fault rule that does not parse is refused with where and why; one
	// that does shows in the faults events.
	resp, _ = http.Post(r.URL+"/faults", "text/plain", strings.NewReader("printer explode"))
	var fe struct {
		Error string `json:"error"`
		Line  int    `json:"line"`
		Col   int    `json:"col"`
		Word  string `json:"word"`
	}
	json.NewDecoder(resp.Body).Decode(&fe)
	resp.Body.Close()
	if resp.StatusCode != 400 || fe.Word != "explode" || fe.Line != 1 || fe.Col != 9 {
		t.Errorf("bad rule: %s %+v", resp.Status, fe)
	}
	resp, _ = http.Post(r.URL+"/faults", "text/plain", strings.NewReader("acquirer decline code=51 amount=700"))
	resp.Body.Close()
	var fv lab.FaultsView
	s.next(t, "faults", &fv, func() bool { return len(fv.Rules) == 1 })
	if !strings.Contains(fv.Rules[0].Rule, "decline") {
		t.Errorf("faults %+v", fv)
	}
	// The rule acts: a 7.00 sale is declined, and the log says by whom.
	r.sale(t, "TERM0002", "7.00", "--not-ready", "e-receipt")
	s.next(t, "message", &msg, func() bool { return msg.MTI == "0200" && msg.Amount == 700 })
	if msg.Code != "51" || !strings.Contains(msg.Fault, "answered 51") {
		t.Errorf("declined by the plan: %+v", msg)
	}

	// The acquirer's admin API, under /acquirer (the declined sale never
	// reached the ledger: the plan answered before it); and the snapshot.
	resp, err = http.Get(r.URL + "/acquirer/transactions")
	if err != nil {
		t.Fatal(err)
	}
	var txs []acquirer.TxnView
	json.NewDecoder(resp.Body).Decode(&txs)
	resp.Body.Close()
	if len(txs) != 1 {
		t.Errorf("/acquirer/transactions: %d", len(txs))
	}
	resp, err = http.Get(r.URL + "/api/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	snap = lab.Snapshot{}
	json.NewDecoder(resp.Body).Decode(&snap)
	resp.Body.Close()
	if len(snap.Receipts) != 1 || len(snap.Messages) < 2 || snap.Printer.Paper != "out" || snap.Endpoints["printer"] != r.Printer {
		t.Errorf("snapshot: %+v", snap)
	}

	// The page and its assets are served by the binary.
	for path, want := range map[string]string{"/": "<title>hil lab</title>", "/static/lab.js": "EventSource", "/static/lab.css": "receipt"} {
		resp, err := http.Get(r.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %s, no %q", path, resp.Status, want)
		}
	}

	s.mu.Lock()
	raw := s.raw.String()
	s.mu.Unlock()
	if strings.Contains(raw, acquirer.CardApprove) {
		t.Error("a full card number went down the event stream")
	}
}

func TestReceiptEndpoints(t *testing.T) {
	r := startLab(t)
	for _, path := range []string{"/receipts/1.png", "/receipts/0.txt", "/receipts/x.png", "/receipts/1.bin"} {
		resp, err := http.Get(r.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s on an empty printer: %s, want 404", path, resp.Status)
		}
	}
}

// The lab's acquirer speaks the host profile it is given.
func TestCUPProfile(t *testing.T) {
	r := startLab(t, "--profile", "cup", "--pty", "off")
	s := openStream(t, r.URL)
	var snap lab.Snapshot
	s.next(t, "snapshot", &snap, nil)
	if snap.Endpoints["profile"] != "cup" || snap.Endpoints["printer pty"] != "" {
		t.Errorf("endpoints %v", snap.Endpoints)
	}
	if res := r.sale(t, "TERM0001", "8.00", "--profile", "cup"); res["state"] != "approved" {
		t.Fatalf("cup sale: %v", res)
	}
	var msg lab.MessageView
	s.next(t, "message", &msg, func() bool { return msg.MTI == "0200" })
	if msg.Amount != 800 || msg.Code != "00" || msg.Card != "424242******4242" {
		t.Errorf("cup sale in the log: %+v", msg)
	}
	var rc lab.ReceiptView
	s.next(t, "receipt", &rc, nil)
	if !strings.Contains(rc.Text, "8.00") {
		t.Errorf("cup receipt:\n%s", rc.Text)
	}
}

// S1 staged in the lab: the plan runs the paper out in the middle of the
// receipt, the sale owes its receipt, and once the paper is back and the
// receipt recovered the page shows the torn paper (uncut) and the whole
// receipt. --out keeps the receipts on disk too.
func TestPlanFileAndOut(t *testing.T) {
	dir := t.TempDir()
	plan := dir + "/plan.txt"
	if err := os.WriteFile(plan, []byte("printer paper-out after-lines=4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := dir + "/receipts"
	r := startLab(t, "--faults", plan, "--out", out)
	s := openStream(t, r.URL)
	var snap lab.Snapshot
	s.next(t, "snapshot", &snap, nil)
	if snap.Faults == nil || len(snap.Faults.Rules) != 1 || snap.Faults.Rules[0].Rule != "printer paper-out after-lines=4" {
		t.Fatalf("faults in the first snapshot: %+v", snap.Faults)
	}
	journal := dir + "/till.db"
	if res := r.sale(t, "TERM0001", "25.00", "--journal", journal); res["state"] != "approved" || res["receipt"] != "owed" {
		t.Fatalf("sale with the paper running out: %v", res)
	}
	// The torn paper (four lines) stays in the printer, unfinished, until
	// the next job.
	var pv lab.PrinterView
	s.next(t, "printer", &pv, func() bool { return pv.Paper == "out" && pv.Unfinished == 4 })
	if pv.Receipts != 0 {
		t.Errorf("printer after the torn print: %+v", pv)
	}
	var fv lab.FaultsView
	s.next(t, "faults", &fv, func() bool { return fv.Fired == 1 })

	// A new roll; recover prints the owed receipt: the torn paper comes
	// out as receipt 1, uncut, and the whole receipt as receipt 2.
	resp, err := http.Post(r.URL+"/printer/state", "application/json", strings.NewReader(`{"paper":"ok"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var stdout, stderr bytes.Buffer
	if code := cli.Run(context.Background(), []string{"pos", "recover", "--journal", journal, "--host", r.Acquirer, "--printer", r.Printer},
		strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("hil pos recover: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	var rc lab.ReceiptView
	s.next(t, "receipt", &rc, func() bool { return rc.N == 1 })
	if rc.Cut != "none" || strings.Contains(rc.Text, "25.00") {
		t.Errorf("the torn receipt: cut %s, text:\n%s", rc.Cut, rc.Text)
	}
	var whole lab.ReceiptView
	s.next(t, "receipt", &whole, func() bool { return whole.N == 2 })
	if whole.Cut == "none" || !strings.Contains(whole.Text, "25.00") {
		t.Errorf("the recovered receipt: cut %s, text:\n%s", whole.Cut, whole.Text)
	}
	// Served from memory, and written to --out.
	resp, err = http.Get(r.URL + "/receipts/1.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != rc.Text {
		t.Errorf("/receipts/1.txt %q, the event's text %q", body, rc.Text)
	}
	if _, err := os.Stat(out + "/0001.png"); err != nil {
		t.Errorf("--out: %v", err)
	}
}

// A terminal that prints a full card number: the lab does not pass it on,
// in the stream or from any receipt endpoint but the picture.
func TestPrintedPANIsMasked(t *testing.T) {
	r := startLab(t)
	s := openStream(t, r.URL)
	c, err := net.Dial("tcp", strings.TrimPrefix(r.Printer, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("\x1b@CARD " + acquirer.CardApprove + "\nTOTAL 1.00\n\x1dV\x00")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	var rc lab.ReceiptView
	s.next(t, "receipt", &rc, nil)
	if !strings.Contains(rc.Text, "CARD 424242******4242") {
		t.Errorf("receipt text %q", rc.Text)
	}
	for _, path := range []string{"/receipts/1.txt", "/receipts/1.bin",
		"/printer/receipts/1.txt", "/printer/receipts/1.bin", "/api/snapshot"} {
		resp, err := http.Get(r.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "424242******4242") || strings.Contains(string(body), acquirer.CardApprove) {
			t.Errorf("GET %s: %s, %q", path, resp.Status, body)
		}
	}
	for _, path := range []string{"/receipts/1.html", "/printer/receipts/1.html"} {
		resp, err := http.Get(r.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: %s; the HTML page would show the card number glyph by glyph", path, resp.Status)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.Contains(s.raw.String(), acquirer.CardApprove) {
		t.Error("a full card number went down the event stream")
	}
}
