package terminal_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/poshil/hil/terminal"
)

// FuzzServe: whatever bytes arrive on a terminal's input, Serve answers
// every line with one protocol answer and never calls the terminal with a
// request that fails Check (helloOnly panics on anything but hello).
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"op":"hello"}` + "\n",
		`{"id":2,"op":"sale","amount":1250,"card":"4242424242424242","expiry":"2812"}` + "\n",
		`{"id":3,"op":"refund","ref":"000001"}` + "\n",
		"not json\n\n{}\n",
		`{"id":-1,"op":"hello","op":"sale"}`,
		`{"id":1e400,"op":"hello"}` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		if err := terminal.Serve(t.Context(), checkOnly{t}, bytes.NewReader(in), &out); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(&out)
		sc.Buffer(nil, terminal.MaxLine)
		for sc.Scan() {
			var r terminal.Response
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("answer %q: %v", sc.Bytes(), err)
			}
			if r.Outcome == "" {
				t.Fatalf("answer without outcome: %s", sc.Bytes())
			}
		}
	})
}

// checkOnly answers every operation with ok, and fails the test when an
// operation reaches it with arguments Check should have refused.
type checkOnly struct{ t *testing.T }

func (c checkOnly) ok() (terminal.Response, error) {
	return terminal.Response{Outcome: terminal.OK}, nil
}
func (c checkOnly) Hello(context.Context) (terminal.Response, error) {
	return terminal.Response{Outcome: terminal.OK, Version: terminal.Version, Capabilities: terminal.Ops[1:]}, nil
}
func (c checkOnly) Sale(_ context.Context, amount int64, card, _ string) (terminal.Response, error) {
	if amount <= 0 || card == "" {
		c.t.Fatalf("sale reached the terminal with amount %d, card %q", amount, card)
	}
	return c.ok()
}
func (c checkOnly) Refund(_ context.Context, ref string, amount int64, card string) (terminal.Response, error) {
	if amount <= 0 || card == "" || ref == "" {
		c.t.Fatalf("refund reached the terminal without ref, amount or card")
	}
	return c.ok()
}
func (c checkOnly) Void(_ context.Context, ref, card string) (terminal.Response, error) {
	if ref == "" || card == "" {
		c.t.Fatalf("void reached the terminal without ref or card")
	}
	return c.ok()
}
func (c checkOnly) Settle(context.Context) (terminal.Response, error)          { return c.ok() }
func (c checkOnly) Reprint(context.Context, string) (terminal.Response, error) { return c.ok() }
func (c checkOnly) Lookup(_ context.Context, ref string) (terminal.Response, error) {
	if ref == "" {
		c.t.Fatalf("lookup reached the terminal without ref")
	}
	return c.ok()
}
func (c checkOnly) Recover(context.Context) (terminal.Response, error) { return c.ok() }
func (c checkOnly) Restart(context.Context) (terminal.Response, error) { return c.ok() }
func (c checkOnly) Close() error                                       { return nil }
