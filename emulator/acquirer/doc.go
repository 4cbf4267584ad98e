// Package acquirer is a fake card acquirer with a real ledger.
package acquirer
