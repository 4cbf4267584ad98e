package cli

import (
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
)

// TestTerminalServe: hil terminal serve answers the protocol on stdin and
// stdout, and names what is missing from its environment.
func TestTerminalServe(t *testing.T) {
	var out, errb strings.Builder
	t.Setenv("HIL_ACQUIRER_ADDR", "")
	if code := Run(t.Context(), []string{"terminal", "serve"}, strings.NewReader(""), &out, &errb); code != ExitUsage ||
		!strings.Contains(errb.String(), "HIL_ACQUIRER_ADDR is not set") {
		t.Errorf("without an acquirer: exit %d, stderr %q", code, errb.String())
	}
	srv := acquirertest.NewTestServer(t, acquirer.Options{})
	t.Setenv("HIL_ACQUIRER_ADDR", srv.Addr())
	t.Setenv("HIL_WORK_DIR", t.TempDir())
	t.Setenv("HIL_PRINTER_URL", "")
	t.Setenv("HIL_RESPONSE_TIMEOUT", "soon")
	errb.Reset()
	if code := Run(t.Context(), []string{"terminal", "serve"}, strings.NewReader(""), &out, &errb); code != ExitUsage ||
		!strings.Contains(errb.String(), `HIL_RESPONSE_TIMEOUT="soon"`) {
		t.Errorf("bad timeout: exit %d, stderr %q", code, errb.String())
	}
	t.Setenv("HIL_RESPONSE_TIMEOUT", "2s")
	t.Setenv("HIL_TERMINAL_ID", "")
	out.Reset()
	in := `{"id":1,"op":"hello"}` + "\n" + `{"id":2,"op":"sale","amount":1250,"card":"` + acquirer.CardApprove + `"}` + "\n"
	if code := Run(t.Context(), []string{"terminal", "serve"}, strings.NewReader(in), &out, &errb); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"id":1,"outcome":"ok","version":1,`) ||
		// no printer: approved at the host, the receipt owed
		!strings.HasPrefix(lines[1], `{"id":2,"outcome":"approved",`) || !strings.Contains(lines[1], `"receipt":"owed"`) {
		t.Errorf("answers:\n%s", out.String())
	}
	if txns := srv.Ledger().Transactions("POSHIL01"); len(txns) != 1 || txns[0].Amount != 1250 || txns[0].State != acquirer.StateApproved {
		t.Errorf("host ledger of the default terminal id: %+v", txns)
	}
}
