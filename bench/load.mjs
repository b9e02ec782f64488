#!/usr/bin/env node
// Collector load: how many shop events per second the reference collector ingests, how long a
// batch waits for its answer, and that nothing acknowledged is lost. A bounded local run against the
// real release binary on a fresh SQLite database (bench/README.md, "load.mjs").
//
// 1. `cargo build --release -p collector` (or PERSONA_COLLECTOR_BIN), started on 127.0.0.1:0 with a
//    database in a temp directory; the address is read from its "listening on http://..." line.
// 2. Warm-up: WARMUP events, not measured.
// 3. Closed loop: EVENTS events in batches of BATCH over CONNECTIONS keep-alive connections, each
//    sending its next batch as soon as the previous one is answered: sustained events/s over the
//    whole phase, and the latency of every request (send to last byte of the answer).
// 4. Open loop: batches at a fixed arrival rate (50 % and 80 % of the closed loop's events/s) for
//    OPEN_SECONDS each; latency counted from when each batch was due, so a collector that falls
//    behind shows it (no coordinated omission).
// 5. Zero loss: every request answered 200, and `GET /health` counts exactly the events the
//    answers said were stored (their `stored`, summed).
//
//   node bench/load.mjs                                   # 200,000 events, batches of 20, 8 connections
//   node bench/load.mjs --events 50000 --connections 4    # or BENCH_LOAD_EVENTS, BENCH_LOAD_CONNECTIONS
//   PERSONA_COLLECTOR_BIN=target/release/collector node bench/load.mjs   # skip the cargo build
//
// Writes results/load.md and results/load.json; exits 1 when it cannot measure, or when a request
// failed or an acknowledged event is missing.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, relative } from "node:path";
import { failWith, root, writeResults } from "./common.mjs";

const fail = failWith("load");

