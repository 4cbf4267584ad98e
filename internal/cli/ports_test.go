package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.bug.st/serial/enumerator"
)

func TestPortsTable(t *testing.T) {
	saved := listPorts
	t.Cleanup(func() { listPorts = saved })
	listPorts = func() ([]*enumerator.PortDetails, error) {
		return []*enumerator.PortDetails{
			{Name: "/dev/ttyS0"},
			{Name: "/dev/ttyUSB0", IsUSB: true, VID: "04B8", PID: "0202", SerialNumber: "X5YK012345", Manufacturer: "EPSON", Product: "TM-T88V"},
		}, nil
	}
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"ports"}, nil, &out, &errb)
	require.Equal(t, ExitOK, code, errb.String())
	want := "PORT          USB        SERIAL      PRODUCT\n" +
		"/dev/ttyS0    -          -           -\n" +
		"/dev/ttyUSB0  04B8:0202  X5YK012345  EPSON TM-T88V\n"
	require.Equal(t, want, out.String())
}

func TestPortsEmptyAndError(t *testing.T) {
	saved := listPorts
	t.Cleanup(func() { listPorts = saved })

	listPorts = func() ([]*enumerator.PortDetails, error) { return nil, nil }
	var out, errb bytes.Buffer
	require.Equal(t, ExitOK, Run(context.Background(), []string{"ports"}, nil, &out, &errb))
	require.Equal(t, "no serial ports found\n", out.String())

	listPorts = func() ([]*enumerator.PortDetails, error) { return nil, errors.New("sysfs unreadable") }
	out.Reset()
	errb.Reset()
	require.Equal(t, ExitFailure, Run(context.Background(), []string{"ports"}, nil, &out, &errb))
	require.Contains(t, errb.String(), "sysfs unreadable")

	errb.Reset()
	require.Equal(t, ExitUsage, Run(context.Background(), []string{"ports", "extra"}, nil, &out, &errb))
	require.True(t, strings.Contains(errb.String(), `unexpected argument "extra"`), errb.String())
}
