#!/usr/bin/env python3
"""pyterm: a reference terminal for poshil's terminal contract, version 1.

Independent of poshil's Go code: its own ISO 8583 packing of the iso87
profile (docs/acquirer.md, "Wire profile"), raw ESC/POS bytes to the
printer's TCP port, its own journal (HIL_WORK_DIR/journal.jsonl, written
and fsynced before anything leaves the terminal). No void, no settle: the
hello answer says so.

Standard library only. Card numbers are never written anywhere: the journal
and the receipts hold the last four digits.

PYTERM_BUG selects a deliberately broken terminal, for the checker's tests:
  print-twice   prints every receipt two times
  no-reversal   after a timeout answers in_doubt and never reverses
  log-card      writes the full card number to its log (stderr)
"""
import json, os, socket, sys, time, datetime, urllib.parse

VERSION = 1
CAPS = ["sale", "refund", "lookup", "recover", "restart", "reprint"]
BUG = os.environ.get("PYTERM_BUG", "")
HOST = os.environ.get("HIL_ACQUIRER_ADDR", "")
PRINTER = os.environ.get("HIL_PRINTER_URL", "")
WORK = os.environ.get("HIL_WORK_DIR", ".")
TID = (os.environ.get("HIL_TERMINAL_ID") or "PYTERM01")[:8]
def seconds(d):  # a Go duration: 2s, 500ms
    return float(d[:-2]) / 1000 if d.endswith("ms") else float(d.rstrip("s"))
TIMEOUT = seconds(os.environ.get("HIL_RESPONSE_TIMEOUT") or "5s")
JOURNAL = os.path.join(WORK, "journal.jsonl")

# ---- ISO 8583, iso87 profile: (format, length, kind) per data element.
# kind: "n" digits right-aligned zero-filled, "a" text left-aligned
# space-filled, "ll"/"lll" variable with a 2/3-digit length prefix.
FIELDS = {2: ("ll", 19), 3: ("n", 6), 4: ("n", 12), 7: ("n", 10), 11: ("n", 6),
          12: ("n", 6), 13: ("n", 4), 14: ("n", 4), 22: ("n", 3), 25: ("n", 2),
          37: ("a", 12), 38: ("a", 6), 39: ("a", 2), 41: ("a", 8), 42: ("a", 15),
          48: ("lll", 999), 49: ("n", 3), 60: ("lll", 999), 70: ("n", 3),
          74: ("n", 10), 75: ("n", 10), 76: ("n", 10), 77: ("n", 10),
          86: ("n", 16), 87: ("n", 16), 88: ("n", 16), 89: ("n", 16),
          90: ("n", 42), 95: ("a", 42), 97: ("a", 17)}