// ---- Settings: --flag value, --flag=value, or BENCH_LOAD_<FLAG> ---------------------------------
function setting(name, fallback) {
  const flag = `--${name}`;
  const args = process.argv.slice(2);
  let text = process.env[`BENCH_LOAD_${name.toUpperCase().replace(/-/g, "_")}`];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) text = args[i + 1];
    else if (args[i].startsWith(`${flag}=`)) text = args[i].slice(flag.length + 1);
  }
  if (text == null || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) fail(`${flag} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}
const known = ["events", "batch", "connections", "warmup", "open-seconds", "visitors"];
for (const arg of process.argv.slice(2)) {
  const m = arg.match(/^--([a-z-]+)/);
  if (m && !known.includes(m[1])) fail(`unknown flag ${arg}; known: ${known.map((k) => `--${k}`).join(", ")}`);
}
const EVENTS = Math.round(setting("events", 200_000));
const BATCH = Math.round(setting("batch", 20));
const CONNECTIONS = Math.round(setting("connections", 8));
const WARMUP = Math.round(setting("warmup", 10_000));
const OPEN_SECONDS = setting("open-seconds", 10);
const VISITORS = Math.round(setting("visitors", 5_000));
const OPEN_SHARES = [0.5, 0.8];
/** Sockets the open loop may use: enough that they never hold a due batch back at these rates. */
const OPEN_SOCKETS = 64;
/** The closed loop stops sending after this long (the report says so); the whole run after RUN_LIMIT_S. */
const CLOSED_LIMIT_S = 90;
const RUN_LIMIT_S = 170;
if (BATCH > 10_000) fail("--batch: the collector takes at most 10,000 events per batch");

const startedAt = new Date();
const loadBefore = loadavg();

// ---- 1. The collector ----------------------------------------------------------------------------
let binary = process.env.PERSONA_COLLECTOR_BIN;
let buildSeconds = null;
if (!binary) {
  const t = performance.now();
  console.log("load: cargo build --release -p collector");
  const built = spawnSync("cargo", ["build", "--release", "-p", "collector"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) fail("cargo build --release -p collector failed");
  buildSeconds = (performance.now() - t) / 1000;
  binary = join(root, "target", "release", "collector");
}
if (!existsSync(binary)) fail(`no collector binary at ${binary}`);

const git = (args) => {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
};
const commit = git(["rev-parse", "--short", "HEAD"]) || "unknown";
const dirty = git(["status", "--porcelain", "--", "collector", "Cargo.toml", "Cargo.lock"]) !== "";

const dir = mkdtempSync(join(tmpdir(), "persona-load-"));
const db = join(dir, "events.db");
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PERSONA_")));
const child = spawn(binary, ["--addr", "127.0.0.1:0", "--db", db, "--www", join(dir, "www"), "--dist", join(dir, "dist")], {
  cwd: root,
  env,
  stdio: ["ignore", "pipe", "pipe"],
});
let childStderr = "";
child.stderr.on("data", (d) => (childStderr = (childStderr + d).slice(-4000)));
let cleaned = false;
/** Kills the collector this run started (if still running) and removes its database. */
function cleanUp() {
  if (cleaned) return;
  cleaned = true;
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanUp);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
const watchdog = setTimeout(() => {
  cleanUp();
  fail(`the run exceeded ${RUN_LIMIT_S} s; stopped`);
}, RUN_LIMIT_S * 1000);
watchdog.unref();

const origin = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error(`no "listening on" line within 30 s: ${out} ${childStderr}`)), 30_000);
  child.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/\S+)/);
    if (m) {
      clearTimeout(timer);
      resolve(m[1].replace(/\/$/, ""));
    }
  });
  child.once("exit", (code, signal) => reject(new Error(`collector exited (${code ?? signal}): ${childStderr}`)));
}).catch((e) => fail(`the collector did not start: ${e.message}`));
child.stdout.resume();
const { hostname, port } = new URL(origin);
const binaryName = binary.startsWith(root) ? relative(root, binary) : binary;
console.log(`load: collector ${binaryName} on ${origin}, commit ${commit}${dirty ? " + uncommitted changes" : ""}`);

// ---- The events: a shop's traffic, shaped like the SDK's --------------------------------------
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20261206);
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
const fakeUuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`;

const products = (() => {
  try {
    return JSON.parse(readFileSync(join(root, "www", "catalog.json"), "utf8")).products;
  } catch {
    return Array.from({ length: 89 }, (_, i) => ({ id: `sku-${1001 + i}`, name: `Product ${i}`, brand: "Brand", category: "misc", price: 19.99 + i, currency: "EUR", tags: ["tag"] }));
  }
})();
const SHOP = "https://shop.test";
const REFERRERS = ["", "", "https://www.google.com/", "https://www.bing.com/", "https://www.instagram.com/", "https://news.example/deals"];
const CAMPAIGNS = [
  { source: "newsletter", medium: "email", name: "winter-sale" },
  { source: "google", medium: "cpc", name: "consoles-brand", term: "playstation 5" },
  { source: "instagram", medium: "social", name: "new-arrivals", content: "story-2" },
];
const LOCALES = [["de-DE", "Europe/Berlin"], ["en-GB", "Europe/London"], ["fr-FR", "Europe/Paris"], ["nl-NL", "Europe/Amsterdam"]];
const CONSENT = { categoryPreferences: { analytics: true, personalization: true } };
const LIBRARY = { name: "persona", version: "0.1.0" };

function newSession(visitor) {
  const product = pick(products);
  const landing = random() < 0.5 ? `${SHOP}/` : `${SHOP}/product.html?id=${product.id}`;
  const campaign = random() < 0.2 ? pick(CAMPAIGNS) : null;
  const url = campaign ? `${landing}${landing.includes("?") ? "&" : "?"}utm_source=${campaign.source}&utm_medium=${campaign.medium}&utm_campaign=${campaign.name}` : landing;
  visitor.session = { id: fakeUuid(), number: (visitor.session?.number ?? 0) + 1, landing_page: url, referrer: campaign ? "" : pick(REFERRERS) };
  visitor.campaign = campaign;
}
const visitors = Array.from({ length: VISITORS }, () => {
  const [locale, timezone] = pick(LOCALES);
  return { anonymousId: fakeUuid(), locale, timezone, session: null, campaign: null };
});

let clock = Date.parse("2026-12-01T09:00:00.000Z");
/** One visitor's next `count` events: a page view now and then, product views, some adds to cart. */
function visitorEvents(count) {
  const visitor = pick(visitors);
  clock += 50;
  if (!visitor.session || random() < 0.25) newSession(visitor);
  const events = [];
  let referrer = visitor.session.referrer;
  for (let i = 0; i < count; i++) {
    clock += 1 + Math.floor(random() * 40);
    // Popular products more often: index skewed towards the front of the catalog.
    const p = products[Math.floor(products.length * random() ** 2)];
    const path = "/product.html";
    const page = { path, referrer, search: `?id=${p.id}`, title: p.name, url: `${SHOP}${path}?id=${p.id}` };
    const context = { page, library: LIBRARY, consent: CONSENT, session: visitor.session };
    if (visitor.campaign) context.campaign = visitor.campaign;
    context.locale = visitor.locale;
    context.timezone = visitor.timezone;
    const r = random();
    const productProps = { product_id: p.id, name: p.name, brand: p.brand, category: p.category, price: p.price, tags: p.tags };
    let event;
    if (r < 0.3) event = { type: "page", properties: page };
    else if (r < 0.85) event = { type: "track", event: "Product Viewed", properties: { ...productProps, sku: p.id, currency: p.currency || "EUR" } };
    else event = { type: "track", event: "Product Added", properties: { ...productProps, quantity: 1, cart_id: `cart-${visitor.session.id.slice(0, 8)}` } };
    events.push({ ...event, context, messageId: randomUUID(), anonymousId: visitor.anonymousId, userId: null, originalTimestamp: new Date(clock).toISOString() });
    referrer = page.url;
  }
  return events;
}
/** Sizes of single events as JSON, from a sample (persona's own events in results/track.md: about 940 bytes each). */
const eventSizes = (() => {
  const sizes = Array.from({ length: 50 }, () => visitorEvents(BATCH))
    .flat()
    .map((e) => Buffer.byteLength(JSON.stringify(e)))
    .sort((a, b) => a - b);
  return { min: sizes[0], median: sizes[sizes.length >> 1], max: sizes[sizes.length - 1] };
})();
/** A `POST /v1/batch` body of `count` events. */
function batchBody(count) {
  const batch = visitorEvents(count);
  return { body: Buffer.from(JSON.stringify({ batch, sentAt: new Date(clock + 5).toISOString() })), count };
}

// ---- Sending and counting ---------------------------------------------------------------------
/** `POST /v1/batch` on `agent`; resolves `{status, text}`, rejects on a network error. */
function post(agent, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path: "/v1/batch", method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode, text }));
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error("no answer within 30 s")));
    req.on("error", reject);
    req.end(body);
  });
}

