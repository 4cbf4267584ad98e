package printer

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
)

// TestQuery: each request gets its own reply from the emulator; a request
// the printer's profile does not answer is ErrNoReply, and the status and
// the next query still work.
func TestQuery(t *testing.T) {
	prof, err := escpos.LookupProfile("tm-t88")
	if err != nil {
		t.Fatal(err)
	}
	prof.Answers = &escpos.Answers{RealtimeStatus: []int{1, 2, 3, 4}, IDs: []int{1, 2, 3, 66}}
	emu := newEmulator(t, escpos.Options{ProfileDef: &prof})
	host, dev := net.Pipe()
	wait := attach(emu, dev)
	p := New(host, &Options{Name: "emu"})
	defer func() { p.Close(); dev.Close(); wait() }()

	for _, tc := range []struct {
		req  []byte
		kind ReplyKind
		want []byte
	}{
		{[]byte{0x1D, 'I', 1}, ReplyUnknown, []byte{0x20}},
		{[]byte{0x1D, 'I', 66}, ReplyBlock, append(append([]byte{0x5F}, "EPSON"...), 0)},
		{[]byte{0x10, 0x04, 2}, ReplyStatus, []byte{0x12}},
	} {
		r, err := p.Query(t.Context(), tc.req, 0)
		if err != nil || r.Kind != tc.kind || !bytes.Equal(r.Bytes, tc.want) {
			t.Errorf("Query(% X) = %v, %v; want %s % X", tc.req, r, err, tc.kind, tc.want)
		}
	}
	_, err = p.Query(t.Context(), []byte{0x1D, 'I', 67}, 100*time.Millisecond)
	var re *ReplyError
	if !errors.Is(err, ErrNoReply) || !errors.As(err, &re) {
		t.Errorf("GS I 67 on a profile that does not answer it: %v", err)
	}
	if st, err := p.Status(t.Context()); err != nil || st.Err() != nil {
		t.Errorf("Status after queries: %v, %v", st, err)
	}
}
