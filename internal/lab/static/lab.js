// hil lab: the page. It renders what the server streams on /events
// (Server-Sent Events) and calls the emulators' JSON admin APIs for the
// buttons and the fault box. Every value from the server is put into the
// page as text (textContent), never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const MAX_RECEIPTS = 50;   // receipts kept on the page (newest first)
const MAX_MESSAGES = 200;  // message log rows kept on the page

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c instanceof Node) e.append(c);
    else e.append(c === null || c === undefined ? "" : String(c));
  }
  return e;
}

function td(text, cls) { const e = el("td", cls ? { class: cls } : {}, text); return e; }
function money(minor) { return (minor / 100).toFixed(2); }
function hhmmss(t) { const d = new Date(t); return isNaN(d) ? "" : d.toISOString().slice(11, 19); }

// ---- printer

function showPrinter(p) {
  const dl = $("printer");
  const cutter = p.cutterJammed ? "jammed" : (p.cutterError ? "error" : "ok");
  dl.dataset.paper = p.paper;
  dl.dataset.online = String(p.online);
  dl.dataset.cover = p.coverOpen ? "open" : "closed";
  dl.dataset.cutter = p.cutterError ? "error" : "ok";
  $("printer-profile").textContent = p.profile;
  $("printer-online").textContent = p.online ? "online" : "offline";
  $("printer-paper").textContent = p.paper;
  $("printer-cover").textContent = p.coverOpen ? "open" : "closed";
  $("printer-cutter").textContent = cutter;
  const causes = p.offlineCauses.concat(p.errors.filter((e) => !p.offlineCauses.includes(e)));
  $("printer-causes").textContent = causes.length ? causes.join(", ") : "–";
  $("printer-receipts").textContent = p.receipts + (p.unfinished ? " (one in progress: " + p.unfinished + " lines)" : "");
  $("printer-lines").textContent = p.linesPrinted + ", " + p.cuts;
}

