package escpos

import (
	"fmt"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// PaperState is the roll paper as the printer's sensors see it.
type PaperState uint8

const (
	PaperOK      PaperState = iota // paper present, plenty left
	PaperNearEnd                   // near-end sensor: little paper left (still prints)
	PaperOut                       // end sensor: no paper; printing stops
)

func (s PaperState) String() string {
	switch s {
	case PaperOK:
		return "ok"
	case PaperNearEnd:
		return "near-end"
	case PaperOut:
		return "out"
	}
	return fmt.Sprintf("paper(%d)", uint8(s))
}

// MarshalText encodes the state as "ok", "near-end" or "out".
func (s PaperState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses "ok", "near-end" or "out".
func (s *PaperState) UnmarshalText(b []byte) error {
	v, err := ParsePaperState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParsePaperState parses "ok", "near-end" or "out".
func ParsePaperState(v string) (PaperState, error) {
	switch v {
	case "ok":
		return PaperOK, nil
	case "near-end":
		return PaperNearEnd, nil
	case "out":
		return PaperOut, nil
	}
	return 0, fmt.Errorf("escpos: paper state %q: want ok, near-end or out", v)
}

// Offline causes, as listed in Status.OfflineCauses.
const (
	CauseCoverOpen = "cover-open"       // cover open
	CausePaperEnd  = "paper-end"        // printing stopped by paper end (or near-end with ESC c 4)
	CauseError     = "error"            // cutter error or head overheat
	CauseSwitched  = "switched-offline" // SetOnline(false): offline by the operator (power-on wait, self-test…)
)

// Status is a snapshot of the printer's state, suitable for JSON.
type Status struct {
	Profile string     `json:"profile"`
	Online  bool       `json:"online"`
	Paper   PaperState `json:"paper"`
	// RollRemainingDots is what is left of a roll of finite length
	// (Options.RollLengthMM); -1 for an endless roll.
	RollRemainingDots int      `json:"rollRemainingDots"`
	CoverOpen         bool     `json:"coverOpen"`
	CutterError       bool     `json:"cutterError"`  // autocutter error latched (recovered by DLE ENQ 1/2)
	CutterJammed      bool     `json:"cutterJammed"` // the cause is still present
	Overheated        bool     `json:"overheated"`   // head overheat (auto-recoverable)
	DrawerOpen        bool     `json:"drawerOpen"`
	DrawerPinHigh     bool     `json:"drawerPinHigh"` // drawer kick-out connector pin 3 level
	OfflineCauses     []string `json:"offlineCauses"`
	Errors            []string `json:"errors"`  // "cutter", "overheat"
	ASBMask           byte     `json:"asbMask"` // GS a n
	// Buffered is the fill of the receive buffer: bytes received and not
	// yet taken by the command processor, never above BufferSize (offline
	// they stay there; online they are taken at once).
	Buffered   int `json:"buffered"`
	BufferSize int `json:"bufferSize"`
	// PendingBytes is what the printer holds of the host's data and has
	// not executed yet: the receive buffer plus a command (or run of
	// text) still arriving. 0 when everything received was executed.
	PendingBytes  int   `json:"pendingBytes"`
	Busy          bool  `json:"busy"`
	OverflowBytes int64 `json:"overflowBytes"` // bytes lost to receive-buffer overflow
	Receipts      int   `json:"receipts"`      // receipts finished since the printer started
	// Unfinished counts the elements (lines, images, feeds …) printed
	// since the last receipt was finished: 0 at a job boundary.
	Unfinished    int   `json:"unfinished"`
	BytesReceived int64 `json:"bytesReceived"`
	LinesPrinted  int64 `json:"linesPrinted"`
	Cuts          int64 `json:"cuts"`
	// UnknownCodePages counts ESC t commands naming a code page the
	// profile does not have, by n (JSON keys are the numbers as strings).
	// Such a command is ignored (and logged): text goes on in the code
	// table in force, never in a guessed one.
	UnknownCodePages map[int]int64 `json:"unknownCodePages"`

	// Bad input, counted whether it was logged or not (see skiplog.go).
	MalformedCommands int64 `json:"malformedCommands"` // sequences skipped as malformed
	MalformedBytes    int64 `json:"malformedBytes"`    // their bytes
	IgnoredCommands   int64 `json:"ignoredCommands"`   // commands ignored (bad data, wrong place)
	LogSuppressed     int64 `json:"logSuppressed"`     // warnings not logged by the rate limit
	// DroppedAtSessionEnd counts the bytes of commands cut short by the
	// end of a session (Printer.DropIncomplete): they are not left to
	// swallow the next client's bytes.
	DroppedAtSessionEnd int64 `json:"droppedAtSessionEnd"`

	// Receipts kept in memory (Printer.Receipts; see store.go).
	ReceiptsInMemory     int   `json:"receiptsInMemory"`
	ReceiptBytesInMemory int64 `json:"receiptBytesInMemory"` // their ReceiptSize
	ReceiptsEvicted      int64 `json:"receiptsEvicted"`      // finished receipts no longer in memory
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	EventCommand EventKind = iota + 1 // a command is about to be executed (Event.Command)
	EventLine                         // a line or other element went onto the paper (Event.Lines = lines so far)
	EventCut                          // the paper was cut (Event.Cuts = cuts so far)
	EventBytes                        // bytes were received from the host (Event.Bytes = bytes so far)
)

func (k EventKind) String() string {
	switch k {
	case EventCommand:
		return "command"
	case EventLine:
		return "line"
	case EventCut:
		return "cut"
	case EventBytes:
		return "bytes"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is passed to the hooks registered with Printer.OnEvent. Counters
// are totals since the printer was created (PowerCycle does not reset them).
type Event struct {
	Kind    EventKind
	Command Command       // EventCommand
	Element paper.Element // EventLine: the element put on paper
	Lines   int64         // text lines and other elements printed so far
	Bytes   int64         // bytes received so far
	Cuts    int64         // cuts so far
}
