// Package faults describes every fault the rig can stage — printer,
// acquirer, link and client — as data, and applies it at the exact moment
// it hurts, reproducibly from a seed.
//
// # Plans
//
// A plan is text, one rule per line:
//
//	seed 42
//	acquirer drop-response mti=0200 nth=1
//	acquirer reversal-lost count=2
//	printer paper-out after-lines=12
//	link latency by=200ms jitter=50ms
//	client crash at=after-send
//	heal at=30s
//
// Each rule is "<target> <kind> [key=value ...]". The kinds, what each does
// and which invariant it threatens are in [Catalogue] (and hil faults list).
// '#' starts a comment. [Parse] reports errors as *[SyntaxError] with the
// line, column and offending word; [Plan.String] prints the canonical form,
// which parses back to the same plan. Plans have a JSON form too.
//
// # Triggers
//
// Every rule may carry triggers that select when it fires:
//
//   - scope (acquirer): mti=0200 proc=000000 amount=1000 card=*4242 terminal=T1
//   - printer: now, after-lines=N, after-bytes=N, cut=K (at most one)
//   - link: dir=up|down
//   - nth=N: the N-th match is the first to fire
//   - count=N or count=always: how many times it fires (default once; link
//     shaping kinds default to always)
//   - p=0.3: each eligible match fires with this probability, drawn from
//     the plan's seed
//   - at=D: armed from D after the start; for=D: armed for D, or, for
//     kinds that set a condition (printer state faults, stall, blackhole),
//     how long the condition lasts
//
// The line "heal [at=D]" clears every rule and every condition at once (or
// at D).
//
// # Running a plan
//
// An [Injector] runs plans: it owns the *rand.Rand built from the seed, the
// clock, the fire counts and the evidence log. The same seed and the same
// sequence of events give the same sequence of applied faults. Adapters
// turn its decisions into effects:
//
//   - [Conn] and [NewProxy] apply link rules to a net.Conn and to a loopback
//     TCP proxy;
//   - [ClientHook] tells the POS client when to crash;
//   - packages faults/acquirerfaults and faults/printerfaults compile
//     acquirer and printer rules into the emulators' hooks and fault verbs
//     (the emulators know nothing of plans);
//   - [AdminHandler] serves POST, DELETE and GET /faults.
//
// # Evidence
//
// Every applied fault is recorded as an [Evidence] value — time, rule in
// canonical form, target, kind and what it hit — and written as one JSON
// line to [Options].Evidence, so a scenario or a bug report shows exactly
// what happened. Card numbers appear masked only.
package faults
