package acquirertest

import (
	"fmt"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/poshil/hil/emulator/acquirer"
)

// ServerKey is the key of the script's *acquirer.Server in
// testscript.Env.Values, for custom commands:
//
//	srv := ts.Value(acquirertest.ServerKey{}).(*acquirer.Server)
type ServerKey struct{}

// Environment variables Setup exports to scripts.
const (
	EnvAddr  = "HIL_ACQUIRER_ADDR"  // host:port terminals dial
	EnvAdmin = "HIL_ACQUIRER_ADMIN" // admin API base URL, http://host:port
)

// Setup makes p start one acquirer per script, after any Setup p already
// has: it exports HIL_ACQUIRER_ADDR and HIL_ACQUIRER_ADMIN, stores the
// server in env.Values[ServerKey{}] and closes it when the script ends.
// opts is used for every script; AdminAddr defaults to "127.0.0.1:0".
func Setup(p *testscript.Params, opts acquirer.Options) {
	next := p.Setup
	if opts.AdminAddr == "" {
		opts.AdminAddr = "127.0.0.1:0"
	}
	p.Setup = func(env *testscript.Env) error {
		if next != nil {
			if err := next(env); err != nil {
				return err
			}
		}
		srv, err := acquirer.NewServer(opts)
		if err != nil {
			return fmt.Errorf("acquirertest: starting the acquirer: %w", err)
		}
		env.Defer(func() { srv.Close() })
		env.Setenv(EnvAddr, srv.Addr())
		env.Setenv(EnvAdmin, srv.AdminURL())
		if env.Values == nil {
			env.Values = map[any]any{}
		}
		env.Values[ServerKey{}] = srv
		return nil
	}
}
