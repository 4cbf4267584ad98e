package chaos

import (
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

func TestScenarioText(t *testing.T) {
	s, err := ParseSchedule(`seed 11
terminals 2
op 1 t1 sale amount=1250 card=approve
op 2 t1 refund of=1 amount=250 card=approve
op 3 t1 sale amount=300 card=approve
fault acquirer drop-response mti=0200 nth=9
fault t1 printer paper-out after-lines=200
fault t1 client crash at=after-approval nth=3
fault t2 link reset dir=down
`)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Run(t.Context(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	vs := []Violation{{Invariant: InvCharge, Terminal: "CHAOS001", Msg: "example"}}
	data := Scenario(h, vs)
	a := txtar.Parse(data)
	script := string(a.Comment)
	for _, want := range []string{
		"# chaos: seed 11, 2 terminal(s), 3 operation(s), 4 fault(s).",
		"#   invariant 1 (charge) CHAOS001: example",
		"acquirer-start\nprinter-start --name t1\n\n",
		"acquirer-fault drop-response mti=0200 nth=9\n",
		"printer-fault --name t1 paper-out after-lines=200\n",
		"# t2: link reset dir=down",
		"sale 1250 --card 4242424242424242\n",
		"refund 000001-000001 250 --card 4242424242424242\n",
		"--crash-at after-approval",
		"# the till reboots\nexec hil pos --json --timeout 2s --terminal CHAOS001",
		"recover\n",
		"acquirer-heal\n",
		"lookup --state in-doubt\n! stdout .\n",
		"no-full-pan ",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("scenario lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "printer-start --name t2") {
		t.Errorf("idle terminal t2 got a printer:\n%s", script)
	}
	// The refund ran (op 2), the third sale was struck by the crash after
	// its approval, so it is expected to fail in the script.
	if h.Ops[2].Crashed != "after-approval" {
		t.Fatalf("op 3: %+v", h.Ops[2])
	}
	if !strings.Contains(script, "! exec hil pos --json --timeout 2s --terminal CHAOS001 --journal $WORK/t1.db --printer $HIL_PRINTER_T1_URL --e-receipt $WORK/t1-ereceipts --not-ready e-receipt --crash-at after-approval sale 300") {
		t.Errorf("crashing op not staged:\n%s", script)
	}
	got, err := ScheduleFromScenario(data)
	if err != nil || got.String() != s.String() {
		t.Errorf("embedded schedule: %v\n%s", err, got)
	}
	if _, err := ScheduleFromScenario([]byte("# nothing\n")); err != ErrNoSchedule {
		t.Errorf("archive without schedule: %v", err)
	}
}
