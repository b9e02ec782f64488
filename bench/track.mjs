#!/usr/bin/env node
// Benchmark: what tracking costs the storefront, persona against Snowplow's browser tracker and
// Segment's analytics-next (see bench/README.md, "track.mjs").
//
// One local HTTP server serves a test page per SDK (on http://127.0.0.1:PORT) and a collecting
// endpoint that accepts what each SDK sends (on http://collector.test:PORT, another site, mapped
// to 127.0.0.1 inside Chromium, as a real collector would be). One headless Chromium run; per
// round and SDK a fresh browser context: load, init (with its page view), warm up with 19
// events, then 100 shop events one per task, flush, wait until all 100 arrived. Measured: the
// synchronous time of each track() call (performance.now()), the main thread's CPU time over the
// 100 events until delivered (CDP Performance.getMetrics TaskDuration, threadTicks), and requests
// and bytes received by the endpoint; then the bytes when the events go one at a time, and where
// the time goes (wrapped browser APIs, a CPU profile of persona). Results: bench/results/track.md
// and track.json.
//
//   node bench/track.mjs                     # needs a built dist/ (npm run build)
//   BENCH_ROUNDS=3 node bench/track.mjs      # fewer rounds (default 5)
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { CHROMIUM, launchBrowser } from "../tests/e2e/harness.mjs";
import { benchDir, dist, failWith, requireDist, root, version, writeResults } from "./common.mjs";
import { mainThreadMeter, median, ms, profileSummary, profileWasm, quantile, round, spread, watchedPage, x2 } from "./speed.mjs";

const pageDir = join(benchDir, "track");

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const EVENTS = 100;
const WARMUP = 19; // + the page view at init = 20: one full batch for every batching SDK
const GAP_MS = 10; // between two track() calls, each in its own task
const COLLECTOR_HOST = "collector.test";
const QUIET_MS = 200; // no request for this long (and none open) = the SDK has sent everything
const PROFILE_RUNS = 3; // persona's CPU profile is summed over this many runs (sampling is noisy)

// What is compared. `adapter` is bench/track/<adapter>.js; `bundle` means esbuild bundles it
// with the peer; `options` reach the adapter as window.BENCH.options.
const SDKS = [
  {
    id: "persona",
    label: "persona",
    pkg: "persona-sdk (dist/persona.js + persona.wasm)",
    adapter: "persona",
    config: "script tag as documented; defaults (batches of 20 or after 1 s, outbox in localStorage)",
  },
  {
    id: "snowplow",
    label: "Snowplow",
    pkg: "@snowplow/browser-tracker",
    adapter: "snowplow",
    bundle: true,
    options: {},
    config: "defaults: POST tp2, bufferSize 1 (one request per event), localStorage queue, webPage context",
  },
  {
    id: "segment",
    label: "Segment",
    pkg: "@segment/analytics-next",
    adapter: "segment",
    bundle: true,
    options: {},
    config: "defaults: one POST per event (/v1/t), settings inline (no CDN fetch)",
  },
  {
    id: "snowplow-batched",
    label: "Snowplow, bufferSize 20",
    pkg: "@snowplow/browser-tracker",
    adapter: "snowplow",
    bundle: true,
    options: { bufferSize: 20 },
    config: "bufferSize: 20 (batches like persona's)",
    variant: true,
  },
  {
    id: "segment-batched",
    label: "Segment, batching 20",
    pkg: "@segment/analytics-next",
    adapter: "segment",
    bundle: true,
    options: { deliveryStrategy: { strategy: "batching", config: { size: 20 } } },
    config: "deliveryStrategy batching, size 20 (POST /v1/b)",
    variant: true,
  },
  {
    id: "baseline",
    label: "no SDK (harness only)",
    pkg: "—",
    adapter: "baseline",
    config: "track() does nothing: the harness's own cost, subtracted from the main-thread times",
    baseline: true,
  },
];

const fail = failWith("track");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function personaVersion() {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
}

// ---------------------------------------------------------------------------------------------
// The events: a deterministic mix of shop journeys over the demo catalog, the same for every SDK.

function shopEvents(count, seed) {
  const catalog = JSON.parse(readFileSync(join(root, "www", "catalog.json"), "utf8"));
  const products = catalog.products;
  // Deterministic draws in [0, 1): Knuth's multiplicative hash of a counter.
  let draws = seed * 1000;
  const random = () => (Math.imul(++draws, 2654435761) >>> 0) / 2 ** 32;
  const pick = (list) => list[Math.floor(random() * list.length)];
  // Segment Ecommerce v2 product fields: `product` on product events, `line` in `products` arrays.
  const catalogFields = ["name", "brand", "category", "price"];
  const item = (p) => ({ product_id: p.id, sku: p.id, ...Object.fromEntries(catalogFields.map((k) => [k, p[k]])) });
  const product = (p, extra = {}) => ({
    ...item(p),
    currency: catalog.currency,
    url: `https://shop.example/p/${p.id}`,
    image_url: `https://shop.example/img/${p.id}.webp`,
    ...extra,
  });
  const line = (p, quantity) => ({ ...item(p), quantity });
  const money = (n) => Math.round(n * 100) / 100;

  const events = [];
  let cart = [];
  let orders = 0;
  while (events.length < count) {
    // One journey: search, click a result, view a few products, maybe add, maybe buy.
    const seen = pick(products);
    const pool = products.filter((p) => p.category === seen.category);
    const query = pick(seen.tags);
    events.push(["Products Searched", { query }]);
    const position = 1 + Math.floor(random() * 12);
    events.push(["Product Clicked", product(seen, { position, list_id: "search_results", query })]);
    const views = 1 + Math.floor(random() * 4);
    for (let i = 0; i < views; i++) events.push(["Product Viewed", product(i === 0 ? seen : pick(pool))]);
    if (random() < 0.6) {
      const added = pick(pool);
      const quantity = 1 + Math.floor(random() * 2);
      cart.push([added, quantity]);
      events.push(["Product Added", product(added, { quantity, cart_id: "cart-1" })]);
    }
    if (cart.length > 0 && random() < 0.45) {
      const lines = cart.map(([p, q]) => line(p, q));
      const value = money(cart.reduce((sum, [p, q]) => sum + p.price * q, 0));
      events.push(["Cart Viewed", { cart_id: "cart-1", products: lines }]);
      const order = { order_id: `order-${++orders}`, revenue: value, currency: catalog.currency };
      events.push(["Checkout Started", { ...order, value, products: lines }]);
      const shipping = value > 50 ? 0 : 4.99;
      const tax = money(value - value / 1.19);
      events.push(["Order Completed", { ...order, total: money(value + shipping), shipping, tax, products: lines }]);
      cart = [];
    }
  }
  return events.slice(0, count);
}

