package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

func init() {
	register(&command{
		name:    "render",
		usage:   renderSynopsis,
		summary: "print an ESC/POS byte stream on the emulated printer and render the receipts (text, HTML, PNG)",
		order:   25,
		run:     runRender,
	})
}

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
not decode are reported on standard error and skipped, as the printer skips
them.

Exit status: 0 rendered, 1 nothing printed or a file could not be read or
written, 2 bad flags (unknown format or profile).`

// maxRenderInput bounds the stream read into memory.
const maxRenderInput = 256 << 20

func runRender(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, renderSynopsis, renderDescription)
	format := fs.String("format", "text", "output format: text, html or png")
	profile := fs.String("profile", escpos.DefaultProfile, "printer profile: "+renderProfiles())
	out := fs.String("o", "", "write to FILE instead of standard output (png/html with several receipts: FILE-N.EXT)")
	if code, ok := parseFlags(fs, args); !ok {
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
	if fs.NArg() > 1 {
		env.Errorf("render: one input file at most, got %d (%s)", fs.NArg(), strings.Join(fs.Args(), " "))
		return ExitUsage
	}
	name := "-"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	data, err := readRenderInput(env.Stdin, name)
	if err != nil {
		env.Errorf("render: %v", err)
		return ExitFailure
	}

	receipts, err := printStream(ctx, env, *profile, data)
	if err != nil {
		env.Errorf("render: %v", err)
		return ExitFailure
	}
	if len(receipts) == 0 {
		env.Errorf("render: the stream (%d bytes) printed nothing", len(data))
		return ExitFailure
	}

	if *format == "text" {
		var buf []byte
		for _, r := range receipts {
			buf = render.AppendText(buf, r)
		}
		if err := writeOut(env, *out, buf); err != nil {
			env.Errorf("render: %v", err)
			return ExitFailure
		}
		return ExitOK
	}

	draw := render.PNG
	if *format == "html" {
		draw = render.HTML
	}
	if len(receipts) > 1 && *out == "" {
		env.Errorf("render: the stream printed %d receipts: %s output needs -o FILE (written as FILE-1.%s, FILE-2.%s, …)",
			len(receipts), *format, *format, *format)
		return ExitUsage
	}
	for i, r := range receipts {
		var buf bytes.Buffer
		if err := draw(&buf, r); err != nil {
			env.Errorf("render: receipt %d: %v", r.Seq, err)
			return ExitFailure
		}
		path := *out
		if len(receipts) > 1 {
			path = numbered(*out, i+1)
		}
		if err := writeOut(env, path, buf.Bytes()); err != nil {
			env.Errorf("render: %v", err)
			return ExitFailure
		}
	}
	return ExitOK
}

func readRenderInput(stdin io.Reader, name string) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return nil, errors.New("no standard input")
	}
	data, err := io.ReadAll(io.LimitReader(r, maxRenderInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxRenderInput {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxRenderInput>>20)
	}
	return data, nil
}

// printStream prints data on a fresh printer of the profile and returns the
// receipts, reporting undecodable sequences on stderr.
func printStream(ctx context.Context, env *Env, profile string, data []byte) ([]*paper.Receipt, error) {
	p, err := escpos.NewPrinter(escpos.Options{Profile: profile})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	var mu sync.Mutex
	var skipped []string
	p.OnEvent(func(e escpos.Event) {
		if m, ok := e.Command.(escpos.Malformed); ok && e.Kind == escpos.EventCommand {
			mu.Lock()
			skipped = append(skipped, m.String())
			mu.Unlock()
		}
	})
	if _, err := p.Write(data); err != nil {
		return nil, err
	}
	p.EndJob()
	waitErr := p.WaitIdle(ctx)
	mu.Lock()
	for _, s := range skipped {
		env.Errorf("render: skipped %s", s)
	}
	mu.Unlock()
	if errors.Is(waitErr, context.Canceled) || errors.Is(waitErr, context.DeadlineExceeded) {
		return nil, waitErr
	}
	if waitErr != nil {
		// The printer stopped (offline) with data left: render what it printed.
		env.Errorf("render: %v", waitErr)
	}
	return p.Receipts(), nil
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
