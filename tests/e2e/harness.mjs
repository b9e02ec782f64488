// Shared helpers for the end-to-end tests: the real collector binary (with its SQLite database
// in a temporary folder) and Debian's headless Chromium driven by playwright-core.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

let built = false;
/** Path of the collector binary, building it (debug profile) on first use. */
export function collectorBinary() {
  if (process.env.PERSONA_COLLECTOR_BIN) return process.env.PERSONA_COLLECTOR_BIN;
  if (!built) {
    const r = spawnSync("cargo", ["build", "-q", "-p", "collector"], { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) throw new Error("cargo build -p collector failed");
    built = true;
  }
  return join(ROOT, "target", "debug", "collector");
}

export function tempDir(prefix = "persona-e2e-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts the collector on a free port. Returns { url, db, events(query), stop() }.
 * `www` and `dist` default to the project's own folders.
 */
export async function startCollector({ www = join(ROOT, "www"), dist = join(ROOT, "dist"), args = [] } = {}) {
  const dir = tempDir("persona-db-");
  const db = join(dir, "events.db");
  const child = spawn(collectorBinary(), ["--addr", "127.0.0.1:0", "--db", db, "--www", www, "--dist", dist, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const url = await new Promise((resolveUrl, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`collector did not start: ${out} ${stderr}`)), 30_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1].replace(/\/$/, ""));
      }
    });
    child.on("exit", (code) => reject(new Error(`collector exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    db,
    /** Events stored by the collector, read back through its HTTP read endpoint. */
    async events(query = {}) {
      const qs = new URLSearchParams({ limit: "1000", ...query });
      const res = await fetch(`${url}/v1/events?${qs}`);
      if (!res.ok) throw new Error(`GET /v1/events: ${res.status}`);
      return (await res.json()).events;
    },
    /** `GET /health`: `{ok, events, dropped}` (dropped: the senders' drop reports, summed). */
    async health() {
      const res = await fetch(`${url}/health`);
      if (!res.ok) throw new Error(`GET /health: ${res.status}`);
      return res.json();
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The events of `anonymousId` straight from the collector's SQLite file (python3's sqlite3
 * module), not through the collector, in the order they were stored:
 * `[{id, messageId, type, event, properties, context, originalTimestamp}]`.
 */
export function rowsInDatabase(db, anonymousId) {
  const script = `
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = con.execute("select id, message_id, type, event, properties, context, original_timestamp from events where anonymous_id = ? order by id", (sys.argv[2],)).fetchall()
print(json.dumps([{"id": i, "messageId": m, "type": t, "event": e, "properties": json.loads(p), "context": json.loads(c), "originalTimestamp": o} for i, m, t, e, p, c, o in rows]))`;
  return JSON.parse(execFileSync("python3", ["-c", script, db, anonymousId], { encoding: "utf8" }));
}

/**
 * For a test file that needs one collector (serving the demo shop) and one browser: started
 * before its tests, stopped after them. Returns `{collector, browser}`, filled in by then.
 */
export function shopAndBrowser() {
  const env = { collector: null, browser: null };
  before(async () => {
    env.collector = await startCollector();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.collector?.stop();
  });
  return env;
}

/** Launches headless Chromium with the flags this machine needs, and `args` besides. */
export function launchBrowser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...args,
    ],
  });
}

/** A page that records uncaught errors and console warnings. */
export async function watchedPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "warning" || m.type() === "error") warnings.push(m.text());
  });
  return { context, page, errors, warnings };
}

/**
 * Records, in every page of `context`, what persona tells the page through its `persona:*` DOM
 * events (`window.__persona.events` = messageIds recorded, `warnings` = warning codes), from
 * before any page script runs.
 */
export function recordPersona(context) {
  return context.addInitScript(() => {
    const seen = (window.__persona = { events: [], warnings: [] });
    addEventListener("persona:event", (e) => seen.events.push(e.detail.messageId));
    addEventListener("persona:warning", (e) => seen.warnings.push(e.detail.code));
  });
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor(probe, { timeoutMs = 15_000, intervalMs = 100, what = "condition" } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/**
 * A fault proxy in front of the collector's `POST /v1/batch`. `proxy.fault(n)` decides the fate
 * of the n-th request: `null` forwards it, `{status, headers?}` answers with that status,
 * `{delayMs}` waits first (and then forwards or fails), `{kill: true}` destroys the connection
 * without an answer (a network error, status 0 for the SDK). It records every request
 * (`requests`: {at, ids, dropped, outcome}) and counts acknowledged deliveries per messageId
 * (`delivered`). CORS headers let pages on the collector's origin talk to it.
 */
export async function startFaultProxy(collectorUrl) {
  const proxy = {
    fault: () => null,
    requests: [],
    delivered: new Map(),
    inFlight: 0,
    lastRequestAt: 0,
    reset() {
      this.fault = () => null;
      this.requests = [];
      this.delivered.clear();
    },
  };
  const cors = { "access-control-allow-origin": "*", "access-control-expose-headers": "Retry-After" };
  async function handle(req, res) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    let ids = [];
    let dropped = 0;
    try {
      const parsed = JSON.parse(body.toString());
      dropped = parsed.dropped ?? 0;
      ids = parsed.batch.map((e) => e.messageId);
    } catch {
      /* forwarded as is: the collector answers 400 */
    }
    const decision = proxy.fault(proxy.requests.length);
    const outcome = decision?.kill ? "killed" : (decision?.status ?? "forwarded");
    proxy.requests.push({ at: Date.now(), ids, dropped, outcome });
    if (decision?.delayMs) await new Promise((r) => setTimeout(r, decision.delayMs));
    if (decision?.kill) return req.socket.destroy();
    if (decision?.status) return res.writeHead(decision.status, { ...cors, ...decision.headers }).end();
    // Forwarded even when the page has gone meanwhile, as a real collector behind a slow network would.
    const upstream = await fetch(`${collectorUrl}/v1/batch`, { method: "POST", body });
    if (upstream.ok) for (const id of ids) proxy.delivered.set(id, (proxy.delivered.get(id) ?? 0) + 1);
    res.writeHead(upstream.status, { ...cors, "content-type": "application/json" }).end(await upstream.text());
  }
  // `inFlight` counts requests the proxy has not finished with (answered, killed or forwarded),
  // including those whose sender has gone away: 0 means nothing more can reach the collector.
  const server = createServer(async (req, res) => {
    proxy.inFlight++;
    proxy.lastRequestAt = Date.now();
    try {
      await handle(req, res);
    } catch {
      req.socket.destroy(); // the page went away mid-body
    } finally {
      proxy.inFlight--;
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  proxy.url = `http://127.0.0.1:${server.address().port}/v1/batch`;
  proxy.close = () => {
    server.closeAllConnections();
    server.close();
  };
  return proxy;
}
