package cli

import (
	"context"
	"fmt"

	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/posterm"
)

const terminalHelp = `Usage: hil terminal serve

Serves the built-in reference terminal (pkg/posclient) on the terminal
contract (docs/your-terminal.md): one JSON request per line on standard
input, one JSON answer per line on standard output, until the input ends.

Environment (set by the harness):
  HIL_ACQUIRER_ADDR     host:port of the acquirer (required)
  HIL_WORK_DIR          the work directory; the journal is journal.db there (required)
  HIL_PRINTER_URL       the printer (tcp://, serial://, file://); unset: receipts owed
  HIL_TERMINAL_ID       DE41, 8 characters (default POSHIL01)
  HIL_RESPONSE_TIMEOUT  how long to wait for the host (2s)
  HIL_CARD_KEY          card-token key
  HIL_POS_PROFILE       host dialect, iso87 (default) or cup, as for hil pos
  HIL_RECEIPT_COLUMNS   receipt width in Font A characters, 24 to 64 (48: 80 mm; 32: 58 mm)
  HIL_REVERSAL_BACKOFF  wait before the second reversal try, doubling (1s), as hil pos --reversal-backoff
`

func runTerminal(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, terminalHelp)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, terminalHelp)
		return ExitOK
	case "serve":
		if len(args) > 1 {
			env.Errorf("terminal serve: no arguments expected, got %q", args[1:])
			return ExitUsage
		}
		cfg, err := posterm.ConfigFromEnv()
		if err != nil {
			env.Errorf("terminal serve: %v", err)
			return ExitUsage
		}
		t, err := posterm.Open(ctx, cfg)
		if err != nil {
			env.Errorf("terminal serve: %v", err)
			return ExitFailure
		}
		defer t.Close()
		if err := terminal.Serve(ctx, t, env.Stdin, env.Stdout); err != nil {
			env.Errorf("terminal serve: %v", err)
			return ExitFailure
		}
		return ExitOK
	}
	env.Errorf("terminal: unknown subcommand %q (want serve)", args[0])
	return ExitUsage
}
