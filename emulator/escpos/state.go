package escpos

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// StateRequest is the body of POST /state: every field is optional, and
// only the fields present change.
type StateRequest struct {
	Paper  *string `json:"paper,omitempty"`  // "ok", "near-end", "out"
	Cover  *string `json:"cover,omitempty"`  // "open", "closed"
	Cutter *string `json:"cutter,omitempty"` // "ok", "jammed"
	Online *bool   `json:"online,omitempty"`
	Drawer *string `json:"drawer,omitempty"` // "open", "closed"
}

// StateError is a bad POST /state body.
type StateError struct {
	Field string // the JSON key, "" for a body that is not a JSON object
	Value string // the value as sent
	Want  string // what is accepted
}

func (e *StateError) Error() string {
	switch {
	case e.Field == "":
		return "escpos: state: " + e.Want
	case e.Want == "":
		return fmt.Sprintf("escpos: state: unknown key %q (known: paper, cover, cutter, online, drawer)", e.Field)
	}
	return fmt.Sprintf("escpos: state: %s: bad value %s (want %s)", e.Field, e.Value, e.Want)
}

// ErrBadState is wrapped by every *StateError.
var ErrBadState = errors.New("escpos: bad state request")

func (e *StateError) Unwrap() error { return ErrBadState }

// ParseStateRequest decodes a POST /state body strictly: unknown keys and
// values are errors (a *StateError), and nothing is applied.
func ParseStateRequest(body []byte) (StateRequest, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return StateRequest{}, &StateError{Want: `the body must be a JSON object such as {"paper":"out"}`}
	}
	var req StateRequest
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the same error for the same body
	for _, k := range keys {
		v := raw[k]
		var err error
		switch k {
		case "paper":
			req.Paper, err = enumValue(k, v, "ok", "near-end", "out")
		case "cover":
			req.Cover, err = enumValue(k, v, "open", "closed")
		case "cutter":
			req.Cutter, err = enumValue(k, v, "ok", "jammed")
		case "drawer":
			req.Drawer, err = enumValue(k, v, "open", "closed")
		case "online":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				err = &StateError{Field: k, Value: string(v), Want: "true or false"}
			} else {
				req.Online = &b
			}
		default:
			err = &StateError{Field: k}
		}
		if err != nil {
			return StateRequest{}, err
		}
	}
	return req, nil
}

func enumValue(key string, v json.RawMessage, allowed ...string) (*string, error) {
	var s string
	if json.Unmarshal(v, &s) != nil || !slices.Contains(allowed, s) {
		quoted := make([]string, len(allowed))
		for i, a := range allowed {
			quoted[i] = strconv.Quote(a)
		}
		return nil, &StateError{Field: key, Value: string(v), Want: strings.Join(quoted, ", ")}
	}
	return &s, nil
}

// Apply sets the printer's sensors and switches as req says.
func (req StateRequest) Apply(p *Printer) {
	if req.Paper != nil {
		ps, _ := ParsePaperState(*req.Paper)
		p.SetPaper(ps)
	}
	if req.Cover != nil {
		p.SetCover(*req.Cover == "open")
	}
	if req.Cutter != nil {
		p.SetCutterJam(*req.Cutter == "jammed")
	}
	if req.Online != nil {
		p.SetOnline(*req.Online)
	}
	if req.Drawer != nil {
		p.SetDrawer(*req.Drawer == "open")
	}
}

// ReceiptInfo is one entry of GET /receipts.
type ReceiptInfo struct {
	N     int    `json:"n"`     // receipt number, 1-based
	Lines int    `json:"lines"` // text lines printed
	Cut   string `json:"cut"`   // "full", "partial" or "none"
	Bytes int    `json:"bytes"` // host bytes consumed for it
}

// DescribeReceipt summarises r for GET /receipts.
func DescribeReceipt(r *paper.Receipt) ReceiptInfo {
	info := ReceiptInfo{N: r.Seq, Bytes: len(r.Raw), Cut: "none"}
	for _, e := range r.Elements {
		if _, ok := e.(*paper.Line); ok {
			info.Lines++
		}
	}
	if c := r.Cut(); c != nil {
		info.Cut = "full"
		if c.Partial {
			info.Cut = "partial"
		}
	}
	return info
}
