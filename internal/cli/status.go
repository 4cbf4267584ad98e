package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/poshil/hil/pkg/posclient/printer"
)

// statusJSON is the --json form: the decoded status fields, flattened,
// with the URL, readiness and the raw bytes.
type statusJSON struct {
	Printer string `json:"printer"`
	Ready   bool   `json:"ready"`
	Reason  string `json:"reason,omitempty"`
	Paper   string `json:"paper"`
	printer.Status
	Raw string `json:"raw"`
	// Modem is the remote serial port's modem lines (rfc2217:// only).
	Modem *printer.ModemLines `json:"modem,omitempty"`
}

func runStatus(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil status [--json] [--ready] [--timeout D] URL",
		"Queries a receipt printer's real-time status (DLE EOT 1–4) and prints it decoded, one item per\n"+
			"line. URL is serial:///dev/ttyUSB0?baud=19200 (also databits, parity, stopbits), tcp://host:9100,\n"+
			"rfc2217://host:port?baud=9600&flow=rtscts (a remote serial port; its modem lines are shown too)\n"+
			"or file:///dev/usb/lp0. Exit status 0 when the status was read (and, with --ready, the printer\n"+
			"is ready), 1 when it could not be read or --ready found the printer not ready, 2 on bad usage.")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	ready := fs.Bool("ready", false, "exit 1 unless the printer is ready to print")
	timeout := fs.Duration("timeout", 5*time.Second, "give up on connecting and on each reply after `D`")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) != 1 {
		env.Errorf("status: want exactly one printer URL, got %d arguments", len(args))
		fs.Usage()
		return ExitUsage
	}
	if *timeout <= 0 {
		env.Errorf("status: --timeout must be positive, got %v", *timeout)
		return ExitUsage
	}
	url := args[0]

	ctx, cancel := context.WithTimeout(ctx, *timeout*5)
	defer cancel()
	openCtx, openCancel := context.WithTimeout(ctx, *timeout)
	p, err := printer.Open(openCtx, url, &printer.Options{ReplyTimeout: *timeout})
	openCancel()
	if err != nil {
		if errors.Is(err, printer.ErrBadURL) {
			env.Errorf("status: %v", err)
			return ExitUsage
		}
		if errors.Is(err, context.DeadlineExceeded) {
			env.Errorf("status: %s: no connection within %v", url, *timeout)
			return ExitFailure
		}
		env.Errorf("status: cannot reach printer: %v", err)
		return ExitFailure
	}
	defer p.Close()

	st, err := p.Status(ctx)
	if err != nil {
		switch {
		case errors.Is(err, printer.ErrStatusUnsupported):
			env.Errorf("status: %s: this printer connection cannot be read, so it has no status "+
				"(a write-only device or file; use a serial or tcp connection, or a bidirectional USB printer)", url)
		case errors.Is(err, printer.ErrNoReply):
			env.Errorf("status: %v within %v (is it an ESC/POS printer, and is the baud rate right?)", err, *timeout)
		default:
			env.Errorf("status: %v", err)
		}
		return ExitFailure
	}

	var modem *printer.ModemLines
	if lines, _, err := p.ModemLines(); err == nil {
		modem = &lines
	}
	reason := ""
	if e := st.Err(); e != nil {
		reason = strings.TrimPrefix(e.Error(), "printer: ")
	}
	if *asJSON {
		out := statusJSON{
			Printer: url,
			Ready:   reason == "",
			Reason:  reason,
			Paper:   st.Paper(),
			Status:  st,
			Raw:     fmt.Sprintf("%02X %02X %02X %02X", st.Raw[0], st.Raw[1], st.Raw[2], st.Raw[3]),
			Modem:   modem,
		}
		b, err := json.Marshal(out)
		if err != nil {
			env.Errorf("status: %v", err)
			return ExitFailure
		}
		fmt.Fprintln(env.Stdout, string(b))
	} else {
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "printer\t%s\n", url)
		for _, it := range st.Items() {
			fmt.Fprintf(tw, "%s\t%s\n", it.Name, it.Value)
		}
		if modem != nil {
			fmt.Fprintf(tw, "modem lines\t%s\n", modem)
		}
		tw.Flush()
	}
	if *ready && reason != "" {
		return ExitFailure
	}
	return ExitOK
}