// ---------------------------------------------------------------------------------------------
// The server: test pages on 127.0.0.1, the collecting endpoint on collector.test.

const MIME = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

/** What one SDK sent during one phase of one run. */
function newLog() {
  return { requests: [], open: 0, lastAt: Date.now() };
}

/** Events in one request, from the path and the body each SDK uses. */
function countEvents(method, path, body) {
  if (method === "OPTIONS") return { kind: "preflight", events: 0 };
  if (method === "GET" && path === "/i") return { kind: "events", events: 1 }; // Snowplow GET
  if (method !== "POST") return { kind: "other", events: 0 };
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: "other", events: 0 };
  }
  if (path === "/v1/batch" || path === "/v1/b") return { kind: "events", events: json.batch?.length ?? 0 };
  if (path === "/com.snowplowanalytics.snowplow/tp2") return { kind: "events", events: json.data?.length ?? 0 };
  if (/^\/v1\/[tpi]$/.test(path)) return { kind: "events", events: 1 }; // Segment, one event per request
  return { kind: "other", events: 0 }; // e.g. Segment's /v1/m metrics
}

/** Request line + headers as they arrived (HTTP/1.1), in bytes. */
function headerBytes(req) {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`) + 2;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) n += Buffer.byteLength(`${raw[i]}: ${raw[i + 1]}\r\n`);
  return n;
}

const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

async function startServer(pages) {
  const state = { log: newLog(), unexpected: [] };

  const collect = (req, res, url) => {
    const log = state.log;
    log.open++;
    log.lastAt = Date.now();
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = url.pathname;
      const { kind, events } = countEvents(req.method, path, body.toString("utf8"));
      log.requests.push({ method: req.method, path, kind, events, body: body.length, headers: headerBytes(req) });
      const cors = {
        "access-control-allow-origin": req.headers.origin || "*",
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "Retry-After",
        vary: "Origin",
      };
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          ...cors,
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": req.headers["access-control-request-headers"] || "content-type",
          "access-control-max-age": "7200",
        });
        res.end();
      } else if (req.method === "GET") {
        res.writeHead(200, { ...cors, "content-type": "image/gif" });
        res.end(GIF);
      } else {
        res.writeHead(200, { ...cors, "content-type": "application/json" });
        res.end("{}");
      }
      log.open--;
      log.lastAt = Date.now();
    });
  };

  const serve = (req, res, url) => {
    const isolated = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
    const page = url.pathname.match(/^\/page\/([\w-]+)\.html$/);
    let body;
    let type;
    if (page && pages.has(page[1])) {
      body = pages.get(page[1]).html;
      type = MIME[".html"];
    } else if (url.pathname.startsWith("/bundle/") && pages.has(url.pathname.slice(8, -3))) {
      body = pages.get(url.pathname.slice(8, -3)).bundle;
      type = MIME[".js"];
    } else {
      const file = url.pathname.match(/^\/(dist|track|wasm)\/([\w.-]+)$/);
      const dir = file && { dist, track: pageDir, wasm: pages.profileWasmDir }[file[1]];
      const path = dir && join(dir, file[2]);
      if (!path || !existsSync(path)) {
        state.unexpected.push(`GET ${url.pathname}`);
        res.writeHead(404);
        res.end();
        return;
      }
      body = readFileSync(path);
      type = MIME[path.slice(path.lastIndexOf("."))] || "application/octet-stream";
    }
    res.writeHead(200, { ...isolated, "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if ((req.headers.host || "").startsWith(`${COLLECTOR_HOST}:`)) collect(req, res, url);
    else serve(req, res, url);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return { server, state, port, origin: `http://127.0.0.1:${port}`, collector: `http://${COLLECTOR_HOST}:${port}` };
}

