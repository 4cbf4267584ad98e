package posclient_test

import (
	"errors"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
)

func TestConfigValidate(t *testing.T) {
	good := func() posclient.Config {
		return posclient.Config{TerminalID: "TERM0001", CardKey: []byte("0123456789abcdef"), Journal: journal.NewMemory()}
	}
	for field, mutate := range map[string]func(*posclient.Config){
		"TerminalID": func(c *posclient.Config) { c.TerminalID = "T1" },
		"MerchantID": func(c *posclient.Config) { c.MerchantID = "0123456789012345" },
		"CardKey":    func(c *posclient.Config) { c.CardKey = []byte("short") },
		"Journal":    func(c *posclient.Config) { c.Journal = nil },
		"Currency":   func(c *posclient.Config) { c.Currency = "XYZ" },
		"NotReady":   func(c *posclient.Config) { c.NotReady = "maybe" },
	} {
		c := good()
		mutate(&c)
		_, err := posclient.New(c)
		var ce *posclient.ConfigError
		if !errors.As(err, &ce) || ce.Field != field || !errors.Is(err, posclient.ErrInvalidConfig) {
			t.Errorf("%s: err %v", field, err)
		}
	}
	term, err := posclient.New(good())
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	cfg := term.Config()
	def := posclient.DefaultConfig()
	if cfg.ResponseTimeout != 30*time.Second || cfg.Currency != "CNY" || cfg.NotReady != posclient.RefuseWhenNotReady ||
		cfg.Policy.MaxReversalAttempts != 5 || def.MerchantID != cfg.MerchantID {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}
