package printer

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/poshil/hil/pkg/escposcmd"
)

func TestParseReplies(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         []byte
		want       []string
		unfinished []byte
	}{
		{"status bytes", []byte{0x12, 0x16, 0x72, 0x7E}, []string{"status 12", "status 16", "status 72", "status 7E"}, nil},
		{"xon xoff skipped", []byte{0x11, 0x12, 0x13}, []string{"flow 11", "status 12", "flow 13"}, nil},
		{"asb then status", []byte{0x10, 0x00, 0x00, 0x00, 0x12}, []string{"asb 10 00 00 00", "status 12"}, nil},
		{"asb with xoff inside", []byte{0x14, 0x00, 0x13, 0x0C, 0x00, 0x1A}, []string{"flow 13", "asb 14 00 0C 00", "status 1A"}, nil},
		{"asb cut short by status", []byte{0x10, 0x00, 0x12}, []string{"unknown 10 00", "status 12"}, nil},
		{"process id reply", []byte{0x37, 0x22, 'A', 'B', '1', '2', 0x00, 0x12}, []string{"block 37 22 41 42 31 32 00", "status 12"}, nil},
		{"info B block holds any byte", []byte{0x5F, 0x12, 0x10, 0x00}, []string{"block 5F 12 10 00"}, nil},
		{"gs r byte unknown", []byte{0x00, 0x0C, 0x12}, []string{"unknown 00", "unknown 0C", "status 12"}, nil},
		{"unfinished block", []byte{0x12, 0x37, 0x22, 'A'}, []string{"status 12"}, []byte{0x37, 0x22, 'A'}},
		{"unfinished asb", []byte{0x10, 0x00}, nil, []byte{0x10, 0x00}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			replies, unfinished := ParseReplies(tc.in)
			var got []string
			for _, r := range replies {
				got = append(got, r.String())
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || !bytes.Equal(unfinished, tc.unfinished) {
				t.Errorf("got %q unfinished % X\nwant %q unfinished % X", got, unfinished, tc.want, tc.unfinished)
			}
		})
	}
}

func TestParseRepliesOverlongBlock(t *testing.T) {
	in := append([]byte{0x37}, bytes.Repeat([]byte{'x'}, 200)...)
	replies, _ := ParseReplies(in)
	if len(replies) == 0 || replies[0].Kind != ReplyUnknown || len(replies[0].Bytes) != maxBlock {
		t.Fatalf("want the first %d bytes reported as unknown, got %v", maxBlock, replies)
	}
}

func ExampleParseReplies() {
	// An XON, a 4-byte Automatic Status Back, a DLE EOT answer and a
	// GS ( H process-ID response, as a printer may interleave them.
	replies, _ := ParseReplies([]byte{0x11, 0x10, 0x00, 0x00, 0x00, 0x12, 0x37, 0x22, 'J', 'O', 'B', '1', 0x00})
	for _, r := range replies {
		fmt.Println(r)
	}
	// Output:
	// flow 11
	// asb 10 00 00 00
	// status 12
	// block 37 22 4A 4F 42 31 00
}

func ExampleDecodeStatus() {
	// DLE EOT 1..4 answers of a printer whose roll ran out while printing.
	st, err := DecodeStatus([4]byte{0x1A, 0x32, 0x12, 0x72})
	fmt.Println(err, st.Paper(), st.Online, st.Err())
	_, err = DecodeStatus([4]byte{0x12, 0x12, 0x13, 0x12})
	fmt.Println(err, errors.Is(err, ErrBadReply))
	// Output:
	// <nil> out false printer: paper out
	// printer: DLE EOT 3: unexpected reply 13 true
}

// FuzzParseReplies checks that the parser never panics, accounts for every
// byte, and gives the same replies however the stream is split.
func FuzzParseReplies(f *testing.F) {
	f.Add([]byte{0x12, 0x16, 0x72, 0x7E}, uint8(1))
	f.Add([]byte{0x11, 0x10, 0x00, 0x13, 0x00, 0x00, 0x12}, uint8(2))
	f.Add([]byte{0x37, 0x22, 'A', 'B', 'C', 'D', 0x00, 0x1A}, uint8(3))
	f.Add([]byte{0x5F, 'T', 'M', '-', 'T', '8', '8', 0x00, 0x3D, 0x21, 0x02, 0x40, 0x00}, uint8(5))
	f.Add(append([]byte{0x37}, bytes.Repeat([]byte{0x12}, 130)...), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		whole, unfinished := ParseReplies(data)
		n := len(unfinished)
		for _, r := range whole {
			if len(r.Bytes) == 0 {
				t.Fatalf("empty reply %v", r)
			}
			if r.Kind == ReplyStatus && r.Bytes[0]&escposcmd.StatusFixedMask != escposcmd.StatusFixedValue {
				t.Fatalf("status reply with wrong fixed bits: %v", r)
			}
			if r.Kind == ReplyASB && len(r.Bytes) != 4 {
				t.Fatalf("ASB of %d bytes", len(r.Bytes))
			}
			n += len(r.Bytes)
		}
		if n != len(data) {
			t.Fatalf("replies hold %d bytes, input %d", n, len(data))
		}
		// Feed the same stream in pieces of step bytes.
		size := int(step%16) + 1
		var p ReplyParser
		var pieces []Reply
		for i := 0; i < len(data); i += size {
			p.Feed(data[i:min(i+size, len(data))], func(r Reply) {
				pieces = append(pieces, Reply{Kind: r.Kind, Bytes: append([]byte(nil), r.Bytes...)})
			})
		}
		if fmt.Sprint(pieces) != fmt.Sprint(whole) {
			t.Fatalf("split by %d: %v\nwhole: %v", size, pieces, whole)
		}
	})
}
