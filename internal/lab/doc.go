// Package lab serves "hil lab": a live web view of a test rig made of an
// emulated ESC/POS printer and a fake acquirer. The page shows receipts as
// they print (PNG, with a text toggle), the printer's sensors with buttons
// to change them, the acquirer's ledger and a masked log of the messages it
// exchanged, and the active fault rules with a box to add one in the plan
// language.
//
// The lab only watches the world: it holds no terminal. Any terminal
// pointed at the printer and the acquirer (hil pos, a vendor's terminal,
// pyserial) shows up on the page as the emulators see it.
//
// # Endpoints
//
//	GET  /                      the page (embedded HTML, CSS and JavaScript; no external assets)
//	GET  /events                Server-Sent Events: the live stream (see below)
//	GET  /api/snapshot          the whole view as one JSON object, as the stream's snapshot event
//	GET  /receipts/{n}.png      receipt n as a picture
//	GET  /receipts/{n}.txt      its text, card numbers masked (and .bin: the bytes, card numbers masked)
//	     /printer/...           the printer's admin API (escposadmin.Handler): GET /printer/status, POST /printer/state, …;
//	                            /printer/receipts/{n}.* are the lab's masked ones above
//	     /acquirer/...          the acquirer's admin API (acquirer.Server.AdminHandler): GET /acquirer/transactions, …
//	     /faults                the fault plan's admin API (faults.AdminHandler), when there is a plan
//
// The JSON admin APIs are mounted unchanged under their prefixes; the
// page's buttons and fault box call them.
//
// # The event stream
//
// Each event is one SSE frame: "id: N", "event: KIND" and one "data:" line
// holding a JSON object. Kinds:
//
//	snapshot  the whole view ([Snapshot]): sent first on every connection, and again after the client fell behind
//	printer   the printer's sensors and counters ([PrinterView]), when they change
//	receipt   a receipt that finished printing ([ReceiptView])
//	ledger    the acquirer's most recent transactions ([LedgerView]), when they change
//	message   one request the acquirer read, with its answer ([MessageView])
//	faults    the active fault rules ([FaultsView]), when they change
//
// Every frame passes through [hostproto.MaskPANs] before it is queued, so
// no full card number reaches the page even when a terminal prints one.
//
// # Memory bound
//
// Each connected client has a queue of at most Options.QueueLen frames
// (default 64). A client that does not keep up (a slow or stopped browser
// tab) does not hold the server's memory: when its queue is full, its
// queued frames are dropped and it is sent a fresh snapshot instead, from
// which the page rebuilds itself. Frames are bounded in size (receipt text
// to MaxReceiptText bytes, the ledger to the last MaxLedgerRows
// transactions, the message log to Options.LogLen entries, fault rules to
// MaxFaultRules), and at most Options.MaxClients streams are served at
// once (the next is answered 503). The server thus holds at most about
// QueueLen × MaxClients frames of at most a few tens of KiB each,
// whatever the browsers do.
package lab
