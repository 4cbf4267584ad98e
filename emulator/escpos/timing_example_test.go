package escpos_test

import (
	"fmt"

	"github.com/poshil/hil/emulator/escpos"
)

// What a receipt costs on a 19200-baud line to a printer that prints
// 2000 dot rows a second (250 mm/s at 8 dots/mm).
func ExampleRealtimePacer_Cost() {
	r := escpos.NewRealtimePacer(escpos.RealtimeOptions{BaudRate: 19200, DotLinesPerSecond: 2000})
	fmt.Println(r.Cost(1920, 0)) // 1920 bytes on the line
	fmt.Println(r.Cost(0, 30))   // one 30-dot text line
	fmt.Println(r.Cost(1920, 30*40))
	// Output:
	// 1s
	// 15ms
	// 1.6s
}
