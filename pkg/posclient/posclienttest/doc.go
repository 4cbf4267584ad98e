// Package posclienttest runs a posclient.Terminal against the emulators,
// for the POS client's own tests and for vendors who build on it.
//
// # Terminal on emulators
//
// [New] starts the fake acquirer (emulator/acquirer) on a loopback port, an
// emulated ESC/POS printer (emulator/escpos) reached through the real
// printer transport (pkg/posclient/printer) over an in-memory pipe, an
// in-memory journal, and a Terminal wired to all three. Everything is
// closed when the test ends.
//
//	env := posclienttest.New(t, posclienttest.Options{})
//	res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 1250, PAN: posclienttest.CardApprove})
//
// With Options.PrinterEndpoint "tcp" or "pty" the emulator is served (as
// escpostest does) and opened by URL instead, as a bench printer would be.
//
// The emulator's fault verbs stage the situations of a real till:
// env.Printer.SetPaper(escpos.PaperOut), env.Acquirer.SetIntercept(…).
//
// # Under testing/synctest
//
// [NewPipeHost] serves the acquirer's ledger over net.Pipe, with a hook
// per request to drop, delay, garble or cut; timeouts and reversal backoff
// then run on the bubble's fake clock.
//
// # Checks
//
// [AssertNoPAN] scans a journal's rows and any text for a full card number.
package posclienttest
