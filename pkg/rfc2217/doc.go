// Package rfc2217 is the vocabulary and codec of the Telnet COM Port
// Control Option (RFC 2217, telnet option 44), the protocol of remote
// serial ports: ser2net's telnet(rfc2217) accepters, labgrid's
// RFC2217 ports, pyserial's rfc2217:// URLs. Both sides of poshil use
// it: the printer transport of the POS client (rfc2217:// in
// pkg/posclient/printer) and the emulated printer's RFC 2217 endpoint
// (emulator/escpos, hil printer serve --rfc2217). It has no I/O of its
// own and imports only the standard library.
//
// # Telnet
//
// Data and commands share one byte stream. IAC (0xFF) starts a command:
// IAC WILL/WONT/DO/DONT option negotiates an option, IAC SB option … IAC
// SE carries a subnegotiation, and IAC IAC is a data byte 0xFF. A
// [Decoder] takes the commands out of a stream cut anywhere and hands
// them to a callback; [AppendEscaped] doubles 0xFF in outgoing data.
// [Options] answers option negotiation without loops (RFC 1143): a
// COM port connection has BINARY (RFC 856) and SGA (RFC 858) both ways
// and COM-PORT-OPTION from client to server.
//
// # COM-PORT-OPTION
//
// The client sends IAC SB 44 code value IAC SE ([AppendComPort]) with a
// [Code] from 1 to 12: SET-BAUDRATE (4 bytes, big-endian), SET-DATASIZE,
// [SetParity], [SetStopsize], [SetControl] (flow control, BREAK, DTR,
// RTS; a [Control]), SET-LINESTATE-MASK, SET-MODEMSTATE-MASK and
// PURGE-DATA. A value of 0 asks for the current setting. The access
// server answers every command with the code plus 100 ([Code.Server]) and
// the value it set, which may differ from the one asked for. It sends
// NOTIFY-MODEMSTATE (code 107, a [ModemState]: CD, RI, DSR, CTS and
// their change bits) when a modem line changes, filtered by the client's
// modem-state mask (255 unless set), and NOTIFY-LINESTATE (106, a
// [LineState]) for line errors, filtered by the line-state mask (0
// unless set). [ParseComPort] reads such a command out of a [Command].
package rfc2217
