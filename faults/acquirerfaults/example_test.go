package acquirerfaults_test

import (
	"fmt"
	"log"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/faults/acquirerfaults"
)

// Attach a plan to a running acquirer; GET/POST/DELETE /faults on its admin
// API come with HandleAdmin.
func ExampleAttach() {
	plan, err := faults.Parse("acquirer drop-response mti=0200 nth=1")
	if err != nil {
		log.Fatal(err)
	}
	in, err := faults.NewInjector(plan, faults.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	srv, err := acquirer.NewServer(acquirer.Options{AdminAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	detach := acquirerfaults.Attach(srv, in)
	defer detach()
	srv.HandleAdmin("/faults", faults.AdminHandler(in))
	for _, r := range in.Rules() {
		fmt.Println(r.ID, r.Rule, r.Fired)
	}
	// Output: 1 acquirer drop-response mti=0200 nth=1 0
}