/** Waits until `expected` events arrived and the SDK has been quiet for `quietMs`. */
async function settle(state, expected, what, quietMs = QUIET_MS, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const log = state.log;
    const events = log.requests.reduce((n, r) => n + r.events, 0);
    if (events >= expected && log.open === 0 && Date.now() - log.lastAt >= quietMs) return events;
    if (Date.now() > end) throw new Error(`${what}: ${events} of ${expected} events arrived in ${timeoutMs} ms`);
    await sleep(Math.min(quietMs, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// Pages and bundles.

async function buildPages(collector) {
  const esbuild = await import("esbuild").catch(() => fail("esbuild is not installed; run bash scripts/setup.sh"));
  // The size bench's settings, as an IIFE (a test page loads it with a plain script tag).
  const settings = {
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    write: false,
    define: { "process.env.NODE_ENV": '"production"' },
    legalComments: "none",
    logLevel: "silent",
  };
  const pages = new Map();
  for (const sdk of SDKS) {
    const bench = {
      collector,
      collectorHost: collector.replace(/^http:\/\//, ""),
      options: sdk.options ?? {},
    };
    let bundle = null;
    let scripts;
    if (sdk.bundle) {
      const out = await esbuild.build({ ...settings, entryPoints: [join(pageDir, `${sdk.adapter}.js`)] });
      bundle = Buffer.from(out.outputFiles[0].contents);
      scripts = `<script src="/bundle/${sdk.id}.js"></script>`;
    } else if (sdk.id === "persona") {
      scripts = [
        "<script>window.persona = window.persona || [];</script>",
        `<script async src="/dist/persona.js" data-collector="${collector}/v1/batch"WASM></script>`,
        `<script src="/track/persona.js"></script>`,
      ].join("\n");
    } else {
      scripts = `<script src="/track/${sdk.adapter}.js"></script>`;
    }
    const html = `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Bench shop: ${sdk.label}</title>
<link rel="icon" href="data:,">
<script>window.BENCH = ${JSON.stringify(bench)};</script>
${scripts}
<script src="/track/harness.js"></script>
</head><body><h1>Bench shop</h1></body></html>`;
    pages.set(sdk.id, { html: html.replace("WASM", ""), bundle });
    if (sdk.id === "persona") {
      // The profiling page loads the same module with its function names kept (see profileWasm).
      pages.set("persona-profile", { html: html.replace("WASM", ' data-wasm="/wasm/persona.wasm"'), bundle });
    }
  }
  return { pages, esbuild: esbuild.version };
}

// ---------------------------------------------------------------------------------------------
// The run.

/** Opens a fresh context with the SDK's page, starts the SDK and warms it up. */
async function openPage(browser, srv, pageId, expectWarm, { instrument = false } = {}) {
  const { context, page, errors } = await watchedPage(browser, [srv.origin, srv.collector], srv.state.unexpected);
  if (instrument) await page.addInitScript(instrumentation);
  srv.state.log = newLog();
  await page.goto(`${srv.origin}/page/${pageId}.html`);
  const { crossOriginIsolated } = await page.evaluate(() => window.bench.init());
  const warm = shopEvents(WARMUP, 7);
  await page.evaluate((events) => window.bench.stash(events), warm);
  await page.evaluate((gap) => window.bench.run(gap), GAP_MS).then((r) => r.times);
  const warmEvents = await settle(srv.state, expectWarm, `${pageId} warm-up`);
  return { context, page, errors, crossOriginIsolated, warm: { events: warmEvents, requests: srv.state.log.requests } };
}

/** One measured run of one SDK: 100 events, flushed and delivered. */
async function measureOnce(browser, srv, sdk, events, { profile = false, instrument = false, pageId = sdk.id } = {}) {
  const expected = sdk.baseline ? 0 : EVENTS;
  const run = await openPage(browser, srv, pageId, sdk.baseline ? 0 : WARMUP + 1, { instrument });
  const { context, page } = run;
  try {
    await page.evaluate((evs) => window.bench.stash(evs), events);
    if (instrument) await page.evaluate(() => window.benchIo.reset());
    const meter = await mainThreadMeter(context, page, { profile });
    srv.state.log = newLog();
    await meter.start();
    const { times, taskTimes } = await page.evaluate((gap) => window.bench.run(gap), GAP_MS);
    const delivered = await settle(srv.state, expected, sdk.id);
    const { taskMs, scriptMs, cpuProfile } = await meter.stop();
    const io = instrument ? await page.evaluate(() => window.benchIo.read()) : null;
    return {
      times,
      taskTimes,
      scriptMs,
      taskMs,
      delivered,
      ...traffic(srv.state.log.requests),
      crossOriginIsolated: run.crossOriginIsolated,
      errors: run.errors,
      warm: { events: run.warm.events, requests: run.warm.requests.length },
      cpuProfile,
      io,
    };
  } finally {
    srv.state.log = newLog(); // what the SDK sends while the page closes is not counted
    await context.close();
  }
}

/** Requests and bytes the endpoint received. */
function traffic(requests) {
  const sum = (pick, filter = () => true) => requests.filter(filter).reduce((n, r) => n + pick(r), 0);
  return {
    requests: requests.length,
    preflights: sum(() => 1, (r) => r.kind === "preflight"),
    otherRequests: requests.filter((r) => r.kind === "other").map((r) => `${r.method} ${r.path}`),
    bodyBytes: sum((r) => r.body),
    headerBytes: sum((r) => r.headers),
    paths: [...new Set(requests.map((r) => `${r.method} ${r.path}`))],
  };
}

/**
 * The same 100 events one at a time, each sent and delivered before the next: what happens when a
 * shopper's events are further apart than the SDK's batching window (persona's is 1 s).
 */
async function measureSparse(browser, srv, sdk, events) {
  const run = await openPage(browser, srv, sdk.id, WARMUP + 1);
  try {
    await run.page.evaluate((evs) => window.bench.stash(evs), events);
    srv.state.log = newLog();
    const times = [];
    for (let i = 0; i < events.length; i++) {
      times.push(await run.page.evaluate((n) => window.bench.one(n), i));
      await settle(srv.state, i + 1, `${sdk.id} event ${i + 1} alone`, 20);
    }
    const t = traffic(srv.state.log.requests);
    const wireBytes = t.bodyBytes + t.headerBytes;
    return { syncMedianMs: median(times), requests: t.requests, bodyBytes: t.bodyBytes, wireBytes };
  } finally {
    srv.state.log = newLog();
    await run.context.close();
  }
}

// Wraps the browser APIs an SDK spends its time in, to say where the time goes (attribution
// pass only: the wrappers cost time themselves). Runs in the page before any script.
function instrumentation() {
  const io = new Map();
  const add = (name, ms, bytes = 0) => {
    const e = io.get(name) || { calls: 0, ms: 0, bytes: 0 };
    e.calls++;
    e.ms += ms;
    e.bytes += bytes;
    io.set(name, e);
  };
  const wrap = (target, key, name, size = () => 0) => {
    const original = target[key];
    if (typeof original !== "function") return;
    target[key] = function (...args) {
      const start = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        add(name, performance.now() - start, size(args));
      }
    };
  };
  const len = (s) => (typeof s === "string" ? s.length : 0);
  wrap(Storage.prototype, "setItem", "localStorage.setItem", (a) => len(a[0]) + len(a[1]));
  wrap(Storage.prototype, "getItem", "localStorage.getItem");
  wrap(Storage.prototype, "removeItem", "localStorage.removeItem");
  wrap(JSON, "stringify", "JSON.stringify");
  wrap(JSON, "parse", "JSON.parse", (a) => len(a[0]));
  wrap(TextDecoder.prototype, "decode", "TextDecoder.decode", (a) => a[0]?.byteLength ?? 0);
  wrap(TextEncoder.prototype, "encodeInto", "TextEncoder.encodeInto", (a) => len(a[0]));
  wrap(TextEncoder.prototype, "encode", "TextEncoder.encode", (a) => len(a[0]));
  wrap(crypto, "getRandomValues", "crypto.getRandomValues");
  wrap(crypto, "randomUUID", "crypto.randomUUID");
  wrap(window, "fetch", "fetch (the call)");
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    get() {
      const start = performance.now();
      try {
        return cookie.get.call(this);
      } finally {
        add("document.cookie (read)", performance.now() - start);
      }
    },
    set(value) {
      const start = performance.now();
      try {
        cookie.set.call(this, value);
      } finally {
        add("document.cookie (write)", performance.now() - start, len(value));
      }
    },
  });
  window.benchIo = {
    reset: () => io.clear(),
    read: () => Object.fromEntries(io),
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics.

function summarise(sdk, runs) {
  const per = (f) => median(runs.map(f));
  return {
    id: sdk.id,
    label: sdk.label,
    pkg: sdk.pkg === "—" ? null : sdk.pkg,
    version: sdk.pkg.startsWith("@") ? version(sdk.pkg) : sdk.id === "persona" ? personaVersion() : null,
    config: sdk.config,
    variant: !!sdk.variant,
    baseline: !!sdk.baseline,
    rounds: runs.length,
    syncMedianMs: per((r) => median(r.times)),
    syncP95Ms: per((r) => quantile(r.times, 0.95)),
    callTaskMedianMs: per((r) => median(r.taskTimes)),
    syncTotalMs: per((r) => r.times.reduce((a, b) => a + b, 0)),
    // Calls 1-5 and 16-20 of every 20: whether a call costs more the more events are queued.
    syncByQueue: {
      first5of20: per((r) => median(r.times.filter((_, i) => i % 20 < 5))),
      last5of20: per((r) => median(r.times.filter((_, i) => i % 20 >= 15))),
    },
    taskMs: per((r) => r.taskMs),
    scriptMs: per((r) => r.scriptMs),
    requests: per((r) => r.requests),
    preflights: per((r) => r.preflights),
    bodyBytes: per((r) => r.bodyBytes),
    headerBytes: per((r) => r.headerBytes),
    wireBytes: per((r) => r.bodyBytes + r.headerBytes),
    delivered: runs.map((r) => r.delivered),
    paths: [...new Set(runs.flatMap((r) => r.paths))],
    otherRequests: [...new Set(runs.flatMap((r) => r.otherRequests))],
    perRound: runs.map((r) => ({
      syncMedianMs: median(r.times),
      syncP95Ms: quantile(r.times, 0.95),
      callTaskMedianMs: median(r.taskTimes),
      taskMs: r.taskMs,
      scriptMs: r.scriptMs,
      requests: r.requests,
      wireBytes: r.bodyBytes + r.headerBytes,
    })),
    errors: [...new Set(runs.flatMap((r) => r.errors))],
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  requireDist(fail, ["persona.js", "persona.wasm"]);
  if (!existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM}; run bash scripts/setup.sh`);
  const started = Date.now();
  const load = loadavg()[0];

  // The pages name the endpoint's port, so they are built once the server is listening.
  const pages = new Map();
  const srv = await startServer(pages);
  const built = await buildPages(srv.collector);
  for (const [k, v] of built.pages) pages.set(k, v);
  const wasmDir = profileWasm();
  pages.profileWasmDir = wasmDir;

  const events = shopEvents(EVENTS, 1);
  const mix = {};
  for (const [name] of events) mix[name] = (mix[name] || 0) + 1;
  // The end-to-end tests' flags, plus the collector's host name.
  const browser = await launchBrowser({ args: [`--host-resolver-rules=MAP ${COLLECTOR_HOST} 127.0.0.1`] });
  const chromiumVersion = browser.version();
  const runs = new Map(SDKS.map((s) => [s.id, []]));
  let isolated = true;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved: every round runs every SDK, starting one further along the list.
      const order = SDKS.map((_, i) => SDKS[(i + round) % SDKS.length]);
      for (const sdk of order) {
        const r = await measureOnce(browser, srv, sdk, events);
        if (!r.crossOriginIsolated) isolated = false;
        runs.get(sdk.id).push(r);
        const line = `sync median ${median(r.times).toFixed(3)} ms, main thread ${r.taskMs.toFixed(1)} ms`;
        const wire = `${r.requests} requests, ${r.bodyBytes + r.headerBytes} B`;
        console.log(`round ${round + 1}/${ROUNDS} ${sdk.id.padEnd(17)} ${line}, ${wire}`);
      }
    }

    // Bytes when events come one at a time (the defaults only: the batched variants hold events
    // back until their batch is full or, for Segment, 5 s have passed).
    const sparse = {};
    for (const sdk of SDKS.filter((s) => !s.variant && !s.baseline)) {
      sparse[sdk.id] = await measureSparse(browser, srv, sdk, events);
    }

    // Where the time goes: one run of each SDK with the browser APIs wrapped, and one CPU
    // profile of persona (function names kept when pkg/ and wasm-opt are there).
    const attribution = {};
    for (const sdk of SDKS.filter((s) => !s.variant && !s.baseline)) {
      const r = await measureOnce(browser, srv, sdk, events, { instrument: true });
      attribution[sdk.id] = { taskMs: r.taskMs, syncTotalMs: r.times.reduce((a, b) => a + b, 0), io: r.io };
    }
    // Without a named build, the shipped module is profiled (wasm functions appear by index).
    const personaSdk = SDKS.find((s) => s.id === "persona");
    const pageId = wasmDir ? "persona-profile" : "persona";
    const profiles = [];
    for (let i = 0; i < PROFILE_RUNS; i++) {
      profiles.push((await measureOnce(browser, srv, personaSdk, events, { profile: true, pageId })).cpuProfile);
    }
    const profile = profileSummary(profiles, !!wasmDir);

    const summary = SDKS.map((s) => summarise(s, runs.get(s.id)));
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      chromium: chromiumVersion,
      esbuild: built.esbuild,
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model?.trim(),
        loadavg1m: { start: round(load, 2), end: round(loadavg()[0], 2) },
      },
      rounds: ROUNDS,
      eventsPerRun: EVENTS,
      warmupEvents: WARMUP,
      gapMs: GAP_MS,
      eventMix: mix,
      timerResolution: isolated
        ? "crossOriginIsolated pages: performance.now() to 5 µs"
        : "not isolated: performance.now() coarsened to 100 µs",
      sdks: summary,
      ratios: ratios(summary),
      sparse,
      attribution,
      personaProfile: profile,
      unexpectedRequests: [...new Set(srv.state.unexpected)],
      seconds: round((Date.now() - started) / 1000, 1),
    };
    console.log(`\n${table(result).join("\n")}\n`);
    writeResults("track", result, markdown(result));
    const bad = summary.filter((s) => s.errors.length);
    for (const s of bad) console.error(`bench/track: ${s.id}: page errors: ${s.errors.join("; ")}`);
    const extra = summary.filter((s) => !s.baseline && s.delivered.some((n) => n !== EVENTS));
    for (const s of extra) console.error(`bench/track: ${s.id}: events received per run: ${s.delivered.join(", ")}`);
  } finally {
    await browser.close();
    srv.server.close();
    if (wasmDir) rmSync(wasmDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

/** persona's cost divided by the peer's, for each measured quantity (below 1.00 = persona costs less). */
function ratios(summary) {
  const persona = summary.find((s) => s.id === "persona");
  const base = summary.find((s) => s.baseline);
  const net = (s, k) => Math.max(s[k] - (base ? base[k] : 0), 0);
  const out = {};
  for (const peer of summary.filter((s) => s.id !== "persona" && !s.baseline)) {
    const r = (a, b) => (b > 0 ? round(a / b, 2) : null);
    out[peer.id] = {
      syncMedian: r(persona.syncMedianMs, peer.syncMedianMs),
      callTask: r(net(persona, "callTaskMedianMs"), net(peer, "callTaskMedianMs")),
      syncP95: r(persona.syncP95Ms, peer.syncP95Ms),
      mainThread: r(net(persona, "taskMs"), net(peer, "taskMs")),
      wireBytes: r(persona.wireBytes, peer.wireBytes),
      bodyBytes: r(persona.bodyBytes, peer.bodyBytes),
      requests: r(persona.requests, peer.requests),
    };
  }
  return out;
}

function rowsFor(r) {
  const base = r.sdks.find((s) => s.baseline);
  return r.sdks.map((s) => {
    const q = r.ratios[s.id];
    const requests = `${s.requests}${s.preflights ? ` (${s.preflights} preflight)` : ""}`;
    const task = s.perRound.map((x) => x.taskMs);
    return {
      sdk: s.version ? `${s.label} ${s.version}` : s.label,
      callTask: spread(s.callTaskMedianMs, s.perRound.map((x) => x.callTaskMedianMs), 3),
      syncMedian: spread(s.syncMedianMs, s.perRound.map((x) => x.syncMedianMs), 3),
      syncP95: ms(s.syncP95Ms),
      main: spread(s.taskMs, task, 1, s.baseline ? 0 : base.taskMs),
      requests: s.baseline ? "—" : requests,
      body: s.baseline ? "—" : String(s.bodyBytes),
      wire: s.baseline ? "—" : String(s.wireBytes),
      vs: q ? `${x2(q.callTask)} / ${x2(q.syncMedian)} / ${x2(q.mainThread)} / ${x2(q.wireBytes)}` : "—",
    };
  });
}

const COLUMNS = [
  ["sdk", "SDK"],
  ["callTask", "task ms/call, median"],
  ["syncMedian", "sync ms/call, median"],
  ["syncP95", "sync ms/call, p95"],
  ["main", "main-thread ms /100 events"],
  ["requests", "requests /100"],
  ["body", "body bytes /100"],
  ["wire", "wire bytes /100"],
  ["vs", "persona ÷ this (task / sync / main thread / wire)"],
];

function table(r) {
  const rows = rowsFor(r);
  const width = COLUMNS.map(([k, h]) => Math.max(h.length, ...rows.map((d) => d[k].length)));
  const cell = (k, i, text) => (i === 0 ? text.padEnd(width[i]) : text.padStart(width[i]));
  const fmt = (get) => COLUMNS.map(([k], i) => cell(k, i, get(k))).join("  ");
  const head = fmt((k) => COLUMNS.find((c) => c[0] === k)[1]);
  return [head, width.map((w) => "-".repeat(w)).join("  "), ...rows.map((d) => fmt((k) => d[k]))];
}

/** "costs no more than X" or what it costs more in, against one peer. */
function verdict(r, id) {
  const q = r.ratios[id];
  const names = {
    callTask: "main-thread time per call",
    mainThread: "main-thread time per 100 events",
    wireBytes: "bytes on the wire",
  };
  const worse = Object.keys(names).filter((k) => q[k] != null && q[k] > 1);
  const label = r.sdks.find((s) => s.id === id).label;
  if (worse.length === 0) return `costs no more than ${label}`;
  return `costs more than ${label} in ${worse.map((k) => `${names[k]} (${x2(q[k])})`).join(", ")}`;
}

function markdown(r) {
  const mix = Object.entries(r.eventMix).map(([k, v]) => `${v} ${k}`).join(", ");
  const persona = r.sdks.find((s) => s.id === "persona");
  const lines = [
    "# Tracking cost: persona vs. Snowplow and Segment",
    "",
    "Generated by `node bench/track.mjs` (part of `npm run bench`); do not edit by hand.",
    "",
    `- date: ${r.date}; the run took ${r.seconds} s`,
    `- Chromium ${r.chromium} (headless, playwright-core), node ${r.node}, esbuild ${r.esbuild}`,
    `- machine: ${r.machine.cpus} × ${r.machine.cpu}, shared with other work (1-minute load average ` +
      `${r.machine.loadavg1m.start} at the start, ${r.machine.loadavg1m.end} at the end)`,
    `- ${r.rounds} rounds, the SDKs interleaved (each round starts one further along the list); ` +
      "every number is the median over the rounds",
    `- per run: ${r.eventsPerRun} shop events (${mix}), one per task ${r.gapMs} ms apart, after a page ` +
      `view and ${r.warmupEvents} warm-up events; the same events for every SDK`,
    `- timer: ${r.timerResolution}`,
    "",
    "## Results",
    "",
    `| ${COLUMNS.map((c) => c[1]).join(" | ")} |`,
    `|---|${COLUMNS.slice(1).map(() => "---:").join("|")}|`,
    ...rowsFor(r).map((d) => `| ${COLUMNS.map(([k]) => d[k]).join(" | ")} |`),
    "",
    "Ratios, persona ÷ peer (below 1.00 = persona costs less):",
    "",
    "| peer | task per call | sync median | sync p95 | main thread | wire bytes | body bytes | requests |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...Object.entries(r.ratios).map(([id, q]) => {
      const label = r.sdks.find((x) => x.id === id).label;
      const cells = [q.callTask, q.syncMedian, q.syncP95, q.mainThread, q.wireBytes, q.bodyBytes, q.requests].map(x2);
      return `| ${label} | ${cells.join(" | ")} |`;
    }),
    "",
    `With the peers' defaults, persona ${verdict(r, "snowplow")}; it ${verdict(r, "segment")}. ` +
      `Against the batched configurations, persona ${verdict(r, "snowplow-batched")}; ` +
      `it ${verdict(r, "segment-batched")}. A ratio whose distance from 1.00 is within the spread ` +
      "between rounds (in brackets in the table) is a tie rather than a difference.",
    "",
    `persona's synchronous cost grows with its queue: the median call is ${ms(persona.syncByQueue.first5of20)} ms ` +
      `for the 1st–5th event of each 20 and ${ms(persona.syncByQueue.last5of20)} ms for the 16th–20th ` +
      "(see \"Where the time goes\").",
    "",
    ...sparseMarkdown(r),
    "Columns: **task ms/call** is the main-thread time one `track()` call costs the page: from the call " +
      "until the end of the task it ran in, so the microtasks it queued (which run before the browser can " +
      "paint or handle input) are included; its ratio is taken after subtracting the harness's own cost " +
      "(the no-SDK row). **sync ms/call** is `performance.now()` around the call alone (wall time: on a busy " +
      "machine it includes time the thread was not running); **main-thread ms** is all the main thread's " +
      "work the 100 events caused until they were delivered (thread CPU time, less the harness's own " +
      "cost: the no-SDK row); in brackets after a median, the lowest and highest round; **wire " +
      "bytes** are request bodies plus request line and headers as received.",
    "",
    "## Configuration",
    "",
    ...r.sdks.map((s) => {
      const pkg = s.pkg ? ` (\`${s.pkg}\`${s.version ? ` ${s.version}` : ""})` : "";
      const seen = s.paths.join(", ") || "none";
      const other = s.otherRequests.length ? `; requests that carry no events: ${s.otherRequests.join(", ")}` : "";
      return `- **${s.label}**${pkg}: ${s.config}. Requests: ${seen}${other}.`;
    }),
    ...(r.unexpectedRequests.length ? ["", `Requests to anything else: ${r.unexpectedRequests.join(", ")}.`] : []),
    "",
    "## Method",
    "",
    "- One Node HTTP server serves a test page per SDK on `http://127.0.0.1:PORT` (with COOP/COEP, so " +
      "`performance.now()` is precise to 5 µs) and the collecting endpoint on `http://collector.test:PORT`: " +
      "another site (Chromium maps the name to 127.0.0.1 with `--host-resolver-rules`), as a shop's " +
      "collector or api.segment.io would be. It answers CORS (origin echoed, credentials allowed, " +
      "preflights cacheable for 2 h) and accepts persona's `POST /v1/batch`, Snowplow's " +
      "`POST /com.snowplowanalytics.snowplow/tp2` (and `GET /i`) and Segment's `POST /v1/t|p|b`.",
    "- persona is loaded as a shop loads it: `dist/persona.js` with `data-collector`, then the live " +
      "`window.persona` API. Snowplow and Segment are bundled with the size bench's esbuild settings " +
      "(minified, es2020; as an IIFE). Snowplow tracks each shop event as a self-describing event " +
      "(`trackSelfDescribingEvent`, schema `iglu:com.example.shop/<event_name>/jsonschema/1-0-0`, data = " +
      "the same properties); persona and Segment get `track(name, properties)`. Each SDK records a page " +
      "view at init.",
    "- Each run gets a fresh browser context (empty storage, no cached preflight): load, init, warm up " +
      `(${r.warmupEvents} events and a flush, until delivered), then the ${r.eventsPerRun} measured events, ` +
      `each in its own task ${r.gapMs} ms apart, then a flush (persona \`flush()\`, Snowplow \`flushBuffer()\`; ` +
      `Segment has none and needs none here), until every event arrived and the SDK was quiet for ${QUIET_MS} ms.`,
    "- **task ms/call**: after each call the harness awaits a `MessageChannel` message, a new task that " +
      "runs once every microtask of the call's task has run; median over the 100 calls, then over the " +
      "rounds. This is the issue's \"main-thread time per `track()` call\": an SDK that moves its work into " +
      "promise callbacks (Snowplow writes its localStorage queue in one, Segment runs its whole pipeline in " +
      "them) still makes the page wait for it.",
    "- **sync ms/call**: median and p95 over the 100 calls of a run, then the median over the rounds. " +
      "Work an SDK defers (Segment's promise chain, Snowplow's storage write, fetches, timers) is not in it.",
    "- **main-thread ms per 100 events**: CDP `Performance.getMetrics` `TaskDuration` (with " +
      "`timeDomain: threadTicks`, the main thread's CPU time) from before the first measured call until " +
      "everything was delivered: deferred work, microtasks, timers and the handling of each request and " +
      "response included. `ScriptDuration` is in track.json but not used: it leaves out microtasks, so " +
      "it would miss most of Segment's work and the harness's own loop.",
    "- **requests / bytes per 100 events**: what the endpoint received in that window: request bodies, " +
      "and request line + headers as they arrived over HTTP/1.1 (`Origin`, `Referer`, `User-Agent`, client " +
      "hints; no cookies reach the collector's site). Preflights are counted when they happen (each " +
      "context's first request per URL, in the warm-up). Responses are not counted (they are the test " +
      "server's). Over HTTP/2 header compression would make the header share smaller.",
    "",
    ...attributionMarkdown(r),
  ];
  return `${lines.join("\n")}\n`;
}

/** The one-at-a-time pass: bytes when every event travels alone. */
function sparseMarkdown(r) {
  const ids = Object.keys(r.sparse || {});
  if (ids.length === 0) return [];
  const p = r.sparse.persona;
  const rows = ids.map((id) => {
    const s = r.sparse[id];
    const label = r.sdks.find((x) => x.id === id).label;
    const vs = id === "persona" ? "—" : `${x2(p.wireBytes / s.wireBytes)} / ${x2(p.syncMedianMs / s.syncMedianMs)}`;
    return `| ${label} | ${s.requests} | ${s.bodyBytes} | ${s.wireBytes} | ${ms(s.syncMedianMs)} | ${vs} |`;
  });
  return [
    "**One at a time.** Events 10 ms apart let every SDK put several in one request. A shopper's " +
      "events are usually further apart than persona's 1 s batching window, so the same 100 events were " +
      "also sent one at a time (track, flush, delivered, next; one run, the peers' defaults):",
    "",
    "| SDK | requests | body bytes | wire bytes | sync ms/call, median | persona ÷ this (wire / sync) |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ];
}

function attributionMarkdown(r) {
  const out = ["## Where the time goes", ""];
  const a = r.attribution;
  const ids = Object.keys(a);
  const apis = [...new Set(ids.flatMap((id) => Object.keys(a[id].io || {})))].sort();
  if (apis.length) {
    const label = (id) => r.sdks.find((s) => s.id === id).label;
    out.push(
      "One extra run per SDK with these browser APIs wrapped: calls, ms inside them (wall time) and the " +
        "characters or bytes passed, for the 100 events. The wrappers cost time of their own, so these " +
        "runs are not in the results above.",
      "",
      `| API | ${ids.map(label).join(" | ")} |`,
      `|---|${ids.map(() => "---:").join("|")}|`,
    );
    const cell = (e) => {
      if (!e) return "—";
      const size = e.bytes ? `, ${(e.bytes / 1024).toFixed(0)} K` : "";
      return `${e.calls} call${e.calls === 1 ? "" : "s"}, ${e.ms.toFixed(1)} ms${size}`;
    };
    for (const api of apis) out.push(`| \`${api}\` | ${ids.map((id) => cell(a[id].io?.[api])).join(" | ")} |`);
    out.push(`| main-thread ms in that run | ${ids.map((id) => a[id].taskMs.toFixed(1)).join(" | ")} |`, "");
  }
  const p = r.personaProfile;
  if (p) {
    const build = p.wasmNames
      ? "the module built as shipped but with its function names kept"
      : "the shipped module, wasm functions by index";
    out.push(
      `persona, CPU profiles of ${p.runs} runs, summed (CDP sampling profiler, 50 µs, ${build}; ` +
        `${p.sampledBusyMs} ms sampled busy, wall time: on a busy machine a sample also lands where the ` +
        "thread was stopped, so shares vary from run to run by several points):",
      "",
      "| kind of code | self ms | share |",
      "|---|---:|---:|",
      ...p.kinds.map((k) => `| ${k.kind} | ${k.ms.toFixed(1)} | ${(k.share * 100).toFixed(0)} % |`),
      "",
      "| function (self time) | kind | ms | share |",
      "|---|---|---:|---:|",
      ...p.top.map((f) => {
        const name = f.function.replace(/\|/g, "\\|").slice(0, 90);
        return `| \`${name}\` | ${f.kind} | ${f.ms.toFixed(1)} | ${(f.share * 100).toFixed(1)} % |`;
      }),
      "",
      "persona's wasm functions by inclusive time (everything under them, the browser APIs and JS they " +
        "call included):",
      "",
      "| wasm function (inclusive) | ms | share of busy |",
      "|---|---:|---:|",
      ...p.wasmInclusive.map((f) => {
        const name = f.function.replace(/\|/g, "\\|").slice(0, 90);
        return `| \`${name}\` | ${f.ms.toFixed(1)} | ${(f.share * 100).toFixed(0)} % |`;
      }),
      "",
    );
  }
  out.push(...personaFindings(r));
  return out;
}

/** The measured facts about persona's cost, per event, next to the peers'. */
function personaFindings(r) {
  const io = (id, api) => r.attribution[id]?.io?.[api];
  const per = (e, k) => (e ? e[k] / EVENTS : 0);
  const decode = io("persona", "TextDecoder.decode");
  const set = io("persona", "localStorage.setItem");
  if (!decode || !set) return [];
  const kchars = (e) => `${(per(e, "bytes") / 1024).toFixed(1)} K characters`;
  const peers = ["snowplow", "segment"]
    .map((id) => [r.sdks.find((s) => s.id === id).label, io(id, "localStorage.setItem")])
    .map(([label, e]) => `${label} ${e ? `${per(e, "calls").toFixed(0)} calls, ${kchars(e)}` : "none"}`);
  const q = r.sdks.find((s) => s.id === "persona").syncByQueue;
  const lines = [
    "**In short, per event**: persona makes " +
      `${per(decode, "calls").toFixed(0)} \`TextDecoder.decode\` calls ` +
      `(${(per(decode, "bytes") / 1024).toFixed(1)} KB ` +
      "decoded: each string that leaves the wasm is decoded on its own) and writes " +
      `${kchars(set)} to localStorage in ${per(set, "calls").toFixed(1)} \`setItem\` calls ` +
      `(${peers.join("; ")}). Its synchronous cost grows with the number of queued events ` +
      `(${ms(q.first5of20)} ms for the 1st–5th of each 20, ${ms(q.last5of20)} ms for the 16th–20th; ` +
      `${ms(r.sparse?.persona?.syncMedianMs)} ms when events go one at a time).`,
  ];
  const p = r.personaProfile;
  const wasmSelf = p?.kinds.find((k) => k.kind === "persona wasm");
  if (wasmSelf) {
    lines.push(
      "",
      `persona's own compiled code (wasm self time) is ${(wasmSelf.share * 100).toFixed(0)} % of its sampled ` +
        "busy time; the rest is the JS glue, the browser APIs it calls (string decoding, localStorage, " +
        "fetch) and the browser itself.",
    );
  }
  return lines;
}

main().catch((err) => fail(err.stack || err.message));
