#!/usr/bin/env node
// Search speed and memory in Chromium: persona's search module against MiniSearch, FlexSearch
// and Orama, in one headless Chromium run, each engine configured as in bench/search/engines.mjs.
//
// Catalogs: ../shared/datasets/bestbuy-phones-3291.json (3,291 products), and a 10× catalog
// derived from it (each product ten times, ids and names made distinct: 32,910 products).
// Per catalog and engine, in a fresh page of its own: index build time (from the catalog's products in memory:
// persona's includes writing and reading the JSON text it takes), the index's bytes in the
// engine's own serialised form, heap growth after a forced GC (persona: JS heap plus the wasm
// memory it grew by), then the 46 judged queries (bench/search/judged-queries.json) × ROUNDS,
// each timed alone: p50 and p95 per query, top 10 asked for; persona also loads its pre-built
// index (the bytes it exported) into a fresh engine, timed. persona searches through the same
// call as `p.search` (options and an empty profile crossing as JSON), without personal order;
// the row "persona, p.search (worker)" is the SDK as a shop calls it (Persona.init, then
// p.search.load and p.search), with the module in its worker: the message round trip included.
//
//   node bench/search-speed.mjs              # needs a build (npm run build)
//   BENCH_ROUNDS=5 node bench/search-speed.mjs
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { launchBrowser } from "../tests/e2e/harness.mjs";
import { BROWSER_BUNDLE, benchDir, dist, failWith, requireDist, serveFiles, version, writeResults } from "./common.mjs";
import { median, quantile } from "./speed.mjs";
import { loadCatalog } from "./search/catalog.mjs";

const fail = failWith("search-speed");
requireDist(fail, ["persona.wasm", "index.js", "persona-search.js", "persona-search-worker.js", "persona-search.wasm"]);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 20);
const ENGINES = ["persona", "persona, p.search (worker)", "MiniSearch", "FlexSearch", "Orama"];
const started = Date.now();

const esbuild = await import("esbuild").catch(() => fail("esbuild is not installed; run bash scripts/setup.sh"));
const bundle = await esbuild.build({
  ...BROWSER_BUNDLE,
  entryPoints: [join(benchDir, "search", "page.mjs")],
  logLevel: "error",
});

const base = loadCatalog();
const tenfold = [];
for (let k = 0; k < 10; k++) for (const p of base) tenfold.push({ ...p, id: `${p.id}-${k}`, name: k ? `${p.name} (${["edition", "bundle", "pack", "kit", "set", "series", "plus", "lite", "max"][k - 1]} ${k})` : p.name });
const catalogs = { "3291": base, "32910": tenfold };
const queries = JSON.parse(readFileSync(join(benchDir, "search", "judged-queries.json"), "utf8")).queries.map((q) => q.query);

const files = {
  "/": ["text/html", "<!doctype html><meta charset=utf-8><title>search bench</title><script type=module src=/page.js></script>"],
  "/page.js": ["text/javascript", bundle.outputFiles[0].contents],
  "/persona-search.wasm": ["application/wasm", readFileSync(join(dist, "persona-search.wasm"))],
  // The SDK itself, for the p.search row: its chunks load from next to /persona.wasm.
  "/persona.wasm": ["application/wasm", readFileSync(join(dist, "persona.wasm"))],
  "/persona-search.js": ["text/javascript", readFileSync(join(dist, "persona-search.js"))],
  "/persona-search-worker.js": ["text/javascript", readFileSync(join(dist, "persona-search-worker.js"))],
  ...Object.fromEntries(Object.entries(catalogs).map(([n, list]) => [`/catalog-${n}.json`, ["application/json", JSON.stringify(list)]])),
};
const server = await serveFiles(files, { isolated: true });
const { origin } = server;

const browser = await launchBrowser({ args: ["--js-flags=--expose-gc", "--enable-precise-memory-info"] });
const results = {};
try {
  for (const n of Object.keys(catalogs)) {
    results[n] = [];
    for (const engine of ENGINES) {
      const page = await (await browser.newContext()).newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(origin);
      await page.waitForFunction(() => typeof window.run === "function");
      const r = await page.evaluate((o) => window.run(o), { engine, wasmUrl: "/persona-search.wasm", catalogUrl: `/catalog-${n}.json`, queries, rounds: ROUNDS });
      if (errors.length) fail(`page errors: ${errors.join("; ")}`);
      if (!r.isolated) fail("the page is not cross-origin isolated: timer steps would be 100 µs");
      results[n].push(r);
      await page.context().close();
    }
  }
} finally {
  await browser.close();
  server.close();
}

const rows = [];
for (const [n, list] of Object.entries(results)) {
  for (const r of list) {
    rows.push({ catalog: Number(n), engine: r.engine, buildMs: r.buildMs, loadMs: r.loadMs, indexBytes: r.indexBytes, heapBytes: r.heapBytes, p50: median(r.times), p95: quantile(r.times, 0.95), queries: r.times.length });
  }
}
const f = (x, d = 2) => (x == null ? "—" : x.toFixed(d));
const kb = (b) => (b == null ? "—" : `${(b / 1024).toFixed(0)} KB`);
const versions = { minisearch: version("minisearch"), flexsearch: version("flexsearch"), "@orama/orama": version("@orama/orama") };
let md = `# Search speed and memory: persona vs MiniSearch, FlexSearch, Orama\n\n`;
md += `Generated by \`node bench/search-speed.mjs\` on ${new Date().toISOString().slice(0, 10)}: one headless Chromium run, ${ROUNDS} rounds of the ${queries.length} judged queries per engine, `;
md += `${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}. Peers: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ")}.\n\n`;
for (const n of Object.keys(results)) {
  const part = rows.filter((r) => r.catalog === Number(n));
  const p = part.find((r) => r.engine === "persona");
  md += `## ${Number(n).toLocaleString("en")} products\n\n| engine | build ms | index bytes | heap | query p50 ms | query p95 ms | p50 persona/peer | build persona/peer |\n|---|---|---|---|---|---|---|---|\n`;
  for (const r of part) {
    const ratio = (a, b) => (r.engine.startsWith("persona") ? "—" : `${(a / b).toFixed(2)}×`);
    md += `| ${r.engine} | ${f(r.buildMs, 0)} | ${kb(r.indexBytes)} | ${kb(r.heapBytes)} | ${f(r.p50, 3)} | ${f(r.p95, 3)} | ${ratio(p.p50, r.p50)} | ${ratio(p.buildMs, r.buildMs)} |\n`;
  }
  md += `\nThe p.search row is persona through its public API, the module in a worker: build is \`p.search.load(products)\`, each query a message to the worker and back; the worker's memory is not in the page's heap.\n`;
  md += `\npersona loads its pre-built index of this catalog (${kb(p.indexBytes)}) in ${f(p.loadMs, 0)} ms instead of indexing.\n\n`;
}
md += `Ratios below 1.00× mean persona is faster. Relevance of the same engines: \`search-quality.md\`.\n`;
writeResults("search-speed", { seconds: Math.round((Date.now() - started) / 1000), rounds: ROUNDS, versions, rows }, md);
