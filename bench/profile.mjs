#!/usr/bin/env node
// Benchmark: what the visitor profile and 50 segments cost per event, and how large the stored
// profile grows (issue 4, point 8; see bench/README.md, "profile.mjs").
//
// One headless Chromium run, the harness of bench/track.mjs (bench/track/harness.js: one
// track() per task, 10 ms apart; synchronous time per call, the call's whole task, the main
// thread's CPU time). persona is started from its npm entry in four configurations:
// personalization consent denied (no profile: tracking alone), profile without segments, profile
// with 50 segments, and the same 50 segments for a visitor without history; plus the harness
// alone. Before the measured events, each visitor (but the new one) has a history of 1,000
// events over several weeks of visits (the page's clock is moved forward between visits), so
// its profile is at its caps. Then the stored profile's size after 1,000 and 10,000 events, over
// the demo catalog and over the 3,291 Best Buy products of ../shared/datasets/. Results:
// bench/results/profile.md and profile.json.
//
//   node bench/profile.mjs                  # needs a built dist/ (npm run build)
//   BENCH_ROUNDS=2 node bench/profile.mjs   # fewer rounds (default 5)
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { CHROMIUM, launchBrowser } from "../tests/e2e/harness.mjs";
import { benchDir, dist, failWith, requireDist, resultsDir, root, writeResults } from "./common.mjs";
import { mainThreadMeter, median, ms, profileSummary, profileWasm, quantile, round, spread, stackTime, watchedPage, x2 } from "./speed.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const EVENTS = 200; // measured per run
const HISTORY = 1000; // events before the measured ones (a returning visitor)
const GAP_MS = 10; // between two measured track() calls, as in track.mjs
const SIZE_AT = [1000, 10000]; // stored profile size after this many events
const COLLECTOR_HOST = "collector.test";
const QUIET_MS = 200;
const LANDING = "?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday-2026";
const DATASETS = join(root, "..", "shared", "datasets");

const fail = failWith("profile");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const personaVersion = () => JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

// ---------------------------------------------------------------------------------------------
// Catalogs: the demo shop's, and a large real one for the size (more products, brands, tags).

function demoCatalog() {
  const c = JSON.parse(readFileSync(join(root, "www", "catalog.json"), "utf8"));
  const products = c.products.map((p) => ({ ...pick(p), weight: 1 + (p.review_count || 0) }));
  return { id: "demo", label: `demo shop (www/catalog.json, ${products.length} products)`, currency: c.currency, products };
}

