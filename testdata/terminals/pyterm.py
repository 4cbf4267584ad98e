#!/usr/bin/env python3
"""pyterm: a reference terminal for poshil's terminal contract, version 1.

Independent of poshil's Go code: its own ISO 8583 packing of the iso87
profile (docs/acquirer.md, "Wire profile"), raw ESC/POS bytes to the
printer's TCP port, its own journal (HIL_WORK_DIR/journal.jsonl, written
and fsynced before anything leaves the terminal). No void: the hello answer
says so.

The printer: a sale is refused before any host traffic when DLE EOT 2 or 4
says the cover is open or the paper is out; a receipt counts as printed
only once the printer answers the GS ( H process ID sent with it, in the
same write, after a DLE DC4 8 reset (the answer comes when the data before
it has printed), otherwise it is owed and recover or reprint prints it,
marked as printed again after an interruption.
A reprint of a receipt the customer had is marked DUPLICATE.

Refunds go back to the sale's card (compared by a keyed hash, HMAC-SHA256)
and never exceed what remains of the sale. A reversal the host did not
acknowledge is repeated (0401) and sent before the next transaction.
Settlement sends the batch totals (0500 920000); on 95 it uploads the batch
(0320, none when it is empty) and closes it (0500 960000). The batch number
follows the host's (DE60 of a 0210): a settlement whose answer was lost may
have closed the batch.

Standard library only. Card numbers are never written anywhere: the journal
and the receipts hold the first six and last four digits.

PYTERM_BUG selects a deliberately broken terminal, for the checker's tests:
  print-twice   prints every receipt two times
  no-reversal   after a timeout answers in_doubt and never reverses
  log-card      writes the full card number to its log (stderr)
  refund-any-card  refunds to any card, any amount (no same-card, no remaining check)
  settle-blind  answers settle ok after a 95 without uploading the batch
"""
import datetime, hashlib, hmac, json, os, socket, sys, time, urllib.parse

VERSION = 1
CAPS = ["sale", "refund", "settle", "lookup", "recover", "restart", "reprint"]
BUG = os.environ.get("PYTERM_BUG", "")
HOST = os.environ.get("HIL_ACQUIRER_ADDR", "")
PRINTER = os.environ.get("HIL_PRINTER_URL", "")
WORK = os.environ.get("HIL_WORK_DIR", ".")
TID = (os.environ.get("HIL_TERMINAL_ID") or "PYTERM01")[:8]
def seconds(d):  # a Go duration: 2s, 500ms
    return float(d[:-2]) / 1000 if d.endswith("ms") else float(d.rstrip("s"))
TIMEOUT = seconds(os.environ.get("HIL_RESPONSE_TIMEOUT") or "5s")
JOURNAL = os.path.join(WORK, "journal.jsonl")
BATCH = os.path.join(WORK, "batch.json")
STAN = os.path.join(WORK, "stan.json")
CARD_KEY = (os.environ.get("HIL_CARD_KEY") or "pyterm card-token key (not for production)").encode()
INTERRUPTED = "PRINTING WAS INTERRUPTED"

def card_token(card):
    return hmac.new(CARD_KEY, card.encode("ascii"), hashlib.sha256).hexdigest()[:32]

def masked(card):
    return card[:6] + "*" * (len(card) - 10) + card[-4:]

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
    # Every message gets a STAN of its own, settlements and uploads too (the
    # host answers a repeated STAN as a duplicate): the last one is kept on
    # disk, fsynced before the message leaves.
    last = 0
    if os.path.exists(STAN):
        with open(STAN) as f:
            last = json.load(f)["stan"]
    stan = max([t["stan"] for t in TXNS.values()] + [t.get("rev_stan", 0) for t in TXNS.values()] + [last]) + 1
    stan = stan if stan <= 999999 else 1
    tmp = STAN + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"stan": stan}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, STAN)
    return stan

def now7():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%m%d%H%M%S")

# ---- printer: raw ESC/POS to the TCP port of the printer URL.
POLL = 0.05
PRINT_WAIT = max(TIMEOUT, 2.0)  # for the GS ( H answer: the receipt has printed

