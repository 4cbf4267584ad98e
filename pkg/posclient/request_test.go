package posclient_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/poshil/hil/pkg/posclient"
)

// TestRequestsMaskTheCard prints, logs and marshals every request type the
// way a careless caller would and looks for the card number in the output.
func TestRequestsMaskTheCard(t *testing.T) {
	const pan = "4111111111111111"
	const masked = "411111******1111"
	reqs := []any{
		posclient.SaleRequest{Amount: 1250, PAN: pan, Expiry: "2912"},
		posclient.RefundRequest{OrigRef: "000001-000001", Amount: 100, PAN: pan},
		posclient.VoidRequest{OrigRef: "000001-000001", PAN: pan},
		&posclient.SaleRequest{Amount: 1250, PAN: pan},
	}
	for _, r := range reqs {
		var outs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, r))
		}
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("request", "req", r)
		slog.New(slog.NewTextHandler(&logged, nil)).Info("request", "req", r)
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("%T: json: %v", r, err)
		}
		outs = append(outs, logged.String(), string(js))
		for _, out := range outs {
			if strings.Contains(out, pan) {
				t.Errorf("%T shows the full card number: %s", r, out)
			}
		}
		if got := fmt.Sprintf("%+v", r); !strings.Contains(got, masked) {
			t.Errorf("%%+v of %T = %s, want the masked number %s in it", r, got, masked)
		}
	}
}
