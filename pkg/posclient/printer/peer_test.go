package printer

import (
	"bytes"
	"io"
	"sync"

	"github.com/poshil/hil/pkg/escposcmd"
)

// epsonPeer is the far end of a test connection: it answers DLE EOT n and
// GS ( H fn 48 from the Epson tables and records everything it received.
// It stands in for the printer in tests that need a printer which does
// something the emulator does not (no GS ( H support, no answer, a wrong
// answer); everything else is tested against the emulator as well.
type epsonPeer struct {
	mu         sync.Mutex
	st         [4]byte // current answers to DLE EOT 1..4
	noProcess  bool    // ignore GS ( H (a printer without it)
	silent     bool    // never answer anything
	wrong      []byte  // when set, answer every DLE EOT with these bytes instead
	before     []byte  // sent before every DLE EOT answer (stray ASB, XON, …)
	paperAtCut bool    // the roll runs out at the next cut: offline, no GS ( H reply
	// holdProcess keeps GS ( H answers back until releaseProcess.
	holdProcess bool
	held        []byte
	conn        io.Writer
	received    bytes.Buffer
	pending     []byte
	jobs        int // GS ( H requests seen
	clears      int // DLE DC4 8 requests seen
}

func newPeer() *epsonPeer { return &epsonPeer{st: [4]byte{0x12, 0x12, 0x12, 0x12}} }

func (e *epsonPeer) set(st [4]byte) {
	e.mu.Lock()
	e.st = st
	e.mu.Unlock()
}

func (e *epsonPeer) bytesReceived() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]byte(nil), e.received.Bytes()...)
}

// serve answers on conn until it fails; call it in a goroutine.
func (e *epsonPeer) serve(conn io.ReadWriter) {
	e.mu.Lock()
	e.conn = conn
	e.mu.Unlock()
	buf := make([]byte, 512)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			out := e.consume(buf[:n])
			if len(out) > 0 {
				if _, err := conn.Write(out); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

var (
	seqStatus  = []byte{0x10, 0x04}
	seqProcess = []byte{0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30}
	seqCut     = []byte{0x1D, 0x56}
	seqClear   = []byte{0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08}
)

// consume takes received bytes and returns the answer to send.
func (e *epsonPeer) consume(b []byte) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.received.Write(b)
	e.pending = append(e.pending, b...)
	var out []byte
	p := e.pending
	for len(p) > 0 {
		switch {
		case bytes.HasPrefix(p, seqClear) || len(p) > 1 && bytes.HasPrefix(seqClear, p):
			if len(p) < len(seqClear) {
				e.pending = p
				return out
			}
			e.clears++
			if !e.silent {
				out = append(out, 0x37, 0x25, 0x00)
			}
			p = p[len(seqClear):]
		case bytes.HasPrefix(p, seqStatus) || bytes.HasPrefix(seqStatus, p):
			if len(p) < 3 {
				e.pending = p
				return out
			}
			if n := p[2]; n >= 1 && n <= 4 && !e.silent {
				out = append(out, e.before...)
				if e.wrong != nil {
					out = append(out, e.wrong...)
				} else {
					out = append(out, e.st[n-1])
				}
			}
			p = p[3:]
		case bytes.HasPrefix(p, seqProcess) || bytes.HasPrefix(seqProcess, p):
			if len(p) < len(seqProcess)+4 {
				e.pending = p
				return out
			}
			e.jobs++
			if !e.noProcess && !e.silent && e.st[0]&escposcmd.St1Offline == 0 {
				ans := append([]byte{0x37, 0x22}, p[len(seqProcess):len(seqProcess)+4]...)
				ans = append(ans, 0x00)
				if e.holdProcess {
					e.held = append(e.held, ans...)
				} else {
					out = append(out, ans...)
				}
			}
			p = p[len(seqProcess)+4:]
		case bytes.HasPrefix(p, seqCut) || bytes.HasPrefix(seqCut, p):
			if len(p) < 2 {
				e.pending = p
				return out
			}
			if e.paperAtCut {
				e.st = [4]byte{0x1A, 0x32, 0x12, 0x72}
			}
			p = p[2:]
		default:
			p = p[1:]
		}
	}
	e.pending = nil
	return out
}

// releaseProcess sends the GS ( H answers held back so far and stops
// holding them.
func (e *epsonPeer) releaseProcess() {
	e.mu.Lock()
	held, conn := e.held, e.conn
	e.held, e.holdProcess = nil, false
	e.mu.Unlock()
	if len(held) > 0 && conn != nil {
		conn.Write(held)
	}
}
