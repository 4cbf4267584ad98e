// Package pty creates virtual serial ports: pseudo-terminal pairs whose
// slave side (/dev/pts/N) a client opens as if it were a serial printer,
// while the emulator reads and writes the master side.
//
// # Raw before published
//
// [Open] puts the slave in raw mode before it returns, so the path is never
// visible in cooked mode: a client that opens it at once gets its bytes
// through untouched (no echo, no CR/LF translation, no VEOF handling).
//
// # Clients come and go
//
// The Pty keeps its own handle on the slave open for its whole life, so a
// client may close the port and open it again as often as it likes and the
// master never sees EIO. Client opens and closes are observed with inotify
// on the slave node and reported on [Pty.Events]; when the last client
// handle closes, bytes the emulator wrote that nobody read are discarded, as
// they would be on a real serial line with nobody listening.
//
// # Stable names
//
// [Options.Link] asks for a symbolic link to the slave, for example
// $WORK/ttyPRN0, so that scripts need not know N. The link is removed by
// [Pty.Close]. An existing file at that path that is not a symbolic link is
// never replaced.
//
// # Platforms
//
// Only Linux is supported; elsewhere [Supported] is false and [Open] returns
// [ErrUnsupported].
package pty
