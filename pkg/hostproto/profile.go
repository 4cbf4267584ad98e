package hostproto

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// A Profile is one host's dialect of ISO 8583: its framing inside the
// 2-byte length header (none, or TPDU and message header), its field
// specification, and the mapping between the typed messages of this
// package and the MTIs, processing codes and private fields it sends
// them as. Both sides of a connection pick the same profile by name
// ([ProfileByName]): the POS client (posclient.Config.Profile, `hil pos
// --profile`) and the fake acquirer (acquirer.Options.Profile, `hil
// acquirer serve --profile`).
//
// The typed messages stay the same whatever the profile: a
// *FinancialRequest with [ProcRefund] is a 0200 on [ISO87] and a 0220 with
// 60.1=25 on [CUP], and decodes back to the same type and code. So
// [Header.MTI] and the processing codes a server or a fault plan sees are
// the typed ones (0200, 200000 for a refund on both profiles); only the
// bytes differ.
//
// A profile that MACs its messages ([Rules].MAC) needs the session's
// working keys: Encode computes field 64 with them, Decode verifies it. A
// message whose only fault is its MAC decodes anyway and comes back with
// an error matching [ErrBadMAC], so that a host can answer it with
// [RCMACError] and a terminal can reverse with that reason.
//
// The frame itself (2-byte big-endian length) is the same on every
// profile: use [ReadFrame], [WriteFrame] and [AppendFrame] around the
// bytes Encode returns and Decode takes.
type Profile interface {
	// Name is the name the profile is selected by: "iso87" or "cup".
	Name() string
	// Rules are the profile's behaviour that callers must follow.
	Rules() Rules
	// AppendEncode packs m after dst's contents, framing included (TPDU
	// and header on cup) and MAC computed with keys when the profile MACs
	// m. Errors are of type *PackError.
	AppendEncode(dst []byte, m Message, keys *WorkingKeys) ([]byte, error)
	// Decode unpacks one frame body. A MAC that does not verify (or keys
	// missing to verify it) returns the decoded message together with a
	// *MACError; any other fault returns nil and an *UnpackError.
	Decode(b []byte, keys *WorkingKeys) (Message, error)
	// Peek reads MTI (typed), STAN and terminal id of a frame body that
	// Decode may refuse, like the package function [Peek].
	Peek(b []byte) (Header, error)
	// MACed reports whether m travels with a MAC on this profile.
	MACed(m Message) bool
	// BitmapOffset is where the primary bitmap starts in an encoded
	// frame body, for tools that corrupt it on purpose.
	BitmapOffset() int
}

// Rules are what a profile asks of the code using it.
type Rules struct {
	// ReversalKeepsSTAN: a reversal carries the original's STAN in DE11
	// (CUP), instead of a STAN of its own with the original in DE90.
	ReversalKeepsSTAN bool
	// MAC: financial messages carry a MAC in field 64, keyed by the
	// working keys of the sign-on ([NetworkResponse].Keys).
	MAC bool
	// PreAuth: the profile has pre-authorization, cancellation and
	// completion ([ProcPreAuth] and the others).
	PreAuth bool
	// MaxBatchRecords is the most records one 0320 carries.
	MaxBatchRecords int
	// FoldedTotals: settlement totals carry debits and credits only
	// ([FoldCUPTotals]), so a host compares totals folded that way.
	FoldedTotals bool
	// MaxCount is the largest count the settlement totals carry (iso87
	// n10, cup n3).
	MaxCount int64
}

// EncodeWith is p.AppendEncode(nil, m, keys).
func EncodeWith(p Profile, m Message, keys *WorkingKeys) ([]byte, error) {
	return p.AppendEncode(nil, m, keys)
}

// ErrBadMAC: a message's MAC (field 64) does not verify under the
// session's working keys, or there are no keys to verify it with.
var ErrBadMAC = errors.New("hostproto: MAC verification failed")

// ErrUnsupported: the profile has no way to send this message.
var ErrUnsupported = errors.New("hostproto: not supported by the profile")

// MACError reports a message whose MAC did not verify. Header names it.
type MACError struct {
	Header Header
	Reason string
}

func (e *MACError) Error() string {
	return fmt.Sprintf("%v: %s STAN %s terminal %q: %s", ErrBadMAC, e.Header.MTI, e.Header.STAN, e.Header.TerminalID, e.Reason)
}

// Unwrap returns [ErrBadMAC].
func (e *MACError) Unwrap() error { return ErrBadMAC }

// Profile names.
const (
	ProfileISO87 = "iso87"
	ProfileCUP   = "cup"
)

// ISO87 is the default profile: ISO 8583:1987 with ASCII fields and a
// binary bitmap, exactly the bytes of [Encode] and [Decode] (see the
// package documentation). It has no MAC and no pre-authorization.
var ISO87 Profile = iso87{}

var profiles = map[string]Profile{
	ProfileISO87: ISO87,
	ProfileCUP:   CUP,
}

// ProfileByName returns the profile called name; "" means iso87. An
// unknown name is an error listing the known ones.
func ProfileByName(name string) (Profile, error) {
	if name == "" {
		return ISO87, nil
	}
	if p, ok := profiles[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("hostproto: unknown profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
}

// ProfileNames lists the profile names, sorted.
func ProfileNames() []string {
	out := make([]string, 0, len(profiles))
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type iso87 struct{}

func (iso87) Name() string { return ProfileISO87 }
func (iso87) Rules() Rules {
	return Rules{MaxBatchRecords: MaxBatchRecords, MaxCount: 9_999_999_999}
}
func (iso87) MACed(Message) bool { return false }
func (iso87) BitmapOffset() int  { return 4 }

func (iso87) AppendEncode(dst []byte, m Message, _ *WorkingKeys) ([]byte, error) {
	return AppendEncode(dst, m)
}

func (iso87) Decode(b []byte, _ *WorkingKeys) (Message, error) { return Decode(b) }
func (iso87) Peek(b []byte) (Header, error)                    { return Peek(b) }
