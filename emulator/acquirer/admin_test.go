package acquirer_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

func getJSON(t *testing.T, url string, wantStatus int, v any) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d: %s", url, resp.StatusCode, wantStatus, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, body)
		}
	}
	return string(body)
}

func TestAdminAPI(t *testing.T) {
	srv := newServer(t, acquirer.Options{AdminAddr: "127.0.0.1:0"})
	base := srv.AdminURL()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("AdminURL %q", base)
	}
	// Create a card, then use it.
	resp, err := http.Post(base+"/cards", "application/json",
		strings.NewReader(`{"pan":"5555555555554444","balance":250,"status":"active","expiry":"3012"}`))
	if err != nil {
		t.Fatal(err)
	}
	var cv acquirer.CardView
	json.NewDecoder(resp.Body).Decode(&cv)
	resp.Body.Close()
	if resp.StatusCode != 200 || cv.Card != "555555******4444" || cv.Balance != 250 {
		t.Fatalf("POST /cards: %d %+v", resp.StatusCode, cv)
	}
	for _, bad := range []string{`{"pan":"5555555555554445"}`, `{"pan":"5555555555554444","status":"gone"}`, `not json`, `{"pan":"5555555555554444","color":"red"}`} {
		resp, err := http.Post(base+"/cards", "application/json", strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"error"`) {
			t.Errorf("POST /cards %s: %d %s, want 400 with an error", bad, resp.StatusCode, body)
		}
	}

	c := acquirertest.Dial(t, srv.Addr())
	fin(t, c, saleMsg("TERM0001", 1, "5555555555554444", 200), hostproto.RCApproved)
	fin(t, c, saleMsg("TERM0001", 2, "5555555555554444", 200), hostproto.RCInsufficientFunds)

	var txns []map[string]any
	body := getJSON(t, base+"/transactions?terminal=TERM0001", 200, &txns)
	if strings.Contains(body, "5555555555554444") {
		t.Fatalf("full PAN in /transactions: %s", body)
	}
	if len(txns) != 2 {
		t.Fatalf("%d transactions, want 2: %s", len(txns), body)
	}
	for _, k := range []string{"terminal", "stan", "rrn", "type", "amount", "state", "card"} {
		if _, ok := txns[0][k]; !ok {
			t.Errorf("transaction lacks %q: %v", k, txns[0])
		}
	}
	if txns[0]["state"] != "approved" || txns[1]["state"] != "declined" || txns[0]["type"] != "sale" || txns[0]["amount"] != 200.0 {
		t.Errorf("transactions %v", txns)
	}

	var cards []acquirer.CardView
	body = getJSON(t, base+"/cards", 200, &cards)
	if strings.Contains(body, "4242424242424242") || len(cards) != len(acquirer.TestCards())+1 {
		t.Errorf("/cards: %s", body)
	}

	var batches []acquirer.Batch
	getJSON(t, base+"/batches/TERM0001", 200, &batches)
	if len(batches) != 1 || batches[0].State != acquirer.BatchOpen || batches[0].Host.DebitsAmount != 200 {
		t.Errorf("batches %+v", batches)
	}
	getJSON(t, base+"/batches/NOPE", 404, nil)
	getJSON(t, base+"/batches/TERM0001/report", 404, nil)

	st := &hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, Times: hostproto.TimesAt(fixedNow), STAN: 3,
		TerminalID: "TERM0001", Batch: 1, Totals: hostproto.Totals{DebitCount: 1, DebitAmount: 200}.WithNet()}
	if r := exchange(t, c, st).(*hostproto.SettlementResponse); r.ResponseCode != hostproto.RCApproved {
		t.Fatalf("settlement %s", r.ResponseCode)
	}
	var rep acquirer.Batch
	getJSON(t, base+"/batches/TERM0001/report", 200, &rep)
	if rep.Report == nil || !rep.Report.Balanced || rep.Number != 1 {
		t.Errorf("report %+v", rep)
	}

	var tv acquirer.TerminalView
	getJSON(t, base+"/terminals/TERM0001", 200, &tv)
	if tv.Requests != 3 || tv.LastSTAN != "000003" || tv.Batch != 2 {
		t.Errorf("terminal %+v", tv)
	}
	getJSON(t, base+"/terminals/NOPE", 404, nil)

	var conns map[string]int
	getJSON(t, base+"/connections", 200, &conns)
	if conns["connections"] != 1 {
		t.Errorf("connections %v", conns)
	}
}
