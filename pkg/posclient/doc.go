// Package posclient is the POS client core that terminal vendors import:
// sale, refund to the original card, void, reversal with store-and-forward,
// settlement with reconciliation, receipts printed with verified completion,
// reprint and lookup, all on a journal written before anything leaves the
// terminal.
//
// # Terminal
//
// [New] takes a [Config] (terminal and merchant ids, card-token key,
// [Journal], a Dial function for the host, a [Printer], an optional
// [ReceiptSink]) and returns a [Terminal]. Every operation takes a context:
// [Terminal.Sale], [Terminal.Refund], [Terminal.Void], [Terminal.Settle],
// [Terminal.Reprint], [Terminal.Lookup], [Terminal.Recover],
// [Terminal.PrinterStatus]. A decline is a [Result], not an error. When the
// host gives no usable answer the error is an [*InDoubtError] and the
// Result tells whether the reversal already went through.
//
// # State machine
//
// [Machine] is the pure core (no I/O, no clock: time comes in each
// [Event]). [Machine.Step] takes an event and returns the [Action]s the
// driver performs in order: persist, send, send reversal, print, e-receipt,
// wait, notify. The Terminal is that driver, in one loop (as raft's Ready
// loop): it carries out each action and feeds its outcome back as the next
// event — ActSend gives EvSendFailed, or EvSent then EvResponse or
// EvNoResponse; ActSendReversal gives EvReversalAck or EvReversalNoResponse;
// ActWait gives EvReversalDue; ActPrint gives EvPrinted or EvPrintFailed —
// and the actions that outcome returns run before the rest. A request is
// journaled with the first row of the step that sends it, before it leaves.
// A settlement is a machine too (a Txn of KindSettlement): EvSettle, then
// ActSettleNext gives EvSettleDue (the next message's STAN),
// ActSendSettlement gives EvSettleAnswer, ActSendUpload gives EvUploadAck,
// and ActCloseBatch closes the batch once the host answered 00.
//
//	settlement: created ─settle─▶ sent ─0500─▶ answered 00 ─▶ approved (batch closed)
//	                                     └─95─▶ 0320 … 0320 ─▶ final 0500 ─00─▶ approved
//	                                     any other refusal ─▶ declined (the batch stays open)
//
//	created ─begin─▶ journaled ─sent─▶ sent ─response 00─▶ approved ─▶ receipt printing ─▶ printed
//	   (intent persisted         │          └─response ≠00─▶ declined           └─failed─▶ owed ─▶ printed | e-receipt
//	    before the send)         └─send failed, nothing left─▶ failed
//	sent ─timeout / garbled / link lost─▶ in_doubt ─▶ reversal_queued ─due─▶ reversal_sent
//	reversal_sent ─0410 00 or 25─▶ reversed
//	reversal_sent ─no answer / other code─▶ reversal_queued (backoff) … ─tries exhausted─▶ unresolved
//
// A late approval after the reversal was queued is journaled (Txn.LateCode)
// and the reversal stands. Under Policy.ReverseOnPrintFailure an approved
// sale whose receipt fails is reversed instead of owing the receipt.
//
// # Journal
//
// The [Journal] interface documents what must be durable when each method
// returns. journal.NewMemory is the in-memory implementation; the SQLite one
// (sqlitejournal.Open, a package of its own so that a client without it
// links no SQLite) implements the same contract. Cards are kept as a
// masked PAN plus an HMAC-SHA256 token under Config.CardKey ([NewCard]), so
// a refund can check "same card" without any card number on disk.
//
// # Crash safety
//
// Config.CrashHook is called at each of [CrashPoints]. Whatever instant a
// crash happens at, [Terminal.Recover] on the same journal finishes the
// job: journaled or sent transactions without an answer are reversed,
// queued reversals are delivered (before any other host traffic), owed
// receipts are printed once.
package posclient
