package escpos

import (
	"log/slog"
	"time"
)

// Logging of bad input. Random bytes decode into a malformed sequence
// every few dozen bytes, and each used to be a WARN line: 64 KiB of noise
// gave thousands of lines, and a client whose stderr nobody reads then
// stalled the printer on a full pipe. So the printer summarises and
// rate-limits:
//
//   - Consecutive malformed sequences form a run: one line per run, with
//     the number of sequences, the bytes skipped, the stream offset range
//     and the first reason. A run ends when processing runs out of data
//     (or at the end of a session), or when the next malformed sequence
//     starts more than skipRunGap bytes after the run's end.
//   - Every warning about the host's data (skip runs, commands ignored,
//     bytes lost to overflow) takes a token from one bucket of
//     logBurst tokens, refilled at one token per logEvery on the
//     printer's clock (Options.Now). A warning without a token is not
//     logged but counted; the next line logged says how many were
//     suppressed.
//   - Status counts everything whether logged or not: MalformedCommands,
//     MalformedBytes, IgnoredCommands, LogSuppressed.
const (
	skipRunGap = 4096            // bytes between malformed sequences that still continue a run
	logBurst   = 8               // warnings logged at once before rate limiting
	logEvery   = 1 * time.Second // one more warning a second after the burst
)

// skipRun is a run of malformed sequences not logged yet.
type skipRun struct {
	n          int    // sequences
	bytes      int64  // bytes of the sequences
	from, to   int64  // stream offsets: first byte, one past the last
	reason     string // of the first sequence
	firstBytes []byte // of the first sequence (at most 16)
}

// warnLimiter is a token bucket for warning lines.
type warnLimiter struct {
	tokens     float64
	last       time.Time
	started    bool
	suppressed int64 // since the last line logged
	total      int64 // suppressed since the printer started
}

// allow takes a token at now.
func (l *warnLimiter) allow(now time.Time) bool {
	if !l.started {
		l.started, l.tokens, l.last = true, logBurst, now
	}
	if d := now.Sub(l.last); d > 0 {
		l.tokens = min(logBurst, l.tokens+float64(d)/float64(logEvery))
		l.last = now
	}
	if l.tokens >= 1 {
		l.tokens--
		return true
	}
	l.suppressed++
	l.total++
	return false
}

// warnLocked logs a warning about the host's data if the limiter allows.
func (p *Printer) warnLocked(msg string, args ...any) {
	if !p.warn.allow(p.now()) {
		return
	}
	if n := p.warn.suppressed; n > 0 {
		args = append(args, slog.Int64("suppressed_before", n))
		p.warn.suppressed = 0
	}
	p.log.Warn(msg, args...)
}

// malformedLocked counts a malformed sequence and adds it to the run.
func (p *Printer) malformedLocked(c Malformed) {
	p.malformedN++
	p.malformedBytes += int64(len(c.Bytes))
	r := &p.skip
	if r.n > 0 && c.Offset > r.to+skipRunGap {
		p.flushSkipLocked()
	}
	end := c.Offset + int64(len(c.Bytes))
	if r.n == 0 {
		*r = skipRun{from: c.Offset, to: end, reason: c.Reason, firstBytes: append(r.firstBytes[:0], c.Bytes[:min(len(c.Bytes), 16)]...)}
	}
	r.n++
	r.bytes += int64(len(c.Bytes))
	r.to = max(r.to, end)
}

// flushSkipLocked logs the run of malformed sequences, if any.
func (p *Printer) flushSkipLocked() {
	r := &p.skip
	if r.n == 0 {
		return
	}
	if r.n == 1 {
		p.warnLocked("malformed command skipped", "offset", r.from, "bytes", r.firstBytes, "reason", r.reason)
	} else {
		p.warnLocked("malformed input skipped", "sequences", r.n, "bytes", r.bytes,
			"from", r.from, "to", r.to, "first_reason", r.reason)
	}
	r.n = 0
}
