package hostproto

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"testing/iotest"
)

func TestReadFrame(t *testing.T) {
	// 0x00 0x05 announces five bytes; a second frame of 0x01 0x00 = 256 bytes follows.
	big := bytes.Repeat([]byte{'x'}, 256)
	in := append([]byte{0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0x01, 0x00}, big...)
	for name, r := range map[string]io.Reader{
		"whole":    bytes.NewReader(in),
		"one byte": iotest.OneByteReader(bytes.NewReader(in)),
		"half":     iotest.HalfReader(bytes.NewReader(in)),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadFrame(r, 4096)
			if err != nil || string(got) != "hello" {
				t.Fatalf("first frame = %q, %v", got, err)
			}
			got, err = ReadFrame(r, 4096)
			if err != nil || !bytes.Equal(got, big) {
				t.Fatalf("second frame = %d bytes, %v", len(got), err)
			}
			if _, err := ReadFrame(r, 4096); err != io.EOF {
				t.Fatalf("after the last frame: %v, want io.EOF", err)
			}
		})
	}
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		max  int
		err  error
		also error
	}{
		{"header cut", []byte{0x00}, 4096, ErrShortFrame, io.ErrUnexpectedEOF},
		{"body cut", []byte{0x00, 0x05, 'h', 'e'}, 4096, ErrShortFrame, io.ErrUnexpectedEOF},
		{"header only", []byte{0x00, 0x05}, 4096, ErrShortFrame, io.ErrUnexpectedEOF},
		{"empty frame", []byte{0x00, 0x00}, 4096, ErrShortFrame, ErrShortFrame},
		{"over max", []byte{0x10, 0x01, 'x'}, 4096, ErrFrameTooLarge, ErrFrameTooLarge},
		{"over small max", []byte{0x00, 0x06, 'a', 'b', 'c', 'd', 'e', 'f'}, 5, ErrFrameTooLarge, ErrFrameTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bytes.NewReader(tc.in)
			_, err := ReadFrame(r, tc.max)
			if !errors.Is(err, tc.err) || !errors.Is(err, tc.also) {
				t.Fatalf("err = %v, want %v and %v", err, tc.err, tc.also)
			}
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("err %v is not a *FrameError", err)
			}
		})
	}
}

func TestReadFrameTooLargeReadsNoBody(t *testing.T) {
	r := bytes.NewReader([]byte{0xFF, 0xFF, 'a', 'b', 'c'})
	_, err := ReadFrame(r, DefaultMaxFrame)
	var fe *FrameError
	if !errors.As(err, &fe) || fe.Length != 0xFFFF || fe.Max != DefaultMaxFrame {
		t.Fatalf("err = %#v", err)
	}
	if r.Len() != 3 {
		t.Errorf("ReadFrame consumed %d body bytes of a refused frame", 3-r.Len())
	}
}

func TestReadFrameMaxDefaults(t *testing.T) {
	body := bytes.Repeat([]byte{'z'}, MaxFrameSize)
	in := append([]byte{0xFF, 0xFF}, body...)
	for _, max := range []int{0, -1, MaxFrameSize + 1} {
		got, err := ReadFrame(bytes.NewReader(in), max)
		if err != nil || len(got) != MaxFrameSize {
			t.Errorf("max %d: %d bytes, %v", max, len(got), err)
		}
	}
}

func TestReadFramePassesReaderErrors(t *testing.T) {
	boom := errors.New("boom")
	if _, err := ReadFrame(iotest.ErrReader(boom), 0); !errors.Is(err, boom) {
		t.Errorf("header: err = %v", err)
	}
	r := io.MultiReader(bytes.NewReader([]byte{0x00, 0x04, 'a'}), iotest.ErrReader(boom))
	if _, err := ReadFrame(r, 0); !errors.Is(err, boom) {
		t.Errorf("body: err = %v", err)
	}
}

// countingWriter records each Write call.
type countingWriter struct{ writes [][]byte }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}

func TestWriteFrame(t *testing.T) {
	var w countingWriter
	if err := WriteFrame(&w, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 1 {
		t.Fatalf("%d Write calls, want 1", len(w.writes))
	}
	if want := "\x00\x05hello"; string(w.writes[0]) != want {
		t.Errorf("wrote %q, want %q", w.writes[0], want)
	}
	msg := bytes.Repeat([]byte{'m'}, 300)
	if err := WriteFrame(&w, msg); err != nil {
		t.Fatal(err)
	}
	if got := w.writes[1][:2]; !bytes.Equal(got, []byte{0x01, 0x2C}) {
		t.Errorf("header for 300 bytes = % x, want 01 2c", got)
	}
}

func TestWriteFrameErrors(t *testing.T) {
	var w countingWriter
	if err := WriteFrame(&w, nil); !errors.Is(err, ErrShortFrame) {
		t.Errorf("empty: %v", err)
	}
	if err := WriteFrame(&w, make([]byte, MaxFrameSize+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if len(w.writes) != 0 {
		t.Errorf("refused frames were written: %d", len(w.writes))
	}
	if _, err := AppendFrame(nil, make([]byte, MaxFrameSize+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("AppendFrame too large: %v", err)
	}
	if _, err := AppendFrame(nil, nil); !errors.Is(err, ErrShortFrame) {
		t.Errorf("AppendFrame empty: %v", err)
	}
}

func TestAppendFrameThenRead(t *testing.T) {
	var buf []byte
	var err error
	for _, m := range []string{"a", "bb", "ccc"} {
		if buf, err = AppendFrame(buf, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	r := bytes.NewReader(buf)
	for _, want := range []string{"a", "bb", "ccc"} {
		got, err := ReadFrame(r, 0)
		if err != nil || string(got) != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
}

// TestFramedMessagesOverPipe sends every fixture over a net.Pipe as
// frames and decodes them on the other side.
func TestFramedMessagesOverPipe(t *testing.T) {
	cases := wireCases(t)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	errc := make(chan error, 1)
	go func() {
		defer a.Close()
		for _, tc := range cases {
			raw, err := Encode(tc.msg)
			if err != nil {
				errc <- err
				return
			}
			if err := WriteFrame(a, raw); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for _, tc := range cases {
		body, err := ReadFrame(b, DefaultMaxFrame)
		if err != nil {
			t.Fatalf("%s: ReadFrame: %v", tc.name, err)
		}
		if !bytes.Equal(body, tc.wire) {
			t.Fatalf("%s: frame body differs from the fixture", tc.name)
		}
		if _, err := Decode(body); err != nil {
			t.Fatalf("%s: Decode: %v", tc.name, err)
		}
	}
	if _, err := ReadFrame(b, 0); err != io.EOF {
		t.Errorf("after the last frame: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
