package printer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/poshil/hil/pkg/escposcmd"
)

// Status is a printer's real-time status, decoded from the replies to
// DLE EOT 1 (printer), 2 (offline cause), 3 (error cause) and 4 (roll
// paper sensor).
type Status struct {
	// DLE EOT 1
	Online          bool `json:"online"`
	DrawerPin3High  bool `json:"drawer_pin3_high"` // drawer kick-out connector pin 3 (open/closed polarity depends on the drawer)
	WaitingRecovery bool `json:"waiting_recovery"` // waiting for online recovery (newer models)
	FeedButton      bool `json:"feed_button"`      // paper-feed button pressed (newer models)
	// DLE EOT 2
	CoverOpen    bool `json:"cover_open"`
	PaperFeeding bool `json:"paper_feeding"`  // paper being fed with the FEED button
	PaperEndStop bool `json:"paper_end_stop"` // printing stopped at paper end
	Error        bool `json:"error"`          // an error occurred (see DLE EOT 3)
	// DLE EOT 3
	RecoverableError bool `json:"recoverable_error"` // mechanical / recoverable error
	CutterError      bool `json:"cutter_error"`      // autocutter error (jam)
	Unrecoverable    bool `json:"unrecoverable"`     // unrecoverable error: power off
	AutoRecoverable  bool `json:"auto_recoverable"`  // e.g. head overheat
	// DLE EOT 4
	PaperNearEnd bool `json:"paper_near_end"`
	PaperOut     bool `json:"paper_out"`

	// Raw holds the four reply bytes, for DLE EOT 1 to 4.
	Raw [4]byte `json:"-"`
}

// DecodeStatus decodes the replies to DLE EOT 1, 2, 3 and 4, in that order.
// A byte whose fixed bits are wrong is an error wrapping ErrBadReply.
func DecodeStatus(raw [4]byte) (Status, error) {
	rt, err := escposcmd.DecodeRealtime(raw)
	var bad *escposcmd.BadStatusByteError
	if errors.As(err, &bad) {
		return Status{}, &ReplyError{Request: fmt.Sprintf("DLE EOT %d", bad.N), Got: []byte{bad.Byte}, Err: ErrBadReply}
	}
	return Status{
		Online:           !rt.Offline,
		DrawerPin3High:   rt.DrawerPin3High,
		WaitingRecovery:  rt.WaitingRecovery,
		FeedButton:       rt.FeedButton,
		CoverOpen:        rt.CoverOpen,
		PaperFeeding:     rt.PaperFeeding,
		PaperEndStop:     rt.PaperEndStop,
		Error:            rt.Error,
		RecoverableError: rt.Recoverable,
		CutterError:      rt.Cutter,
		Unrecoverable:    rt.Unrecoverable,
		AutoRecoverable:  rt.AutoRecoverable,
		PaperNearEnd:     rt.NearEnd,
		PaperOut:         rt.PaperOut,
		Raw:              raw,
	}, nil
}

// Err returns nil when the printer can print now, or the sentinel for the
// most specific reason it cannot: ErrPaperOut, ErrCoverOpen, ErrCutter,
// ErrUnrecoverable, ErrAutoRecoverable, ErrMechanical, ErrPrinterError, or
// ErrOffline. Paper near its end is not a reason: the printer still prints.
func (s Status) Err() error {
	switch {
	case s.PaperOut || s.PaperEndStop:
		return ErrPaperOut
	case s.CoverOpen:
		return ErrCoverOpen
	case s.CutterError:
		return ErrCutter
	case s.Unrecoverable:
		return ErrUnrecoverable
	case s.AutoRecoverable:
		return ErrAutoRecoverable
	case s.RecoverableError:
		return ErrMechanical
	case s.Error:
		return ErrPrinterError
	case !s.Online:
		return ErrOffline
	}
	return nil
}

// Paper returns "ok", "near-end" or "out".
func (s Status) Paper() string {
	switch {
	case s.PaperOut || s.PaperEndStop:
		return "out"
	case s.PaperNearEnd:
		return "near-end"
	}
	return "ok"
}

// Item is one decoded line of a status, for display.
type Item struct{ Name, Value string }

// Items lists the status as name/value pairs in a fixed order, the form
// `hil status` prints.
func (s Status) Items() []Item {
	yn := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	ready := "yes"
	if err := s.Err(); err != nil {
		ready = "no (" + strings.TrimPrefix(err.Error(), "printer: ") + ")"
	}
	return []Item{
		{"ready", ready},
		{"online", yn(s.Online, "yes", "no")},
		{"cover", yn(s.CoverOpen, "open", "closed")},
		{"paper", s.Paper()},
		{"cutter", yn(s.CutterError, "error", "ok")},
		{"error", s.errorText()},
		{"feeding", yn(s.PaperFeeding, "yes", "no")},
		{"waiting-recovery", yn(s.WaitingRecovery, "yes", "no")},
		{"drawer-pin3", yn(s.DrawerPin3High, "high", "low")},
		{"raw", fmt.Sprintf("%02X %02X %02X %02X", s.Raw[0], s.Raw[1], s.Raw[2], s.Raw[3])},
	}
}

func (s Status) errorText() string {
	var e []string
	if s.Unrecoverable {
		e = append(e, "unrecoverable")
	}
	if s.AutoRecoverable {
		e = append(e, "auto-recoverable")
	}
	if s.RecoverableError {
		e = append(e, "recoverable")
	}
	if s.CutterError {
		e = append(e, "cutter")
	}
	if len(e) == 0 {
		if s.Error {
			return "yes"
		}
		return "none"
	}
	return strings.Join(e, ",")
}

// String is the status on one line, e.g. "ready online paper=ok cover=closed".
func (s Status) String() string {
	var b strings.Builder
	for i, it := range s.Items() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(it.Name + "=" + strings.ReplaceAll(it.Value, " ", "_"))
	}
	return b.String()
}
