package printer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/posclient/receipt"
)

func TestFileSink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ereceipts")
	sink, err := NewFileSink(dir, 32)
	if err != nil {
		t.Fatal(err)
	}
	r := &receipt.Receipt{
		MerchantName: "SHOP",
		PAN:          "6222021234567890123", // a full PAN given by mistake
		Amount:       receipt.Amount{Minor: 999, Currency: "CNY"},
		Reference:    "R/0001",
		Time:         time.Date(2026, 11, 23, 17, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		Language:     receipt.Chinese,
	}
	for range 2 {
		if err := sink.Deliver(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{
		"20261123T093000Z_R_0001_customer-2.json", "20261123T093000Z_R_0001_customer-2.txt",
		"20261123T093000Z_R_0001_customer.json", "20261123T093000Z_R_0001_customer.txt",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	js, _ := os.ReadFile(filepath.Join(dir, want[2]))
	txt, _ := os.ReadFile(filepath.Join(dir, want[3]))
	for name, b := range map[string][]byte{"json": js, "txt": txt} {
		if strings.Contains(string(b), "1234567890") {
			t.Errorf("%s holds the full PAN", name)
		}
		if !strings.Contains(string(b), "622202*********0123") {
			t.Errorf("%s lacks the masked PAN:\n%s", name, b)
		}
	}
	var back receipt.Receipt
	if err := json.Unmarshal(js, &back); err != nil || back.Amount.Minor != 999 || back.Language != receipt.Chinese {
		t.Errorf("JSON read back: %+v, %v", back, err)
	}
	wantText, _ := receipt.Text(r, &receipt.Options{Columns: 32})
	if string(txt) != wantText {
		t.Errorf("txt:\n%s\nwant:\n%s", txt, wantText)
	}

	// An invalid receipt is refused with the receipt's error, nothing written.
	bad := *r
	bad.MerchantName = ""
	var fe *receipt.FieldError
	if err := sink.Deliver(t.Context(), &bad); !errors.As(err, &fe) {
		t.Errorf("Deliver(invalid) = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("%d files after a refused receipt", len(entries))
	}
}