def pack(mti, fields):
    present = sorted(fields)
    words = 2 if present[-1] > 64 else 1
    bitmap = bytearray(8 * words)
    if words == 2:
        bitmap[0] |= 0x80
    body = b""
    for de in present:
        bitmap[(de - 1) // 8] |= 0x80 >> ((de - 1) % 8)
        kind, size = FIELDS[de]
        v = str(fields[de])
        if kind == "n":
            v = v.rjust(size, "0")
        elif kind == "a":
            v = v.ljust(size)
        else:
            v = str(len(v)).rjust(2 if kind == "ll" else 3, "0") + v
        body += v.encode("ascii")
    msg = mti.encode("ascii") + bytes(bitmap) + body
    return len(msg).to_bytes(2, "big") + msg

def unpack(msg):
    mti = msg[:4].decode("ascii")
    words = 2 if msg[4] & 0x80 else 1
    bitmap, pos, fields = msg[4:4 + 8 * words], 4 + 8 * words, {}
    for de in range(2, 64 * words + 1):
        if not bitmap[(de - 1) // 8] & (0x80 >> ((de - 1) % 8)):
            continue
        kind, size = FIELDS[de]
        if kind in ("ll", "lll"):
            w = 2 if kind == "ll" else 3
            size, pos = int(msg[pos:pos + w]), pos + w
        fields[de] = msg[pos:pos + size].decode("ascii").rstrip(" ")
        pos += size
    if pos != len(msg):
        raise ValueError("bytes left after the last field")
    return mti, fields

def read_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise ConnectionError("host closed the connection")
        b += chunk
    return b

def exchange(mti, fields):
    """Send one message, return the answer's fields, or None if none came."""
    host, port = HOST.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as s:
            s.sendall(pack(mti, fields))
            deadline = time.monotonic() + TIMEOUT
            while True:
                s.settimeout(max(deadline - time.monotonic(), 0.001))
                n = int.from_bytes(read_exact(s, 2), "big")
                rmti, rf = unpack(read_exact(s, n))
                if rf.get(11) == fields[11] and rmti == mti[:2] + str(int(mti[2]) + 1) + "0":
                    return rf
    except (OSError, ValueError, ConnectionError):
        return None

# ---- journal: one JSON object per line, the last line of a ref wins.
def load():
    txns = {}
    if os.path.exists(JOURNAL):
        with open(JOURNAL) as f:
            for line in f:
                if line.strip():
                    t = json.loads(line)
                    txns[t["ref"]] = t
    return txns

def save(t):
    with open(JOURNAL, "a") as f:
        f.write(json.dumps(t) + "\n")
        f.flush()
        os.fsync(f.fileno())
    TXNS[t["ref"]] = dict(t)

def next_stan():
    stan = max([t["stan"] for t in TXNS.values()] + [t.get("rev_stan", 0) for t in TXNS.values()] + [0]) + 1
    return stan if stan <= 999999 else 1

def now7():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%m%d%H%M%S")

# ---- printer: raw ESC/POS to the TCP port of the printer URL.
def print_receipt(t, title):
    u = urllib.parse.urlparse(PRINTER)
    if u.scheme != "tcp":
        return False
    lines = [title, "TERMINAL " + TID, "CARD ************" + t["last4"],
             "AMOUNT %d.%02d" % divmod(t["amount"], 100), "REF " + t["ref"], "RRN " + t["rrn"],
             "AUTH " + t.get("auth", ""), "APPROVED"]
    data = b"\x1b@" + b"".join(l.encode("ascii") + b"\n" for l in lines) + b"\n\n\n\x1dV\x01"
    try:
        with socket.create_connection((u.hostname, u.port or 9100), timeout=TIMEOUT) as s:
            for _ in range(2 if BUG == "print-twice" else 1):
                s.sendall(data)
        return True
    except OSError:
        return False

def deliver(t, title):
    t["receipt"] = "printed" if print_receipt(t, title) else "owed"
    save(t)

def reverse(t):
    """Send the 0400 for t until the host acknowledges it; True when it did."""
    if "rev_stan" not in t:
        t["rev_stan"] = next_stan()
        save(t)
    rf = exchange("0400", {3: t["proc"], 4: t["amount"], 7: now7(), 11: "%06d" % t["rev_stan"],
                           41: TID, 39: "98", 90: "0200%06d%s%022d" % (t["stan"], t["dt"], 0)})
    if rf is not None and rf.get(39) in ("00", "25"):
        t["state"] = "reversed"
        save(t)
        return True
    return False

def financial(proc, amount, card, orig=None):
    stan = next_stan()
    t = {"ref": "%06d" % stan, "stan": stan, "proc": proc, "amount": amount, "last4": card[-4:],
         "dt": now7(), "state": "sent", "rrn": "", "receipt": "none"}
    save(t)  # before anything leaves the terminal
    if BUG == "log-card":
        print("pyterm: sale on card %s" % card, file=sys.stderr, flush=True)
    f = {2: card, 3: proc, 4: amount, 7: t["dt"], 11: "%06d" % stan, 41: TID}
    if orig:
        f[37], f[90] = orig["rrn"], "0200%06d%s%022d" % (orig["stan"], orig["dt"], 0)
    rf = exchange("0200", f)
    if rf is None:
        t["state"] = "in_doubt"
        save(t)
        if BUG != "no-reversal":
            reverse(t)
        return {"outcome": "in_doubt", "ref": t["ref"], "reason": "in_doubt", "error": "no answer from the host"}
    t["rrn"], t["auth"] = rf.get(37, ""), rf.get(38, "")
    if rf.get(39) != "00":
        t["state"] = "declined"
        save(t)
        return {"outcome": "declined", "ref": t["ref"], "rrn": t["rrn"], "receipt": "none",
                "reason": "declined", "error": "declined by the host (response code %s)" % rf.get(39)}
    t["state"] = "approved"
    save(t)
    deliver(t, "SALE" if proc == "000000" else "REFUND")
    return {"outcome": "approved", "ref": t["ref"], "rrn": t["rrn"], "receipt": t["receipt"]}

def handle(req):
    op = req.get("op")
    if op == "hello":
        return {"outcome": "ok", "version": VERSION, "name": "pyterm", "capabilities": CAPS}
    if op not in CAPS:
        return {"outcome": "refused", "reason": "unsupported", "error": "pyterm has no %s" % op}
    if op == "sale":
        return financial("000000", req["amount"], req["card"])
    if op == "refund":
        orig = TXNS.get(req["ref"])
        if not orig or orig["state"] != "approved" or orig["proc"] != "000000":
            return {"outcome": "refused", "reason": "not_refundable", "error": "no approved sale has ref %s" % req["ref"]}
        return financial("200000", req["amount"], req["card"], orig)
    if op in ("lookup", "reprint"):
        t = TXNS.get(req.get("ref", ""))
        if not t:
            return {"outcome": "refused", "reason": "not_found", "error": "no transaction has ref %s" % req.get("ref")}
        if op == "reprint":
            deliver(t, "DUPLICATE")
        state = {"sent": "in_doubt"}.get(t["state"], t["state"])
        return {"outcome": "ok", "ref": t["ref"], "rrn": t["rrn"] or None, "state": state,
                "amount": t["amount"], "receipt": t["receipt"]}
    if op == "recover":
        reversed_, open_ = [], []
        for t in list(TXNS.values()):
            if t["state"] in ("sent", "in_doubt"):
                (reversed_ if BUG != "no-reversal" and reverse(t) else open_).append(t["ref"])
            elif t["state"] == "approved" and t["receipt"] == "owed":
                deliver(t, "SALE" if t["proc"] == "000000" else "REFUND")
                if t["receipt"] == "owed":
                    open_.append(t["ref"])
        if open_:
            return {"outcome": "in_doubt", "reversed": reversed_, "open": open_,
                    "reason": "work_left_open", "error": "recover: work left open"}
        return {"outcome": "ok", "reversed": reversed_}
    if op == "restart":
        TXNS.clear()
        TXNS.update(load())
        return {"outcome": "ok"}

def main():
    TXNS.update(load())
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            res = handle(req)
        except (ValueError, KeyError, TypeError) as e:
            req, res = {}, {"outcome": "error", "reason": "bad_request", "error": "request: %s" % type(e).__name__}
        res = {k: v for k, v in res.items() if v not in (None, "", [])}
        res["id"] = req.get("id", 0) if isinstance(req, dict) else 0
        print(json.dumps(res), flush=True)

TXNS = {}
if __name__ == "__main__":
    main()
