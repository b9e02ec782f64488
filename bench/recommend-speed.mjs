#!/usr/bin/env node
// Recommendations speed and memory: persona's seven strategies over a 10,000-product catalog and
// a model built by the project's own reference collector, in one headless Chromium run.
//
// 1. The catalog: ../shared/datasets/bestbuy-phones-3291.json (read at run time), repeated with
//    distinct ids and names until 10,000 products (bench/recommend/shop.mjs).
// 2. The model: the real collector (tests/e2e/harness.mjs) receives a seeded shop history over
//    `POST /v1/batch` (20,000 orders of 2–5 products and 20,000 visits of 2–6 product views,
//    Zipf-like popularity, some category coherence); `collector model --neighbours 20` builds
//    the model, timed, and `GET /v1/model` serves it: its bytes, raw and gzip -9.
// 3. The SDK as a shop uses it, from dist/index.js: Persona.init, p.search.load(catalog),
//    p.recommend.load(model), a visitor's history through p.track, then each strategy timed
//    alone (`await p.recommend({strategy, product_id, limit: 10})`, ROUNDS calls each, the
//    product rotating over 50 popular product pages). Twice: with the search module in its Web
//    Worker (the default), and on the page's thread (a page without `Worker`). The module's wasm
//    memory is read between the steps (see PROBE below); the page's JS heap after forced GCs.
//
//   node bench/recommend-speed.mjs              # needs a build (npm run build)
//   BENCH_ROUNDS=50 node bench/recommend-speed.mjs
//   PERSONA_COLLECTOR_BIN=target/release/collector node bench/recommend-speed.mjs
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { basename, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { collectorBinary, launchBrowser, startCollector } from "../tests/e2e/harness.mjs";
import { BROWSER_BUNDLE, benchDir, dist, failWith, requireDist, root, serveFiles, writeResults } from "./common.mjs";
import { median, quantile, watchedPage } from "./speed.mjs";
import { COMPLEMENTS, PRODUCTS, anchors, catalog, complementsOf, history, visitorEvents } from "./recommend/shop.mjs";

const fail = failWith("recommend-speed");
requireDist(fail, ["persona.wasm", "index.js", "persona-search.js", "persona-search-worker.js", "persona-search.wasm"]);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 200);
const NEIGHBOURS = 20;
const ANCHORS = 50;
const STRATEGIES = ["recently_viewed", "similar", "bought_together", "viewed_together", "complementary", "trending", "for_you"];
const ROWS = [
  { name: "worker", label: "module in its Web Worker (default)", mainThread: false },
  { name: "main thread", label: "module on the page's thread (no `Worker`)", mainThread: true },
];
const started = Date.now();
const loadStart = loadavg()[0];

const esbuild = await import("esbuild").catch(() => fail("esbuild is not installed; run bash scripts/setup.sh"));
const bundle = await esbuild.build({ ...BROWSER_BUNDLE, entryPoints: [join(benchDir, "recommend", "page.mjs")], logLevel: "error" });

// ---- 1. The catalog and the shop's history ----------------------------------------------------
const products = catalog();
const shop = history(products);
// The product pages the timed calls rotate through: popular products; for `complementary`,
// popular products of a category with a complement rule (without one it has nothing to show).
const pages = anchors(products, shop.popular, ANCHORS);
const ruledPages = anchors(products, shop.popular, ANCHORS, (p) => complementsOf(p).length > 0);
const anchorsOf = Object.fromEntries(STRATEGIES.map((s) => [s, s === "complementary" ? ruledPages : pages]));

// ---- 2. The model, built by the reference collector ------------------------------------------
let binary;
try {
  binary = collectorBinary(); // builds it with cargo when needed
} catch (e) {
  fail(e.message);
}
const collector = await startCollector().catch((e) => fail(`the collector did not start: ${e.message}`));
let model;
let modelError;
try {
  model = await buildModel(collector);
} catch (e) {
  modelError = e;
} finally {
  await collector.stop(); // before giving up: no collector is left behind
}
if (modelError) fail(`building the model failed: ${modelError.stack || modelError}`);

