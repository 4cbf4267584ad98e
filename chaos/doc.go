// Package chaos runs random fault schedules against whole terminals and
// checks the money-and-receipt invariants on what happened, in the manner
// of Jepsen: generate operations and faults, record what each client saw,
// heal, and check the history.
//
// # Schedules
//
// [Generate] draws a [Schedule] from a seed: T terminals doing sales on
// the test cards, refunds (partial and full, with the receipt in hand or
// found by Lookup), voids, reprints and settlements, and a fault plan
// drawn from the faults catalogue — printer, acquirer, link and client
// crash rules, triggered by counts (nth=, cut=, after-lines=) so that a
// schedule is reproducible and takes milliseconds. A schedule has a text
// form ([Schedule.String], [ParseSchedule]).
//
// # Runs
//
// [Run] builds a rig — one fake acquirer, and per terminal an in-memory
// journal, a printer emulator behind the real printer transport, a link
// wrapped by the fault injector, and a posclient.Terminal — runs the
// operations one at a time in schedule order, then heals every fault and
// runs Recover and Settle on every terminal. A client crash abandons the
// terminal at the hook point: from that instant its journal, link, printer
// and e-receipt sink refuse it, as if the process had died; a new Terminal
// on the same journal runs Recover, as a till does when it boots. The
// terminals' clock moves a minute on every reading, so reversal backoffs
// never wait; only host and printer timeouts (tens of milliseconds) cost
// wall time.
//
// # History and checker
//
// The [History] holds every operation with its outcome as the client saw
// it (ok, fail, unknown), every journal, the acquirer's ledger, the card
// balances, the printed receipts, e-receipts and logs. [Check] checks the
// five invariants of the architecture plus the bank-style bounds (each
// card's host balance lies between what the confirmed operations imply
// and what confirmed-plus-unknown operations allow) and that nothing stays
// in doubt after the heal; it returns [Violation] values.
//
// # Broken clients
//
// [Options.Mutation] wraps a terminal's journal, host connection or printer
// and sees each operation before it runs: tests use it to break the client
// on purpose (reversals never sent, duplicates unmarked, the same-card
// check defeated) and check that the checker catches it. posclient itself
// is never changed.
//
// # Terminals driven through the contract
//
// With [Options.Terminal] set, Run drives a terminal program (any
// language) through the terminal contract (package terminal) instead of
// posclient: per terminal of the schedule a process with its own printer
// emulator on TCP, its own link to the acquirer through a fault proxy
// (faults.Proxy) and its own work directory. Operations become contract
// requests; a client crash rule kills the process with SIGKILL at an
// instant the world sees (after-send: the host committed the request;
// mid-print: a receipt's first line is on paper; after-print: a receipt
// was cut) and starts it again with recover. The kinds that act inside
// posclient ([ContractExcluded]) are not drawn. After the heal, each
// process is started again, recovers, settles if it can and is asked to
// look up every reference it gave; the verdict is decided from the
// world's side by package terminal/evidence and kept in History.World,
// which Check returns.
//
// # Exploring, shrinking, scenarios
//
// [Explore] runs many seeds in parallel. A failing schedule is shrunk by
// [Shrink] (delta debugging over faults and operations) and written as a
// testscript scenario by [Scenario]: it embeds the schedule and replays it
// exactly with `hil chaos --replay`, requiring zero violations, so the
// scenario fails under `hil run` while the violation is there and passes
// once it is fixed.
package chaos
