// Package hostproto is the terminal↔host protocol of poshil: one ISO 8583
// profile shared by the POS client (pkg/posclient) and the fake acquirer
// (emulator/acquirer).
//
// # Profile
//
// ISO 8583:1987 with an ASCII MTI (n4), an 8-byte binary primary bitmap, a
// secondary bitmap only when a field above 64 is present (one is accepted
// on input even when no field above 64 follows), and ASCII fields. Each
// message travels in a frame with a 2-byte big-endian binary length
// header ([ReadFrame], [WriteFrame]). The field table is in [Spec] and in
// docs/acquirer.md, "Wire profile".
package hostproto