function pick(p) {
  return { id: p.id, name: p.name, brand: p.brand, category: p.category, price: p.price, tags: p.tags };
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

/** ../shared/datasets/bestbuy-phones-3291.json: 3-level categories, the lowest is the category. */
function bestBuyCatalog() {
  const file = join(DATASETS, "bestbuy-phones-3291.json");
  if (!existsSync(file)) return null;
  const rows = JSON.parse(readFileSync(file, "utf8"));
  const products = rows.map((r, i) => ({
    id: `bb-${r.image?.match(/(\d+)_\w+\.\w+$/)?.[1] ?? i}`,
    name: r.name,
    brand: r.brand,
    category: slug(r.categories.at(-1)),
    price: r.price,
    tags: r.categories.slice(0, -1).map(slug),
    weight: 1 + (r.popularity || 0),
  }));
  return { id: "bestbuy", label: `Best Buy phones (../shared/datasets, ${products.length} products)`, currency: "USD", products };
}

// ---------------------------------------------------------------------------------------------
// The events: one visitor's visits. Each visit is a page view, maybe a search and a click,
// 1-4 product views, maybe an add to cart, and now and then an order. The visitor prefers a few
// categories (Zipf-like), and popular products within them.

function visitor(catalog, seed) {
  // mulberry32: independent draws in [0, 1) from a fixed seed.
  let state = seed * 7919;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const weighted = (items, weightOf) => {
    const total = items.reduce((s, x) => s + weightOf(x), 0);
    let r = random() * total;
    for (const x of items) if ((r -= weightOf(x)) < 0) return x;
    return items.at(-1);
  };
  const byCategory = new Map();
  for (const p of catalog.products) byCategory.set(p.category, [...(byCategory.get(p.category) || []), p]);
  const categories = [...byCategory.keys()].sort((a, b) => (slug(a + seed) < slug(b + seed) ? -1 : 1));
  const interest = (c) => 1 / (categories.indexOf(c) + 1) ** 1.2;
  const money = (x) => Math.round(x * 100) / 100;
  // Segment Ecommerce v2 product properties, with the catalog's tags.
  const product = ({ id, name, brand, category, price, tags }, extra) => {
    const url = `https://shop.example/p/${id}`;
    return { product_id: id, sku: id, name, brand, category, price, currency: catalog.currency, tags, url, ...extra };
  };
  let cart = [];
  let orders = 0;

  /** One visit's events; `gap` adds the clock moves before it (history and size runs). */
  function visit(gap) {
    const out = [];
    if (gap) {
      const r = random();
      // Same session (minutes), later that day or the next days (hours), or back after weeks.
      const minutes = r < 0.75 ? 2 + random() * 8 : r < 0.97 ? 60 + random() * 1740 : 10080 + random() * 20160;
      out.push(["@advance", Math.round(minutes * 60_000)]);
    }
    const category = weighted(categories, interest);
    const pool = byCategory.get(category);
    const choose = () => weighted(pool, (p) => p.weight);
    out.push(["Page Viewed", { name: "Category", category }]);
    const first = choose();
    if (random() < 0.5 && first.tags.length) {
      const query = first.tags[Math.floor(random() * first.tags.length)];
      out.push(["Products Searched", { query }]);
      const position = 1 + Math.floor(random() * 12);
      out.push(["Product Clicked", product(first, { query, position, list_id: "search_results" })]);
    }
    const views = 1 + Math.floor(random() * 4);
    for (let i = 0; i < views; i++) out.push(["Product Viewed", product(i === 0 ? first : choose())]);
    if (random() < 0.35) {
      const added = choose();
      const quantity = 1 + Math.floor(random() * 2);
      cart.push([added, quantity]);
      out.push(["Product Added", product(added, { quantity, cart_id: "cart-1" })]);
    }
    if (cart.length && random() < 0.15) {
      const lines = cart.map(([p, quantity]) => ({ ...product(p, { quantity }), url: undefined }));
      const revenue = money(cart.reduce((s, [p, q]) => s + p.price * q, 0));
      out.push(["Order Completed", { order_id: `order-${seed}-${++orders}`, revenue, currency: catalog.currency, products: lines }]);
      cart = [];
    }
    return out;
  }

  /** `count` events (clock moves not counted), visit by visit. */
  return (count, { gaps = false } = {}) => {
    const out = [];
    let events = 0;
    while (events < count) {
      for (const e of visit(gaps && out.length > 0)) {
        if (e[0] !== "@advance") {
          if (events === count) break;
          events++;
        }
        out.push(e);
      }
    }
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// 50 segments a shop selling games, consoles, headphones and phones would define, over every
// kind of attribute persona documents, with the operators GrowthBook's condition language has.

function segments(catalog) {
  const ids = (f) => catalog.products.filter(f).map((p) => p.id);
  const flagships = ids((p) => p.price >= 900);
  const ps5 = ids((p) => p.tags.includes("ps5") && p.category === "consoles");
  const list = [
    ["console-curious", { "affinity.category.consoles": { $gte: 3 }, "purchased.orders": 0 }],
    ["console-owner", { "purchased.categories": { $in: ["consoles"] } }],
    ["console-fan-no-console", { "affinity.category.consoles": { $gt: 10 }, "purchased.categories": { $nin: ["consoles"] } }],
    ["gamer", { $or: [{ "affinity.category.games": { $gt: 5 } }, { "affinity.category.consoles": { $gt: 5 } }, { "affinity.category.controllers": { $gt: 5 } }] }],
    ["playstation-fan", { "affinity.tags.playstation": { $gte: 4 } }],
    ["xbox-fan", { $or: [{ "affinity.tags.xbox": { $gte: 4 } }, { "affinity.tags.game-pass": { $gt: 1 } }] }],
    ["nintendo-family", { $and: [{ "affinity.brand.Nintendo": { $gt: 3 } }, { "affinity.tags.family": { $gt: 1 } }] }],
    ["pc-gamer", { $or: [{ "affinity.tags.steam": { $gt: 2 } }, { "affinity.tags.pc": { $gt: 4 } }] }],
    ["rpg-player", { "affinity.tags.rpg": { $gte: 2 }, "affinity.category.games": { $gt: 3 } }],
    ["audiophile", { "affinity.category.headphones": { $gt: 8 }, "affinity.price_band.250-500": { $gt: 2 } }],
    ["noise-cancelling", { "affinity.tags.noise-cancelling": { $gte: 3 } }],
    ["apple-user", { $or: [{ "affinity.brand.Apple": { $gt: 5 } }, { "purchased.categories": { $elemMatch: { $eq: "phones" } }, "affinity.tags.iphone": { $gt: 1 } }] }],
    ["android-user", { "affinity.tags.android": { $gt: 3 } }],
    ["phone-shopper", { "affinity.category.phones": { $gt: 6 }, "purchased.categories": { $nin: ["phones"] } }],
    ["needs-a-case", { $and: [{ "purchased.categories": { $in: ["phones"] } }, { "purchased.categories": { $nin: ["phone-cases"] } }] }],
    ["accessory-buyer", { "purchased.categories": { $in: ["controllers", "phone-cases", "headphones"] } }],
    ["multi-category-buyer", { "purchased.categories": { $size: { $gte: 3 } } }],
    ["console-and-game-buyer", { "purchased.categories": { $all: ["consoles", "games"] } }],
    ["high-value", { "purchased.revenue": { $gte: 1000 } }],
    ["repeat-buyer", { "purchased.orders": { $gte: 2 } }],
    ["first-time-buyer", { "purchased.orders": 1 }],
    ["lapsed-buyer", { "purchased.days_since": { $gt: 60 } }],
    ["recent-buyer", { "purchased.days_since": { $lte: 7 } }],
    ["engaged-non-buyer", { "purchased.orders": 0, "counts.product_viewed": { $gte: 20 } }],
    ["cart-abandoner", { "cart.items": { $gt: 0 }, "counts.order_completed": { $exists: false } }],
    ["big-cart", { "cart.items": { $gte: 3 } }],
    ["ps5-in-cart", { "cart.products": { $in: ps5 } }],
    ["viewed-flagship", { "viewed.products": { $elemMatch: { $in: flagships } } }],
    ["browser", { "viewed.count": { $gte: 50 } }],
    ["heavy-searcher", { "counts.products_searched": { $gte: 10 } }],
    ["searched-switch", { "searches.queries": { $elemMatch: { $regex: "^switch" } } }],
    ["searched-audio", { "searches.queries": { $elemMatch: { $regex: "noise|over-ear|in-ear|earbuds" } } }],
    ["searcher-no-order", { "counts.products_searched": { $gt: 5 }, "counts.order_completed": { $exists: false } }],
    ["newsletter-visitor", { "campaign.source": { $regex: "^news(letter)?$" } }],
    ["paid-search", { "campaign.medium": { $in: ["cpc", "ppc", "paidsearch"] } }],
    ["social", { "campaign.source": { $regexi: "facebook|instagram|tiktok" } }],
    ["black-friday", { "campaign.name": { $regex: "black.?friday" } }],
    ["email-first-touch", { "first_campaign.medium": "email" }],
    ["returning", { "session.count": { $gt: 1 } }],
    ["loyal-visitor", { "session.count": { $gte: 10 } }],
    ["new-visitor", { "session.count": { $lte: 1 } }],
    ["long-time-visitor", { days_since_first_seen: { $gte: 30 } }],
    ["loyalty-member", { "traits.loyalty_tier": { $in: ["gold", "platinum"] } }],
    ["known-customer", { user_id: { $exists: true } }],
    ["vip", { $and: [{ "traits.loyalty_tier": "platinum" }, { "purchased.revenue": { $gt: 2000 } }] }],
    ["newsletter-optin", { "traits.newsletter": true }],
    ["mobile", { "device.type": "mobile" }],
    ["budget-shopper", { $or: [{ "affinity.price_band.<10": { $gt: 3 } }, { "affinity.price_band.10-25": { $gt: 5 } }, { "affinity.tags.budget": { $gt: 2 } }] }],
    ["premium-shopper", { $or: [{ "affinity.price_band.1000+": { $gt: 2 } }, { "affinity.price_band.500-1000": { $gt: 4 } }] }],
    ["not-into-phones", { $nor: [{ "affinity.category.phones": { $gt: 1 } }, { "affinity.category.phone-cases": { $gt: 1 } }] }],
  ];
  return list.map(([key, condition]) => ({ key, name: key.replace(/-/g, " "), condition }));
}

const TRAITS = { loyalty_tier: "gold", newsletter: true };

// ---------------------------------------------------------------------------------------------
// What is compared.

const CONFIGS = [
  {
    id: "denied",
    label: "tracking only (personalization denied)",
    consent: { analytics: "granted", personalization: "denied" },
    history: true,
    about: "consent `{analytics: granted, personalization: denied}`: no profile, no segments; tracking alone",
  },
  {
    id: "profile",
    label: "profile, no segments",
    consent: "granted",
    history: true,
    about: "consent granted (the default), no `segments`: the profile is updated by every event",
  },
  {
    id: "segments",
    label: "profile + 50 segments",
    consent: "granted",
    segments: true,
    history: true,
    about: "consent granted, the 50 segments below, re-evaluated after every event",
  },
  {
    id: "segments-new",
    label: "profile + 50 segments, new visitor",
    consent: "granted",
    segments: true,
    history: false,
    about: "as above, but the measured events are the visitor's first (after the page view and the warm-up)",
  },
  {
    id: "baseline",
    label: "no SDK (harness only)",
    baseline: true,
    about: "track() does nothing: the harness's own cost, subtracted from task and main-thread times",
  },
];

// ---------------------------------------------------------------------------------------------
// The server: pages and files on 127.0.0.1, a collecting stub on collector.test (as in track.mjs).

const MIME = { js: "text/javascript", mjs: "text/javascript", wasm: "application/wasm", html: "text/html" };

async function startServer() {
  const state = { log: newLog(), unexpected: [], pages: new Map(), folders: { dist, track: join(benchDir, "track"), profile: join(benchDir, "profile") } };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if ((req.headers.host || "").startsWith(`${COLLECTOR_HOST}:`)) return collect(state, req, res);
    const page = url.pathname.match(/^\/page\/([\w-]+)\.html$/)?.[1];
    const file = url.pathname.match(/^\/(\w+)\/([\w.-]+)$/);
    const path = file && state.folders[file[1]] && join(state.folders[file[1]], file[2]);
    let body = state.pages.get(page);
    if (body === undefined && path && existsSync(path)) body = readFileSync(path);
    if (body === undefined) {
      state.unexpected.push(`GET ${url.pathname}`);
      res.writeHead(404).end();
      return;
    }
    const type = page ? MIME.html : MIME[path.split(".").at(-1)] || "application/octet-stream";
    // Cross-origin isolated, so performance.now() is precise to 5 µs.
    res.writeHead(200, {
      "content-type": type,
      "cache-control": "no-store",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return { server, state, origin: `http://127.0.0.1:${port}`, collector: `http://${COLLECTOR_HOST}:${port}` };
}

function newLog() {
  return { requests: 0, events: 0, names: {}, open: 0, lastAt: Date.now() };
}

const bodyOf = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });

/** Accepts every batch (200), counts events by name; answers CORS like a real collector. */
async function collect(state, req, res) {
  const log = state.log;
  log.open++;
  log.lastAt = Date.now();
  const text = await bodyOf(req);
  const cors = { "access-control-allow-origin": req.headers.origin || "*", "access-control-allow-credentials": "true", vary: "Origin" };
  if (req.method === "OPTIONS") {
    const allow = req.headers["access-control-request-headers"] || "content-type";
    res.writeHead(204, { ...cors, "access-control-allow-methods": "POST, OPTIONS", "access-control-allow-headers": allow, "access-control-max-age": "7200" });
    res.end();
  } else {
    log.requests++;
    let batch = [];
    try {
      batch = JSON.parse(text).batch || [];
    } catch {
      /* counted as a request without events */
    }
    for (const e of batch) {
      const name = e.type === "track" ? e.event : e.type;
      log.names[name] = (log.names[name] || 0) + 1;
    }
    log.events += batch.length;
    res.writeHead(200, { ...cors, "content-type": "application/json" });
    res.end("{}");
  }
  log.open--;
  log.lastAt = Date.now();
}

/** The page of one configuration: window.BENCH, the adapter and the harness. */
function pageHtml(srv, options) {
  const bench = { options };
  const scripts = options
    ? '<script type="module" src="/profile/adapter.js"></script>'
    : '<script src="/track/baseline.js"></script>';
  return `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Bench shop: profile</title>
<link rel="icon" href="data:,">
<script>window.BENCH = ${JSON.stringify(bench)};</script>
${scripts}
<script src="/track/harness.js"></script>
</head><body><h1>Bench shop</h1></body></html>`;
}

function optionsFor(srv, config, catalog, wasm) {
  if (config.baseline) return null;
  const options = { collector: { url: `${srv.collector}/v1/batch` }, consent: config.consent };
  if (config.segments) options.segments = segments(catalog);
  if (wasm) options.wasm = wasm;
  return options;
}

// Runs in the page before any script: Date.now() that the benchmark can move forward, so that a
// history spans visits days and weeks apart (sessions, decay, days_since) in seconds.
function movableClock() {
  const now = Date.now.bind(Date);
  let offset = 0;
  Date.now = () => now() + offset;
  window.benchClock = { advance: (ms) => (offset += ms) };
}

// ---------------------------------------------------------------------------------------------
// The run.

/** Until the outbox is empty and the collector has been quiet for `QUIET_MS`. */
async function settle(srv, page, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const log = srv.state.log;
    const pending = page ? await page.evaluate(() => window.benchProfile.pending()) : 0;
    if (pending === 0 && log.open === 0 && Date.now() - log.lastAt >= QUIET_MS) return;
    if (Date.now() > end) throw new Error(`${what}: ${pending} events still queued after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * A fresh context with persona started on the configuration's page, then `history` (events and
 * clock moves) tracked back to back and delivered.
 */
async function openPage(browser, srv, config, catalog, history, { wasm = null } = {}) {
  const { context, page, errors } = await watchedPage(browser, [srv.origin, srv.collector], srv.state.unexpected);
  await page.addInitScript(movableClock);
  const pageId = `${config.id}${wasm ? "-named" : ""}`;
  srv.state.pages.set(pageId, pageHtml(srv, optionsFor(srv, config, catalog, wasm)));
  srv.state.log = newLog();
  await page.goto(`${srv.origin}/page/${pageId}.html${LANDING}`);
  const { crossOriginIsolated } = await page.evaluate(() => window.bench.init());
  const live = !config.baseline;
  let api = null;
  let recorded = null;
  if (live) {
    api = await page.evaluate(() => window.benchProfile.api());
    await page.evaluate(([id, traits]) => window.benchProfile.identify(id, traits), ["customer-4711", TRAITS]);
    recorded = await page.evaluate((evs) => window.benchProfile.history(evs), history);
    await settle(srv, page, `${config.id} history`);
  }
  return { context, page, errors, crossOriginIsolated, api, history: recorded };
}

/** One measured run: EVENTS events one per task, GAP_MS apart (bench/track/harness.js). */
async function measureOnce(browser, srv, config, catalog, { history, events }, { profile = false, wasm = null } = {}) {
  const run = await openPage(browser, srv, config, catalog, config.history ? history.long : history.short, { wasm });
  const { context, page } = run;
  try {
    const before = run.api ? await page.evaluate(() => window.benchProfile.state()) : null;
    await page.evaluate((evs) => window.bench.stash(evs), events);
    const meter = await mainThreadMeter(context, page, { profile });
    srv.state.log = newLog();
    await meter.start();
    const { times, taskTimes } = await page.evaluate((gap) => window.bench.run(gap), GAP_MS);
    await settle(srv, config.baseline ? null : page, config.id);
    const { taskMs, cpuProfile } = await meter.stop();
    const after = run.api ? await page.evaluate(() => window.benchProfile.state()) : null;
    const log = srv.state.log;
    return {
      times,
      taskTimes,
      taskMs,
      received: log.events,
      requests: log.requests,
      segmentEvents: (log.names["Segment Entered"] || 0) + (log.names["Segment Exited"] || 0),
      segmentsBefore: before?.segments?.length ?? null,
      segmentsAfter: after?.segments ?? null,
      storedBytes: after?.storedBytes ?? null,
      historyMsPerEvent: run.history ? run.history.ms / run.history.tracked : null,
      api: run.api,
      crossOriginIsolated: run.crossOriginIsolated,
      errors: run.errors,
      cpuProfile,
    };
  } finally {
    srv.state.log = newLog();
    await context.close();
  }
}

/**
 * The stored profile after SIZE_AT events (the page view at init included) of visits over
 * weeks, over one catalog, with the 50 segments configured.
 */
async function measureSize(browser, srv, catalog) {
  const config = CONFIGS.find((c) => c.id === "segments");
  const run = await openPage(browser, srv, config, catalog, []);
  const { context, page } = run;
  try {
    const events = visitor(catalog, 11)(SIZE_AT.at(-1) - 1, { gaps: true });
    const points = [];
    let done = 1; // the page view at init
    let from = 0;
    for (const at of SIZE_AT) {
      // The events (and clock moves) up to the `at`-th event.
      let to = from;
      for (let n = done; to < events.length && n < at; to++) if (events[to][0] !== "@advance") n++;
      const h = await page.evaluate((evs) => window.benchProfile.history(evs), events.slice(from, to));
      done += h.tracked;
      from = to;
      await page.evaluate(() => window.benchProfile.persistNow());
      await settle(srv, page, `size ${catalog.id} ${at}`);
      const s = await page.evaluate(() => window.benchProfile.state());
      points.push({
        events: done,
        storedChars: s.storedChars,
        storedBytes: s.storedBytes,
        profileChars: s.profileChars,
        profileBytes: s.profileBytes,
        segments: s.segments,
        keys: s.keys,
        msPerEvent: h.ms / h.tracked,
        profile: s.profile,
        stored: s.stored,
      });
    }
    const days = events.filter((e) => e[0] === "@advance").reduce((t, e) => t + e[1], 0) / 86_400_000;
    return { catalog: catalog.label, id: catalog.id, days: round(days, 1), points, errors: run.errors };
  } finally {
    srv.state.log = newLog();
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Summary.

function summarise(config, runs) {
  const per = (f) => median(runs.map(f));
  const all = (k) => runs.flatMap((r) => r[k]);
  return {
    id: config.id,
    label: config.label,
    about: config.about,
    baseline: !!config.baseline,
    rounds: runs.length,
    callsMeasured: all("times").length,
    syncMedianMs: per((r) => median(r.times)),
    syncP95Ms: per((r) => quantile(r.times, 0.95)),
    callTaskMedianMs: per((r) => median(r.taskTimes)),
    callTaskP95Ms: per((r) => quantile(r.taskTimes, 0.95)),
    pooled: {
      syncMedianMs: median(all("times")),
      syncP95Ms: quantile(all("times"), 0.95),
      syncP99Ms: quantile(all("times"), 0.99),
      callTaskMedianMs: median(all("taskTimes")),
      callTaskP95Ms: quantile(all("taskTimes"), 0.95),
    },
    taskMsPer100: per((r) => (r.taskMs * 100) / EVENTS),
    received: runs.map((r) => r.received),
    segmentEvents: runs.map((r) => r.segmentEvents),
    segmentsAfter: runs.at(-1).segmentsAfter,
    storedBytes: per((r) => r.storedBytes ?? 0) || null,
    historyMsPerEvent: runs[0].historyMsPerEvent == null ? null : per((r) => r.historyMsPerEvent),
    perRound: runs.map((r) => ({
      syncMedianMs: median(r.times),
      syncP95Ms: quantile(r.times, 0.95),
      callTaskMedianMs: median(r.taskTimes),
      taskMsPer100: (r.taskMs * 100) / EVENTS,
    })),
    errors: [...new Set(runs.flatMap((r) => r.errors))],
  };
}

/** b − a for each measured quantity, with the task and main-thread times net of the harness. */
function differences(by) {
  const diff = (a, b) => ({
    syncMedianMs: by[b].syncMedianMs - by[a].syncMedianMs,
    syncP95Ms: by[b].syncP95Ms - by[a].syncP95Ms,
    callTaskMedianMs: by[b].callTaskMedianMs - by[a].callTaskMedianMs,
    mainThreadMsPerEvent: (by[b].taskMsPer100 - by[a].taskMsPer100) / 100,
  });
  return {
    profile: diff("denied", "profile"),
    segments: diff("profile", "segments"),
    both: diff("denied", "segments"),
  };
}

/** Each configuration ÷ tracking only (task and main thread net of the harness). */
function ratios(by) {
  const base = by.baseline;
  const net = (s, k) => s[k] - base[k];
  const r = (a, b) => (b > 0 ? round(a / b, 2) : null);
  const out = {};
  for (const id of ["profile", "segments", "segments-new"]) {
    out[id] = {
      syncMedian: r(by[id].syncMedianMs, by.denied.syncMedianMs),
      syncP95: r(by[id].syncP95Ms, by.denied.syncP95Ms),
      callTask: r(net(by[id], "callTaskMedianMs"), net(by.denied, "callTaskMedianMs")),
      mainThread: r(net(by[id], "taskMsPer100"), net(by.denied, "taskMsPer100")),
    };
  }
  return out;
}

/** persona's row of bench/results/track.json (plain tracking, measured by track.mjs). */
function trackResult() {
  const file = join(resultsDir, "track.json");
  if (!existsSync(file)) return null;
  const t = JSON.parse(readFileSync(file, "utf8"));
  const p = t.sdks.find((s) => s.id === "persona");
  const b = t.sdks.find((s) => s.baseline);
  return {
    date: t.date,
    syncMedianMs: p.syncMedianMs,
    callTaskMedianMs: p.callTaskMedianMs,
    callTaskNetMs: p.callTaskMedianMs - b.callTaskMedianMs,
    mainThreadNetMsPerEvent: (p.taskMs - b.taskMs) / t.eventsPerRun,
  };
}

/**
 * The personalization half of the engine in CPU profiles (names kept): everything under
 * `tracker::personal` (profile update, segment evaluation, Segment Entered/Exited events,
 * storing the profile), and that time split by what it does.
 */
function engineTime(profiles, events) {
  const first = (names, re) => {
    const i = names.findIndex((n) => re.test(n));
    return i < 0 ? Infinity : i;
  };
  const personal = (names) => first(names, /tracker::personal::|core::(profile|segments|condition)::/);
  // Innermost first: a tracker record() below the personal frame is a Segment Entered/Exited event.
  const segmentEvent = (names) => first(names, /tracker::Tracker<P>::record$/) < personal(names);
  const storing = (names) => !segmentEvent(names) && first(names, /Storage>::set|core::json::|personal::.*::save$/) <= personal(names);
  const condition = (names) => !segmentEvent(names) && !storing(names) && first(names, /core::condition::/) < Infinity;
  const rest = (names) => personal(names) < Infinity && !segmentEvent(names) && !storing(names) && !condition(names);
  return {
    events,
    personal: stackTime(profiles, (names) => personal(names) < Infinity),
    parts: [
      ["condition evaluation (50 segments)", stackTime(profiles, condition)],
      ["Segment Entered/Exited events (recorded, queued, stored)", stackTime(profiles, (n) => personal(n) < Infinity && segmentEvent(n))],
      ["storing the profile (encode, setItem)", stackTime(profiles, (n) => personal(n) < Infinity && storing(n))],
      ["profile update, attributes, the rest", stackTime(profiles, rest)],
    ].map(([what, t]) => ({ what, ms: t.ms, share: t.share })),
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  requireDist(fail, ["index.js", "persona.wasm"]);
  if (!existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM}; run bash scripts/setup.sh`);
  const started = Date.now();
  const load = loadavg()[0];
  const demo = demoCatalog();
  const catalogs = [demo, bestBuyCatalog()].filter(Boolean);
  const srv = await startServer();
  const wasmDir = profileWasm();
  if (wasmDir) srv.state.folders.wasm = wasmDir;
  const browser = await launchBrowser({ args: [`--host-resolver-rules=MAP ${COLLECTOR_HOST} 127.0.0.1`] });
  try {
    // The API this build has: without profile() and segments() there is nothing to measure.
    const probe = await openPage(browser, srv, CONFIGS.find((c) => c.id === "segments"), demo, []);
    const api = probe.api;
    const probeErrors = probe.errors;
    await probe.context.close();
    if (!api.profile || !api.segments) {
      fail(`this build has no profile()/segments() (${JSON.stringify(api)}; page errors: ${probeErrors.join("; ") || "none"})`);
    }

    // One visitor: a long history (returning) or a short warm-up (new), then the measured events.
    const returning = visitor(demo, 1);
    const history = { long: returning(HISTORY, { gaps: true }), short: visitor(demo, 1)(19) };
    const events = returning(EVENTS);
    const plan = { history, events };
    const mix = {};
    for (const [name] of events) mix[name] = (mix[name] || 0) + 1;
    const runs = new Map(CONFIGS.map((c) => [c.id, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = CONFIGS.map((_, i) => CONFIGS[(i + r) % CONFIGS.length]);
      for (const config of order) {
        const m = await measureOnce(browser, srv, config, demo, plan);
        runs.get(config.id).push(m);
        const segs = m.segmentsAfter ? `, in ${m.segmentsAfter.length} segments, ${m.segmentEvents} entered/exited` : "";
        console.log(
          `round ${r + 1}/${ROUNDS} ${config.id.padEnd(13)} sync median ${median(m.times).toFixed(3)} ms, ` +
            `task ${median(m.taskTimes).toFixed(3)} ms, main thread ${m.taskMs.toFixed(1)} ms${segs}`,
        );
      }
    }

    // Where the time goes: CPU profiles of the 50-segment configuration (names kept if possible).
    const segmentsConfig = CONFIGS.find((c) => c.id === "segments");
    const profiles = [];
    for (let i = 0; i < 2; i++) {
      const m = await measureOnce(browser, srv, segmentsConfig, demo, plan, { profile: true, wasm: wasmDir ? "/wasm/persona.wasm" : null });
      profiles.push(m.cpuProfile);
    }
    const cpu = profileSummary(profiles, !!wasmDir);
    const engine = wasmDir ? engineTime(profiles, EVENTS * profiles.length) : null;

    const sizes = [];
    for (const catalog of catalogs) {
      const s = await measureSize(browser, srv, catalog);
      sizes.push(s);
      for (const p of s.points) {
        console.log(`size ${catalog.id.padEnd(7)} after ${p.events} events: stored ${p.storedBytes} B, profile() ${p.profileBytes} B, ${p.segments?.length} segments`);
      }
    }

    const summary = CONFIGS.map((c) => summarise(c, runs.get(c.id)));
    const by = Object.fromEntries(summary.map((s) => [s.id, s]));
    const result = {
      date: new Date().toISOString(),
      persona: personaVersion(),
      node: process.version,
      chromium: browser.version(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model?.trim(), loadavg1m: { start: round(load, 2), end: round(loadavg()[0], 2) } },
      rounds: ROUNDS,
      eventsPerRun: EVENTS,
      historyEvents: HISTORY,
      gapMs: GAP_MS,
      eventMix: mix,
      landing: LANDING,
      traits: TRAITS,
      api,
      configs: summary,
      differences: differences(by),
      ratios: ratios(by),
      track: trackResult(),
      cpu: { ...cpu, engine },
      sizes: sizes.map((s) => ({ ...s, points: s.points.map(({ profile, stored, ...rest }) => rest) })),
      samples: sizes.map((s) => ({ id: s.id, events: s.points.at(-1).events, stored: s.points.at(-1).stored, profile: s.points.at(-1).profile })),
      segments: segments(demo),
      unexpectedRequests: [...new Set(srv.state.unexpected)],
      seconds: round((Date.now() - started) / 1000, 1),
    };
    console.log(`\n${headline(result).join("\n")}\n`);
    writeResults("profile", result, markdown(result));
    for (const s of summary.filter((x) => x.errors.length)) console.error(`bench/profile: ${s.id}: page errors: ${s.errors.join("; ")}`);
  } finally {
    await browser.close();
    srv.server.close();
    if (wasmDir) rmSync(wasmDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

const kb = (b) => (b == null ? "—" : `${b} B (${(b / 1024).toFixed(1)} KiB)`);
const plus = (x, d = 3) => (x == null ? "—" : `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(d)}`);

function headline(r) {
  const d = r.differences;
  const by = Object.fromEntries(r.configs.map((s) => [s.id, s]));
  const lines = r.configs.map(
    (s) =>
      `${s.label.padEnd(38)} sync ${ms(s.syncMedianMs)} / p95 ${ms(s.syncP95Ms)} ms, task ${ms(s.callTaskMedianMs)} ms, ` +
      `main thread ${ms(s.taskMsPer100 / 100)} ms/event`,
  );
  lines.push(
    `profile update: ${plus(d.profile.syncMedianMs)} ms sync, ${plus(d.profile.callTaskMedianMs)} ms task per event`,
    `50 segments:    ${plus(d.segments.syncMedianMs)} ms sync, ${plus(d.segments.callTaskMedianMs)} ms task per event`,
  );
  for (const s of r.sizes) {
    for (const p of s.points) lines.push(`${s.id} after ${p.events} events: stored ${kb(p.storedBytes)}, profile() ${kb(p.profileBytes)}`);
  }
  if (by.segments.syncMedianMs - by.denied.syncMedianMs > 1) lines.push("ALARM: profile + 50 segments cost more than 1 ms per event");
  const largest = Math.max(...r.sizes.flatMap((s) => s.points.map((p) => p.storedBytes ?? 0)));
  if (largest > 16 * 1024) lines.push(`ALARM: the stored profile reached ${kb(largest)}, over 16 KiB`);
  return lines;
}

function markdown(r) {
  const by = Object.fromEntries(r.configs.map((s) => [s.id, s]));
  const base = by.baseline;
  const mix = Object.entries(r.eventMix).map(([k, v]) => `${v} ${k}`).join(", ");
  const d = r.differences;
  const q = r.ratios;
  const t = r.track;
  const row = (s) => {
    const net = s.baseline ? 0 : base.taskMsPer100;
    return (
      `| ${s.label} | ${spread(s.callTaskMedianMs, s.perRound.map((x) => x.callTaskMedianMs), 3)} | ` +
      `${spread(s.syncMedianMs, s.perRound.map((x) => x.syncMedianMs), 3)} | ${ms(s.syncP95Ms)} | ${ms(s.pooled.syncP99Ms)} | ` +
      `${spread(s.taskMsPer100, s.perRound.map((x) => x.taskMsPer100), 1, net)} | ` +
      `${s.segmentsAfter ? s.segmentsAfter.length : "—"} | ${s.baseline || s.id === "denied" || s.id === "profile" ? "—" : median(s.segmentEvents)} |`
    );
  };
  const diffRow = (label, x) =>
    `| ${label} | ${plus(x.callTaskMedianMs)} | ${plus(x.syncMedianMs)} | ${plus(x.syncP95Ms)} | ${plus(x.mainThreadMsPerEvent)} |`;
  const ratioRow = (id) =>
    `| ${by[id].label} | ${x2(q[id].callTask)} | ${x2(q[id].syncMedian)} | ${x2(q[id].syncP95)} | ${x2(q[id].mainThread)} |`;
  const e = r.cpu.engine;
  const lines = [
    "# Profile and segments: cost per event and stored size",
    "",
    "Generated by `node bench/profile.mjs` (part of `npm run bench`); do not edit by hand.",
    "",
    `- date: ${r.date}; the run took ${r.seconds} s; persona ${r.persona}`,
    `- Chromium ${r.chromium} (headless, playwright-core), node ${r.node}`,
    `- machine: ${r.machine.cpus} × ${r.machine.cpu}, shared with other work (1-minute load average ` +
      `${r.machine.loadavg1m.start} at the start, ${r.machine.loadavg1m.end} at the end)`,
    `- ${r.rounds} rounds, the configurations interleaved (each round starts one further along the list); ` +
      "every number is the median over the rounds unless it says pooled",
    `- per run: ${r.eventsPerRun} shop events (${mix}), one per task ${r.gapMs} ms apart, by ` +
      "`bench/track/harness.js` (the harness of `track.mjs`); before them a history of " +
      `${r.historyEvents} events of the same mix over several weeks of visits (except for the new visitor)`,
    "",
    "## Cost per event",
    "",
    "| configuration | task ms/call, median | sync ms/call, median | sync p95 | sync p99 (pooled) | main-thread ms /100 events | segments the visitor is in | Segment Entered/Exited events /run |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...r.configs.map(row),
    "",
    "What the profile and the segments add per event (differences of the medians above; a difference " +
      "within the spread between rounds, in brackets above, is noise):",
    "",
    "| | task ms/call | sync ms/call, median | sync p95 | main-thread ms/event |",
    "|---|---:|---:|---:|---:|",
    diffRow("profile update (profile − tracking only)", d.profile),
    diffRow("50 segments (profile + 50 segments − profile)", d.segments),
    diffRow("profile + 50 segments (− tracking only)", d.both),
    "",
    "Each configuration ÷ tracking only (task and main-thread times net of the harness, the no-SDK row):",
    "",
    "| configuration | task per call | sync median | sync p95 | main thread |",
    "|---|---:|---:|---:|---:|",
    ...["profile", "segments", "segments-new"].map(ratioRow),
    "",
  ];
  if (t) {
    const net = by.segments.callTaskMedianMs - base.callTaskMedianMs;
    lines.push(
      `Against persona's plain tracking as \`track.mjs\` measured it (\`results/track.json\`, ${t.date}, ` +
        "script tag, default options, no segments, 19 warm-up events and no history): " +
        `${ms(t.syncMedianMs)} ms sync and ` +
        `${ms(t.callTaskNetMs)} ms task per call (net of its harness). Profile + 50 segments here: ` +
        `${ms(by.segments.syncMedianMs)} ms sync (${x2(by.segments.syncMedianMs / t.syncMedianMs)}) and ` +
        `${ms(net)} ms task net (${x2(net / t.callTaskNetMs)}).`,
      "",
    );
  }
  if (e) {
    lines.push(
      `Engine side: CPU profiles of ${r.cpu.runs} runs of the 50-segment configuration (${e.events} events, ` +
        "module built with function names): samples with persona's personalization code on the stack " +
        "(`tracker::personal`, `core::profile`, `core::segments`, `core::condition`, and what they call, " +
        `browser APIs included): ${ms(e.personal.ms, 1)} ms, **${ms(e.personal.ms / e.events)} ms per event**, ` +
        `${(e.personal.share * 100).toFixed(0)} % of the sampled busy time. Split by what it does:`,
      "",
      "| part | ms | ms per event |",
      "|---|---:|---:|",
      ...e.parts.map((p) => `| ${p.what} | ${p.ms.toFixed(1)} | ${ms(p.ms / e.events)} |`),
      "",
      "Under it, the time goes to (self time):",
      "",
      "| function | kind | ms | ms per event |",
      "|---|---|---:|---:|",
      ...e.personal.top.map(
        (f) => `| \`${f.function.replace(/\|/g, "\\|").slice(0, 90)}\` | ${f.kind} | ${f.ms.toFixed(1)} | ${ms(f.ms / e.events)} |`,
      ),
      "",
      "Sampling is wall time on a shared machine and the profiler slows the page down, so these are " +
        "shares more than absolute costs; the differences between configurations above are the cost.",
      "",
    );
  }
  lines.push(
    "## Stored profile size",
    "",
    "`localStorage[\"persona:profile\"]` (UTF-8 bytes; written on a `pagehide` first, as when the page is " +
      "hidden, since a visible page stores it at most every 2 s) and `JSON.stringify(p.profile())` after " +
      "visits with the same mix, the clock moved forward between visits (minutes within a session, hours " +
      "to days, now and then weeks), the 50 segments configured:",
    "",
    "| catalog | events | days covered | `persona:profile` | `profile()` as JSON | segments | ms/event while recording (back to back) |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...r.sizes.flatMap((s) =>
      s.points.map(
        (p) =>
          `| ${s.catalog} | ${p.events} | ${p === s.points.at(-1) ? s.days : "—"} | ${kb(p.storedBytes)} | ${kb(p.profileBytes)} | ` +
          `${p.segments ? p.segments.length : "—"} | ${ms(p.msPerEvent)} |`,
      ),
    ),
    "",
    "Every persona key in localStorage at the end (characters):",
    "",
    ...r.sizes.map((s) => `- ${s.id}: ${Object.entries(s.points.at(-1).keys).map(([k, v]) => `\`${k}\` ${v}`).join(", ")}`),
    "",
    "## Where the time goes",
    "",
    `CPU profiles of the 50-segment configuration, ${r.cpu.runs} runs summed (CDP sampling profiler, 50 µs, ` +
      `${r.cpu.wasmNames ? "the module rebuilt with its function names kept" : "the shipped module, wasm functions by index"}; ` +
      `${r.cpu.sampledBusyMs} ms sampled busy, wall time):`,
    "",
    "| kind of code | self ms | share |",
    "|---|---:|---:|",
    ...r.cpu.kinds.map((k) => `| ${k.kind} | ${k.ms.toFixed(1)} | ${(k.share * 100).toFixed(0)} % |`),
    "",
    "| wasm function (inclusive) | ms | share of busy |",
    "|---|---:|---:|",
    ...r.cpu.wasmInclusive.map((f) => `| \`${f.function.replace(/\|/g, "\\|").slice(0, 90)}\` | ${f.ms.toFixed(1)} | ${(f.share * 100).toFixed(0)} % |`),
    "",
    "## Method",
    "",
    "- One Node HTTP server serves the test pages on `http://127.0.0.1:PORT` (COOP/COEP: `performance.now()` " +
      "to 5 µs) and a collecting stub on `http://collector.test:PORT` (another site, mapped to 127.0.0.1 by " +
      "`--host-resolver-rules`) that accepts every batch with 200 and counts events by name, as in `track.mjs`.",
    "- persona is started from its npm entry (`dist/index.js`, `Persona.init`) with the configuration's " +
      "`consent` and `segments`, the collector URL and nothing else; the page is opened with " +
      `\`${r.landing}\` (so \`campaign.*\` has values) and \`identify("customer-4711", ${JSON.stringify(r.traits)})\` ` +
      "follows init (so `traits.*` and `user_id` have values), when the build has `identify`.",
    "- Each run gets a fresh browser context: load, init (a page view), identify, then the history " +
      `(${r.historyEvents} events back to back, yielding every 25; for the new visitor 19 events), flush, ` +
      "until the outbox is empty; then the measured events through `bench/track/harness.js` (`run`: one " +
      "`track()` or `page()` per task, the synchronous call timed with `performance.now()`, the call's task " +
      "until a `MessageChannel` message arrives), flush, until the outbox is empty and the stub has been " +
      `quiet for ${QUIET_MS} ms. Main-thread ms: CDP \`Performance.getMetrics\` \`TaskDuration\` ` +
      "(`threadTicks`) over that window.",
    "- The page's `Date.now()` can be moved forward (an init script), so a history spans visits minutes, " +
      "days and weeks apart: sessions end, affinities decay, `days_since` grows.",
    "- The events: visits of one visitor who prefers a few categories (Zipf-like) and popular products " +
      "(review count, popularity): a page view, a search and a click half the time, 1–4 product views " +
      "(`product_id`, `name`, `brand`, `category`, `price`, `tags`...), an add to cart a third of the time, " +
      "and an order when the cart holds something, 15 % of visits.",
    "- The 50 segments (in `profile.json`) read every documented attribute kind: `affinity.<facet>.<value>` " +
      "(`$gt`/`$gte`, inside `$or`/`$and`/`$nor`), `purchased.categories` (`$in`, `$nin`, `$all`, `$size`, " +
      "`$elemMatch`), `viewed.products`/`cart.products` (`$elemMatch`/`$in`), `searches.queries` (`$elemMatch` " +
      "+ `$regex`), `campaign.*` (`$regex`, `$regexi`, `$in`), `first_campaign.*`, `counts.*`, `session.count`, " +
      "`days_since_first_seen`, `purchased.days_since`, `traits.*`, `user_id`, `device.type`.",
    "",
  );
  if (r.unexpectedRequests.length) lines.push(`Requests to anything else: ${r.unexpectedRequests.join(", ")}.`, "");
  return `${lines.join("\n")}\n`;
}

main().catch((err) => fail(err.stack || err.message));
