// "persona events" panel: a small fixed box in the bottom-right corner that lists what persona
// records (`persona:event`) and whether each event reached the collector (`persona:sent`).
//
// DOM contract (read by end-to-end tests):
//   #persona-panel                      the panel (<aside>); [data-collapsed="true"|"false"]
//   #persona-panel-toggle               collapse/expand button
//   #persona-status                     SDK state line; [data-state="live"|"loading"|"absent"]
//   #persona-anon-id                    anonymous id, when the live API exposes anonymousId()
//   #persona-segments[data-segments]    the visitor's segments (comma-separated keys), when the live API has segments()
//   li.persona-row[data-message-id][data-status="queued"|"sent"|"failed"]   newest first, max 30
//
// Rows survive page navigation (sessionStorage, the shop's own key), so an event queued on one page
// flips to "sent ✓" on the next when persona delivers it there. Everything is wrapped in
// try/catch: the shop must keep working when persona is absent or broken.

const ROWS_KEY = "demo-shop:persona-panel";
const COLLAPSED_KEY = "demo-shop:persona-panel-collapsed";
const MAX_ROWS = 30;

const esc = (s) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

let rows = []; // [{id, name, summary, status, code, time}] newest first
const sentEarly = new Map(); // messageId -> {status, code} for acks that arrive before their event
let list, queueEl, statusEl, anonEl, segmentsEl, countEl, panel;
let shownQueueLength = -1;
let localSeq = 0;

function store(kind) {
  try {
    return kind === "session" ? window.sessionStorage : window.localStorage;
  } catch {
    return null;
  }
}

function loadRows() {
  try {
    const raw = store("session")?.getItem(ROWS_KEY);
    const parsed = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) rows = parsed.filter((r) => r && typeof r.id === "string").slice(0, MAX_ROWS);
  } catch {
    rows = [];
  }
}

function saveRows() {
  try {
    store("session")?.setItem(ROWS_KEY, JSON.stringify(rows));
  } catch {
    /* storage full or blocked: the panel just forgets on navigation */
  }
}

function fmtValue(v) {
  if (v == null) return String(v);
  if (Array.isArray(v)) return `[${v.length}]`;
  if (typeof v === "object") return "{…}";
  const s = String(v);
  return s.length > 28 ? s.slice(0, 27) + "…" : s;
}

const PREFERRED = ["query", "order_id", "name", "product_id", "price", "revenue", "quantity", "position", "list_id", "products", "cart_id"];

function summarize(props) {
  if (!props || typeof props !== "object") return "";
  const keys = Object.keys(props);
  const ordered = [...PREFERRED.filter((k) => k in props), ...keys.filter((k) => !PREFERRED.includes(k))];
  const parts = [];
  for (const k of ordered) {
    if (parts.length >= 3) break;
    const v = props[k];
    if (k === "products" && Array.isArray(v)) parts.push(`${v.length} product${v.length === 1 ? "" : "s"}`);
    else parts.push(`${k}=${fmtValue(v)}`);
  }
  return parts.join(" · ");
}

function eventName(e) {
  if (!e || typeof e !== "object") return "event";
  if (e.type === "page") {
    const path = e.properties?.path || e.context?.page?.path || e.name || location.pathname;
    return "Page " + path;
  }
  if (e.type === "track") return String(e.event || e.name || "track");
  if (e.type === "identify") return "Identify " + (e.userId || "");
  return String(e.event || e.type || "event");
}

function chip(status, code) {
  if (status === "sent") return "sent ✓";
  if (status === "failed") return code ? `failed (${code})` : "failed";
  return "queued";
}

