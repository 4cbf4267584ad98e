package escpos_test

import (
	"fmt"

	"github.com/poshil/hil/emulator/escpos"
)

// The admin API's POST /state body is checked strictly before anything
// changes.
func ExampleParseStateRequest() {
	req, err := escpos.ParseStateRequest([]byte(`{"paper":"near-end","online":false}`))
	fmt.Println(*req.Paper, *req.Online, req.Cover == nil, err)

	_, err = escpos.ParseStateRequest([]byte(`{"paper":"empty"}`))
	fmt.Println(err)
	_, err = escpos.ParseStateRequest([]byte(`{"lid":"open"}`))
	fmt.Println(err)
	// Output:
	// near-end false true <nil>
	// escpos: state: paper: bad value "empty" (want "ok", "near-end", "out")
	// escpos: state: unknown key "lid" (known: paper, cover, cutter, online, drawer)
}
