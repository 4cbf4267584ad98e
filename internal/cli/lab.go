package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/faults/acquirerfaults"
	"github.com/poshil/hil/faults/printerfaults"
	"github.com/poshil/hil/internal/lab"
	"github.com/poshil/hil/internal/pty"
	"github.com/poshil/hil/pkg/hostproto"
)

const labSynopsis = "hil lab [--http ADDR] [--tcp ADDR] [--pty PATH] [--listen ADDR] [--profile iso87|cup] [--out DIR] [--faults FILE] …"

const labDescription = `Starts an emulated printer (a pty and TCP, as 'hil printer serve'), a fake
acquirer (as 'hil acquirer serve') and a web page that shows them live:
receipts as they print, the printer's sensors with buttons to change them,
the acquirer's ledger and message log (cards masked), and the active fault
rules with a box to add one. Point any terminal at the printer and the
acquirer; the lab only watches. Serves until SIGINT/SIGTERM.

When ready it prints one line per endpoint on stdout:
  pty /dev/pts/7
  tcp 127.0.0.1:9100
  acquirer 127.0.0.1:5000
  lab http://127.0.0.1:8080

The page's live stream is GET /events (Server-Sent Events); docs/lab.md
describes it. The fault plan (--faults FILE) holds printer and acquirer
rules; the page adds rules to it (POST /faults).`

func runLab(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, labSynopsis, labDescription)
	httpAddr := fs.String("http", "127.0.0.1:0", "serve the page on `ADDR`")
	tcp := fs.String("tcp", "127.0.0.1:0", "printer: listen for TCP clients on `ADDR`; 'off' for no TCP")
	ptyLink := fs.String("pty", "", "printer: also make a symbolic link to the virtual serial port at `PATH`; 'off' for no pty")
	printerProfile := fs.String("printer-profile", escpos.DefaultProfile, "printer profile `NAME` ("+profileNames()+")")
	out := fs.String("out", "", "write each finished receipt into `DIR` as NNNN.bin, NNNN.txt and NNNN.png")
	listen := fs.String("listen", "127.0.0.1:0", "acquirer: listen for terminals on `ADDR`")
	hostProfile := fs.String("profile", hostproto.ProfileISO87, "acquirer: host dialect terminals speak: `iso87` or cup")
	verbose := fs.Bool("v", false, "log connections and messages to stderr")
	var ff faultFlags
	ff.register(fs, false)
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		env.Errorf("lab: unexpected arguments %q", args)
		return ExitUsage
	}
	if *tcp == "off" && (*ptyLink == "off" || !pty.Supported) {
		env.Errorf("lab: --tcp off leaves the printer unreachable (no pty either)")
		return ExitUsage
	}
	if *ptyLink != "" && *ptyLink != "off" && !pty.Supported {
		env.Errorf("lab: --pty: virtual serial ports are not supported on this platform; use --tcp")
		return ExitFailure
	}
	if _, err := escpos.LookupProfile(*printerProfile); err != nil {
		env.Errorf("lab: --printer-profile: %v", err)
		return ExitUsage
	}
	profile, err := hostproto.ProfileByName(*hostProfile)
	if err != nil {
		env.Errorf("lab: --profile: %v", err)
		return ExitUsage
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			env.Errorf("lab: --out: %v", err)
			return ExitFailure
		}
	}
	log := serverLogger(env, *verbose)

	in, closeIn, err := ff.injector(env)
	if err != nil {
		env.Errorf("lab: %v", err)
		return ExitFailure
	}
	defer closeIn()

	p, err := escpos.NewPrinter(escpos.Options{Profile: *printerProfile, Logger: log.With("part", "printer")})
	if err != nil {
		env.Errorf("lab: %v", err)
		return ExitFailure
	}
	defer p.Close()
	var outErr sync.Once
	if *out != "" {
		p.OnReceipt(func(r *paper.Receipt) {
			if err := writeReceipt(*out, r); err != nil {
				outErr.Do(func() { log.Error("writing receipts", "dir", *out, "err", err) })
			}
		})
	}
	sopts := escpos.ServerOptions{
		PTY: *ptyLink != "off" && pty.Supported, TCP: *tcp != "off", TCPAddr: *tcp,
		WrapConn: printerfaults.WrapConn(in), Logger: log.With("part", "server"),
	}
	if *ptyLink != "off" {
		sopts.PTYLink = *ptyLink
	}
	if *tcp == "off" {
		sopts.TCPAddr = ""
	}
	psrv, err := escpos.NewServer(p, sopts)
	if err != nil {
		env.Errorf("lab: %v", err)
		return ExitFailure
	}
	defer psrv.Close()
	pad := printerfaults.Attach(in, p, psrv)
	defer pad.Close()

	acq, err := acquirer.NewServer(acquirer.Options{Addr: *listen, Logger: log.With("part", "acquirer"), Profile: profile})
	if err != nil {
		env.Errorf("lab: %v", err)
		return ExitFailure
	}
	defer acq.Close()
	detach := acquirerfaults.Attach(acq, in)
	defer detach()

	web, err := lab.NewServer(lab.Options{
		Addr: *httpAddr, Printer: p, Acquirer: acq, Faults: in,
		Intercept:  acquirerfaults.Interceptor(in, acq.Ledger()),
		ReceiptDir: *out, Logger: log.With("part", "lab"),
	})
	if err != nil {
		env.Errorf("lab: --http: %v", err)
		return ExitFailure
	}
	defer web.Close()
	eps := map[string]string{"acquirer": acq.Addr(), "profile": profile.Name()}
	if psrv.PTY() != "" {
		fmt.Fprintf(env.Stdout, "pty %s\n", psrv.PTY())
		eps["printer pty"] = psrv.PTY()
	}
	if psrv.Addr() != "" {
		fmt.Fprintf(env.Stdout, "tcp %s\n", psrv.Addr())
		eps["printer"] = psrv.URL()
	}
	web.SetEndpoints(eps)
	fmt.Fprintf(env.Stdout, "acquirer %s\n", acq.Addr())
	fmt.Fprintf(env.Stdout, "lab %s\n", web.URL())

	<-ctx.Done()
	web.Close()
	psrv.Close()
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := p.WaitIdle(wctx); err == nil {
		p.EndJob()
	}
	cancel()
	if err := p.Close(); err != nil && !errors.Is(err, escpos.ErrClosed) {
		env.Errorf("lab: %v", err)
		return ExitFailure
	}
	return ExitOK
}
