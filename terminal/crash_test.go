package terminal_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/poshil/hil/terminal"
)

// TestProcessCrash: Crash, called from another goroutine while a request
// waits for its answer, kills the terminal at once and the request fails.
// (Restart after a crash, on real terminals: TestContractPyterm in package
// chaos.)
func TestProcessCrash(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sent := make(chan struct{}, 4)
	p, err := terminal.StartProcess(ctx, terminal.ProcessConfig{Command: []string{exe}, Env: []string{fakeEnv + "=silent"},
		Observe: func(isReq bool, line []byte) {
			if isReq {
				sent <- struct{}{}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	<-sent // hello
	done := make(chan error, 1)
	go func() {
		_, err := p.Sale(ctx, 1250, "4242424242424242", "") // the silent terminal never answers
		done <- err
	}()
	select {
	case <-sent:
	case <-ctx.Done():
		t.Fatal("the sale was never sent")
	}
	p.Crash()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the sale succeeded on a killed terminal")
		}
		t.Logf("sale: %v", err)
	case <-ctx.Done():
		t.Fatal("the sale still waits after the crash")
	}
	p.Crash() // a dead terminal: nothing to do
	if _, err := p.Sale(ctx, 1250, "4242424242424242", ""); err == nil {
		t.Error("a sale on the killed terminal succeeded")
	}
}
