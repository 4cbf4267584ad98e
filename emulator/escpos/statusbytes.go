package escpos

import "github.com/poshil/hil/pkg/escposcmd"

// Byte-exact status replies (reference §2). Every reply is computed from
// a sensors snapshot, so that the tables can be tested row by row.

// sensors is what the status replies report.
type sensors struct {
	drawerHigh      bool // drawer kick-out connector pin 3 HIGH
	offline         bool
	coverOpen       bool
	feeding         bool // paper being fed by the FEED button (never set by the emulator)
	panelSwitch     bool // FEED button pushed (never set by the emulator)
	waitingRecovery bool // an error waits for DLE ENQ 1/2 (autocutter error)
	paperEndStop    bool // printing stopped by paper end (or near-end with ESC c 4)
	recoverable     bool // recoverable error other than autocutter (not emulated: always false)
	cutterError     bool // autocutter error
	unrecoverable   bool // unrecoverable error (not emulated: always false)
	autoRecoverable bool // head overheat
	nearEnd         bool // roll near-end sensor (only on profiles with one)
	paperOut        bool // roll end sensor
}

func bit(b bool, v byte) byte {
	if b {
		return v
	}
	return 0
}

// Status reply identification bits (reference §2.1).
const (
	asbFixed = escposcmd.ASBFixedValue // ASB first byte: bit 4 set
)

// realtime is what DLE EOT 1 to 4 report, in the shared vocabulary.
func (s sensors) realtime() escposcmd.RealtimeStatus {
	return escposcmd.RealtimeStatus{
		Offline: s.offline, DrawerPin3High: s.drawerHigh, WaitingRecovery: s.waitingRecovery, FeedButton: s.panelSwitch,
		CoverOpen: s.coverOpen, PaperFeeding: s.feeding, PaperEndStop: s.paperEndStop,
		Error:       s.cutterError || s.unrecoverable || s.autoRecoverable || s.recoverable,
		Recoverable: s.recoverable, Cutter: s.cutterError, Unrecoverable: s.unrecoverable, AutoRecoverable: s.autoRecoverable,
		NearEnd: s.nearEnd, PaperOut: s.paperOut,
	}
}

// dleEOT is the reply to DLE EOT n, or false for an n without one.
func (s sensors) dleEOT(n byte) (byte, bool) { return s.realtime().Encode(n) }

// asb is the 4-byte Automatic Status Back.
func (s sensors) asb() [4]byte {
	return [4]byte{
		asbFixed | bit(s.drawerHigh, 0x04) | bit(s.offline, 0x08) | bit(s.coverOpen, 0x20) | bit(s.feeding, 0x40),
		bit(s.waitingRecovery, 0x01) | bit(s.panelSwitch, 0x02) | bit(s.recoverable, 0x04) | bit(s.cutterError, 0x08) |
			bit(s.unrecoverable, 0x20) | bit(s.autoRecoverable, 0x40),
		bit(s.nearEnd, 0x03) | bit(s.paperOut, 0x0C),
		0,
	}
}

// asbItems returns, for a GS a mask, which ASB bits are "enabled items":
// a change of one of them sends the ASB again.
func asbItems(mask byte) [4]byte {
	var m [4]byte
	if mask&0x01 != 0 { // drawer kick-out connector
		m[0] |= 0x04
	}
	if mask&0x02 != 0 { // online/offline status (cover, feed, recovery wait, panel switch)
		m[0] |= 0x08 | 0x20 | 0x40
		m[1] |= 0x01 | 0x02
	}
	if mask&0x04 != 0 { // error status
		m[1] |= 0x04 | 0x08 | 0x20 | 0x40
	}
	if mask&0x08 != 0 { // roll paper sensor
		m[2] |= 0x0F
	}
	return m
}

// gsR is the reply to GS r n, or false for an n without one.
func (s sensors) gsR(n byte) (byte, bool) {
	switch n {
	case 1, 49: // paper sensor
		return bit(s.nearEnd, 0x03) | bit(s.paperOut, 0x0C), true
	case 2, 50: // drawer kick-out connector
		return bit(s.drawerHigh, 0x01), true
	}
	return 0, false
}

// Block-data reply headers.
const (
	hdrInfoA     = 0x3D                          // GS I printer information A: 3D id data NUL
	hdrInfoB     = 0x5F                          // GS I printer information B: 5F data NUL
	hdrProcessID = escposcmd.BlockHeaderResponse // GS ( H / DLE DC4 8 replies: 37 id … NUL
	idProcessID  = escposcmd.BlockIDProcess
	idClearBuf   = escposcmd.BlockIDClearBuffers
)

// gsI is the reply to GS I n, or nil for an n without one.
func gsI(id PrinterID, hasKanji bool, n byte) []byte {
	switch n {
	case 1, 49:
		return []byte{id.Model}
	case 2, 50:
		return []byte{id.Type &^ 0x90}
	case 3, 51:
		return []byte{id.ROM}
	case 33: // type information (information A): 2 bytes
		t := 0x40 | id.Type&0x07
		if hasKanji {
			t |= 0x01
		}
		return []byte{hdrInfoA, n, t, 0x40, NUL}
	case 65, 66, 67, 68, 69:
		s := [...]string{id.Firmware, id.Maker, id.ModelName, id.Serial, id.Fonts}[n-65]
		if len(s) > 80 {
			s = s[:80]
		}
		out := append([]byte{hdrInfoB}, s...)
		return append(out, NUL)
	}
	if n >= 33 && n <= 112 { // other information A: not available
		return []byte{hdrInfoA, n, NUL}
	}
	return nil
}
