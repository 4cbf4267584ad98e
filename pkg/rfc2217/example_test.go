package rfc2217_test

import (
	"fmt"

	"github.com/poshil/hil/pkg/rfc2217"
)

// A client asks for 19200 baud; the access server answers with the
// server form of the command and the value it set. Data and commands
// come apart, whatever the cut.
func Example() {
	req := rfc2217.AppendComPort(nil, rfc2217.SetBaudrate, rfc2217.Uint32Value(19200)...)
	fmt.Printf("client: % X\n", req)

	answer := rfc2217.AppendComPort(nil, rfc2217.SetBaudrate.Server(), rfc2217.Uint32Value(19200)...)
	answer = rfc2217.AppendComPort(answer, rfc2217.NotifyModemstate.Server(), byte(rfc2217.ModemCD|rfc2217.ModemDSR|rfc2217.ModemDeltaCTS))
	answer = rfc2217.AppendEscaped(answer, []byte{0x12, 0xFF})

	var d rfc2217.Decoder
	data := d.Decode(answer, func(c rfc2217.Command) {
		if cp, ok := rfc2217.ParseComPort(c); ok {
			fmt.Println("server:", cp)
		}
	})
	fmt.Printf("data: % X\n", data)
	// Output:
	// client: FF FA 2C 01 00 00 4B 00 FF F0
	// server: server SET-BAUDRATE 19200
	// server: server NOTIFY-MODEMSTATE CD DSR ΔCTS
	// data: 12 FF
}
