//go:build linux

package pty_test

import (
	"fmt"
	"io"
	"os"

	"github.com/poshil/hil/internal/pty"
)

// A client opens the slave path like any serial port; the emulator reads
// and writes the Pty.
func Example() {
	p, err := pty.Open(pty.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	client, err := os.OpenFile(p.Path(), os.O_RDWR, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	client.Write([]byte("\x10\x04\x01")) // DLE EOT 1
	req := make([]byte, 3)
	io.ReadFull(p, req)
	fmt.Printf("% x\n", req)
	// Output: 10 04 01
}
