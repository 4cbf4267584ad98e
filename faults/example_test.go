package faults_test

import (
	"errors"
	"fmt"

	"github.com/poshil/hil/faults"
)

func ExampleParse() {
	p, err := faults.Parse(`
seed 42
# the S6 situation: the host approves, the answer is lost
acquirer drop-response nth=1 mti=0200
link latency jitter=50ms by=200ms
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p)
	// Output:
	// seed 42
	// acquirer drop-response mti=0200 nth=1
	// link latency by=200ms jitter=50ms
}

func ExampleParse_error() {
	_, err := faults.Parse("printer paper-out after-lines=12\nacquirer delay by=soon")
	var se *faults.SyntaxError
	if errors.As(err, &se) {
		fmt.Printf("line %d, column %d, word %q: %s\n", se.Line, se.Col, se.Word, se.Msg)
	}
	// Output:
	// line 2, column 16, word "by=soon": want a duration such as 150ms or 2s: time: invalid duration "soon"
}

func ExampleInjector_Fire() {
	p, _ := faults.Parse("acquirer reversal-lost count=2")
	in, _ := faults.NewInjector(p, faults.Options{})
	defer in.Close()
	for stan := range 3 {
		ev := faults.Event{Target: faults.TargetAcquirer, Hit: faults.Hit{MTI: "0400", STAN: fmt.Sprint(stan + 1)}}
		fmt.Println(stan+1, len(in.Fire(ev, faults.ReversalLost)) > 0)
	}
	fmt.Printf("%+v\n", in.Rules())
	// Output:
	// 1 true
	// 2 true
	// 3 false
	// [{ID:1 Rule:acquirer reversal-lost count=2 Matches:3 Fired:2 Done:true}]
}

func ExampleLookup() {
	s, _ := faults.Lookup(faults.TargetLink, faults.Latency)
	fmt.Println(s.Usage())
	fmt.Println(s.Example)
	// Output:
	// link latency by=D [jitter=D]
	// link latency by=200ms jitter=50ms
}
