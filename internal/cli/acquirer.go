package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
)

const acquirerHelp = `Usage: hil acquirer serve [flags]

Serves the fake acquirer until interrupted (SIGINT or SIGTERM): ISO 8583
(2-byte length header) over TCP, with a ledger of test cards, refunds,
voids, reversals and settlement. --profile picks the host dialect:
iso87 (default: ASCII fields) or cup (China UnionPay POS: TPDU, BCD,
fields 60-63, MAC in 64 keyed at sign-on, pre-authorization); see
docs/profiles.md.

When ready it prints one line per endpoint on stdout, and the profile
when it is not iso87:
  listen 127.0.0.1:5000
  admin http://127.0.0.1:41234
  profile cup

The admin API (--admin) shows and changes the ledger:
  GET /transactions, GET /cards, POST /cards, GET /batches/{terminal}
and the fault plan (--faults FILE, docs/faults.md):
  GET /faults, POST /faults (plan text, added), DELETE /faults (heal)

Test cards and amounts: docs/acquirer.md. Run 'hil acquirer serve --help'
for the flags.
`

// acquirerServeHook lets another file of this package add flags to
// 'hil acquirer serve' without editing this one (the fault plan's
// --faults FILE): flags registers them; start runs once the server is
// listening and returns a function undoing what it did.
type acquirerServeHook struct {
	flags func(fs *flag.FlagSet)
	start func(ctx context.Context, env *Env, srv *acquirer.Server) (stop func(), err error)
}

// acquirerServeHooks are registered from init functions.
var acquirerServeHooks []acquirerServeHook

func runAcquirer(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, acquirerHelp)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, acquirerHelp)
		return ExitOK
	case "serve":
		return runAcquirerServe(ctx, env, args[1:])
	}
	env.Errorf("acquirer: unknown subcommand %q (want serve)", args[0])
	return ExitUsage
}

func runAcquirerServe(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil acquirer serve [flags]",
		"Serves the fake acquirer until SIGINT/SIGTERM. Prints 'listen ADDR' and\n"+
			"'admin http://ADDR' on stdout once each endpoint is ready.")
	listen := fs.String("listen", "127.0.0.1:0", "listen for terminals on `ADDR`")
	admin := fs.String("admin", "", "serve the admin API (HTTP+JSON) on `ADDR`, e.g. 127.0.0.1:0")
	balance := fs.Int64("balance", acquirer.DefaultBalance, "balance in minor units of cards created on first use")
	idle := fs.Duration("idle", 5*time.Minute, "close a connection idle for this `duration` (0: never)")
	verbose := fs.Bool("v", false, "log connections and every message to stderr")
	profileName := fs.String("profile", hostproto.ProfileISO87, "host dialect terminals speak: `iso87` or cup")
	for _, h := range acquirerServeHooks {
		h.flags(fs)
	}
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		env.Errorf("acquirer serve: unexpected arguments %q", args)
		return ExitUsage
	}
	if *balance < 0 {
		env.Errorf("acquirer serve: --balance %d is negative", *balance)
		return ExitUsage
	}
	if *idle < 0 {
		env.Errorf("acquirer serve: --idle %v is negative", *idle)
		return ExitUsage
	}
	if *idle == 0 {
		*idle = -1 // Options: negative means never
	}
	profile, err := hostproto.ProfileByName(*profileName)
	if err != nil {
		env.Errorf("acquirer serve: --profile: %v", err)
		return ExitUsage
	}
	log := serverLogger(env, *verbose)
	srv, err := acquirer.NewServer(acquirer.Options{
		Addr:           *listen,
		AdminAddr:      *admin,
		DefaultBalance: *balance,
		IdleTimeout:    *idle,
		Logger:         log,
		Profile:        profile,
	})
	if err != nil {
		env.Errorf("acquirer serve: %v", err)
		return ExitFailure
	}
	defer srv.Close()
	for _, h := range acquirerServeHooks {
		stop, err := h.start(ctx, env, srv)
		if err != nil {
			env.Errorf("acquirer serve: %v", err)
			return ExitFailure
		}
		if stop != nil {
			defer stop()
		}
	}
	fmt.Fprintf(env.Stdout, "listen %s\n", srv.Addr())
	if u := srv.AdminURL(); u != "" {
		fmt.Fprintf(env.Stdout, "admin %s\n", u)
	}
	if profile != hostproto.ISO87 {
		fmt.Fprintf(env.Stdout, "profile %s\n", profile.Name())
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		env.Errorf("acquirer serve: %v", err)
		return ExitFailure
	}
	return ExitOK
}
