package chaos

import (
	"strings"
	"testing"
	"time"

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
	h, err := Run(t.Context(), s, Options{ResponseTimeout: 45 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// The third sale was struck by the crash after its approval.
	if h.Ops[2].Crashed != "after-approval" {
		t.Fatalf("op 3: %+v", h.Ops[2])
	}
	vs := []Violation{{Invariant: InvCharge, Terminal: "CHAOS001", Msg: "example"}}
	data := Scenario(h, vs)
	a := txtar.Parse(data)
	script := string(a.Comment)
	for _, want := range []string{
		"# chaos: seed 11, 2 terminal(s), 3 operation(s), 4 fault(s).\n",
		"#   invariant 1 (charge) CHAOS001: example\n",
		"#   acquirer: acquirer drop-response mti=0200 nth=9\n",
		"#   t1: printer paper-out after-lines=200\n",
		"#   t1: client crash at=after-approval nth=3\n",
		"#   t2: link reset dir=down\n",
		"#   op 1 t1 sale amount=1250 card=approve: ok 000001-000001 (approved)\n",
		"#   op 3 t1 sale amount=300 card=approve: unknown",
		", client crashed after-approval\n",
		"\nexec hil chaos --replay chaos-schedule.txt --response-timeout 45ms\n",
		"stdout '^chaos: 1 runs, \\d+ operations, \\d+ faults, 0 violations$'\n",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("scenario lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "mutation") {
		t.Errorf("mutation mentioned for the client as shipped:\n%s", script)
	}
	got, err := ScheduleFromScenario(data)
	if err != nil || got.String() != s.String() {
		t.Errorf("embedded schedule: %v\n%s", err, got)
	}
	if _, err := ScheduleFromScenario([]byte("# nothing\n")); err != ErrNoSchedule {
		t.Errorf("archive without schedule: %v", err)
	}

	h.Mutation = "reprint-unmarked"
	if script := string(txtar.Parse(Scenario(h, nil)).Comment); !strings.Contains(script, `client mutation "reprint-unmarked"`) ||
		!strings.Contains(script, "a hil built\n# without it passes this scenario.") || !strings.Contains(script, "#   none\n") {
		t.Errorf("scenario of a mutated client:\n%s", script)
	}
}
