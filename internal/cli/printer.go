package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escposadmin"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/internal/pty"
)

const printerHelp = `Usage: hil printer serve [flags]
       hil printer probe [-o FILE] URL
       hil printer check [flags] URL

Serves an emulated ESC/POS receipt printer until interrupted (SIGINT or SIGTERM):
on a virtual serial port (a pty, which clients open like /dev/ttyUSB0) and on
TCP (real network printers listen on port 9100). Status requests (DLE EOT, GS r,
ASB, GS ( H) are answered on the stream they came on.

When ready it prints one line per endpoint on stdout:
  pty /dev/pts/7
  tcp 127.0.0.1:9100
  rfc2217 127.0.0.1:2217
  admin http://127.0.0.1:41234

With --rfc2217 ADDR the printer is also a remote serial port (RFC 2217, as
ser2net serves one; rfc2217://ADDR for hil and pyserial) whose modem lines
follow the printer: DSR and CTS drop while it is BUSY (offline, paper out,
receive buffer full; the profile's busyLines), and the client's flow control
decides whether data is held or lost while it is.

The admin API (--admin) sets the printer's sensors and lists its receipts:
  GET /status, POST /state {"paper":"out"}, GET /receipts, GET /receipts/1.png
and the fault plan (--faults FILE, docs/faults.md):
  GET /faults, POST /faults (plan text, added), DELETE /faults (heal)

Memory is bounded: the last --keep receipts (default 1000, within --keep-mb
MiB) stay in memory for the admin API; older ones are served from --out, or
dropped and counted in /status without it. A TCP connection that sends nothing
for --idle-timeout (default 5m, as Epson's port-9100 interfaces) is closed.

"hil printer probe URL -o FILE" asks a printer (real, or any URL) for its
identity and status answers and writes a profile that --profile FILE loads.

hil printer check URL runs the ESC/POS conformance suite on any printer (the
emulator or a real one, by the URLs of hil pos --printer) and prints which
checks pass and which fail.

Run 'hil printer serve --help', 'hil printer probe --help' or 'hil printer check --help'
for the flags.
`

func runPrinter(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, printerHelp)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, printerHelp)
		return ExitOK
	case "serve":
		return runPrinterServe(ctx, env, args[1:])
	case "probe":
		return runPrinterProbe(ctx, env, args[1:])
	case "check":
		return runPrinterCheck(ctx, env, args[1:])
	}
	env.Errorf("printer: unknown subcommand %q (want serve, probe or check)", args[0])
	return ExitUsage
}

// printerServe is what the flags of 'hil printer serve' ask for.
type printerServe struct {
	pty      string // "" = a pty without a link; "off" = no pty
	tcp      string // "off" = no TCP
	rfc2217  string // "" = no RFC 2217 endpoint
	profile  string
	admin    string // "" = no admin API
	out      string // "" = receipts are not written
	keep     int    // receipts kept in memory
	keepMB   int    // their estimated size, MiB
	idle     string // "" = the profile's idle timeout
	realtime bool
	verbose  bool
}