/** Everything sent, over all phases: what the zero-loss check compares with the database. */
const totals = { requests: 0, bytes: 0, sent: 0, received: 0, stored: 0, duplicates: 0, failed: 0, statuses: {}, errors: [] };
function newTally() {
  return { requests: 0, sent: 0, stored: 0, failed: 0, latencies: [] };
}
/** Sends one batch, books the outcome and its latency (ms from `since`) in `tally` and `totals`; returns the events stored. */
async function send(agent, { body, count }, tally, since = performance.now()) {
  tally.requests++;
  totals.requests++;
  tally.sent += count;
  totals.sent += count;
  totals.bytes += body.length;
  let outcome;
  let failure = null;
  let answered = false;
  try {
    const res = await post(agent, body);
    answered = true;
    if (res.status !== 200) failure = [res.status, `HTTP ${res.status}: ${res.text.slice(0, 200)}`];
    else outcome = JSON.parse(res.text);
  } catch (e) {
    failure = [answered ? "unreadable answer" : "network", e.message];
  }
  if (failure) {
    totals.statuses[failure[0]] = (totals.statuses[failure[0]] || 0) + 1;
    tally.failed++;
    totals.failed++;
    if (totals.errors.length < 10) totals.errors.push(failure[1]);
    return 0;
  }
  const latency = performance.now() - since;
  totals.statuses[200] = (totals.statuses[200] || 0) + 1;
  totals.received += outcome.received;
  totals.stored += outcome.stored;
  totals.duplicates += outcome.duplicates;
  tally.stored += outcome.stored;
  tally.latencies.push(latency);
  return outcome.stored;
}

