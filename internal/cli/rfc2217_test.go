package cli

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/internal/pty"
	"github.com/poshil/hil/internal/ser2nettest"
)

// hil status rfc2217://… through Debian's ser2net on the emulator's pty:
// ser2net confirms the settings, the status is read, and the modem lines
// ser2net reports for a pty (none: a pty has no modem lines) are shown.
func TestStatusRFC2217ThroughSer2net(t *testing.T) {
	if !pty.Supported {
		t.Skip("no ptys here")
	}
	srv, _ := emulatorServer(t)
	addr, ser2netLog := ser2nettest.Start(t, srv.PTY(), "9600n81")
	url := "rfc2217://" + addr + "?baud=19200"
	code, out, errs := runStatusCmd(t, "status", url)
	if code != ExitOK {
		t.Fatalf("exit %d: %s\nser2net:\n%s", code, errs, ser2netLog())
	}
	want := "printer           " + url + "\n" +
		"ready             yes\n" +
		"online            yes\n" +
		"cover             closed\n" +
		"paper             ok\n" +
		"cutter            ok\n" +
		"error             none\n" +
		"feeding           no\n" +
		"waiting-recovery  no\n" +
		"drawer-pin3       low\n" +
		"raw               12 12 12 12\n" +
		"modem lines       CTS off, DSR off, CD off, RI off\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
}

// hil status rfc2217://… against hil printer serve --rfc2217: the modem
// lines follow the printer (DSR and CTS drop with the paper out).
func TestStatusRFC2217AgainstPrinterServe(t *testing.T) {
	ready, _, stderr := startPrinterServe(t, "--pty", "off", "--tcp", "off", "--rfc2217", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	url := "rfc2217://" + ready["rfc2217"]
	code, out, errs := runStatusCmd(t, "status", "--json", url+"?baud=19200&flow=rtscts")
	if code != ExitOK || !strings.Contains(out, `"modem":{"cts":true,"dsr":true,"ri":false,"cd":true}`) {
		t.Fatalf("exit %d: %s%s\n%s", code, out, errs, stderr)
	}
	setPaper(t, ready["admin"], "out")
	code, out, errs = runStatusCmd(t, "status", url)
	if code != ExitOK || !strings.Contains(out, "paper             out\n") || !strings.Contains(out, "modem lines       CTS off, DSR off, CD on, RI off\n") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
}

func setPaper(t *testing.T, admin, state string) {
	t.Helper()
	resp, err := http.Post(admin+"/state", "application/json", strings.NewReader(`{"paper":"`+state+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /state: %s", resp.Status)
	}
}

// pyserialScript is what a terminal written in Python does with pyserial's
// default rfc2217:// client: open, print a receipt, read a DLE EOT status,
// and watch CTS/DSR while the paper runs out and is replaced and the
// printer goes offline and back (through the admin API). pyserial has no event for modem lines: it polls them,
// bounded.
const pyserialScript = `
import json, sys, time, urllib.request
import serial

url, admin = sys.argv[1], sys.argv[2]

def post_state(body):
    req = urllib.request.Request(admin + "/state", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()

def receipts():
    return json.loads(urllib.request.urlopen(admin + "/receipts", timeout=10).read())

def wait(what, cond):
    deadline = time.monotonic() + 10
    while not cond():
        if time.monotonic() > deadline:
            sys.exit("timed out waiting for " + what)
        time.sleep(0.02)

s = serial.serial_for_url(url, timeout=5)
print("open", s.cts, s.dsr, s.cd)
s.write(b"\x1b@PYSERIAL RECEIPT\n\xff\n\x1dV\x00")
s.write(b"\x10\x04\x01")
st = s.read(1)
print("status", st.hex())
wait("the receipt", lambda: len(receipts()) == 1)
print("receipts", len(receipts()))
post_state({"paper": "out"})
wait("CTS and DSR to drop", lambda: not s.cts and not s.dsr)
s.write(b"\x10\x04\x04")
print("paper-out", s.cts, s.dsr, s.read(1).hex())
post_state({"paper": "ok"})
wait("CTS and DSR to come back", lambda: s.cts and s.dsr)
print("paper-ok", s.cts, s.dsr)
post_state({"online": False})
wait("CTS and DSR to drop offline", lambda: not s.getCTS() and not s.getDSR())
print("offline", s.getCTS(), s.getDSR())
post_state({"online": True})
wait("CTS and DSR back online", lambda: s.getCTS() and s.getDSR())
print("online", s.getCTS(), s.getDSR())
s.close()
`

// pyserial's default serial_for_url("rfc2217://…") against hil printer
// serve --rfc2217: the open completes, a job prints, DLE EOT is answered,
// and CTS/DSR (getCTS()/getDSR()) follow the paper and the online switch. Needs Debian's python3-serial;
// skipped without it outside CI.
func TestPyserialAgainstPrinterServe(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import serial.rfc2217").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pyserial is not installed for %s (apt-get install python3-serial): %v", python, err)
		}
		t.Skipf("pyserial is not installed for %s (apt-get install python3-serial)", python)
	}
	out := t.TempDir()
	ready, _, stderr := startPrinterServe(t, "--pty", "off", "--tcp", "off", "--rfc2217", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--out", out)
	script := filepath.Join(t.TempDir(), "terminal.py")
	if err := os.WriteFile(script, []byte(pyserialScript), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got, err := exec.CommandContext(ctx, python, script, "rfc2217://"+ready["rfc2217"], ready["admin"]).CombinedOutput()
	if err != nil {
		t.Fatalf("pyserial: %v\n%s\nhil printer serve:\n%s", err, got, stderr)
	}
	want := "open True True True\n" +
		"status 12\n" +
		"receipts 1\n" +
		"paper-out False False 7e\n" +
		"paper-ok True True\n" +
		"offline False False\n" +
		"online True True\n"
	if string(got) != want {
		t.Errorf("pyserial printed:\n%s\nwant:\n%s", got, want)
	}
	txt, err := os.ReadFile(filepath.Join(out, "0001.txt"))
	if err != nil || !strings.Contains(string(txt), "PYSERIAL RECEIPT") {
		t.Errorf("receipt 0001.txt: %v\n%s", err, txt)
	}
}
