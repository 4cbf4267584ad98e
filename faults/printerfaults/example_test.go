package printerfaults_test

import (
	"fmt"
	"log"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/faults/printerfaults"
)

// Serve an emulated printer with a plan: garble needs WrapConn, the other
// kinds need Attach.
func ExampleAttach() {
	plan, err := faults.Parse("printer paper-out after-lines=12\nprinter garble nth=3")
	if err != nil {
		log.Fatal(err)
	}
	in, err := faults.NewInjector(plan, faults.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	srv, err := escpos.NewServer(p, escpos.ServerOptions{WrapConn: printerfaults.WrapConn(in)})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ad := printerfaults.Attach(in, p, srv)
	defer ad.Close()
	for _, r := range in.Rules() {
		fmt.Println(r.ID, r.Rule)
	}
	// Output:
	// 1 printer paper-out after-lines=12
	// 2 printer garble nth=3
}
