// Package escposcmd is the ESC/POS vocabulary that both sides of the
// printer link share: the control codes and command bytes of Epson's
// ESC/POS reference, named once. The POS client (pkg/posclient/receipt,
// pkg/posclient/printer) encodes with these names and the printer
// emulator (emulator/escpos) decodes with them; neither imports the other,
// as pkg/hostproto is shared by the terminal and the fake acquirer.
//
// It has no dependencies beyond the language: a vendor's binary that
// links the client links nothing of the emulator.
package escposcmd
