package scenarios

import (
	"fmt"
	"io"
	"net/url"
	"strconv"

	"go.bug.st/serial"
)

// openSerial opens serial://PATH?baud=N (default 38400) for the bridge.
// go.bug.st/serial opens the port exclusively (TIOCEXCL), so nothing else
// writes to the printer during the run.
func openSerial(u *url.URL) (io.ReadWriteCloser, error) {
	path := u.Path
	if path == "" {
		path = u.Opaque
	}
	mode := &serial.Mode{BaudRate: 38400}
	if b := u.Query().Get("baud"); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("printer URL %s: baud=%q is not a number", u, b)
		}
		mode.BaudRate = n
	}
	port, err := serial.Open(path, mode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return port, nil
}
