// Package terminal is the contract by which the harness drives a terminal
// under test, in any language: docs/your-terminal.md.
//
// # Protocol
//
// The harness starts the terminal as a long-running process with its
// endpoints in the environment (EnvPrinterURL, EnvAcquirerAddr, EnvWorkDir,
// EnvTerminalID, optionally EnvResponseTimeout) and writes one JSON Request
// per line on its standard input; the terminal answers each with one JSON
// Response per line on standard output, in order, with the request's id:
//
//	→ {"id":1,"op":"hello"}
//	← {"id":1,"outcome":"ok","version":1,"name":"pyterm","capabilities":["sale","refund","lookup","recover"]}
//	→ {"id":2,"op":"sale","amount":1250,"card":"4242424242424242"}
//	← {"id":2,"outcome":"approved","ref":"000001","rrn":"632709000001","receipt":"printed"}
//
// The first request is always hello; the answer names the contract
// Version and the operations the terminal has (a terminal without void
// leaves it out, and is asked nothing it did not list). The terminal exits
// when its input ends. The JSON Schemas of both line kinds are embedded in
// Schemas (schema/request.schema.json, schema/response.schema.json).
//
// # Go side
//
// Terminal is the same set of operations for terminals linked into the
// harness process. Serve speaks the protocol on top of any Terminal (the
// built-in reference terminal, package posterm, is "hil terminal serve");
// Process drives a terminal program through the protocol, and its Restart
// is a crash: SIGKILL, then a fresh start.
package terminal
