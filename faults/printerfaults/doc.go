// Package printerfaults compiles the printer rules of a fault plan into
// calls of the ESC/POS printer emulator's state verbs and hooks. The
// emulator knows nothing of plans; this package is the only place where
// the two meet.
//
// # What each kind calls
//
//	paper-near-end  Printer.SetPaper(PaperNearEnd)     heal: SetPaper(PaperOK)
//	paper-out       Printer.SetPaper(PaperOut)         heal: SetPaper(PaperOK) (a new roll)
//	cover-open      Printer.SetCover(true)             heal: SetCover(false)
//	cutter-jam      Printer.SetCutterJam(true)         heal: free the blade, open and close the cover
//	head-overheat   Printer.Overheat(for)              recovers by itself
//	offline         Printer.SetOnline(false)           heal: SetOnline(true)
//	power-cycle     Printer.PowerCycle()
//	stall           Server.Stall(for)                  heal: Stall(0)
//	disconnect      Server.DropConnections()
//	garble          ServerOptions.WrapConn = WrapConn(in): replies are corrupted
//
// A state fault with for=D is undone after D; without, it lasts until heal.
//
// # When
//
// A rule with after-lines=N, after-bytes=N or cut=K fires from the
// printer's OnEvent hook, which runs between commands: paper-out
// after-lines=12 stops the paper before the 13th line. A rule without one
// of them fires at once, or at=D after the injector started. Counts start
// when the rule is armed, not when the printer was switched on.
package printerfaults
