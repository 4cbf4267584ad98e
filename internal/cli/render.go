package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

const renderSynopsis = "hil render [--format text|html|png] [--profile NAME] [-o FILE] [FILE|-]"

const renderDescription = `Reads an ESC/POS byte stream from FILE (or standard input when FILE is
"-" or absent), prints it on an emulated printer of the profile and renders
every receipt it printed (a receipt ends at a cut, or at the end of the
stream).

  text  one text line per printed line, with [QR] [BARCODE …] [IMAGE WxH]
        [CUT] [PARTIAL CUT] [DRAWER n] marker lines; all receipts, in order,
        to standard output or to -o FILE.
  png   a 1-bit picture of the paper, one dot a pixel.
  html  a self-contained page that looks like the paper roll.

For png and html, one receipt goes to -o FILE, or to standard output without
-o. Several receipts need -o FILE and are written as FILE-1.EXT, FILE-2.EXT, …
(receipt.png gives receipt-1.png, receipt-2.png). Sequences the printer could
not decode are skipped, as the printer skips them, and reported on standard
error: the first 20 one by one, then how many more.

The stream is read and printed a piece at a time, and each receipt is
written out as it finishes (at once when the input is a pipe, in large
blocks from a file): memory does not grow with the input.

Exit status: 0 rendered, 1 nothing printed or a file could not be read or
written, 2 bad flags (unknown format or profile).`

// renderChunk is how much of the input is read at a time: the command
// holds about this much of it, whatever the input's size.
const renderChunk = 64 << 10

// maxSkipReports bounds the skipped sequences reported one by one; the
// rest are counted in one line at the end.
const maxSkipReports = 20

func runRender(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, renderSynopsis, renderDescription)
	format := fs.String("format", "text", "output format: text, html or png")
	profile := fs.String("profile", escpos.DefaultProfile, "printer profile: "+renderProfiles())
	out := fs.String("o", "", "write to FILE instead of standard output (png/html with several receipts: FILE-N.EXT)")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	switch *format {
	case "text", "html", "png":
	default:
		env.Errorf("render: unknown format %q (want text, html or png)", *format)
		return ExitUsage
	}
	if _, err := escpos.LookupProfile(*profile); err != nil {
		env.Errorf("render: %v", err)
		return ExitUsage
	}
	if len(args) > 1 {
		env.Errorf("render: one input file at most, got %d (%s)", len(args), strings.Join(args, " "))
		return ExitUsage
	}
	name := "-"
	if len(args) == 1 {
		name = args[0]
	}
	in, live, closeIn, err := openRenderInput(env.Stdin, name)
	if err != nil {
		env.Errorf("render: %v", err)
		return ExitFailure
	}
	defer closeIn()

	// A batch job with a small, bounded heap: collect garbage less often
	// (GOGC=400) under a soft limit of 40 MiB that keeps the peak well
	// below 64 MiB whatever the input (docs/printer.md), unless the
	// environment sets GOGC or GOMEMLIMIT.
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(40 << 20))
	}
	sink := &renderSink{env: env, format: *format, out: *out, live: live}
	var skips skipReports
	p, err := escpos.NewPrinter(escpos.Options{
		Profile: *profile,
		// Only the receipt being printed is in memory: each goes to the
		// sink as it finishes.
		KeepReceipts: 1, KeepBytes: 1, MaxReceiptRaw: -1,
		OnMalformed: skips.add,
	})
	if err != nil {
		env.Errorf("render: %v", err)
		return ExitFailure
	}
	defer p.Close()
	p.OnReceipt(sink.receipt)

	n, readErr := feedRender(ctx, p, in, &skips, env)
	if readErr == nil {
		p.EndJob()
		if err := p.WaitIdle(ctx); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				readErr = err
			} else {
				// The printer stopped (offline) with data left: render what it printed.
				env.Errorf("render: %v", err)
			}
		}
	}
	p.Close() // every finished receipt has reached the sink
	skips.report(env, true)
	if readErr != nil {
		env.Errorf("render: %v", readErr)
		return ExitFailure
	}
	if code := sink.finish(n); code != ExitOK {
		return code
	}
	return ExitOK
}

// openRenderInput opens FILE, or standard input for "-". live is true
// when the input is not a regular file (a pipe, a terminal, a socket):
// its receipts are written out as each finishes rather than in large
// blocks.
func openRenderInput(stdin io.Reader, name string) (in io.Reader, live bool, closeIn func(), err error) {
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, false, nil, err
		}
		return f, !isRegular(f), func() { f.Close() }, nil
	}
	if stdin == nil {
		return nil, false, nil, errors.New("no standard input")
	}
	f, ok := stdin.(*os.File)
	return stdin, !ok || !isRegular(f), func() {}, nil
}