def printer_conn():
    u = urllib.parse.urlparse(PRINTER)
    if u.scheme != "tcp":
        return None
    return socket.create_connection((u.hostname, u.port or 9100), timeout=PRINT_WAIT)

READY_WAIT = 0.5  # a printer that recovers by itself (a new roll, the cover shut) gets this long

def printer_not_ready():
    """Why the printer cannot print (DLE EOT 2 and 4, asked until READY_WAIT
    has passed), or "" when it can."""
    deadline = time.monotonic() + READY_WAIT
    while True:
        why = printer_status()
        if not why or time.monotonic() >= deadline:
            return why
        time.sleep(POLL)

def printer_status():
    try:
        s = printer_conn()
        if s is None:
            return "no printer"
        with s:
            s.sendall(b"\x10\x04\x02\x10\x04\x04")
            cause, paper = read_exact(s, 2)
    except (OSError, ConnectionError):
        return "the printer cannot be reached"
    if cause & 0x04:
        return "the printer's cover is open"
    if paper & 0x60 or cause & 0x20:
        return "the printer is out of paper"
    return ""

CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"  # DLE DC4 8: answered 37 25 00
TORN_CUT = b"\x1dVB\x00"  # GS V 66 0: feed to the cutter and cut
TORN = False  # the last print was not confirmed: part of it may be on the paper, uncut

def print_receipt(t, title, mark=""):
    """Print t's receipt; True once the printer confirmed it had printed.

    Before the job, DLE DC4 8 clears what an earlier job left in the
    printer. The job and its GS ( H go in one write: a printer that loses
    power between the two would otherwise answer the GS ( H for a job it
    lost. While waiting for the answer it polls DLE EOT 2; a printer that
    stopped (cover open, paper out) gets its buffers cleared again, so the
    rest of the receipt cannot print later unconfirmed. After a print that
    was not confirmed the next one starts with a cut, so the torn piece is
    not the top of the next receipt."""
    global TORN
    lines = ["PYTERM REFERENCE SHOP", "TERMINAL " + TID, title] + ([mark] if mark else []) + [
             "REF " + t["ref"], "RRN " + t["rrn"], "AUTH " + t.get("auth", ""), "CARD " + t["card"],
             "AMOUNT %d.%02d" % divmod(t["amount"], 100), "APPROVED"]
    data = b"\x1b@" + b"".join(l.encode("ascii") + b"\n" for l in lines) + b"\n\n\n\x1dV\x01"
    pid = ("%04d" % (int(time.monotonic() * 1000) % 10000)).encode("ascii")
    job = (TORN_CUT if TORN else b"") + data * (2 if BUG == "print-twice" else 1) + b"\x1d(H\x06\x00\x30\x30" + pid
    try:
        s = printer_conn()
        if s is None:
            return False
        with s:
            clear_buffers(s)
            TORN = True  # until the printer confirms the job
            s.sendall(job)
            deadline = time.monotonic() + PRINT_WAIT
            while time.monotonic() < deadline:
                s.sendall(b"\x10\x04\x02")
                s.settimeout(POLL)
                got = read_reply(s)
                if got == pid:
                    TORN = False
                    return True
                if isinstance(got, int) and got & 0x24:  # cover open, or stopped at paper end
                    clear_buffers(s)
                    return False
                time.sleep(POLL)
        return False
    except (OSError, ConnectionError):
        return False

def clear_buffers(s):
    """DLE DC4 8; True once the printer answered it (other answers are
    dropped) within PRINT_WAIT."""
    s.sendall(CLEAR_BUFFERS)
    deadline = time.monotonic() + PRINT_WAIT
    while time.monotonic() < deadline:
        s.settimeout(max(deadline - time.monotonic(), 0.001))
        if read_reply(s) == "cleared":
            return True
    return False

def read_reply(s):
    """One answer from the printer: a process ID (bytes), "cleared", a
    status byte (int), or None when nothing came within the socket timeout."""
    try:
        b = read_exact(s, 1)
    except socket.timeout:
        return None
    if b[0] != 0x37:
        return b[0]
    kind = read_exact(s, 1)[0]
    if kind == 0x22:
        return read_exact(s, 5)[:4]
    if kind == 0x25:
        read_exact(s, 1)
        return "cleared"
    return None

