#!/usr/bin/env node
// Re-ranking quality on simulated visitors with known preferences, through the whole SDK in
// headless Chromium: the script tag, the real profile (built by p.track from product views),
// and the search module (bench/README.md, "rerank-quality.mjs").
//
// Each simulated visitor loves one case brand (Incipio, OtterBox, Speck, ...). Their visit: six
// product views and one add to cart of that brand's products (drawn deterministically from the
// catalog), as a shop's product pages would track them. Then, for ten queries where many brands
// compete ("iphone 7 case", "screen protector", ...), the top 10 is taken four ways:
//   original      p.search(q, {personalize: false})        the text order
//   search 30     p.search(q)                              default impact 30
//   search 60     p.search(q, {impact: 60})
//   rerank 50     p.rerank(top 50 of the original)         the shop's own list reordered, impact 50
// and scored with NDCG@10 where a product of the visitor's brand is relevant (the ideal: as many
// of that brand's matching products as fit in 10), and with hit rate@10 (any of the brand in the
// top 10). Catalog: ../shared/datasets/bestbuy-phones-3291.json.
//
//   node bench/rerank-quality.mjs      (needs a build: npm run build)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser } from "../tests/e2e/harness.mjs";
import { dist, failWith, requireDist, serveFiles, writeResults } from "./common.mjs";
import { loadCatalog } from "./search/catalog.mjs";

const fail = failWith("rerank-quality");
requireDist(fail, ["persona.js", "persona.wasm", "persona-search.js", "persona-search.wasm"]);
const started = Date.now();

const BRANDS = ["Incipio", "OtterBox", "Speck", "kate spade new york", "Spigen", "Tech21", "LifeProof", "Case-Mate", "mophie", "Urban Armor Gear"];
const VISITORS_PER_BRAND = 3;
const QUERIES = ["iphone 7 case", "iphone 6s case", "galaxy s7 case", "iphone 7 plus case", "screen protector", "battery case", "phone case", "clear case", "rugged case", "iphone se case"];
const catalog = loadCatalog();

// Deterministic draws: Knuth's multiplicative hash of a counter.
let draws = 0;
const random = () => (Math.imul(++draws, 2654435761) >>> 0) / 2 ** 32;
const visitors = [];
for (const brand of BRANDS) {
  const own = catalog.filter((p) => p.brand === brand);
  for (let v = 0; v < VISITORS_PER_BRAND; v++) {
    const pick = () => own[Math.floor(random() * own.length)];
    const event = (p) => ({ product_id: p.id, name: p.name, brand: p.brand, category: p.categories.at(-1), price: p.price });
    const views = Array.from({ length: 6 }, () => event(pick()));
    visitors.push({ brand, views, added: event(pick()) });
  }
}

const files = {
  "/": ["text/html", `<!doctype html><meta charset=utf-8><title>rerank bench</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="/v1/batch" data-autotrack="false"></script>`],
  "/catalog.json": ["application/json", JSON.stringify(catalog)],
};
for (const f of ["persona.js", "persona.wasm", "persona-search.js", "persona-search.wasm"]) {
  files[`/dist/${f}`] = [f.endsWith(".wasm") ? "application/wasm" : "text/javascript", readFileSync(join(dist, f))];
}
const server = await serveFiles(files);
const { origin } = server;

const browser = await launchBrowser();
let perVisitor;
try {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(origin);
  await page.waitForFunction(() => typeof window.persona?.track === "function");
  await page.evaluate(() => window.persona.search.load("/catalog.json"));
  perVisitor = [];
  for (const visitor of visitors) {
    perVisitor.push(
      await page.evaluate(
        async ({ visitor, queries }) => {
          const p = window.persona;
          p.reset(); // a new visitor: new anonymous id, empty profile
          for (const v of visitor.views) p.track("Product Viewed", v);
          p.track("Product Added", { ...visitor.added, quantity: 1 });
          const out = [];
          for (const q of queries) {
            const ids = (r) => r.hits.map((h) => h.product.brand);
            const original = await p.search(q, { limit: 50, personalize: false });
            // How many products of the brand match at all: the ideal ranking's relevant count.
            const own = await p.search(q, { limit: 1, personalize: false, filters: { brand: visitor.brand } });
            const shopList = original.hits.map((h) => ({ id: h.id, brand: h.product.brand, categories: h.product.categories, price: h.product.price }));
            out.push({
              query: q,
              relevant: own.total,
              original: ids(original).slice(0, 10),
              search30: ids(await p.search(q, { limit: 10 })),
              search60: ids(await p.search(q, { limit: 10, impact: 60 })),
              rerank50: (await p.rerank(shopList, { impact: 50 })).slice(0, 10).map((i) => i.brand),
            });
          }
          return out;
        },
        { visitor, queries: QUERIES },
      ),
    );
  }
  if (errors.length) fail(`page errors: ${errors.join("; ")}`);
} finally {
  await browser.close();
  server.close();
}

const ndcg = (brands, brand, relevant) => {
  let dcg = 0;
  brands.slice(0, 10).forEach((b, i) => (dcg += b === brand ? 1 / Math.log2(i + 2) : 0));
  let ideal = 0;
  for (let i = 0; i < Math.min(10, relevant); i++) ideal += 1 / Math.log2(i + 2);
  return ideal ? dcg / ideal : null;
};
const ORDERS = [
  ["original", "original (text order)"],
  ["search30", "p.search, impact 30 (default)"],
  ["search60", "p.search, impact 60"],
  ["rerank50", "p.rerank of the top 50, impact 50"],
];
const sums = Object.fromEntries(ORDERS.map(([k]) => [k, { ndcg: 0, hits: 0, n: 0 }]));
visitors.forEach((visitor, i) => {
  for (const r of perVisitor[i]) {
    if (!r.relevant) continue; // the brand has no product for this query
    for (const [k] of ORDERS) {
      sums[k].ndcg += ndcg(r[k], visitor.brand, r.relevant);
      sums[k].hits += r[k].slice(0, 10).includes(visitor.brand) ? 1 : 0;
      sums[k].n += 1;
    }
  }
});
const rows = ORDERS.map(([k, label]) => ({ order: k, label, ndcg10: sums[k].ndcg / sums[k].n, hitRate10: sums[k].hits / sums[k].n, cases: sums[k].n }));
const base = rows[0];
let md = `# Re-ranking quality: simulated visitors with known preferences\n\n`;
md += `Generated by \`node bench/rerank-quality.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${visitors.length} simulated visitors (${VISITORS_PER_BRAND} per brand: ${BRANDS.join(", ")}), `;
md += `each with six product views and one add to cart of their brand, tracked through the script tag into the real profile; ${QUERIES.length} queries each; `;
md += `${base.cases} visitor × query cases where the brand has matching products. Relevant: a product of the visitor's brand.\n\n`;
md += `| order | NDCG@10 | hit rate@10 | NDCG vs original |\n|---|---:|---:|---:|\n`;
for (const r of rows) md += `| ${r.label} | ${r.ndcg10.toFixed(3)} | ${r.hitRate10.toFixed(3)} | ${(r.ndcg10 / base.ndcg10).toFixed(2)}× |\n`;
md += `\nQueries: ${QUERIES.map((q) => `"${q}"`).join(", ")}.\n`;
writeResults("rerank-quality", { seconds: Math.round((Date.now() - started) / 1000), brands: BRANDS, queries: QUERIES, rows }, md);
