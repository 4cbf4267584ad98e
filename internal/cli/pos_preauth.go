package cli

import (
	"context"

	"github.com/poshil/hil/pkg/posclient"
)

// runPreAuth runs the pre-authorization commands of hil pos (preauth,
// complete, cancel-preauth), which need a host profile that has them
// (--profile cup).
func (p *posRun) runPreAuth(ctx context.Context, sub string, args []string) int {
	t := p.term
	switch sub {
	case "preauth":
		if len(args) != 1 || p.card == "" {
			return p.usage("usage: hil pos preauth AMOUNT --card PAN [--expiry YYMM]")
		}
		amount, err := parseAmount(args[0])
		if err != nil {
			return p.usage("%v", err)
		}
		res, err := t.PreAuth(ctx, posclient.SaleRequest{Amount: amount, PAN: posclient.PAN(p.card), Expiry: p.expiry})
		return p.result(res, err)
	case "complete":
		if len(args) < 1 || len(args) > 2 || p.card == "" {
			return p.usage("usage: hil pos complete REF [AMOUNT] --card PAN")
		}
		var amount int64
		if len(args) == 2 {
			a, err := parseAmount(args[1])
			if err != nil {
				return p.usage("%v", err)
			}
			amount = a
		}
		res, err := t.CompletePreAuth(ctx, args[0], amount, posclient.PAN(p.card))
		return p.result(res, err)
	default: // cancel-preauth
		if len(args) != 1 || p.card == "" {
			return p.usage("usage: hil pos cancel-preauth REF --card PAN")
		}
		res, err := t.CancelPreAuth(ctx, args[0], posclient.PAN(p.card))
		return p.result(res, err)
	}
}
