// Package acquirerfaults compiles the acquirer rules of a fault plan into
// the acquirer emulator's Intercept hook. The emulator knows nothing of
// plans; this package is the only place where the two meet.
//
// # Stages
//
// Each request the acquirer reads passes the interceptor twice. Before the
// ledger: disconnect (close the connection), drop-request (discard it),
// decline code=NN (answer NN without the ledger), reversal-lost (discard a
// 0400/0401/0420/0421) and settlement-mismatch (answer a 0500 with 95).
// After the ledger has committed: drop-response, duplicate-response,
// malformed-response, wrong-stan and delay by=D (the answer, already
// committed, leaves late).
//
// # Scope
//
// mti=, proc=, amount= and terminal= match the request's fields; card=*NNNN
// matches the last digits of DE2 and card=NNNNNN* its first digits. A
// decline rule applies to authorisations and financial requests (01xx,
// 02xx) only: echo tests, reversals and settlement pass.
package acquirerfaults