def deliver(t, title):
    """Print the original receipt of t: printed, or owed until recover."""
    mark = INTERRUPTED if t.get("print_tries", 0) > 0 else ""
    t["print_tries"] = t.get("print_tries", 0) + 1
    save(t)
    t["receipt"] = "printed" if print_receipt(t, title, mark) else "owed"
    save(t)

def title(t):
    return "SALE" if t["proc"] == "000000" else "REFUND"

REVERSAL_TRIES = 3

def reverse(t):
    """Send the 0400 for t, then 0401 repeats, until the host acknowledges
    it (at most REVERSAL_TRIES this time); True when it did."""
    if "rev_stan" not in t:
        t["rev_stan"] = next_stan()
        save(t)
    for _ in range(REVERSAL_TRIES):
        mti = "0401" if t.get("rev_tries", 0) > 0 else "0400"
        t["rev_tries"] = t.get("rev_tries", 0) + 1
        save(t)
        rf = exchange(mti, {3: t["proc"], 4: t["amount"], 7: now7(), 11: "%06d" % t["rev_stan"],
                            41: TID, 39: "98", 90: "0200%06d%s%022d" % (t["stan"], t["dt"], 0)})
        if rf is not None and rf.get(39) in ("00", "25"):
            t["state"] = "reversed"
            save(t)
            return True
    return False

def pending():
    return [t for t in TXNS.values() if t.get("proc") and t["state"] in ("sent", "in_doubt")]

def financial(proc, amount, card, orig=None):
    # Reverse before anything else with the host.
    for p in pending():
        if BUG != "no-reversal" and not reverse(p):
            return {"outcome": "refused", "reason": "reversal_pending",
                    "error": "the reversal of %s is still pending: the host does not acknowledge it" % p["ref"]}
    stan = next_stan()
    t = {"ref": "%06d" % stan, "stan": stan, "proc": proc, "amount": amount, "last4": card[-4:],
         "card": masked(card), "tok": card_token(card), "dt": now7(), "state": "sent", "rrn": "",
         "receipt": "none", "batch": current_batch()}
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
    if rf.get(60, "").isdigit():
        t["batch"] = int(rf[60][:6])
        if t["batch"] > current_batch():
            # The host closed our batch: a settlement it answered, the
            # answer lost. Its open batch is ours now.
            set_batch(t["batch"])
    if rf.get(39) != "00":
        t["state"] = "declined"
        save(t)
        return {"outcome": "declined", "ref": t["ref"], "rrn": t["rrn"], "receipt": "none",
                "reason": "declined", "error": "declined by the host (response code %s)" % rf.get(39)}
    t["state"] = "approved"
    save(t)
    if orig:
        orig["refunded"] = orig.get("refunded", 0) + amount
        save(orig)
    deliver(t, title(t))
    return {"outcome": "approved", "ref": t["ref"], "rrn": t["rrn"], "receipt": t["receipt"]}

# ---- settlement (docs/acquirer.md, "Settlement flow").
def current_batch():
    if os.path.exists(BATCH):
        with open(BATCH) as f:
            return json.load(f)["batch"]
    return 1

def close_batch(n):
    set_batch(n + 1)

def set_batch(n):
    tmp = BATCH + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"batch": n}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, BATCH)

