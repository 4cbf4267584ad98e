package escposcmd

import "fmt"

// Bits of the real-time status replies (DLE EOT n, Epson ESC/POS
// "Transmit real-time status"; Appendix "Transmission status
// identification"). Every DLE EOT reply has bits 1 and 4 set and bits 0
// and 7 clear; every ASB first byte has bit 4 set and bits 0, 1 and 7
// clear; GS r, GS I and ASB bytes 2–4 have bits 4 and 7 clear.
const (
	StatusFixedMask  byte = 0x93 // bits 0, 1, 4, 7
	StatusFixedValue byte = 0x12 // DLE EOT: bits 1 and 4 set
	ASBFixedValue    byte = 0x10 // ASB first byte: bit 4 set
	DataFixedMask    byte = 0x90 // GS r, GS I, ASB bytes 2–4: bits 4 and 7 clear

	// DLE EOT 1: printer status.
	St1DrawerPin3High  byte = 0x04 // drawer kick-out connector pin 3 HIGH
	St1Offline         byte = 0x08
	St1WaitingRecovery byte = 0x20 // waiting for online recovery (newer models)
	St1FeedButton      byte = 0x40 // paper-feed button pressed (newer models)
	// DLE EOT 2: offline cause.
	St2CoverOpen    byte = 0x04
	St2PaperFeeding byte = 0x08 // paper being fed by the FEED button
	St2PaperEndStop byte = 0x20 // printing stopped by paper end
	St2Error        byte = 0x40 // an error occurred (see DLE EOT 3)
	// DLE EOT 3: error cause.
	St3Recoverable     byte = 0x04 // recoverable error (other than the autocutter)
	St3Cutter          byte = 0x08 // autocutter error
	St3Unrecoverable   byte = 0x20
	St3AutoRecoverable byte = 0x40 // e.g. head overheat
	// DLE EOT 4: roll paper sensor (both bits of a pair are set together).
	St4NearEnd  byte = 0x0C
	St4PaperOut byte = 0x60
)

// RealtimeStatus is what DLE EOT 1 to 4 report. The printer emulator
// encodes it and the POS client decodes it, with this one table.
type RealtimeStatus struct {
	// DLE EOT 1
	Offline, DrawerPin3High, WaitingRecovery, FeedButton bool
	// DLE EOT 2
	CoverOpen, PaperFeeding, PaperEndStop, Error bool
	// DLE EOT 3
	Recoverable, Cutter, Unrecoverable, AutoRecoverable bool
	// DLE EOT 4
	NearEnd, PaperOut bool
}

func bit(b bool, v byte) byte {
	if b {
		return v
	}
	return 0
}

// Encode returns the reply to DLE EOT n (1 to 4), or false for another n.
func (s RealtimeStatus) Encode(n byte) (byte, bool) {
	switch n {
	case 1:
		return StatusFixedValue | bit(s.DrawerPin3High, St1DrawerPin3High) | bit(s.Offline, St1Offline) |
			bit(s.WaitingRecovery, St1WaitingRecovery) | bit(s.FeedButton, St1FeedButton), true
	case 2:
		return StatusFixedValue | bit(s.CoverOpen, St2CoverOpen) | bit(s.PaperFeeding, St2PaperFeeding) |
			bit(s.PaperEndStop, St2PaperEndStop) | bit(s.Error, St2Error), true
	case 3:
		return StatusFixedValue | bit(s.Recoverable, St3Recoverable) | bit(s.Cutter, St3Cutter) |
			bit(s.Unrecoverable, St3Unrecoverable) | bit(s.AutoRecoverable, St3AutoRecoverable), true
	case 4:
		return StatusFixedValue | bit(s.NearEnd, St4NearEnd) | bit(s.PaperOut, St4PaperOut), true
	}
	return 0, false
}

// BadStatusByteError is a DLE EOT reply whose fixed bits are wrong: not a
// status byte.
type BadStatusByteError struct {
	N    byte // the DLE EOT n it answered
	Byte byte
}

func (e *BadStatusByteError) Error() string {
	return fmt.Sprintf("escposcmd: DLE EOT %d reply %02X is not a status byte (want bits 1 and 4 set, 0 and 7 clear)", e.N, e.Byte)
}

// DecodeRealtime decodes the replies to DLE EOT 1, 2, 3 and 4, in that
// order. Either bit of a DLE EOT 4 pair counts: a printer that sets only
// one of them still reports the condition.
func DecodeRealtime(raw [4]byte) (RealtimeStatus, error) {
	for i, b := range raw {
		if b&StatusFixedMask != StatusFixedValue {
			return RealtimeStatus{}, &BadStatusByteError{N: byte(i + 1), Byte: b}
		}
	}
	s1, s2, s3, s4 := raw[0], raw[1], raw[2], raw[3]
	return RealtimeStatus{
		Offline: s1&St1Offline != 0, DrawerPin3High: s1&St1DrawerPin3High != 0,
		WaitingRecovery: s1&St1WaitingRecovery != 0, FeedButton: s1&St1FeedButton != 0,
		CoverOpen: s2&St2CoverOpen != 0, PaperFeeding: s2&St2PaperFeeding != 0,
		PaperEndStop: s2&St2PaperEndStop != 0, Error: s2&St2Error != 0,
		Recoverable: s3&St3Recoverable != 0, Cutter: s3&St3Cutter != 0,
		Unrecoverable: s3&St3Unrecoverable != 0, AutoRecoverable: s3&St3AutoRecoverable != 0,
		NearEnd: s4&St4NearEnd != 0, PaperOut: s4&St4PaperOut != 0,
	}, nil
}
