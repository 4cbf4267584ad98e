package escpos_test

import (
	"context"
	"fmt"

	"github.com/poshil/hil/emulator/escpos"
)

// Malformed input is skipped, summarised in the log and counted in the
// status.
func ExamplePrinter_Status_malformed() {
	p, _ := escpos.NewPrinter(escpos.Options{})
	defer p.Close()
	// GS 0xFF is undefined: three of them between two lines.
	p.Write([]byte("\x1b@ok\n\x1d\xff\x1d\xff\x1d\xffdone\n"))
	p.WaitIdle(context.Background())
	st := p.Status()
	fmt.Println(st.MalformedCommands, st.MalformedBytes, st.LinesPrinted)
	// Output: 3 6 2
}

// A client that goes away in the middle of a command leaves it
// unfinished; the server drops it so that the next client's bytes are not
// taken as the rest of it.
func ExamplePrinter_DropIncomplete() {
	p, _ := escpos.NewPrinter(escpos.Options{})
	defer p.Close()
	// A GS v 0 image announcing 2×16 bytes of dots, of which 4 arrive.
	p.Write([]byte("\x1dv0\x00\x02\x00\x10\x00\xff\xff\xff\xff"))
	p.WaitIdle(context.Background())
	fmt.Println("pending:", p.Status().PendingBytes)
	fmt.Println("dropped:", p.DropIncomplete())
	p.Write([]byte("next job\n"))
	p.EndJob()
	p.WaitIdle(context.Background())
	fmt.Println("printed:", p.Status().LinesPrinted)
	// Output:
	// pending: 12
	// dropped: 12
	// printed: 1
}
