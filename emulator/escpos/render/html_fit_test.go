package render

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var fitRule = regexp.MustCompile(`@media \(max-width:(\d+)px\)\{\.roll\{zoom:(\d+)%\}\}`)

// zoomAt returns the zoom (in %) the page's rules give a window of width
// px: the last matching rule wins, as in CSS.
func zoomAt(page string, px int) int {
	zoom := 100
	for _, m := range fitRule.FindAllStringSubmatch(page, -1) {
		limit, _ := strconv.Atoi(m[1])
		z, _ := strconv.Atoi(m[2])
		if px <= limit {
			zoom = z
		}
	}
	return zoom
}

// TestHTMLFitsNarrowWindows: the page declares a device-width viewport and
// zooms the roll so that it fits windows from 1024 down to 250 px wide
// (a phone is 360, the window that clipped it 600).
func TestHTMLFitsNarrowWindows(t *testing.T) {
	for _, tc := range goldenReceipts {
		r := tc.r()
		page := renderHTML(t, r)
		if !regexp.MustCompile(`<meta name="viewport" content="width=device-width">`).MatchString(page) {
			t.Fatalf("%s: no viewport rule", tc.name)
		}
		if len(fitRule.FindAllString(page, -1)) == 0 {
			t.Fatalf("%s: no max-width rule", tc.name)
		}
		width := r.Width
		if width <= 0 {
			width = 576
		}
		for px := 250; px <= 1024; px += 2 {
			pad := 48
			if px <= width+24+48+20 {
				pad = 16
			}
			need := (width+24)*zoomAt(page, px)/100 + pad + 20 // roll with its padding, body padding, a scrollbar
			if need > px {
				t.Errorf("%s (%d dots) in a %d px window: needs %d px at zoom %d%%: clipped", tc.name, width, px, need, zoomAt(page, px))
			}
		}
	}
}

// TestHTMLScreenshotPhoneWidth renders a receipt in headless Chromium at
// 360 px wide and checks that the roll's right edge is on screen: the
// columns right of it show the page background, not the roll. Needs the
// chromium command (Debian package chromium); skips without it unless CI
// is set.
func TestHTMLScreenshotPhoneWidth(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not installed (Debian package chromium): %v", err)
		}
		t.Skip("chromium not installed (Debian package chromium)")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "receipt.html")
	if err := os.WriteFile(page, []byte(renderHTML(t, englishReceipt())), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	cmd := exec.CommandContext(t.Context(), bin, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=360,900", "--screenshot="+shot, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 360 {
		t.Fatalf("screenshot %d px wide, want 360", b.Dx())
	}
	isPaper := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		return r>>8 == 255 && g>>8 == 255 && bl>>8 == 255
	}
	isBackground := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		return r>>8 == 0xd9 && g>>8 == 0xd9 && bl>>8 == 0xd6
	}
	rows := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		left, right := -1, -1
		for x := b.Min.X; x < b.Max.X; x++ {
			if isPaper(x, y) {
				if left < 0 {
					left = x
				}
				right = x
			}
		}
		if left < 0 || right-left < 200 {
			continue // not a row of the roll
		}
		rows++
		if !isBackground(b.Max.X-1, y) || !isBackground(b.Min.X, y) {
			t.Fatalf("row %d: the roll (x %d..%d) runs off a 360 px window: clipped", y, left, right)
		}
	}
	if rows < 50 {
		t.Fatalf("only %d rows of paper found in the screenshot: %s", rows, describe(img))
	}
}

func describe(img image.Image) string {
	return strconv.Itoa(img.Bounds().Dx()) + "x" + strconv.Itoa(img.Bounds().Dy())
}