/** Posts the history, runs `collector model`, fetches `/v1/model`. */
async function buildModel({ url, db }) {
  // The collector takes at most 1 MiB and 10,000 events per batch: batches of ≤ 4,000 events
  // and ≤ 900 KB.
  let batch = [];
  let bytes = 0;
  let posted = 0;
  const send = async () => {
    if (!batch.length) return;
    const res = await fetch(`${url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ batch }) });
    if (res.status !== 200) throw new Error(`POST /v1/batch: ${res.status} ${await res.text()}`);
    posted += batch.length;
    batch = [];
    bytes = 0;
  };
  const postStart = performance.now();
  for (const m of shop.messages) {
    const size = JSON.stringify(m).length + 1;
    if (batch.length === 4000 || bytes + size > 900_000) await send();
    batch.push(m);
    bytes += size;
  }
  await send();
  const postMs = performance.now() - postStart;

  const t = performance.now();
  const env = { ...process.env };
  delete env.PERSONA_DB;
  const run = spawnSync(binary, ["model", "--db", db, "--neighbours", String(NEIGHBOURS)], { encoding: "utf8", env });
  const buildMs = performance.now() - t;
  if (run.status !== 0) throw new Error(`collector model exited with ${run.status}: ${run.stdout} ${run.stderr}`);
  const summary = run.stdout.trim().split("\n").find((l) => l.startsWith("recommendations model:")) ?? run.stdout.trim();

  const res = await fetch(`${url}/v1/model`);
  if (res.status !== 200) throw new Error(`GET /v1/model: ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const json = JSON.parse(body.toString("utf8"));
  const count = (key) => json[key].reduce((n, list) => n + list.length / 2, 0);
  return {
    body,
    posted,
    postMs,
    buildMs,
    summary,
    products: json.products.length,
    neighbours: { bought: count("bought"), viewed: count("viewed") },
    bytes: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
  };
}
const found = new Set(JSON.parse(model.body).products);
const inModel = (ids) => ids.filter((id) => found.has(id)).length;
console.log(`model: ${model.summary} (collector model ${(model.buildMs / 1000).toFixed(2)} s)`);

// ---- 3. The SDK in Chromium ------------------------------------------------------------------
// The wasm memory probe. wasm-bindgen's loaders do not expose the module's memory, so the page
// (an init script) and the worker (a line served before dist/persona-search-worker.js, which is
// otherwise served as built) keep a reference to every instance's exported memory as it is
// created: `WebAssembly.instantiate`/`instantiateStreaming` on the page, `new
// WebAssembly.Instance` (initSync) in the worker. Nothing else changes; reading
// `memory.buffer.byteLength` costs nothing the calls see.
const PROBE = `(() => {
  const seen = (self.__personaMemories = []);
  const note = (url, instance) => {
    for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) seen.push({ url, memory: v });
  };
  WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget);
      note("Instance", instance);
      return instance;
    },
  });
  const streaming = WebAssembly.instantiateStreaming;
  if (streaming) WebAssembly.instantiateStreaming = async function (source, imports) {
    const response = await source;
    const result = await streaming.call(this, response, imports);
    note(response.url, result.instance);
    return result;
  };
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (source, imports) {
    const result = await instantiate.call(this, source, imports);
    note("bytes", result.instance ?? result);
    return result;
  };
})();\n`;

const files = {
  "/": ["text/html", "<!doctype html><meta charset=utf-8><title>recommend bench</title><script type=module src=/page.js></script>"],
  "/page.js": ["text/javascript", bundle.outputFiles[0].contents],
  "/persona.wasm": ["application/wasm", readFileSync(join(dist, "persona.wasm"))],
  "/persona-search.js": ["text/javascript", readFileSync(join(dist, "persona-search.js"))],
  "/persona-search-worker.js": ["text/javascript", PROBE + readFileSync(join(dist, "persona-search-worker.js"), "utf8")],
  "/persona-search.wasm": ["application/wasm", readFileSync(join(dist, "persona-search.wasm"))],
  "/catalog.json": ["application/json", JSON.stringify(products)],
  "/model.json": ["application/json", model.body],
};
const server = await serveFiles(files, { isolated: true });
const { origin, missing } = server;

const browser = await launchBrowser({ args: ["--js-flags=--expose-gc", "--enable-precise-memory-info"] });
const runs = [];
let browserError;
try {
  for (const row of ROWS) runs.push(await measure(row));
} catch (e) {
  browserError = e;
} finally {
  await browser.close();
  server.close();
}
if (browserError) fail(browserError.stack || String(browserError));

/** One fresh page: init, catalog, model, history, the first call, the timed rounds. */
async function measure(row) {
  const unexpected = [];
  const { context, page, errors } = await watchedPage(browser, [origin], unexpected);
  await context.addInitScript({ content: PROBE });
  await page.goto(origin);
  await page.waitForFunction(() => typeof window.bench === "object");
  // The search module's wasm memory, wherever it runs (bytes; null before it is loaded).
  const wasmBytes = async () => {
    if (!row.mainThread) {
      const worker = page.workers().find((w) => w.url().endsWith("/persona-search-worker.js"));
      return worker ? worker.evaluate(() => self.__personaMemories.reduce((n, m) => n + m.memory.buffer.byteLength, 0)) : null;
    }
    return page.evaluate(() => {
      const search = self.__personaMemories.filter((m) => m.url.endsWith("/persona-search.wasm"));
      return search.length ? search.reduce((n, m) => n + m.memory.buffer.byteLength, 0) : null;
    });
  };
  const step = (name, arg) => page.evaluate(([n, a]) => window.bench[n](a), [name, arg]);

  const init = await step("init", { mainThread: row.mainThread, complements: COMPLEMENTS });
  if (!init.isolated) throw new Error("the page is not cross-origin isolated: timer steps would be 100 µs");
  if (init.degraded) throw new Error("persona started degraded (no wasm)");
  const cat = await step("catalog", "/catalog.json");
  if (cat.n !== PRODUCTS) throw new Error(`p.search.load indexed ${cat.n} products, not ${PRODUCTS}`);
  const wasmCatalog = await wasmBytes();
  const mod = await step("model", "/model.json");
  if (mod.status.warning || mod.status.found !== model.products) throw new Error(`p.recommend.load: ${JSON.stringify(mod.status)}`);
  const wasmModel = await wasmBytes();
  const profile = await step("history", visitorEvents(products, shop.popular));
  const first = await step("first", { strategy: "for_you", product_id: pages[0], limit: 10 });
  const wasmFirst = await wasmBytes();
  const timed = await step("run", { strategies: STRATEGIES, anchors: anchorsOf, rounds: ROUNDS });
  const wasmEnd = await wasmBytes();
  // Where the module ran: its memory is found in the worker, or on the page.
  const onPage = await page.evaluate(() => self.__personaMemories.some((m) => m.url.endsWith("/persona-search.wasm")));
  if (onPage !== row.mainThread) throw new Error(`the search module ran ${onPage ? "on the page" : "elsewhere"} in the ${row.name} row`);
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}${missing.length ? ` (not found: ${missing.join(", ")})` : ""}`);
  if (unexpected.length) throw new Error(`requests outside the benchmark's server: ${unexpected.join(", ")}`);
  await context.close();
  console.log(`${row.name}: ${STRATEGIES.map((s) => `${s} ${median(timed.results[s].times).toFixed(2)} ms`).join(", ")}`);
  return {
    row: row.name,
    searchLoadMs: cat.ms,
    modelLoadMs: mod.ms,
    firstCallMs: first.ms,
    profile: { viewed: profile.viewed, cart: profile.cart },
    wasm: { afterCatalog: wasmCatalog, afterModel: wasmModel, afterFirstCall: wasmFirst, afterRuns: wasmEnd },
    pageHeap: { beforeInit: init.heapBefore, afterInit: init.heap, afterCatalog: cat.heap, afterModel: mod.heap, afterRuns: timed.heap },
    strategies: STRATEGIES.map((s) => {
      const r = timed.results[s];
      return {
        strategy: s,
        calls: r.times.length,
        p50: median(r.times),
        p95: quantile(r.times, 0.95),
        max: Math.max(...r.times),
        meanItems: r.items / r.times.length,
        fallbackShare: r.fallback / r.times.length,
        empty: r.empty,
        notReady: r.notReady,
        reasons: r.reasons,
        warnings: r.warnings,
      };
    }),
  };
}

// ---- 4. The report -----------------------------------------------------------------------------
const f = (x, d = 2) => (x == null ? "—" : x.toFixed(d));
const mb = (b) => (b == null ? "—" : `${(b / 1048576).toFixed(1)} MB`);
const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
const int = (n) => n.toLocaleString("en");
const binaryName = relative(root, binary) || basename(binary);
const profileOfBinary = binary.includes(`${join("target", "release")}`) ? "release" : binary.includes(join("target", "debug")) ? "debug" : "given";
const loadEnd = loadavg()[0];
const [worker, main] = runs;

let md = `# Recommendations speed and memory: persona, 10,000 products\n\n`;
md += `Generated by \`node bench/recommend-speed.mjs\` on ${new Date().toISOString().slice(0, 10)}: one headless Chromium run, ${ROUNDS} calls per strategy and row, `;
md += `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GB, load ${loadStart.toFixed(1)} at the start and ${loadEnd.toFixed(1)} at the end.\n\n`;
md += `No peer is measured: the recommendation engines a shop would otherwise use are hosted services (the recommendations come back from their servers), `;
md += `so there is nothing to run side by side in the browser. The numbers are absolute.\n\n`;

md += `## The model\n\n`;
md += `Built by the reference collector from a seeded history posted to its \`POST /v1/batch\`: ${int(shop.orders)} \`Order Completed\` (2–5 products) and ${int(shop.views)} \`Product Viewed\` in ${int(shop.visits)} visits (2–6 views), `;
md += `products drawn with Zipf popularity (s = 1) and some category coherence (\`bench/recommend/shop.mjs\`). `;
md += `${int(found.size)} of the ${int(PRODUCTS)} products occur in it (the long tail was never bought or viewed).\n\n`;
md += `| | |\n|---|---|\n`;
md += `| products in the model | ${int(model.products)} |\n`;
md += `| neighbours per product (\`--neighbours\`) | at most ${NEIGHBOURS} per relation; on average ${f(model.neighbours.bought / model.products, 1)} bought together, ${f(model.neighbours.viewed / model.products, 1)} viewed together |\n`;
md += `| \`GET /v1/model\` bytes, raw | ${int(model.bytes)} (${f(model.bytes / model.products, 1)} per product) |\n`;
md += `| gzip -9 | ${int(model.gzip)} (${f(model.gzip / model.products, 1)} per product) |\n`;
md += `| \`collector model --neighbours ${NEIGHBOURS}\` | ${f(model.buildMs / 1000, 2)} s wall time (process start, reading ${int(model.posted)} stored events from SQLite, building, writing), ${profileOfBinary} build \`${binaryName}\` |\n`;
md += `\n\`collector model\` said: \`${model.summary.replace(/ -> .*/, "")}\`.`;
if (profileOfBinary === "debug") md += ` The binary is the tests' unoptimised debug build (what \`tests/e2e/harness.mjs\` builds); a release build (\`PERSONA_COLLECTOR_BIN=target/release/collector\`) builds faster.`;
md += `\n\n`;

md += `## Loading\n\n`;
md += `${ROWS.map((r) => `${r.name}: ${r.label}`).join("; ")}. A fresh page each.\n\n`;
md += `| | ${runs.map((r) => r.row).join(" | ")} |\n|---|${runs.map(() => "---").join("|")}|\n`;
md += `| \`p.search.load(products)\` ms (index ${int(PRODUCTS)} products) | ${runs.map((r) => f(r.searchLoadMs, 0)).join(" | ")} |\n`;
md += `| \`p.recommend.load(model)\` ms (the model object) | ${runs.map((r) => f(r.modelLoadMs, 0)).join(" | ")} |\n`;
md += `| first \`p.recommend\` ms (\`for_you\`; computes the catalog's content features once) | ${runs.map((r) => f(r.firstCallMs, 1)).join(" | ")} |\n`;
md += `| search module's wasm memory after the catalog | ${runs.map((r) => mb(r.wasm.afterCatalog)).join(" | ")} |\n`;
md += `| … after the model | ${runs.map((r) => mb(r.wasm.afterModel)).join(" | ")} |\n`;
md += `| … after the first call | ${runs.map((r) => mb(r.wasm.afterFirstCall)).join(" | ")} |\n`;
md += `| … after every timed call | ${runs.map((r) => mb(r.wasm.afterRuns)).join(" | ")} |\n`;
md += `| page JS heap growth, catalog and model loaded | ${runs.map((r) => mb(r.pageHeap.afterModel - r.pageHeap.afterInit)).join(" | ")} |\n`;
md += `| … after every timed call | ${runs.map((r) => mb(r.pageHeap.afterRuns - r.pageHeap.afterInit)).join(" | ")} |\n`;
md += `\nWasm memory is the search module's linear memory (\`memory.buffer.byteLength\`), read from the page or from the worker through a probe that keeps a reference to each instance's exported memory as it is created (a few lines before the worker script and an init script on the page; the shipped files are otherwise unchanged). `;
md += `Linear memory only grows, so each figure is the peak so far, transient parsing buffers included. `;
md += `The page's JS heap is \`performance.memory.usedJSHeapSize\` after forced GCs: the SDK keeps the shop's product objects there (hits are mapped back to them), in both rows; the worker's own JS heap is not counted. `;
md += `The catalog and the model are fetched before the timing starts and handed over as objects, as a shop that already has them would.\n\n`;

md += `## Each strategy\n\n`;
md += `\`await p.recommend({strategy, product_id, limit: 10})\`, each call timed alone (\`performance.now()\`, 5 µs steps: the page is cross-origin isolated), the message round trip to the worker included in the worker row. `;
md += `Rounds interleave the strategies; \`product_id\` rotates over ${ANCHORS} product pages drawn by popularity, ${inModel(pages)} of them in the model (for \`complementary\`, ${ANCHORS} products of a category with a complement rule, ${inModel(ruledPages)} in the model). `;
md += `The visitor viewed ${worker.profile.viewed} products (the profile keeps the newest 20) and has ${worker.profile.cart} in the cart, through \`p.track\`. `;
md += `Complement rules: ${Object.entries(COMPLEMENTS).map(([k, v]) => `${k} → ${v.join(", ")}`).join("; ")}.\n\n`;
md += `| strategy | worker p50 ms | worker p95 ms | main thread p50 ms | main thread p95 ms | items | popular fill | reasons |\n|---|---|---|---|---|---|---|---|\n`;
for (const s of STRATEGIES) {
  const w = worker.strategies.find((x) => x.strategy === s);
  const m = main.strategies.find((x) => x.strategy === s);
  const reasons = Object.entries(w.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${Math.round((100 * n) / (w.meanItems * w.calls))} %`)
    .join(", ");
  md += `| ${s} | ${f(w.p50, 3)} | ${f(w.p95, 3)} | ${f(m.p50, 3)} | ${f(m.p95, 3)} | ${f(w.meanItems, 1)} | ${Math.round(100 * w.fallbackShare)} % | ${reasons} |\n`;
}
md += `\nitems: mean items returned (10 asked for); popular fill: share of calls where popularity filled part of the list; reasons: what the items' \`reason\` said (worker row). `;
md += `Machine: ${process.platform} ${process.arch}, Node ${process.version}.\n`;

writeResults(
  "recommend-speed",
  {
    seconds: Math.round((Date.now() - started) / 1000),
    rounds: ROUNDS,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), memoryBytes: totalmem(), loadavgStart: loadStart, loadavgEnd: loadEnd, node: process.version },
    catalog: { products: PRODUCTS, inModel: found.size, anchors: { pages, complementary: ruledPages, pagesInModel: inModel(pages), complementaryInModel: inModel(ruledPages) } },
    history: { orders: shop.orders, visits: shop.visits, views: shop.views, events: model.posted, postMs: Math.round(model.postMs) },
    model: {
      binary: binaryName,
      profile: profileOfBinary,
      buildMs: Math.round(model.buildMs),
      summary: model.summary,
      products: model.products,
      neighbours: NEIGHBOURS,
      neighboursStored: model.neighbours,
      bytes: model.bytes,
      gzipBytes: model.gzip,
      bytesPerProduct: model.bytes / model.products,
      gzipBytesPerProduct: model.gzip / model.products,
    },
    complements: COMPLEMENTS,
    runs,
  },
  md,
);
