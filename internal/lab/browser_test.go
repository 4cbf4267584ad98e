package lab_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/faults"
)

// chromium returns the path of Debian's chromium, skipping the test where
// it is missing (outside CI: there it must be installed, see .ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (CI is set: .ci/run installs it)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); the lab page is checked in a real browser")
	return ""
}

// browser starts headless Chromium with a fresh profile.
func browser(t *testing.T, path string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// do runs steps in the page, failing the test with what on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action in the page and returns its value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// The page in a real browser: a sale appears as a receipt picture;
// "paper out" makes the next sale's receipt owed (no receipt, the printer
// shown out of paper); a bad fault rule shows its error inline.
//
// HIL_LAB_SCREENSHOT=FILE saves a picture of the page after the paper-out
// sale (docs/lab-paper-out.png is made so).
func TestPageInChromium(t *testing.T) {
	path := chromium(t)
	r := startLab(t)
	ctx := browser(t, path)

	do(t, ctx, "open the page",
		chromedp.Navigate(r.URL),
		chromedp.WaitVisible(css(`#conn[data-state="live"]`)),
		chromedp.WaitVisible(css(`#printer[data-paper="ok"]`)),
		chromedp.WaitVisible(css(`#no-receipts`)),
	)

	// A sale prints; its receipt appears as a picture that loaded.
	if res := r.sale(t, "TERM0001", "12.50"); res["state"] != "approved" || res["receipt"] != "printed" {
		t.Fatalf("first sale: %v", res)
	}
	do(t, ctx, "the first receipt on the page",
		chromedp.WaitVisible(css(`#receipts figure[data-n="1"] img`)),
		// The picture loaded and has a receipt's size.
		chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector('#receipts img[data-n="1"]');
			return i.complete && i.naturalWidth >= 300 && i.naturalHeight >= 100; })()`),
		chromedp.WaitVisible(css(`#receipt-count[data-count="1"]`)),
		chromedp.WaitVisible(css(`#ledger-count[data-count="1"]`)),
		chromedp.WaitVisible(css(`#messages tr[data-mti="0200"]`)),
	)
	// The text toggle shows the receipt as text.
	do(t, ctx, "the text toggle",
		chromedp.Click(css(`#toggle-text`)),
		chromedp.WaitVisible(css(`#receipts figure[data-n="1"] pre`)),
		chromedp.WaitNotVisible(css(`#receipts figure[data-n="1"] img`)),
	)
	text := get(t, ctx, "the receipt's text", chromedp.Text(css(`#receipts figure[data-n="1"] pre`)))
	do(t, ctx, "back to pictures",
		chromedp.Click(css(`#toggle-text`)),
		chromedp.WaitVisible(css(`#receipts figure[data-n="1"] img`)),
	)
	if !strings.Contains(text, "12.50") || !strings.Contains(text, "424242******4242") {
		t.Errorf("receipt text on the page:\n%s", text)
	}

	// Paper out, pressed on the page.
	do(t, ctx, "press paper out",
		chromedp.Click(css(`#btn-paper-out`)),
		chromedp.WaitVisible(css(`#printer[data-paper="out"][data-online="false"]`)),
	)
	paper := get(t, ctx, "the paper state shown", chromedp.Text(css(`#printer-paper`)))
	if paper != "out" {
		t.Errorf("printer paper shown as %q", paper)
	}
	// The next sale is approved and its receipt owed (a terminal that goes
	// on without a printer and has no e-receipt sink).
	res := r.sale(t, "TERM0002", "3.00", "--not-ready", "e-receipt")
	if res["state"] != "approved" || res["receipt"] != "owed" {
		t.Fatalf("sale with the paper out: %v; want approved, receipt owed", res)
	}
	do(t, ctx, "the owed sale on the page",
		chromedp.WaitVisible(css(`#ledger-count[data-count="2"]`)),
		chromedp.WaitVisible(css(`#ledger tr[data-stan="000001"][data-state="approved"]`)),
		chromedp.WaitVisible(css(`#receipt-count[data-count="1"]`)),
		chromedp.WaitVisible(css(`#printer[data-paper="out"]`)),
	)
	figures := get(t, ctx, "count the receipts", chromedp.Evaluate[int](`document.querySelectorAll('#receipts figure.receipt').length`))
	// No new receipt: the page shows one, and so does the printer.
	if figures != 1 {
		t.Errorf("%d receipts on the page after the owed sale; want 1", figures)
	}
	resp, err := http.Get(r.URL + "/printer/status")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Receipts, Unfinished int
		LinesPrinted         int64
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Receipts != 1 || st.Unfinished != 0 {
		t.Errorf("printer status after the owed sale: %+v; want one receipt, none unfinished", st)
	}

	// A fault rule that does not parse: its error shows inline.
	bad := "printer paper-out after-lines=many"
	_, perr := faults.Parse(bad)
	if perr == nil {
		t.Fatalf("%q parses", bad)
	}
	do(t, ctx, "add a bad rule",
		chromedp.SendKeys(css(`#fault-text`), bad),
		chromedp.Click(css(`#fault-add`)),
		chromedp.WaitVisible(css(`#fault-error`)),
	)
	shown := get(t, ctx, "the inline error", chromedp.Text(css(`#fault-error`)))
	if !strings.Contains(shown, perr.Error()) || !strings.Contains(shown, "line 1") {
		t.Errorf("inline error %q; want %q and its line", shown, perr.Error())
	}
	if p := os.Getenv("HIL_LAB_SCREENSHOT"); p != "" {
		png := get(t, ctx, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", p, len(png))
	}
	// A good one replaces the error with the rule in the list.
	do(t, ctx, "add a good rule",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("fault-text").value = ""`),
		chromedp.SendKeys(css(`#fault-text`), "acquirer decline code=51 amount=700"),
		chromedp.Click(css(`#fault-add`)),
		chromedp.WaitVisible(css(`#fault-rules li[data-id="1"]`)),
		chromedp.WaitNotVisible(css(`#fault-error`)),
	)

	html := get(t, ctx, "the page's HTML", chromedp.OuterHTML(css(`html`)))
	if strings.Contains(html, acquirer.CardApprove) {
		t.Error("a full card number is on the page")
	}
}
