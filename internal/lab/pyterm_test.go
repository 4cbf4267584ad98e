package lab_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/poshil/hil/internal/lab"
	"github.com/poshil/hil/internal/testtool"
)

// The lab watches a terminal that shares no code with it: pyterm, the
// Python reference terminal (its own ISO 8583 packing, raw ESC/POS).
func TestPytermOnThePage(t *testing.T) {
	python := testtool.Python(t)
	r := startLab(t)
	s := openStream(t, r.URL)

	cmd := exec.Command(python, "../../testdata/terminals/pyterm.py")
	cmd.Env = append(os.Environ(), "HIL_ACQUIRER_ADDR="+r.Acquirer, "HIL_PRINTER_URL="+r.Printer,
		"HIL_WORK_DIR="+t.TempDir(), "HIL_TERMINAL_ID=PYTERM01")
	cmd.Stdin = strings.NewReader(`{"id":1,"op":"hello"}` + "\n" + `{"id":2,"op":"sale","amount":4321,"card":"4242424242424242"}` + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyterm: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || res["outcome"] != "approved" || res["receipt"] != "printed" {
		t.Fatalf("pyterm sale: %q (%v)", out, err)
	}

	var msg lab.MessageView
	s.next(t, "message", &msg, func() bool { return msg.MTI == "0200" })
	if msg.Terminal != "PYTERM01" || msg.Amount != 4321 || msg.Code != "00" || msg.Card != "424242******4242" {
		t.Errorf("pyterm's sale in the log: %+v", msg)
	}
	var rc lab.ReceiptView
	s.next(t, "receipt", &rc, nil)
	if !strings.Contains(rc.Text, "43.21") {
		t.Errorf("pyterm's receipt on the page:\n%s", rc.Text)
	}
	var led lab.LedgerView
	s.next(t, "ledger", &led, func() bool { return led.Total == 1 })
}