func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// feedRender streams the input to the printer a chunk at a time, as a
// host honouring BUSY does, and returns the bytes read.
func feedRender(ctx context.Context, p *escpos.Printer, in io.Reader, skips *skipReports, env *Env) (int64, error) {
	buf := make([]byte, renderChunk)
	var n int64
	for {
		k, err := in.Read(buf)
		if k > 0 {
			n += int64(k)
			if _, err := p.Feed(ctx, buf[:k]); err != nil {
				return n, err
			}
			skips.report(env, false)
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("reading the input: %w", err)
		}
	}
}

// skipReports collects the sequences the printer skipped (called with the
// printer's lock held: it only records).
type skipReports struct {
	mu       sync.Mutex
	pending  []string
	reported int
	total    int
}

func (s *skipReports) add(m escpos.Malformed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	if s.reported+len(s.pending) < maxSkipReports {
		s.pending = append(s.pending, m.String())
	}
}

// report writes the sequences collected so far, and at the end the count
// of those not reported one by one.
func (s *skipReports) report(env *Env, end bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.pending {
		env.Errorf("render: skipped %s", l)
	}
	s.reported += len(s.pending)
	s.pending = s.pending[:0]
	if end && s.total > s.reported {
		env.Errorf("render: skipped %d more malformed sequences (%d in all)", s.total-s.reported, s.total)
	}
}

// renderSink writes each receipt as it finishes (on the printer's receipt
// goroutine). Text goes out receipt by receipt. A picture or page waits
// only until the next receipt says whether the output is one file or
// numbered files.
type renderSink struct {
	env    *Env
	format string
	out    string
	live   bool // flush each receipt as it finishes

	n     int            // receipts so far
	first *paper.Receipt // png/html: held until the second one or the end
	w     *bufio.Writer  // text
	f     *os.File       // text to -o
	text  []byte
	err   error
}

func (s *renderSink) receipt(r *paper.Receipt) {
	s.n++
	if s.err != nil {
		return
	}
	if s.format == "text" {
		if s.w == nil {
			var w io.Writer = s.env.Stdout
			if s.out != "" && s.out != "-" {
				if s.f, s.err = os.Create(s.out); s.err != nil {
					return
				}
				w = s.f
			}
			s.w = bufio.NewWriterSize(w, 256<<10)
		}
		s.text = render.AppendText(s.text[:0], r)
		if _, s.err = s.w.Write(s.text); s.err == nil && s.live {
			s.err = s.w.Flush()
		}
		return
	}
	switch {
	case s.n == 1:
		s.first = r
	case s.out == "":
		s.first = nil // an error at the end: several receipts need -o
	case s.n == 2:
		if s.err = s.draw(numbered(s.out, 1), s.first); s.err == nil {
			s.err = s.draw(numbered(s.out, 2), r)
		}
		s.first = nil
	default:
		s.err = s.draw(numbered(s.out, s.n), r)
	}
}

func (s *renderSink) draw(path string, r *paper.Receipt) error {
	draw := render.PNG
	if s.format == "html" {
		draw = render.HTML
	}
	var buf bytes.Buffer
	if err := draw(&buf, r); err != nil {
		if errors.Is(err, render.ErrTooLong) {
			return fmt.Errorf("receipt %d is longer than %d dots (about 8 m of paper at 203 dpi), too long to draw as %s; --format text shows it",
				r.Seq, render.MaxHeight, s.format)
		}
		return fmt.Errorf("receipt %d: %w", r.Seq, err)
	}
	return writeOut(s.env, path, buf.Bytes())
}

// finish writes what was held and reports the outcome (the printer is
// closed: no receipt comes any more).
func (s *renderSink) finish(inputBytes int64) int {
	if s.w != nil && s.err == nil {
		s.err = s.w.Flush()
	}
	if s.f != nil {
		if err := s.f.Close(); s.err == nil {
			s.err = err
		}
	}
	if s.err != nil {
		s.env.Errorf("render: %v", s.err)
		return ExitFailure
	}
	switch {
	case s.n == 0:
		s.env.Errorf("render: the stream (%d bytes) printed nothing", inputBytes)
		return ExitFailure
	case s.format != "text" && s.n > 1 && s.out == "":
		s.env.Errorf("render: the stream printed %d receipts: %s output needs -o FILE (written as FILE-1.%s, FILE-2.%s, …)",
			s.n, s.format, s.format, s.format)
		return ExitUsage
	case s.format != "text" && s.n == 1:
		if err := s.draw(s.out, s.first); err != nil {
			s.env.Errorf("render: %v", err)
			return ExitFailure
		}
	}
	return ExitOK
}

func renderProfiles() string {
	var names []string
	for _, p := range escpos.Profiles() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// numbered inserts -n before the extension: out.png → out-2.png.
func numbered(path string, n int) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + strconv.Itoa(n) + ext
}

func writeOut(env *Env, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := env.Stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
