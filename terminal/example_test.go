package terminal_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/poshil/hil/terminal"
)

// till is the smallest in-process terminal: hello and sale; Serve refuses
// everything else as unsupported without calling it.
type till struct{ terminal.Terminal }

func (till) Hello(context.Context) (terminal.Response, error) {
	return terminal.Response{Outcome: terminal.OK, Version: terminal.Version, Name: "till",
		Capabilities: []terminal.Op{terminal.OpSale}}, nil
}

func (till) Sale(_ context.Context, amount int64, card, _ string) (terminal.Response, error) {
	return terminal.Response{Outcome: terminal.Declined, Ref: "000001", Reason: "declined",
		Error: fmt.Sprintf("no host in this example (%d on *%s)", amount, card[len(card)-4:])}, nil
}

// Serve speaks the line protocol for any Terminal.
func ExampleServe() {
	in := strings.NewReader(`{"id":1,"op":"hello"}
{"id":2,"op":"sale","amount":1250,"card":"4242424242424242"}
{"id":3,"op":"sale"}
{"id":4,"op":"void","ref":"000001","card":"4242424242424242"}
`)
	if err := terminal.Serve(context.Background(), till{}, in, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"id":1,"outcome":"ok","version":1,"name":"till","capabilities":["sale"]}
	// {"id":2,"outcome":"declined","ref":"000001","error":"no host in this example (1250 on *4242)","reason":"declined"}
	// {"id":3,"outcome":"error","error":"sale: amount 0: must be positive (minor units)","reason":"bad_request"}
	// {"id":4,"outcome":"refused","error":"operation \"void\" is not supported by this terminal","reason":"unsupported"}
}
