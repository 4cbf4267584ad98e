package escpos

import "context"

// The receive buffer. A real printer holds the host's bytes in a receive
// buffer of Profile.BufferSize bytes until its command processor takes
// them; the processor takes them as fast as they come while the printer
// is online, and not at all while it is offline. A command longer than
// the buffer (a raster image) goes through it piece by piece: its data
// moves on into the print buffer as it arrives. BUSY is raised when free
// space falls to Profile.BusyFree and released when it is back to
// Profile.ReleaseFree (XOFF and XON with Options.XONXOFF).
//
// The emulator keeps the same books (p.rx is the receive buffer's fill,
// never above BufferSize; Status.Buffered reports it):
//
//   - Online, the processing goroutine takes everything in the receive
//     buffer at the start of each pass (rx drops to 0); what the decoder
//     still holds after a pass is a command still arriving, reported as
//     Status.PendingBytes, not as buffered.
//   - Offline, bytes stay in the receive buffer.
//   - Feed (what the Server uses) is flow-controlled: it waits for room,
//     as a host does on BUSY, so the TCP or pty reader stops reading while
//     the buffer is full and the client's writes back up in the kernel.
//     Online it hands over up to feedChunk bytes once the processor has
//     taken the previous piece, so at most that much waits to be executed.
//   - Write is not: offline, bytes that do not fit are lost and counted
//     (Status.OverflowBytes), as on a serial line whose host ignores BUSY;
//     online, the emulated processor is never slower than the host, so
//     nothing is lost and rx only counts up to the buffer's size.

// Feed writes b to the printer as a host honouring BUSY does: whenever
// the receive buffer is full it waits until the printer has taken bytes
// from it. Real-time commands are answered as their bytes go in (a
// real-time command behind a full buffer waits too, as on a parallel,
// USB or Ethernet interface). It returns early only when ctx is done or
// the printer is closed, with the number of bytes written.
func (p *Printer) Feed(ctx context.Context, b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return written, ErrClosed
		}
		k := p.roomLocked()
		if k <= 0 {
			ch := make(chan struct{})
			p.roomWaiters = append(p.roomWaiters, ch)
			p.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return written, ctx.Err()
			}
		}
		k = min(k, len(b))
		p.writeLocked(b[:k]) // unlocks
		written += k
		b = b[k:]
	}
	return written, nil
}

// roomLocked is how many bytes Feed may put in the receive buffer now.
// Online it stops short of the BUSY threshold, so that a printer that
// keeps up never signals BUSY (the emulated one always keeps up); offline
// it fills the buffer, and BUSY goes up on the way as on a real printer.
func (p *Printer) roomLocked() int {
	free := p.prof.BufferSize - p.rx
	if p.haltedLocked() {
		return free
	}
	if p.rx == 0 {
		// The processor has taken everything: it keeps up with the host,
		// so hand it a larger piece at once (fewer hand-overs between
		// goroutines). The buffer's books stay within its size: see
		// onlineFill.
		return feedChunk
	}
	return 0 // wait for the processor to take what it has
}

// feedChunk is the most Feed hands at once to an online printer that has
// taken everything before; it bounds the data waiting to be executed.
const feedChunk = 64 << 10

// onlineFill is the most the receive buffer is counted to hold while the
// printer is online: the processor keeps up, so BUSY never goes up (no
// XOFF on a fast stream); the rest goes straight on to the processor.
func (p *Printer) onlineFill() int { return p.prof.BufferSize - p.prof.BusyFree - 1 }

// takeLocked is the command processor taking the receive buffer's bytes
// (online, at the start of a pass).
func (p *Printer) takeLocked() {
	if p.rx == 0 {
		return
	}
	p.rx = 0
	p.notifyRoomLocked()
}

func (p *Printer) notifyRoomLocked() {
	for _, ch := range p.roomWaiters {
		close(ch)
	}
	p.roomWaiters = nil
}

// DropIncomplete drops what remains of the host's data once everything
// complete has been executed: a command cut short (and the rest of a
// skipped command's data still to come), as when a client disconnects in
// the middle of a command. Left in the buffer, it would swallow the first
// bytes of the next client's job (a GS v 0 header waiting for 100 KB of
// image takes the next receipt as its dots). It is what DLE DC4 8 does to
// the receive buffer, without the reply. It does nothing while the printer
// is offline with data waiting (that data is complete and prints on
// recovery) and returns the bytes dropped.
func (p *Printer) DropIncomplete() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.offlineLocked() || p.running || p.queued {
		return 0
	}
	n := p.dec.Buffered()
	skipping := p.dec.skip > 0
	if n == 0 && !skipping {
		return 0
	}
	p.droppedAtEnd += int64(n)
	p.warnLocked("session ended in the middle of a command: its bytes are dropped", "bytes", n, "skipping", skipping)
	p.dec.Discard()
	p.pending, p.pendingSeen = nil, false
	p.rx = 0
	p.notifyRoomLocked()
	p.resetRawLocked()
	p.updateBusyLocked()
	return n
}
