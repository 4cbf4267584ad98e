package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/cli.md from the command table")

const cliDocPath = "../../docs/cli.md"

const cliDocHead = `# hil command reference

<!-- Generated from the command table in internal/cli/cli.go and each command's --help.
     Do not edit: run "go generate ./internal/cli" (TestCLIDocUpToDate checks it). -->

Every command takes its flags before or after its arguments (` + "`hil pos sale 12.50 --card … --json`" + `
and ` + "`hil pos --json sale 12.50 --card …`" + ` are the same); after ` + "`--`" + ` everything is an argument.

Why the standard library's ` + "`flag`" + ` package and not cobra: several branches change these files
at the same time (a flag here, a command there), and a migration would rewrite every one of them; one
ordered command table (` + "`internal/cli/cli.go`" + `) plus ` + "`parseInterspersed`" + ` gives flags anywhere,
generated help and this page. Shell completion is what would justify cobra; revisit it then.

` + "`hil lab`" + ` (a printer, an acquirer and a live web view of both) has its own page: [lab.md](lab.md).

`

// cliDoc renders docs/cli.md: hil help, then each command's --help.
func cliDoc(t *testing.T) string {
	for _, k := range []string{"HIL_POS_JOURNAL", "HIL_ACQUIRER_ADDR", "HIL_PRINTER_URL", "HIL_CARD", "HIL_TERMINAL_ID", "HIL_POS_CRASH", "HIL_POS_NOW"} {
		t.Setenv(k, "")
	}
	var b strings.Builder
	b.WriteString(cliDocHead)
	section := func(title string, args ...string) {
		var out, errb bytes.Buffer
		Run(context.Background(), args, strings.NewReader(""), &out, &errb)
		b.WriteString("## " + title + "\n\n```text\n" + out.String() + errb.String() + "```\n\n")
	}
	section("hil help", "help")
	for _, c := range commands {
		switch c.name {
		case "help":
		case "acquirer":
			section("hil "+c.name+" serve", c.name, "serve", "--help")
		case "printer":
			section("hil "+c.name+" serve", c.name, "serve", "--help")
			section("hil "+c.name+" check", c.name, "check", "--help")
		default:
			section("hil "+c.name, c.name, "--help")
		}
		if sub, ok := map[string]string{"printer": "probe", "run": "merge-junit", "chaos": "merge"}[c.name]; ok {
			section("hil "+c.name+" "+sub, c.name, sub, "--help")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestCLIDocUpToDate: docs/cli.md is what the command table and the
// commands' --help say. go test -run TestCLIDocUpToDate -update rewrites it.
func TestCLIDocUpToDate(t *testing.T) {
	want := cliDoc(t)
	if *update {
		if err := os.WriteFile(cliDocPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(cliDocPath)
	if err != nil {
		t.Fatalf("%v (run go generate ./internal/cli)", err)
	}
	if string(got) != want {
		t.Errorf("docs/cli.md is out of date with the command table: run go generate ./internal/cli")
	}
}

// TestHelpListsEveryCommand: hil help names every command of the table,
// in its order, and every command but help answers --help with exit 0.
func TestHelpListsEveryCommand(t *testing.T) {
	var out bytes.Buffer
	if code := Run(context.Background(), []string{"help"}, nil, &out, &out); code != ExitOK {
		t.Fatalf("help: exit %d", code)
	}
	last := -1
	for _, c := range commands {
		i := strings.Index(out.String(), "\n  "+c.name+" ")
		if i < 0 || i < last {
			t.Errorf("hil help: %q missing or out of order", c.name)
		}
		last = i
		if c.run == nil {
			continue
		}
		var o, e bytes.Buffer
		if code := Run(context.Background(), []string{"help", c.name}, nil, &o, &e); code != ExitOK || !strings.Contains(o.String()+e.String(), "Usage: hil "+c.name) {
			t.Errorf("hil help %s: exit %d, %q", c.name, code, o.String()+e.String())
		}
	}
}