function rowHtml(r) {
  const time = r.time ? new Date(r.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
  return `<li class="persona-row" data-message-id="${esc(r.id)}" data-status="${esc(r.status)}">
    <div class="pr-top"><span class="pr-name" title="${esc(r.name)}">${esc(r.name)}</span><span class="pr-chip">${esc(chip(r.status, r.code))}</span></div>
    <div class="pr-sub"><span class="pr-props" title="${esc(r.summary)}">${esc(r.summary) || "&nbsp;"}</span><time>${esc(time)}</time></div>
  </li>`;
}

function render() {
  if (!list) return;
  list.innerHTML = rows.length
    ? rows.map(rowHtml).join("")
    : `<li class="persona-empty">No events recorded yet. Browse the shop — persona records page views, clicks, searches and cart events.</li>`;
  if (countEl) countEl.textContent = String(rows.length);
}

function updateRow(r) {
  const el = list && list.querySelector(`li.persona-row[data-message-id="${CSS.escape(r.id)}"]`);
  if (!el) return render();
  el.dataset.status = r.status;
  const c = el.querySelector(".pr-chip");
  if (c) c.textContent = chip(r.status, r.code);
}

function onEvent(detail) {
  if (!detail || typeof detail !== "object") return;
  const id = typeof detail?.messageId === "string" && detail.messageId ? detail.messageId : `local-${Date.now()}-${++localSeq}`;
  if (rows.some((r) => r.id === id)) return; // re-dispatched (e.g. retried) event: keep one row
  const props = detail?.type === "page" ? { title: detail?.properties?.title } : detail?.properties;
  const row = { id, name: eventName(detail), summary: summarize(props), status: "queued", code: 0, time: Date.now() };
  const early = sentEarly.get(id);
  if (early) {
    row.status = early.status;
    row.code = early.code;
    sentEarly.delete(id);
  }
  rows.unshift(row);
  rows.length = Math.min(rows.length, MAX_ROWS);
  saveRows();
  render();
}

function onSent(detail) {
  const code = Number(detail?.status) || 0;
  const ok = code >= 200 && code < 300;
  const ids = Array.isArray(detail?.messageIds) ? detail.messageIds : [];
  for (const id of ids) {
    const r = rows.find((x) => x.id === id);
    if (!r) {
      sentEarly.set(String(id), { status: ok ? "sent" : "failed", code });
      if (sentEarly.size > 200) sentEarly.delete(sentEarly.keys().next().value);
      continue;
    }
    if (r.status === "sent") continue; // a late failure of a retry never un-sends an event
    r.status = ok ? "sent" : "failed";
    r.code = code;
    updateRow(r);
  }
  saveRows();
}

function refreshStatus() {
  try {
    const p = window.persona;
    let state, text;
    if (p && !Array.isArray(p) && typeof p.push === "function") {
      state = "live";
      text = "persona live";
    } else if (Array.isArray(p)) {
      const tag = document.querySelector('script[src*="persona.js"]');
      const failed = tag && tag.dataset.shopLoadFailed === "true";
      state = failed ? "absent" : "loading";
      text = `${failed ? "persona not loaded" : "persona loading…"} · ${p.length} queued command${p.length === 1 ? "" : "s"}`;
    } else {
      state = "absent";
      text = "persona absent";
    }
    statusEl.dataset.state = state;
    renderQueue(Array.isArray(p) ? p : null);
    statusEl.querySelector(".ps-text").textContent = text;
    let anon = "";
    if (p && typeof p.anonymousId === "function") {
      try {
        anon = String(p.anonymousId() ?? "");
      } catch {
        anon = "";
      }
    }
    anonEl.hidden = !anon;
    anonEl.textContent = anon ? `anonymousId ${anon}` : "";
    anonEl.title = anon;
    const live = p && typeof p.segments === "function" && !p.degraded;
    const segments = live ? p.segments() : [];
    segmentsEl.hidden = !live;
    segmentsEl.dataset.segments = segments.join(",");
    segmentsEl.textContent = live ? `segments: ${segments.join(", ") || "none yet"}` : "";
  } catch {
    /* never break the page for the panel */
  }
}

/**
 * While persona has not loaded, show what waits in the command queue (the shop's pushes), so the
 * demo explains itself without the SDK. These are not events yet: no messageId, no .persona-row.
 */
function renderQueue(queue) {
  const n = queue ? queue.length : 0;
  if (!queueEl || n === shownQueueLength) return;
  shownQueueLength = n;
  const recent = queue ? queue.slice(-8).reverse() : [];
  queueEl.innerHTML = recent
    .map((cmd) => {
      const isArr = Array.isArray(cmd);
      const name = isArr ? (cmd[0] === "track" ? String(cmd[1]) : String(cmd[0])) : "command";
      const summary = isArr && cmd[0] === "track" ? summarize(cmd[2]) : "";
      return `<li class="pp-pending"><div class="pr-top"><span class="pr-name">${esc(name)}</span><span class="pr-chip">in queue</span></div><div class="pr-sub"><span class="pr-props">${esc(summary) || "&nbsp;"}</span></div></li>`;
    })
    .join("");
}

function setCollapsed(collapsed) {
  panel.dataset.collapsed = String(collapsed);
  // On wide screens the open panel is a right-hand rail: the page makes room for it (shop.css),
  // so it never covers a button.
  document.body.dataset.personaPanel = collapsed ? "collapsed" : "open";
  const btn = panel.querySelector("#persona-panel-toggle");
  btn.setAttribute("aria-expanded", String(!collapsed));
  btn.title = collapsed ? "Show events" : "Hide events";
  try {
    store("local")?.setItem(COLLAPSED_KEY, collapsed ? "1" : "0");
  } catch {
    /* ignore */
  }
}

/** Build the panel and start listening. Safe to call once per page. */
export function initPanel() {
  try {
    if (document.getElementById("persona-panel")) return;
    loadRows();
    panel = document.createElement("aside");
    panel.id = "persona-panel";
    panel.setAttribute("aria-label", "persona events");
    panel.innerHTML = `
      <div class="pp-head">
        <button type="button" id="persona-panel-toggle" aria-controls="persona-panel-body">
          <span class="pp-dot" aria-hidden="true"></span>
          <span class="pp-title">persona events</span>
          <span class="pp-count">0</span>
          <svg class="pp-caret" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M4 10l4-4 4 4" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>
        </button>
      </div>
      <div class="pp-body" id="persona-panel-body">
        <div class="pp-meta">
          <div id="persona-status" data-state="loading"><span class="ps-dot" aria-hidden="true"></span><span class="ps-text">persona loading…</span></div>
          <div id="persona-anon-id" hidden></div>
          <div id="persona-segments" hidden></div>
        </div>
        <ol class="pp-queue" aria-label="commands waiting for persona"></ol>
        <ol class="pp-list"></ol>
        <div class="pp-foot"><button type="button" class="pp-clear">Clear</button><span>newest first · max ${MAX_ROWS}</span></div>
      </div>`;
    document.body.appendChild(panel);
    list = panel.querySelector(".pp-list");
    queueEl = panel.querySelector(".pp-queue");
    statusEl = panel.querySelector("#persona-status");
    anonEl = panel.querySelector("#persona-anon-id");
    segmentsEl = panel.querySelector("#persona-segments");
    countEl = panel.querySelector(".pp-count");

    let collapsed = null;
    try {
      const v = store("local")?.getItem(COLLAPSED_KEY);
      if (v === "1" || v === "0") collapsed = v === "1";
    } catch {
      /* ignore */
    }
    if (collapsed === null) collapsed = window.matchMedia?.("(max-width: 1099px)").matches ?? false;
    setCollapsed(collapsed);
    panel.querySelector("#persona-panel-toggle").addEventListener("click", () => setCollapsed(panel.dataset.collapsed !== "true"));
    panel.querySelector(".pp-clear").addEventListener("click", () => {
      rows = [];
      saveRows();
      render();
    });
    render();

    // Mark the script tag when it fails to load, so the status line can say so.
    const tag = document.querySelector('script[src*="persona.js"]');
    if (tag) tag.addEventListener("error", () => (tag.dataset.shopLoadFailed = "true"));
    window.addEventListener("load", () => {
      // An async script that 404'd before we attached the listener: still an array after load.
      setTimeout(() => {
        if (tag && Array.isArray(window.persona)) tag.dataset.shopLoadFailed = "true";
        refreshStatus();
      }, 300);
    });

    // Drain what the inline <head> buffer caught before this module ran, then take over.
    const log = window.shopPersonaLog;
    const handle = (type, detail) => {
      try {
        if (type === "persona:event") onEvent(detail);
        else if (type === "persona:sent") onSent(detail);
      } catch (err) {
        console.warn("[shop] persona panel:", err);
      }
    };
    if (log && Array.isArray(log.q)) {
      for (const [type, detail] of log.q.splice(0)) handle(type, detail);
      log.on = handle;
    } else {
      window.addEventListener("persona:event", (e) => handle("persona:event", e.detail));
      window.addEventListener("persona:sent", (e) => handle("persona:sent", e.detail));
    }

    // Segments change inside track(): show them at once, not on the next tick.
    window.addEventListener("persona:segments", refreshStatus);
    refreshStatus();
    setInterval(refreshStatus, 1000);
  } catch (err) {
    console.warn("[shop] persona panel disabled:", err);
  }
}
