package escpos_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
)

func TestParseStateRequestErrors(t *testing.T) {
	_, err := escpos.ParseStateRequest([]byte(`{"drawer":"ajar"}`))
	var se *escpos.StateError
	if !errors.Is(err, escpos.ErrBadState) || !errors.As(err, &se) || se.Field != "drawer" || se.Value != `"ajar"` {
		t.Fatalf("ParseStateRequest: %v", err)
	}
}

// FuzzParseStateRequest: any body gives a request or a *StateError, never a
// panic, and an accepted request holds only the documented values.
func FuzzParseStateRequest(f *testing.F) {
	for _, seed := range []string{
		`{"paper":"ok","cover":"closed","cutter":"ok","online":true,"drawer":"closed"}`,
		`{"paper":"out"}`, `{"paper":"near-end","online":false}`, `{"cover":"open","drawer":"open"}`,
		`{"cutter":"jammed"}`, `{}`, `{"papr":"out"}`, `{"online":"yes"}`, `null`, `[]`, `{"paper":1}`,
		`{"paper":"out","paper":"ok"}`, "{\"paper\":\"o\\u0075t\"}", ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := escpos.ParseStateRequest(body)
		if err != nil {
			var se *escpos.StateError
			if !errors.As(err, &se) || !errors.Is(err, escpos.ErrBadState) {
				t.Fatalf("error %v is not a *StateError", err)
			}
			return
		}
		check := func(name string, v *string, allowed ...string) {
			if v != nil && !slices.Contains(allowed, *v) {
				t.Fatalf("%s accepted as %q", name, *v)
			}
		}
		check("paper", req.Paper, "ok", "near-end", "out")
		check("cover", req.Cover, "open", "closed")
		check("cutter", req.Cutter, "ok", "jammed")
		check("drawer", req.Drawer, "open", "closed")
	})
}
