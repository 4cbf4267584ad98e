package chaos_test

import (
	"fmt"

	"github.com/poshil/hil/chaos"
)

// A schedule in text form: the workload on each terminal and the fault
// plan, as hil chaos prints it and a chaos scenario embeds it.
func ExampleParseSchedule() {
	s, err := chaos.ParseSchedule(`seed 7
terminals 2
op 1 t1 sale amount=1250 card=approve
op 2 t1 refund of=1 amount=250 card=approve
op 3 t2 settle
fault acquirer drop-response mti=0200 nth=1
fault t2 client crash at=after-send
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(s.Ops), "operations,", len(s.Faults), "faults")
	fmt.Println(s.Ops[1])
	fmt.Println(s.Faults[1])
	// Output:
	// 3 operations, 2 faults
	// op 2 t1 refund of=1 amount=250 card=approve
	// fault t2 client crash at=after-send
}

// The same seed always gives the same schedule.
func ExampleGenerate() {
	a := chaos.Generate(42, chaos.GenConfig{Terminals: 2, Ops: 4, Faults: 2})
	b := chaos.Generate(42, chaos.GenConfig{Terminals: 2, Ops: 4, Faults: 2})
	fmt.Println(a.String() == b.String(), len(a.Ops))
	// Output:
	// true 4
}

// A violation names the invariant, the terminal and the transaction.
func ExampleViolation() {
	v := chaos.Violation{Invariant: chaos.InvCharge, Terminal: "CHAOS001", Ref: "000001-000004",
		Msg: "the host holds the sale of 9069 as approved, the journal says reversed"}
	fmt.Println(v)
	// Output:
	// invariant 1 (charge) CHAOS001 000001-000004: the host holds the sale of 9069 as approved, the journal says reversed
}
