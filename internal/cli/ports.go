package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"go.bug.st/serial/enumerator"
)

// listPorts is the enumerator; tests replace it.
var listPorts = func() ([]*enumerator.PortDetails, error) { return enumerator.GetDetailedPortsList() }

func runPorts(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil ports",
		"Lists the serial ports of this machine (ttyS, ttyUSB, ttyACM, …) with the USB vendor and product\n"+
			"ids, serial number and product name of USB adapters, so a bench rig can name its printer by a\n"+
			"stable identity. Virtual ports (ptys, socat links) are not listed: open them by path.\n\n"+
			"Exit status: 0 the ports were listed (\"no serial ports found\" included), 1 they could not be\n"+
			"listed, 2 usage.")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		env.Errorf("ports: unexpected argument %q", args[0])
		return ExitUsage
	}
	ports, err := listPorts()
	if err != nil {
		env.Errorf("ports: %v", err)
		return ExitFailure
	}
	writePorts(env.Stdout, ports)
	return ExitOK
}

func writePorts(w io.Writer, ports []*enumerator.PortDetails) {
	if len(ports) == 0 {
		fmt.Fprintln(w, "no serial ports found")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PORT\tUSB\tSERIAL\tPRODUCT")
	for _, p := range ports {
		usb, serial, product := "-", "-", "-"
		if p.IsUSB {
			usb = p.VID + ":" + p.PID
			if p.SerialNumber != "" {
				serial = p.SerialNumber
			}
			if p.Product != "" {
				product = p.Product
			}
			if p.Manufacturer != "" {
				product = p.Manufacturer + " " + product
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, usb, serial, product)
	}
	tw.Flush()
}