async function postState(body) {
  const err = $("printer-error");
  try {
    const r = await fetch("/printer/state", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    const j = await r.json();
    if (!r.ok) { err.textContent = j.error || r.statusText; err.hidden = false; return; }
    err.hidden = true;
    showPrinter(toView(j));
  } catch (e) {
    err.textContent = String(e); err.hidden = false;
  }
}

// toView maps the printer admin API's Status to the stream's view.
function toView(st) {
  return {
    profile: st.profile, online: st.online, paper: st.paper, coverOpen: st.coverOpen,
    cutterError: st.cutterError, cutterJammed: st.cutterJammed, offlineCauses: st.offlineCauses || [],
    errors: st.errors || [], receipts: st.receipts, unfinished: st.unfinished,
    linesPrinted: st.linesPrinted, cuts: st.cuts,
  };
}

// ---- receipts

const receipts = new Map(); // n -> figure

function addReceipt(r) {
  if (receipts.has(r.n)) return;
  const img = el("img", { src: r.png, alt: "receipt " + r.n, "data-n": r.n });
  const fig = el("figure", { class: "receipt", "data-n": r.n },
    el("figcaption", {}, "#" + r.n + " · " + r.lines + " lines · cut " + r.cut + " · " + r.bytes + " bytes"));
  fig.append(img, el("pre", {}, r.text));
  receipts.set(r.n, fig);
  const box = $("receipts");
  // Newest first.
  let before = null;
  for (const f of box.querySelectorAll("figure.receipt")) {
    if (Number(f.dataset.n) < r.n) { before = f; break; }
  }
  box.insertBefore(fig, before);
  while (receipts.size > MAX_RECEIPTS) {
    const oldest = Math.min(...receipts.keys());
    receipts.get(oldest).remove();
    receipts.delete(oldest);
  }
  countReceipts();
}

function countReceipts() {
  const c = $("receipt-count");
  c.textContent = String(receipts.size);
  c.dataset.count = String(receipts.size);
  $("no-receipts").hidden = receipts.size > 0;
}

function clearReceipts() {
  for (const f of receipts.values()) f.remove();
  receipts.clear();
  countReceipts();
}

// ---- acquirer

function showLedger(l) {
  const body = $("ledger").tBodies[0];
  body.replaceChildren();
  for (const t of l.transactions.slice().reverse()) {
    const tr = el("tr", { "data-stan": t.stan, "data-rrn": t.rrn, "data-state": t.state, "data-code": t.code });
    if (t.code !== "00") tr.className = "declined";
    if (t.state === "reversed" || t.state === "voided") tr.className = "reversed";
    tr.append(td(t.seq, "num"), td(t.terminal), td(t.type), td(t.stan), td(money(t.amount), "num"),
      td(t.code), td(t.state), td(t.card));
    body.append(tr);
  }
  const c = $("ledger-count");
  c.textContent = l.total > l.transactions.length ? l.transactions.length + " of " + l.total : String(l.total);
  c.dataset.count = String(l.total);
}

const messages = new Set(); // seq

function addMessage(m) {
  if (messages.has(m.seq)) return;
  messages.add(m.seq);
  const tr = el("tr", { "data-seq": m.seq, "data-mti": m.mti, "data-stan": m.stan });
  if (m.fault) tr.className = "fault";
  const answer = m.response ? m.response + " " + (m.code || "") : (m.code ? "code " + m.code : "none");
  tr.append(td(hhmmss(m.time)), td(m.mti), td(m.stan), td(m.amount ? money(m.amount) : "", "num"),
    td(m.card || ""), td(answer), td(m.fault || ""));
  $("messages").tBodies[0].prepend(tr);
  const rows = $("messages").tBodies[0].rows;
  while (rows.length > MAX_MESSAGES) {
    messages.delete(Number(rows[rows.length - 1].dataset.seq));
    rows[rows.length - 1].remove();
  }
  const c = $("message-count");
  c.textContent = String(messages.size);
  c.dataset.count = String(messages.size);
}

function clearMessages() {
  $("messages").tBodies[0].replaceChildren();
  messages.clear();
}

// ---- faults

function showFaults(f) {
  $("faults-panel").hidden = false;
  const ul = $("fault-rules");
  ul.replaceChildren();
  if (f.rules.length === 0) ul.append(el("li", { class: "empty" }, "No active rule."));
  for (const r of f.rules) {
    ul.append(el("li", { "data-id": r.id, class: r.done ? "done" : "" },
      r.rule + "  (fired " + r.fired + (r.done ? ", done" : "") + ")"));
  }
  $("fault-fired").textContent = "fired " + f.fired;
}

async function faultsRequest(method, body) {
  const err = $("fault-error");
  try {
    const r = await fetch("/faults", { method, headers: { "Content-Type": "text/plain; charset=utf-8" }, body });
    const j = await r.json();
    if (!r.ok) {
      let msg = j.error || r.statusText;
      if (j.line) msg += "\n(line " + j.line + ", column " + j.col + (j.word ? ", at “" + j.word + "”" : "") + ")";
      err.textContent = msg;
      err.hidden = false;
      return false;
    }
    err.hidden = true;
    err.textContent = "";
    const rules = j.rules || [];
    showFaults({ rules, fired: rules.reduce((n, r) => n + r.fired, 0) });
    return true;
  } catch (e) {
    err.textContent = String(e); err.hidden = false;
    return false;
  }
}

// ---- the stream

function snapshot(s) {
  const eps = $("endpoints");
  eps.replaceChildren();
  for (const [k, v] of Object.entries(s.endpoints || {})) eps.append(el("dt", {}, k), el("dd", {}, v));
  showPrinter(s.printer);
  clearReceipts();
  for (const r of s.receipts) addReceipt(r);
  showLedger(s.ledger);
  clearMessages();
  for (const m of s.messages) addMessage(m);
  if (s.faults) showFaults(s.faults); else $("faults-panel").hidden = true;
}

function connect() {
  const es = new EventSource("/events");
  const conn = $("conn");
  const on = (kind, f) => es.addEventListener(kind, (ev) => f(JSON.parse(ev.data)));
  es.onopen = () => { conn.dataset.state = "live"; conn.textContent = "live"; };
  es.onerror = () => { conn.dataset.state = "down"; conn.textContent = "reconnecting…"; };
  on("snapshot", snapshot);
  on("printer", showPrinter);
  on("receipt", addReceipt);
  on("ledger", showLedger);
  on("message", addMessage);
  on("faults", showFaults);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("#printer-buttons button[data-state]")) {
    b.addEventListener("click", () => postState(b.dataset.state));
  }
  $("toggle-text").addEventListener("click", (ev) => {
    const box = $("receipts");
    const text = box.dataset.view !== "text";
    box.dataset.view = text ? "text" : "png";
    ev.target.textContent = text ? "show pictures" : "show text";
    ev.target.setAttribute("aria-pressed", String(text));
  });
  $("fault-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("fault-text").value;
    if (text.trim() === "") return;
    if (await faultsRequest("POST", text)) $("fault-text").value = "";
  });
  $("fault-heal").addEventListener("click", () => faultsRequest("DELETE"));
  connect();
});
