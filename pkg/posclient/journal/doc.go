// Package journal holds the implementations of [posclient.Journal].
//
// # Memory
//
// [NewMemory] keeps everything in memory. It is for tests and examples: it
// is durable only for the life of the process. It still behaves like the
// durable journal in every other way: it copies what it is given, rejects
// rows that would corrupt it, and refuses a full card number.
//
// # SQLite
//
// The durable journal (OpenSQLite) lives in this package too; see the
// contract in the documentation of [posclient.Journal].
package journal