func runPrinterServe(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil printer serve [flags]",
		"Serves the emulated printer until SIGINT/SIGTERM. Prints 'pty PATH', 'tcp ADDR', 'rfc2217 ADDR' and\n"+
			"'admin http://ADDR' on stdout once each endpoint is ready. Profiles: "+profileNames()+".")
	var cfg printerServe
	fs.StringVar(&cfg.pty, "pty", "", "also make a symbolic link to the virtual serial port at `PATH`; 'off' for no pty (default: a pty without a link, where ptys exist)")
	fs.StringVar(&cfg.tcp, "tcp", "127.0.0.1:0", "listen for TCP clients on `ADDR` (9100 is what real printers use); 'off' for no TCP")
	fs.StringVar(&cfg.rfc2217, "rfc2217", "", "also serve the printer as an RFC 2217 remote serial port on `ADDR`, e.g. 127.0.0.1:0 (modem lines follow the printer's BUSY line)")
	fs.StringVar(&cfg.profile, "profile", escpos.DefaultProfile, "printer profile `NAME`, or a profile file (FILE.json, as hil printer probe writes; docs/printer-profiles.md)")
	fs.StringVar(&cfg.admin, "admin", "", "serve the admin API (HTTP+JSON) on `ADDR`, e.g. 127.0.0.1:0")
	fs.StringVar(&cfg.out, "out", "", "write each finished receipt into `DIR` as NNNN.bin, NNNN.txt and NNNN.png")
	fs.IntVar(&cfg.keep, "keep", escpos.DefaultKeepReceipts, "keep the last `N` receipts in memory (admin API); older ones are served from --out, or dropped and counted without it")
	fs.IntVar(&cfg.keepMB, "keep-mb", escpos.DefaultKeepBytes>>20, "and no more than `MiB` of them (estimated; the newest is always kept)")
	fs.StringVar(&cfg.idle, "idle-timeout", "", "close a TCP connection that sent nothing for `DURATION` (e.g. 90s); 0 = never (default: the profile's, 5m as Epson's port-9100 interfaces)")
	fs.BoolVar(&cfg.realtime, "realtime", false, "consume data at the profile's baud rate (pty) and print speed instead of as fast as possible")
	fs.BoolVar(&cfg.verbose, "v", false, "log connections and sessions to stderr")
	var pf printerFaults // --faults FILE (internal/cli/faults.go)
	pf.flags(fs)
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		env.Errorf("printer serve: unexpected arguments %q", args)
		return ExitUsage
	}
	if cfg.pty == "off" && cfg.tcp == "off" && cfg.rfc2217 == "" {
		env.Errorf("printer serve: --pty off and --tcp off leave nothing to serve (without --rfc2217)")
		return ExitUsage
	}
	if cfg.pty != "" && cfg.pty != "off" && !pty.Supported {
		env.Errorf("printer serve: --pty: virtual serial ports are not supported on this platform; use --tcp")
		return ExitFailure
	}
	prof, err := loadPrinterProfile(cfg.profile)
	if err != nil {
		env.Errorf("printer serve: --profile: %v", err)
		return ExitUsage
	}
	if cfg.keep < 1 || cfg.keepMB < 1 {
		env.Errorf("printer serve: --keep and --keep-mb must be at least 1")
		return ExitUsage
	}
	idle := time.Duration(0) // the profile's
	if cfg.idle != "" {
		d, err := time.ParseDuration(cfg.idle)
		if cfg.idle == "0" {
			d, err = -1, nil
		}
		if err != nil || d == 0 || (d < 0 && cfg.idle != "0") {
			env.Errorf("printer serve: --idle-timeout %q: want a duration such as 90s or 5m, or 0 for none", cfg.idle)
			return ExitUsage
		}
		idle = d
	}
	if cfg.out != "" {
		if err := os.MkdirAll(cfg.out, 0o755); err != nil {
			env.Errorf("printer serve: --out: %v", err)
			return ExitFailure
		}
	}

	log := serverLogger(env, cfg.verbose)

	popts := escpos.Options{ProfileDef: prof, Logger: log.With("part", "printer"),
		KeepReceipts: cfg.keep, KeepBytes: int64(cfg.keepMB) << 20}
	sopts := escpos.ServerOptions{
		PTY:         cfg.pty != "off" && pty.Supported,
		TCP:         cfg.tcp != "off",
		TCPAddr:     cfg.tcp,
		RFC2217Addr: cfg.rfc2217,
		Realtime:    cfg.realtime,
		IdleTimeout: idle,
		Logger:      log.With("part", "server"),
	}
	if cfg.pty != "off" {
		sopts.PTYLink = cfg.pty
	}
	if sopts.TCPAddr == "off" {
		sopts.TCPAddr = ""
	}
	faultHandlers, err := pf.start(env, &sopts)
	if err != nil {
		env.Errorf("printer serve: %v", err)
		return ExitFailure
	}
	defer pf.stop()

	p, err := escpos.NewPrinter(popts)
	if err != nil {
		env.Errorf("printer serve: %v", err)
		return ExitFailure
	}
	defer p.Close()
	var outErr sync.Once
	if cfg.out != "" {
		p.OnReceipt(func(r *paper.Receipt) {
			if err := writeReceipt(cfg.out, r); err != nil {
				outErr.Do(func() { log.Error("writing receipts", "dir", cfg.out, "err", err) })
			}
		})
	}
	srv, err := escpos.NewServer(p, sopts)
	if err != nil {
		env.Errorf("printer serve: %v", err)
		return ExitFailure
	}
	defer srv.Close()
	if err := pf.attach(p, srv); err != nil {
		env.Errorf("printer serve: %v", err)
		return ExitFailure
	}
	var admin *escposadmin.Server
	if cfg.admin != "" {
		admin, err = escposadmin.NewServer(p, escposadmin.Options{Addr: cfg.admin, Logger: log.With("part", "admin"), Handlers: faultHandlers, ReceiptDir: cfg.out})
		if err != nil {
			env.Errorf("printer serve: --admin: %v", err)
			return ExitFailure
		}
		defer admin.Close()
	}

	if srv.PTY() != "" {
		fmt.Fprintf(env.Stdout, "pty %s\n", srv.PTY())
	}
	if srv.Addr() != "" {
		fmt.Fprintf(env.Stdout, "tcp %s\n", srv.Addr())
	}
	if srv.RFC2217Addr() != "" {
		fmt.Fprintf(env.Stdout, "rfc2217 %s\n", srv.RFC2217Addr())
	}
	if admin != nil {
		fmt.Fprintf(env.Stdout, "admin %s\n", admin.URL())
	}

	<-ctx.Done()
	if admin != nil {
		admin.Close()
	}
	srv.Close()
	// Paper printed by a client that is still connected is a receipt too.
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := p.WaitIdle(wctx); err == nil {
		p.EndJob()
	}
	cancel()
	if err := p.Close(); err != nil && !errors.Is(err, escpos.ErrClosed) {
		env.Errorf("printer serve: %v", err)
		return ExitFailure
	}
	return ExitOK
}

func profileNames() string {
	var names []string
	for _, p := range escpos.Profiles() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// writeReceipt writes r as NNNN.bin, NNNN.txt and NNNN.png into dir. Each
// file is written under a temporary name and renamed, so a reader never
// sees half a file.
func writeReceipt(dir string, r *paper.Receipt) error {
	base := filepath.Join(dir, fmt.Sprintf("%04d", r.Seq))
	if err := writeFileRenamed(base+".bin", func(w io.Writer) error { _, err := w.Write(r.Raw); return err }); err != nil {
		return err
	}
	if err := writeFileRenamed(base+".txt", func(w io.Writer) error { _, err := w.Write(render.Text(r)); return err }); err != nil {
		return err
	}
	return writeFileRenamed(base+".png", func(w io.Writer) error { return render.PNG(w, r) })
}

func writeFileRenamed(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// syncWriter serialises writes from the server's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *syncWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// serverLogger is the stderr logger of a serving command: warnings, or
// with -v everything down to debug.
func serverLogger(env *Env, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(&syncWriter{w: env.Stderr}, &slog.HandlerOptions{Level: level}))
}
