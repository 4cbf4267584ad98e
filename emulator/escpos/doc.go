// Package escpos emulates an ESC/POS receipt printer: a strict streaming
// decoder, a printer with the state model and byte-exact status replies
// of Epson TM-class printers, and the paper it prints (package paper).
//
// # Decoder
//
// [Decoder] turns a byte stream into typed [Command] values. It is pure
// (no I/O) and incremental: bytes may be written in chunks of any size and
// the commands do not depend on how the stream was split. Real-time
// commands (DLE EOT, DLE ENQ, DLE DC4) are recognised wherever they appear,
// inside another command's parameters or image data included, as the
// Epson manuals require. Unknown or invalid sequences come out as
// [Malformed] with their stream offset and are skipped; unknown functions
// of the length-prefixed families (ESC (, GS (, FS (, GS 8 L) are skipped
// by their length ([Extended]).
//
// # Printer
//
// [Printer] executes commands against a [Profile] (see [Profiles]): paper
// (present, near-end, out, optionally a roll of finite length), cover,
// autocutter error, head overheat, offline and its causes, drawer, ASB,
// and a receive buffer of the profile's size. Printing stops while the
// printer is offline; data received meanwhile waits in the buffer (with
// Write, bytes beyond its size are lost and counted) and prints after
// recovery. Status
// replies (DLE EOT 1–4, GS r, GS I, ASB, GS ( H, DLE DC4 8) are byte-exact
// to the Epson tables; real-time replies go out at once, even offline.
// The state verbs (SetPaper, SetCover, SetCutterJam, SetOnline, SetDrawer,
// Overheat, PowerCycle) are what the admin API and fault plans call.
//
// # Bounds
//
// [Printer.Feed] writes like a host honouring BUSY: it waits while the
// receive buffer is full, so Status.Buffered never exceeds the profile's
// BufferSize and the [Server], which feeds every stream this way (except
// an RFC 2217 client that asked for no flow control), stops reading from
// a client while an offline printer's buffer is full. Kept
// receipts are bounded by Options.KeepReceipts and KeepBytes, a receipt's
// host bytes by MaxReceiptRaw, and receipts waiting for the OnReceipt
// hooks by a short queue. Malformed input is logged one line per run of
// skipped sequences, rate-limited, and counted in [Status]. A TCP session
// idle for the profile's IdleTimeoutSec (Epson: 5 minutes) is closed, and
// a command cut short by the end of a session is dropped
// ([Printer.DropIncomplete]).
//
// # Paper
//
// What the printer prints is laid out in dots into [paper.Receipt] values:
// lines of styled runs placed after margin, justification, tabs and
// automatic wrapping, images (ESC * bands printed one below the other are
// one image), barcodes, QR codes, PDF417 symbols, feeds, cuts and drawer
// pulses. A receipt ends at a cut, or at [Printer.EndJob] when the client
// goes away with paper printed; blank paper (feeds and cuts only) is no
// receipt. [Printer.Paper] is what has come out: the receipts and the
// piece printed since the last of them, not yet cut (a job that a fault
// stopped part way while its client stays connected).
//
// # Code pages
//
// Text is decoded with the code page that ESC t selected from the
// profile's table (Profile.CodePages, CodePageNames); the tables are
// generated from documented sources (CodePageSource, go generate). An ESC t
// the profile has no page for is ignored, logged and counted
// (Status.UnknownCodePages).
//
// # Serving
//
// A [Server] serves one Printer on a pty, on TCP and as an RFC 2217
// remote serial port (ServerOptions.RFC2217): a telnet access server
// whose modem lines follow [Printer.BusyLine] (DSR and CTS drop while the
// printer is BUSY, as the profile's BusyLines say) and whose flow control
// is the client's (rfc2217.go; vocabulary in pkg/rfc2217).
//
// # Profiles
//
// Profiles are embedded JSON files (emulator/escpos/profiles): tm-t88 (the
// default, Epson TM-T88-class 80 mm), generic-58 (58 mm, no cutter), zh-80
// (Chinese 80 mm starting in GB18030 double-byte mode), and tm-t20iii,
// zj-5870 and sunmi-v2, written from public specifications that each file
// cites. Any other profile is a file in the same format ([ParseProfile],
// [ReadProfileFile], Options.ProfileDef), such as "hil printer probe"
// writes from a real printer; its [Answers] say which status requests the
// printer answers. docs/printer-profiles.md documents the format.
package escpos
