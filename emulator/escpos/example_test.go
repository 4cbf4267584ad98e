package escpos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
)

func ExampleDecoder() {
	d := escpos.NewDecoder(escpos.DecoderOptions{})
	stream := []byte("\x1b@\x1ba\x01Hello\n\x1dV\x42\x03")
	// Bytes may arrive in any pieces; the commands are the same.
	for _, piece := range [][]byte{stream[:4], stream[4:9], stream[9:]} {
		d.Decode(piece, func(c escpos.Command) { fmt.Println(c) })
	}
	// Output:
	// ESC @
	// ESC a 1 (center)
	// TEXT "Hello"
	// LF
	// GS V 66 (feed 3, partial cut)
}

func ExampleDecoder_realtime() {
	// DLE EOT 1 inside raster data: reported as soon as it arrives, and
	// the image keeps all four data bytes.
	d := escpos.NewDecoder(escpos.DecoderOptions{})
	d.Decode([]byte{escpos.GS, 'v', '0', 0, 1, 0, 4, 0, 0x10, 0x04, 0x01, 0xFF}, func(c escpos.Command) {
		if img, ok := c.(escpos.RasterImage); ok {
			fmt.Printf("%v data % x\n", img, img.Data)
			return
		}
		fmt.Println(c)
	})
	// Output:
	// DLE EOT 1
	// GS v 0 0 (8x4 dots) data 10 04 01 ff
}

// syncBuffer is a bytes.Buffer safe for the printer's reply goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("% x", s.b.Bytes())
}

func ExamplePrinter() {
	p, err := escpos.NewPrinter(escpos.Options{Profile: "tm-t88"})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	var replies syncBuffer
	p.SetOutput(&replies)

	p.SetPaper(escpos.PaperOut)
	// DLE EOT 4 is answered at once; the receipt waits for paper.
	p.Write([]byte("TOTAL 9.50\n\x1dV\x00\x10\x04\x04"))
	p.SetPaper(escpos.PaperOK)
	p.WaitIdle(context.Background())

	fmt.Println("replies:", replies.String())
	r := p.Receipts()[0]
	fmt.Println("receipt", r.Seq, "cut:", r.Cut() != nil)
	fmt.Println(r.Elements[0].(*paper.Line).Runs[0].Text)
	// Output:
	// replies: 7e
	// receipt 1 cut: true
	// TOTAL 9.50
}

func ExampleLookupProfile() {
	prof, err := escpos.LookupProfile("generic-58")
	if err != nil {
		panic(err)
	}
	fmt.Println(prof.WidthDots, prof.Columns(0), prof.Columns(1), prof.Cutter)
	_, err = escpos.LookupProfile("tm-x")
	fmt.Println(err)
	// Output:
	// 384 32 42 false
	// escpos: unknown printer profile "tm-x" (known: generic-58, sunmi-v2, tm-t20iii, tm-t88, zh-80, zj-5870)
}

func ExampleDecoder_codePages() {
	// ESC t 13 selects PC857 on the default profile (€ at 0xD5 as on
	// Epson's chart); ESC t 99 names no page of it and is ignored.
	d := escpos.NewDecoder(escpos.DecoderOptions{})
	d.Decode([]byte("\x1bt\x0d5\xd5\x1bt\x63\xd5\n"), func(c escpos.Command) { fmt.Println(c) })
	fmt.Println(escpos.CodePageSource("PC857"))
	// Output:
	// ESC t 13 (PC857)
	// TEXT "5€"
	// ESC t 99 (no such code page)
	// TEXT "€"
	// LF
	// Python codecs cp857; 0xD5 is the euro sign on Epson's page 13 chart (unassigned in cp857)
}

func ExampleParseProfile() {
	// A profile file as "hil printer probe" writes it, or as written by
	// hand: here one whose Font B is misspelt.
	base, err := escpos.LookupProfile("generic-58")
	if err != nil {
		panic(err)
	}
	base.Name = "my-58"
	base.Fonts[1].Height = 0
	data, err := json.Marshal(base)
	if err != nil {
		panic(err)
	}
	_, err = escpos.ParseProfile(data)
	var fe *escpos.ProfileFieldError
	fmt.Println(errors.As(err, &fe), fe.Field)
	fmt.Println(err)

	base.Fonts[1].Height = 17
	base.Answers = &escpos.Answers{RealtimeStatus: []int{1, 2, 3, 4}, IDs: []int{1, 2, 3}}
	data, _ = json.Marshal(base)
	p, err := escpos.ParseProfile(data)
	fmt.Println(p.Name, p.Columns(0), p.Answers.IDs, err)
	// Output:
	// true fonts[1]
	// escpos: profile "my-58": fonts[1]: font "B" 9x0: want a width of 1–widthDots and a height of 1–255 dots
	// my-58 32 [1 2 3] <nil>
}