/** Nearest-rank quantiles of the latencies, in ms. */
function latencySummary(latencies) {
  const s = Float64Array.from(latencies).sort();
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : null);
  return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s.length ? s[s.length - 1] : null, mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : null };
}

/** CPU seconds the collector process used so far (Linux /proc; null elsewhere), and its peak RSS. */
const TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
  } catch {
    return 100;
  }
})();
function collectorCpu() {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
  } catch {
    return null;
  }
}
function collectorPeakRssMb() {
  try {
    const kb = readFileSync(`/proc/${child.pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)[1];
    return Number(kb) / 1024;
  } catch {
    return null;
  }
}
/** Bytes the collector process caused to be written to storage so far (Linux /proc; null elsewhere). */
function collectorWrites() {
  try {
    return Number(readFileSync(`/proc/${child.pid}/io`, "utf8").match(/^write_bytes:\s+(\d+)/m)[1]);
  } catch {
    return null;
  }
}
/** Wall, collector CPU, load-generator CPU and the collector's writes to storage over a phase. */
function meter() {
  const wall = performance.now();
  const cpu = collectorCpu();
  const writes = collectorWrites();
  const own = process.cpuUsage();
  return () => {
    const seconds = (performance.now() - wall) / 1000;
    const used = process.cpuUsage(own);
    const collector = cpu == null ? null : collectorCpu() - cpu;
    const written = writes == null ? null : collectorWrites() - writes;
    return { seconds, collectorCpuS: collector, generatorCpuS: (used.user + used.system) / 1e6, writtenBytes: written };
  };
}
/** Events stored per whole second of a phase: {min, median, max} (stalls show as a low min). */
function perSecond(buckets) {
  const whole = buckets.slice(0, -1); // the last second is cut short
  if (!whole.length) return null;
  const s = Float64Array.from(whole, (x) => x || 0).sort();
  return { seconds: s.length, min: s[0], median: s[s.length >> 1], max: s[s.length - 1] };
}

// ---- 2 + 3. Warm-up, then the closed loop ------------------------------------------------------
/** `total` events over CONNECTIONS connections, each sending as soon as its last batch was answered. */
async function closedLoop(total, limitSeconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const tally = newTally();
  const batches = Math.ceil(total / BATCH);
  const stop = meter();
  const deadline = performance.now() + limitSeconds * 1000;
  let next = 0;
  let cutShort = false;
  async function connection() {
    while (next < batches) {
      if (performance.now() > deadline) {
        cutShort = true;
        return;
      }
      const i = next++;
      const batch = batchBody(Math.min(BATCH, total - i * BATCH));
      const stored = await send(agent, batch, tally);
      const second = Math.floor((performance.now() - t0) / 1000);
      buckets[second] = (buckets[second] || 0) + stored;
    }
  }
  const buckets = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, connection));
  const usage = stop();
  agent.destroy();
  return { ...tally, ...usage, cutShort, eventsPerSecond: tally.stored / usage.seconds, perSecond: perSecond(buckets), latencies: latencySummary(tally.latencies) };
}

const runStart = performance.now();
console.log(`load: warm-up, ${WARMUP} events`);
const warmup = await closedLoop(WARMUP, 30);
console.log(`load: closed loop, ${EVENTS} events in batches of ${BATCH} over ${CONNECTIONS} connections`);
const closed = await closedLoop(EVENTS, CLOSED_LIMIT_S);
const fmt = (x, d = 2) => (x == null ? "—" : x.toFixed(d));
const int = (x) => (x == null ? "—" : Math.round(x).toLocaleString("en-US"));
console.log(
  `load: ${int(closed.eventsPerSecond)} events/s; latency p50 ${fmt(closed.latencies.p50)} ms, p95 ${fmt(closed.latencies.p95)}, p99 ${fmt(closed.latencies.p99)}, max ${fmt(closed.latencies.max)}; ${closed.failed} failed`,
);

// ---- 4. Open loop at fixed rates ---------------------------------------------------------------
/** Batches due every BATCH / rate seconds for OPEN_SECONDS, whatever the answers do. */
async function openLoop(eventsPerSecond) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: OPEN_SOCKETS });
  const tally = newTally();
  const interval = (BATCH / eventsPerSecond) * 1000;
  const count = Math.max(1, Math.round((OPEN_SECONDS * 1000) / interval));
  const lags = [];
  const pending = [];
  const stop = meter();
  const start = performance.now() + 5;
  let lastAnswer = start;
  let i = 0;
  while (i < count) {
    const now = performance.now();
    for (; i < count && start + i * interval <= now; i++) {
      const due = start + i * interval;
      lags.push(now - due);
      pending.push(send(agent, batchBody(BATCH), tally, due).then(() => (lastAnswer = Math.max(lastAnswer, performance.now()))));
    }
    if (i < count) await new Promise((r) => setTimeout(r, Math.max(0, start + i * interval - performance.now())));
  }
  await Promise.all(pending);
  const usage = stop();
  agent.destroy();
  const achieved = tally.stored / ((lastAnswer - start) / 1000);
  return { target: eventsPerSecond, ...tally, ...usage, achieved, sendLag: latencySummary(lags), latencies: latencySummary(tally.latencies) };
}

const open = [];
for (const share of OPEN_SHARES) {
  const rate = Math.max(BATCH, Math.round(closed.eventsPerSecond * share));
  console.log(`load: open loop at ${Math.round(share * 100)} % = ${int(rate)} events/s for ${OPEN_SECONDS} s`);
  const phase = await openLoop(rate);
  open.push({ share, ...phase });
  console.log(`load:   p50 ${fmt(phase.latencies.p50)} ms, p99 ${fmt(phase.latencies.p99)} ms, max ${fmt(phase.latencies.max)}; achieved ${int(phase.achieved)} events/s; ${phase.failed} failed`);
}

// ---- 5. Zero loss --------------------------------------------------------------------------------
const health = await new Promise((resolve, reject) => {
  http
    .get({ hostname, port, path: "/health", agent: false }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d)).on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
    })
    .on("error", reject);
}).catch((e) => fail(`GET /health: ${e.message}`));
const peakRssMb = collectorPeakRssMb();
const bytesOf = (path) => (existsSync(path) ? statSync(path).size : 0);
const dbBytes = bytesOf(db) + bytesOf(`${db}-wal`) + bytesOf(`${db}-shm`);
const runSeconds = (performance.now() - runStart) / 1000;

// Stop the collector the way an operator would (SIGTERM), and make sure it is gone.
child.kill("SIGTERM");
const exited = await new Promise((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
  const timer = setTimeout(() => resolve(false), 10_000);
  child.once("exit", () => {
    clearTimeout(timer);
    resolve(true);
  });
});
cleanUp();

const loss = totals.stored - health.events;
const zeroLoss = health.events === totals.stored && totals.failed === 0 && totals.duplicates === 0 && totals.received === totals.sent;
const loadAfter = loadavg();
const bytesPerEvent = totals.bytes / totals.sent;

// ---- Report --------------------------------------------------------------------------------------
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model?.trim() || "unknown", memoryGb: Math.round(totalmem() / 2 ** 30), loadBefore: loadBefore.map((x) => +x.toFixed(2)), loadAfter: loadAfter.map((x) => +x.toFixed(2)) };
const result = {
  date: startedAt.toISOString(),
  seconds: +(runSeconds + (buildSeconds ?? 0)).toFixed(1),
  runSeconds: +runSeconds.toFixed(1),
  buildSeconds: buildSeconds == null ? null : +buildSeconds.toFixed(1),
  node: process.version,
  machine,
  collector: { commit, uncommittedChanges: dirty, binary: binaryName, peakRssMb, databaseBytes: dbBytes, shutdownClean: exited },
  settings: { events: EVENTS, batch: BATCH, connections: CONNECTIONS, warmup: WARMUP, openSeconds: OPEN_SECONDS, openShares: OPEN_SHARES, openSockets: OPEN_SOCKETS, visitors: VISITORS, bytesPerEvent: Math.round(bytesPerEvent), eventSizes },
  warmup,
  closed,
  open,
  zeroLoss: { ok: zeroLoss, sent: totals.sent, received: totals.received, acknowledged: totals.stored, duplicates: totals.duplicates, healthEvents: health.events, missing: loss, requests: totals.requests, failed: totals.failed, statuses: totals.statuses, errors: totals.errors },
};

const ms = (x) => fmt(x, 2);
const pct = (cpu, seconds) => (cpu == null ? "—" : `${Math.round((100 * cpu) / seconds)} %`);
let md = "# Collector load: sustained ingest, latency and zero loss\n\n";
md += "Generated by `node bench/load.mjs` (part of `npm run bench`); do not edit by hand.\n\n";
md += `- date: ${result.date}; the run took ${fmt(runSeconds, 1)} s${buildSeconds == null ? "" : ` (plus ${fmt(buildSeconds, 1)} s of \`cargo build --release -p collector\`)`}; node ${process.version}\n`;
md += `- machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, shared with other work (1-minute load average ${fmt(loadBefore[0])} before the run, ${fmt(loadAfter[0])} at the end); the load generator runs on the same machine\n`;
md += `- collector: commit ${commit}${dirty ? " with uncommitted changes in collector/" : ""}, ${buildSeconds != null || binary.includes(join("target", "release")) ? "release build" : "binary"} \`${result.collector.binary}\`, a fresh SQLite database (WAL, \`synchronous=NORMAL\`) in a temp directory; peak RSS ${peakRssMb == null ? "—" : `${fmt(peakRssMb, 1)} MB`}, database ${fmt(dbBytes / 2 ** 20, 1)} MB at the end\n`;
md += `- traffic: \`POST /v1/batch\`, ${BATCH} events per batch, each batch one visitor's (of ${int(VISITORS)}): 30 % page views, 55 % Product Viewed, 15 % Product Added from the demo catalog, with the SDK's context (page, library, consent, session, locale, timezone; a campaign in 20 % of sessions), events of ${eventSizes.min}–${eventSizes.max} bytes as JSON (median ${eventSizes.median}), ${Math.round(bytesPerEvent)} bytes of request body per event; a random UUID \`messageId\` each\n`;
md += `- warm-up: ${int(warmup.stored)} events (${fmt(warmup.seconds, 1)} s), not in the numbers below\n\n`;

md += `## Closed loop: ${CONNECTIONS} connections, each sending its next batch when the last was answered\n\n`;
md += "| events | requests | seconds | events/s | batches/s | p50 ms | p95 ms | p99 ms | max ms | failed |\n";
md += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
md += `| ${int(closed.stored)} | ${int(closed.requests)} | ${fmt(closed.seconds, 1)} | **${int(closed.eventsPerSecond)}** | ${int(closed.requests / closed.seconds)} | ${ms(closed.latencies.p50)} | ${ms(closed.latencies.p95)} | **${ms(closed.latencies.p99)}** | ${ms(closed.latencies.max)} | ${closed.failed} |\n\n`;
const ps = closed.perSecond;
if (ps) md += `Events stored in each whole second of the phase (${ps.seconds} s): lowest ${int(ps.min)}, median ${int(ps.median)}, highest ${int(ps.max)}. `;
md += `Collector CPU ${pct(closed.collectorCpuS, closed.seconds)} of one core, load generator ${pct(closed.generatorCpuS, closed.seconds)}`;
md += closed.writtenBytes == null ? ".\n\n" : `; the collector wrote ${fmt(closed.writtenBytes / 2 ** 20, 0)} MB to storage (${int(closed.writtenBytes / closed.stored)} bytes per event: tables, indexes, the WAL and its checkpoints).\n\n`;
if (closed.cutShort) md += `The closed loop stopped sending after ${CLOSED_LIMIT_S} s, before all ${int(EVENTS)} events were sent.\n\n`;
md += "Latency: from sending a request to the last byte of its answer, which the collector sends after the batch's transaction committed. CPU: share of one core over the phase (the collector from `/proc/<pid>/stat`, the load generator from `process.cpuUsage()`); writes from `/proc/<pid>/io` \`write_bytes\`.\n\n";

md += `## Open loop: batches due at a fixed rate, ${OPEN_SECONDS} s each\n\n`;
md += "| rate | target events/s | achieved events/s | requests | p50 ms | p95 ms | p99 ms | max ms | failed | collector CPU | send lag p99 ms |\n";
md += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
for (const o of open) {
  md += `| ${Math.round(o.share * 100)} % of closed loop | ${int(o.target)} | ${int(o.achieved)} | ${int(o.requests)} | ${ms(o.latencies.p50)} | ${ms(o.latencies.p95)} | **${ms(o.latencies.p99)}** | ${ms(o.latencies.max)} | ${o.failed} | ${pct(o.collectorCpuS, o.seconds)} | ${ms(o.sendLag.p99)} |\n`;
}
md += `\nA batch is due every ${BATCH} / rate seconds whatever the answers do (up to ${OPEN_SOCKETS} keep-alive connections); latency counts from when it was due, so time a batch waited for a free connection or for a late timer counts too. Send lag: how late the generator's timer sent a batch (Node's timers have a 1 ms step, so batches due within the same millisecond leave together). This is the latency a shop would see at that load.\n\n`;

md += "## Zero loss\n\n";
md += "| | events |\n|---|---:|\n";
md += `| sent, all phases | ${int(totals.sent)} |\n`;
md += `| received (sum of \`received\` in the answers) | ${int(totals.received)} |\n`;
md += `| acknowledged (sum of \`stored\`) | ${int(totals.stored)} |\n`;
md += `| duplicates | ${int(totals.duplicates)} |\n`;
md += `| \`GET /health\` events after the run | ${int(health.events)} |\n`;
md += `| requests / failed (non-200 or network error) | ${int(totals.requests)} / ${totals.failed} |\n\n`;
md += zeroLoss
  ? "**No loss**: every request was answered 200, and the database holds exactly the events the answers acknowledged.\n"
  : `**LOSS OR FAILURES**: ${loss} acknowledged events missing, ${totals.failed} failed requests (${JSON.stringify(totals.statuses)}), ${totals.duplicates} duplicates. First errors: ${totals.errors.join("; ") || "none"}\n`;
if (!exited) md += "\nThe collector did not exit within 10 s of SIGTERM and was killed.\n";

writeResults("load", result, md);
console.log(
  `load: closed loop ${int(closed.eventsPerSecond)} events/s (p50 ${ms(closed.latencies.p50)} ms, p99 ${ms(closed.latencies.p99)} ms); ` +
    open.map((o) => `open ${Math.round(o.share * 100)} % p99 ${ms(o.latencies.p99)} ms`).join("; ") +
    `; ${zeroLoss ? "zero loss" : "LOSS"}: ${int(totals.stored)} acknowledged, ${int(health.events)} stored, ${totals.failed} failed; ${fmt(runSeconds, 1)} s`,
);
clearTimeout(watchdog);
if (!zeroLoss) process.exit(1);
