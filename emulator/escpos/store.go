package escpos

import (
	"slices"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// The receipts a printer keeps, and what that costs. A long-running
// server must hold a fixed amount of memory whatever it printed, so:
//
//   - Receipts keeps the last Options.KeepReceipts receipts (default
//     DefaultKeepReceipts) and, among them, no more than
//     Options.KeepBytes of estimated size (default DefaultKeepBytes;
//     the newest receipt is always kept). Older ones are evicted: OnReceipt
//     hooks (which write them to disk in 'hil printer serve --out') have
//     seen every one; Status.ReceiptsEvicted counts them.
//   - A receipt keeps at most Options.MaxReceiptRaw host bytes in Raw
//     (default DefaultMaxReceiptRaw); Receipt.RawTruncated counts the
//     rest. A 100 MB GS v 0 image, which the decoder skips as too large
//     (DecoderOptions.MaxData), is thus held nowhere.
//   - Finished receipts wait for the OnReceipt hooks in a queue of at
//     most maxDeliverQueue receipts and maxDeliverBytes of their
//     ReceiptSize: when the hooks fall behind (rendering PNGs to a slow
//     disk), printing waits, the receive buffer fills and the server stops
//     reading, as a printer whose paper path is full does.
//
// So the receipts use at most about KeepBytes + maxDeliverBytes + the
// largest receipt (the queue takes one more receipt when it is under its
// bound), plus the receipt being printed.
const (
	DefaultKeepReceipts  = 1000
	DefaultKeepBytes     = 64 << 20
	DefaultMaxReceiptRaw = 4 << 20
	maxDeliverQueue      = 1024
	maxDeliverBytes      = 16 << 20
	elementCost          = 128 // estimated bytes of an element besides its data
)

func (p *Printer) keepN() int {
	if p.opts.KeepReceipts > 0 {
		return p.opts.KeepReceipts
	}
	return DefaultKeepReceipts
}

func (p *Printer) keepBytes() int64 {
	if p.opts.KeepBytes > 0 {
		return p.opts.KeepBytes
	}
	return DefaultKeepBytes
}

func (p *Printer) maxRaw() int {
	if p.opts.MaxReceiptRaw > 0 {
		return p.opts.MaxReceiptRaw
	}
	if p.opts.MaxReceiptRaw < 0 {
		return 0
	}
	return DefaultMaxReceiptRaw
}

// ReceiptSize estimates the memory a receipt holds: its host bytes, its
// images' dots, and a fixed cost per element.
func ReceiptSize(r *paper.Receipt) int64 {
	n := int64(len(r.Raw))
	for _, e := range r.Elements {
		n += elementCost
		switch e := e.(type) {
		case paper.Image:
			n += int64(len(e.Bits))
		case paper.QR:
			n += int64(len(e.Data))
		case paper.Barcode:
			n += int64(len(e.Data))
		case *paper.Line:
			for _, r := range e.Runs {
				n += int64(len(r.Text))
			}
		}
	}
	return n
}

// rawTailMax is how many of the latest bytes are kept while recording is
// stopped at MaxReceiptRaw, so that the next receipt's bytes, which came
// in behind the big one's, can be recorded from its first byte once the
// big one ends. It covers what the server has in flight (a Feed piece and
// the receive buffer); a single larger Write leaves the next receipt's
// Raw empty, its bytes counted in RawTruncated.
const rawTailMax = 128 << 10

// appendRawLocked records accepted host bytes for the receipts' Raw, up
// to MaxReceiptRaw bytes not yet in a receipt, and the latest bytes
// beyond that in a tail.
func (p *Printer) appendRawLocked(b []byte) {
	if p.maxRaw() == 0 {
		return // nothing is kept: every receipt's bytes are only counted
	}
	if !p.rawCut {
		room := max(p.maxRaw()-(len(p.raw)-p.rawOff), 0)
		if len(b) <= room {
			p.raw = append(p.raw, b...)
			return
		}
		p.raw = append(p.raw, b[:room]...)
		p.rawCut = true
		b = b[room:]
	}
	p.rawTail = append(p.rawTail, b...)
	if len(p.rawTail) > 2*rawTailMax {
		p.rawTail = p.rawTail[:copy(p.rawTail, p.rawTail[len(p.rawTail)-rawTailMax:])]
	}
}

// resetRawLocked forgets the recorded bytes (the buffers were cleared):
// recording starts again at the decoder's position.
func (p *Printer) resetRawLocked() {
	p.raw, p.rawOff, p.rawCut = p.raw[:0], 0, false
	p.rawTail = p.rawTail[:0]
	p.rawBase = p.dec.Consumed()
	p.rawStart = p.rawBase
}

// Paper returns what has come out of the printer: the receipts as
// [Printer.Receipts] returns them and, last, the paper printed since the
// last of them ended that is not yet cut or torn off (a job that a fault
// stopped part way and its client cleared, or a client that is still
// sending), as it is now. Blank paper is not a receipt. A real printer's
// paper is out once it is printed, whether or not its client is still
// connected: a scenario reads Paper after the printer went idle.
func (p *Printer) Paper() []*paper.Receipt {
	p.mu.Lock()
	defer p.mu.Unlock()
	rs := slices.Clone(p.receipts)
	if p.cur == nil || !hasInk(p.cur.Elements) {
		return rs
	}
	r := *p.cur
	r.Elements = slices.Clone(p.cur.Elements)
	pending := p.raw[p.rawOff:]
	n := int(min(max(p.dec.Consumed()-p.rawBase, 0), int64(len(pending))))
	r.Raw = slices.Clone(pending[:n])
	return append(rs, &r)
}

// finishReceiptLocked ends the current receipt (at a cut, or at the end
// of a job) with the host bytes consumed so far.
func (p *Printer) finishReceiptLocked() {
	end := p.dec.Consumed()
	pending := p.raw[p.rawOff:]
	n := int(min(max(end-p.rawBase, 0), int64(len(pending))))
	if p.cur != nil && !hasInk(p.cur.Elements) {
		// Blank paper (a feed after the last cut, as many encoders end a
		// job) is not a receipt. Its cut, if any, was counted.
		p.log.Debug("blank paper dropped: not a receipt", "elements", len(p.cur.Elements))
		p.seq = p.cur.Seq - 1
		p.cur = nil
	}
	if p.cur != nil && len(p.cur.Elements) > 0 {
		r := p.cur
		r.Raw = slices.Clone(pending[:n])
		r.RawTruncated = max(end-p.rawStart-int64(n), 0)
		p.elemHint = min(len(r.Elements), 1024)
		size := ReceiptSize(r)
		p.keepLocked(r, size)
		if len(p.onReceipt) > 0 {
			p.deliver = append(p.deliver, r)
			p.deliverBytes += size
			select {
			case p.deliverWork <- struct{}{}:
			default:
			}
		}
		p.seqDone++
		p.log.Info("receipt finished", "seq", r.Seq, "elements", len(r.Elements), "cut", r.Cut() != nil)
	}
	p.cur = nil
	p.rawOff += n
	p.rawBase += int64(n)
	p.rawStart = end
	switch {
	case p.rawCut && p.rawOff == len(p.raw):
		p.restartRawLocked(end)
	case p.rawOff == len(p.raw):
		p.raw, p.rawOff = p.raw[:0], 0
		p.rawCut = false
	case p.rawOff >= 4096 && p.rawOff >= len(p.raw)/2:
		k := copy(p.raw, p.raw[p.rawOff:])
		p.raw, p.rawOff = p.raw[:k], 0
	}
}

// keepLocked adds a finished receipt to those Receipts returns and evicts
// the oldest beyond the bounds.
func (p *Printer) keepLocked(r *paper.Receipt, size int64) {
	p.receipts = append(p.receipts, r)
	p.keptSizes = append(p.keptSizes, size)
	p.keptBytes += size
	p.evictLocked()
}

// evictLocked drops the oldest receipts beyond the bounds, once the
// OnReceipt hooks have seen them (so that a receipt is always in memory
// or wherever the hooks put it, never in neither).
func (p *Printer) evictLocked() {
	drop := 0
	for len(p.receipts)-drop > 0 && (len(p.onReceipt) == 0 || p.receipts[drop].Seq <= p.deliveredSeq) &&
		(len(p.receipts)-drop > p.keepN() || (p.keptBytes > p.keepBytes() && len(p.receipts)-drop > 1)) {
		p.keptBytes -= p.keptSizes[drop]
		drop++
	}
	if drop > 0 {
		p.evicted += int64(drop)
		k := copy(p.receipts, p.receipts[drop:])
		clear(p.receipts[k:])
		p.receipts = p.receipts[:k]
		p.keptSizes = p.keptSizes[:copy(p.keptSizes, p.keptSizes[drop:])]
	}
}

// waitDeliverLocked holds the processing goroutine while the OnReceipt
// hooks are maxDeliverQueue receipts or maxDeliverBytes behind.
func (p *Printer) waitDeliverLocked() {
	for p.deliverFullLocked() && !p.closed {
		p.deliverCond.Wait()
	}
}

func (p *Printer) deliverFullLocked() bool {
	return len(p.deliver) >= maxDeliverQueue || p.deliverBytes >= maxDeliverBytes
}

// restartRawLocked starts recording again at stream offset end (where the
// next receipt starts) after recording stopped at MaxReceiptRaw and what
// it kept is used up: from the tail when it holds the bytes since end;
// otherwise the next receipt keeps nothing (recording goes on stopped,
// its bytes are counted) and the tail tries again at its end.
func (p *Printer) restartRawLocked(end int64) {
	p.raw, p.rawOff = p.raw[:0], 0
	need := p.dec.written - end
	if need > int64(len(p.rawTail)) || p.maxRaw() == 0 {
		p.rawBase = p.dec.written // past the next receipt's start: it keeps nothing
		p.rawTail = p.rawTail[:0]
		return
	}
	since := p.rawTail[int64(len(p.rawTail))-need:]
	keep := min(len(since), p.maxRaw())
	p.raw = append(p.raw, since[:keep]...)
	p.rawBase = end
	p.rawCut = keep < len(since)
	p.rawTail = p.rawTail[:copy(p.rawTail, since[keep:])]
}
