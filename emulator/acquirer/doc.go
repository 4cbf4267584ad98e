// Package acquirer is a fake card acquirer (the host a payment terminal
// talks to) with a real ledger, so that every fault injected between
// terminal and host has a checkable consequence: a balance, a
// transaction state, a settlement difference.
//
// # Server
//
// [NewServer] is shaped like net/http/httptest.Server: it listens on
// 127.0.0.1:0 unless told otherwise, [Server.Addr] says where, and
// [Server.Close] is idempotent and waits for every goroutine it started.
// Terminals speak a pkg/hostproto profile ([Options.Profile]): ISO
// 8583:1987 messages (iso87, the default) or China UnionPay's POS
// messages (cup), each behind a 2-byte big-endian length header. On cup
// the server hands out working keys at each sign-on, verifies every
// request's MAC (a wrong one is answered A0 without the ledger) and MACs
// its answers; the ledger, the interceptor and fault plans see the same
// typed messages on both. Many terminals may be
// connected at once; each connection's requests are handled in arrival
// order and answered with the request's STAN and terminal id (DE11,
// DE41), which is how a terminal matches a response to its request.
//
// A connection that sends something that is not a frame of the profile
// (a broken or oversize length header, bytes that do not unpack, a
// response MTI) is closed with a logged reason and reported to
// [Options.ErrorHandler] as a [*ConnError] wrapping [ErrBadFrame]; the
// server keeps serving every other connection. Idle connections are
// closed after [Options.IdleTimeout].
//
// The server is a small accept loop over hostproto.ReadFrame, Decode,
// Encode and WriteFrame rather than moov-io/iso8583-connection's server:
// faults must act between the ledger and the wire on a single message
// (hold a response after the ledger committed, send it twice, send it
// malformed or with another STAN, close instead of answering), and the
// connection package's InboundMessageHandler/Reply split hides the
// response bytes and the write from the handler; its message-level
// Reply also always re-packs the message through moov, which is slower
// than hostproto's codec. The loop is about 200 lines.
//
// # Ledger
//
// [Ledger] holds cards, transactions and one batch per terminal, and
// does no I/O; the server feeds it [Request]s decoded from the wire. Its
// rules (response codes for every refusal, idempotent reversals,
// duplicate detection, settlement with batch upload and a difference
// report) are listed in docs/acquirer.md, section "Ledger rules", and
// each has a test. Money is int64 minor units. Full card numbers stay
// inside the ledger: [Ledger.Transactions], [Ledger.Cards], the admin
// API and the logs show them masked ([MaskPAN]).
//
// Memory is bounded: per terminal the ledger keeps the open batch and
// [LedgerOptions.KeepBatches] closed ones ([DefaultKeepBatches], 2);
// older batches are dropped at settlement with their transactions, and
// an original outside that window is answered 25. Cards are kept.
//
// # Test cards and amounts
//
// The ledger starts with [TestCards]: 4242424242424242 approves, others
// decline with 05, 14, 41, 43, 51, 54, 61, 91 or 96. A sale of 9,000.01
// to 9,000.99 answers with the cents as the response code. Any other
// Luhn-valid card is created on first use with [DefaultBalance]; a PAN
// failing the Luhn check gets 14.
//
// # Faults
//
// [Server.SetIntercept] installs an [Interceptor] called before the
// ledger and after it committed, for every request. Its [Action] drops,
// delays, answers or closes; delays are timed by [Options.After] so that
// tests release them without sleeping. [Server.DropConnections] closes
// every connection at once. Package faults compiles fault plans into
// interceptors; this package knows nothing of plans.
//
// # Admin API
//
// [Server.AdminHandler] (served on [Options.AdminAddr]) lists
// transactions, cards and batches as JSON and creates or updates cards.
//
// # Tests
//
// Package acquirertest starts a server per test ([acquirertest.NewTestServer])
// and has a minimal terminal-side client.
package acquirer