def settle():
    for p in pending():
        if BUG == "no-reversal":
            break  # the bug: what is in doubt stays so, the charge stands
        if not reverse(p):
            return {"outcome": "error", "reason": "reversal_pending", "error": "settle: the reversal of %s is still pending" % p["ref"]}
    batch = current_batch()
    txns = [t for t in TXNS.values() if t.get("proc") and t["state"] == "approved" and t.get("batch", 1) == batch]
    sales = [t for t in txns if t["proc"] == "000000"]
    refunds = [t for t in txns if t["proc"] == "200000"]
    debit, credit = sum(t["amount"] for t in sales), sum(t["amount"] for t in refunds)
    net = debit - credit
    stan = next_stan()
    def req(proc, stan):
        return {3: proc, 7: now7(), 11: "%06d" % stan, 41: TID, 60: "%06d" % batch,
                74: len(refunds), 75: 0, 76: len(sales), 77: 0, 86: credit, 87: 0, 88: debit, 89: 0,
                97: ("C" if net >= 0 else "D") + "%016d" % abs(net)}
    rf = exchange("0500", req("920000", stan))
    if rf is None:
        return {"outcome": "error", "reason": "host", "error": "settle: no answer from the host"}
    if rf.get(39) == "95" and BUG != "settle-blind":
        chunks = [txns[i:i + 20] for i in range(0, len(txns), 20)]  # none: nothing to upload
        for i, chunk in enumerate(chunks):
            stan = next_stan()
            recs = "".join("%06d%s%012d%-12s%-6s" % (t["stan"], t["proc"], t["amount"], t["rrn"], t.get("auth", ""))
                           for t in chunk)
            up = exchange("0320", {7: now7(), 11: "%06d" % stan, 41: TID, 48: "%02d" % len(chunk) + recs,
                                   60: "%06d" % batch + ("202" if i == len(chunks) - 1 else "201")})
            if up is None or up.get(39) != "00":
                return {"outcome": "error", "reason": "host", "error": "settle: batch upload refused or unanswered"}
        stan = next_stan()
        rf = exchange("0500", req("960000", stan))
        if rf is None:
            return {"outcome": "error", "reason": "host", "error": "settle: no answer to the final settlement"}
    if rf.get(39) not in ("00", "95"):
        return {"outcome": "error", "reason": "host", "error": "settle: the host answered %s" % rf.get(39)}
    close_batch(batch)
    return {"outcome": "ok"}

def handle(req):
    op = req.get("op")
    if op == "hello":
        return {"outcome": "ok", "version": VERSION, "name": "pyterm", "capabilities": CAPS}
    if op not in CAPS:
        return {"outcome": "refused", "reason": "unsupported", "error": "pyterm has no %s" % op}
    if op == "sale":
        why = printer_not_ready()
        if why:
            return {"outcome": "refused", "reason": "printer_not_ready", "error": "sale refused, nothing sent: " + why}
        return financial("000000", req["amount"], req["card"])
    if op == "refund":
        orig = TXNS.get(req["ref"])
        if not orig or orig["state"] != "approved" or orig["proc"] != "000000":
            return {"outcome": "refused", "reason": "not_refundable", "error": "no approved sale has ref %s" % req["ref"]}
        if BUG != "refund-any-card":
            if not hmac.compare_digest(orig.get("tok", ""), card_token(req["card"])):
                return {"outcome": "refused", "reason": "other_card",
                        "error": "a refund goes back to the sale's card; this card is another one"}
            left = orig["amount"] - orig.get("refunded", 0)
            if req["amount"] > left:
                return {"outcome": "refused", "reason": "exceeds_refundable",
                        "error": "refund of %d: only %d remains refundable of sale %s" % (req["amount"], left, orig["ref"])}
        return financial("200000", req["amount"], req["card"], orig)
    if op == "settle":
        return settle()
    if op in ("lookup", "reprint"):
        t = TXNS.get(req.get("ref", ""))
        if not t or not t.get("proc"):
            return {"outcome": "refused", "reason": "not_found", "error": "no transaction has ref %s" % req.get("ref")}
        if op == "reprint":
            if t["state"] != "approved":
                return {"outcome": "refused", "reason": "no_receipt", "error": "%s has no receipt (%s)" % (t["ref"], t["state"])}
            if t["receipt"] == "owed":
                deliver(t, title(t))  # the customer never had it: the original
            else:
                print_receipt(t, "DUPLICATE " + title(t))
        state = {"sent": "in_doubt"}.get(t["state"], t["state"])
        return {"outcome": "ok", "ref": t["ref"], "rrn": t["rrn"] or None, "state": state,
                "amount": t["amount"], "receipt": t["receipt"]}
    if op == "recover":
        reversed_, open_ = [], []
        for t in list(TXNS.values()):
            if not t.get("proc"):
                continue
            if t["state"] in ("sent", "in_doubt"):
                (reversed_ if BUG != "no-reversal" and reverse(t) else open_).append(t["ref"])
            elif t["state"] == "approved" and t["receipt"] == "owed":
                deliver(t, title(t))
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
