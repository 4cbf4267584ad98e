package escpos

import (
	"bytes"

	"github.com/poshil/hil/pkg/escposcmd"
)

// Real-time command recognition. A printer scans every byte it receives
// for DLE EOT, DLE ENQ and DLE DC4 sequences and executes them at once,
// even in the middle of another command's parameters or image data (Epson
// "real-time commands"); the bytes stay in the stream and are skipped as
// undefined codes when normal processing reaches them. matchRealtime is
// the one definition of those sequences, used by the stream scanner and
// by the decoder at command boundaries.

type rtMatch uint8

const (
	rtNeedMore rtMatch = iota // a valid prefix; more bytes needed
	rtComplete                // b[:n] is a complete real-time command
	rtInvalid                 // b does not start a real-time command
)

// clearBuffersSeq is the fixed parameter string of DLE DC4 8.
var clearBuffersSeq = escposcmd.ClearBuffers

// maxRealtimeLen is the longest real-time command (DLE DC4 8).
const maxRealtimeLen = len(clearBuffersSeq)

// matchRealtime classifies b, which starts with DLE.
func matchRealtime(b []byte) (rtMatch, int, Command) {
	if len(b) < 2 {
		return rtNeedMore, 0, nil
	}
	switch b[1] {
	case EOT:
		if len(b) < 3 {
			return rtNeedMore, 0, nil
		}
		if b[2] >= 1 && b[2] <= 4 {
			return rtComplete, 3, RealtimeStatus{N: b[2]}
		}
	case ENQ:
		if len(b) < 3 {
			return rtNeedMore, 0, nil
		}
		if b[2] <= 2 {
			return rtComplete, 3, RealtimeRequest{N: b[2]}
		}
	case DC4:
		if len(b) < 3 {
			return rtNeedMore, 0, nil
		}
		switch b[2] {
		case 1: // DLE DC4 1 m t: m 0/1, t 1–8
			if len(b) > 3 && b[3] > 1 {
				return rtInvalid, 0, nil
			}
			if len(b) < 5 {
				return rtNeedMore, 0, nil
			}
			if b[4] >= 1 && b[4] <= 8 {
				return rtComplete, 5, RealtimePulse{Pin: b[3], Units: b[4]}
			}
		case 2: // DLE DC4 2 1 8
			if len(b) > 3 && b[3] != 1 {
				return rtInvalid, 0, nil
			}
			if len(b) < 5 {
				return rtNeedMore, 0, nil
			}
			if b[4] == 8 {
				return rtComplete, 5, RealtimePowerOff{}
			}
		case 3: // DLE DC4 3 a b c d
			if len(b) < 7 {
				return rtNeedMore, 0, nil
			}
			return rtComplete, 7, RealtimeBuzzer{Params: [4]byte{b[3], b[4], b[5], b[6]}}
		case 7: // DLE DC4 7 m
			if len(b) < 4 {
				return rtNeedMore, 0, nil
			}
			switch b[3] {
			case 1, 2, 4, 5:
				return rtComplete, 4, RealtimeASB{M: b[3]}
			}
		case 8: // DLE DC4 8 1 3 20 1 6 2 8
			for i := 3; i < len(b) && i < maxRealtimeLen; i++ {
				if b[i] != clearBuffersSeq[i] {
					return rtInvalid, 0, nil
				}
			}
			if len(b) < maxRealtimeLen {
				return rtNeedMore, 0, nil
			}
			return rtComplete, maxRealtimeLen, RealtimeClearBuffers{}
		}
	}
	return rtInvalid, 0, nil
}

// rtScanner finds real-time commands in a byte stream however it is
// chunked. Its state is a candidate of at most maxRealtimeLen bytes.
type rtScanner struct {
	cand [maxRealtimeLen]byte
	n    int
}

// scan feeds p, whose first byte is at stream offset off, and calls found
// for every real-time command completed, with the stream offset just past
// its last byte.
func (s *rtScanner) scan(p []byte, off int64, found func(c Command, end int64)) {
	for i := 0; i < len(p); i++ {
		if s.n == 0 {
			// Fast path: jump to the next DLE.
			j := indexDLE(p[i:])
			if j < 0 {
				return
			}
			i += j
		}
		s.push(p[i], off+int64(i)+1, found)
	}
}

func (s *rtScanner) push(b byte, end int64, found func(Command, int64)) {
	if s.n == 0 && b != DLE {
		return
	}
	s.cand[s.n] = b
	s.n++
	m, _, c := matchRealtime(s.cand[:s.n])
	switch m {
	case rtComplete:
		s.n = 0
		found(c, end)
	case rtInvalid:
		// Re-scan what followed the DLE: it may hold the start of another
		// real-time command. A completion can only happen on the last
		// byte, whose end offset is end.
		var rest [maxRealtimeLen]byte
		k := copy(rest[:], s.cand[1:s.n])
		s.n = 0
		for _, r := range rest[:k] {
			s.push(r, end, found)
		}
	}
}

func (s *rtScanner) reset() { s.n = 0 }

func indexDLE(p []byte) int { return bytes.IndexByte(p, DLE) }
