package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/pkg/posclient/printer"
)

const printerCheckSynopsis = "hil printer check [--interactive] [-v] [--reply-timeout D] [--print-timeout D] URL"

// runPrinterCheck runs the ESC/POS conformance suite (escpostest) on the
// printer at URL and prints one line per check as it ends.
func runPrinterCheck(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, printerCheckSynopsis,
		"Runs the ESC/POS conformance suite on a printer: DLE EOT 1-4, GS r, GS I, ASB, GS ( H after\n"+
			"printing, a real-time request inside raster data, DLE DC4 8, and with --interactive the cover\n"+
			"and paper sensors (you are asked to open the cover and take the paper out). It prints a few\n"+
			"short lines. URL is serial:///dev/ttyUSB0?baud=38400, tcp://host:9100, rfc2217://host:port or\n"+
			"file:///dev/usb/lp0, as for hil pos --printer. One line per check: ok, FAIL (with why) or skip\n"+
			"(with why). Exit status 0 when no check failed, 1 when one did or the printer could not be\n"+
			"reached, 2 on bad usage.")
	interactive := fs.Bool("interactive", false, "also run the checks that need a person at the printer")
	verbose := fs.Bool("v", false, "also print what each check saw (the replies, decoded)")
	reply := fs.Duration("reply-timeout", 5*time.Second, "wait up to `D` for each reply")
	printWait := fs.Duration("print-timeout", 20*time.Second, "wait up to `D` for a GS ( H answer (it comes after printing)")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) != 1 {
		env.Errorf("printer check: want exactly one printer URL, got %d arguments", len(args))
		fs.Usage()
		return ExitUsage
	}
	if *reply <= 0 || *printWait <= 0 {
		env.Errorf("printer check: --reply-timeout and --print-timeout must be positive")
		return ExitUsage
	}
	url := args[0]
	opts := escpostest.ConformanceOptions{
		Interactive:  *interactive,
		ReplyTimeout: *reply,
		PrintTimeout: *printWait,
		Prompt:       func(action string) { fmt.Fprintf(env.Stderr, "hil: printer check: please %s\n", action) },
		OnCheck: func(c escpostest.CheckResult) {
			switch c.Outcome {
			case escpostest.Skip:
				fmt.Fprintf(env.Stdout, "%-4s  %s (%s)\n", c.Outcome, c.Name, c.Skipped)
			default:
				fmt.Fprintf(env.Stdout, "%-4s  %s\n", c.Outcome, c.Name)
			}
			if *verbose {
				for _, l := range c.Log {
					fmt.Fprintf(env.Stdout, "        %s\n", l)
				}
			}
			for _, e := range c.Errors {
				fmt.Fprintf(env.Stdout, "        %s\n", e)
			}
		},
	}
	// Reach the printer first, within the reply timeout, so that a wrong
	// address fails at once with the connection's own error.
	dialCtx, cancel := context.WithTimeout(ctx, *reply)
	defer cancel()
	port, err := printer.Dial(dialCtx, url)
	if err != nil {
		if errors.Is(err, printer.ErrBadURL) {
			env.Errorf("printer check: %v", err)
			return ExitUsage
		}
		env.Errorf("printer check: cannot reach printer: %v", err)
		return ExitFailure
	}
	port.Close()
	rep, err := escpostest.CheckURL(ctx, url, opts)
	if err != nil {
		env.Errorf("printer check: %v", err)
		return ExitFailure
	}
	fmt.Fprintf(env.Stdout, "%s: %d passed, %d failed, %d skipped\n", url, rep.Count(escpostest.Pass), rep.Count(escpostest.Fail), rep.Count(escpostest.Skip))
	if rep.Err() != nil {
		return ExitFailure
	}
	return ExitOK
}
