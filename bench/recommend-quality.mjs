#!/usr/bin/env node
// Recommendation quality on simulated visitors with known preferences, through the whole SDK in
// headless Chromium, with a model the reference collector builds (bench/README.md,
// "recommend-quality.mjs").
//
// The demo catalog (www/catalog.json, the project's own) and six tastes: PlayStation, Xbox and
// Nintendo gamers (their platform's consoles, games, controllers and headsets), iPhone and
// Android owners (their phones and the cases that fit them), and audio fans (headphones). Within
// a taste, products are liked with a skewed (Zipf) preference, and every shopper also looks at a
// few of the shop's best sellers, whatever their taste.
//
// 1. A population of 360 shoppers (60 per taste, a seeded draw) browses and buys: one visit of
//    four to seven product views each (mostly their taste, one best seller), and two in three
//    buy two or three products of their taste. Their events go to the real collector over HTTP;
//    `collector model` builds the model from them.
// 2. 120 new visitors (20 per taste) view four products of their taste through the script tag
//    (`p.track("Product Viewed", ...)` into the real profile). The product they go on to want is
//    one more product of their taste, drawn the same way, not among those viewed.
// 3. Their top 10 is taken from `for_you` and from `trending`; hit rate@10 counts the visitors
//    whose next product is in it, taste precision@10 the share of the 10 that fit their taste.
//
//   node bench/recommend-quality.mjs      (needs a build: npm run build)
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { collectorBinary, launchBrowser, startCollector } from "../tests/e2e/harness.mjs";
import { dist, failWith, requireDist, root, serveFiles, writeResults } from "./common.mjs";
import { watchedPage } from "./speed.mjs";

const fail = failWith("recommend-quality");
requireDist(fail, ["persona.js", "persona.wasm", "persona-search.js", "persona-search.wasm"]);
const started = Date.now();

const catalog = JSON.parse(readFileSync(join(root, "www", "catalog.json"), "utf8")).products;
const byId = new Map(catalog.map((p) => [p.id, p]));
const fits = (platform) => (p) => p.category === "phone-cases" && (p.compatible_with ?? []).some((id) => byId.get(id)?.platform === platform);
const TASTES = {
  playstation: (p) => p.platform === "playstation",
  xbox: (p) => p.platform === "xbox",
  nintendo: (p) => p.platform === "nintendo",
  iphone: (p) => p.platform === "ios" || fits("ios")(p),
  android: (p) => p.platform === "android" || fits("android")(p),
  audio: (p) => p.category === "headphones",
};
const COMPLEMENTS = { consoles: ["games", "controllers"], phones: ["phone-cases", "headphones"] };
// The shop's best sellers: everyone looks at some of them.
const BEST_SELLERS = ["sku-1001", "sku-1009", "sku-1045", "sku-1061"];
const SHOPPERS_PER_TASTE = 60;
const VISITORS_PER_TASTE = 20;
const VIEWED = 4;

// A seeded generator (mulberry32), so every run simulates the same people.
let seed = 0x5eed;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
/** A product of `list` drawn with Zipf weights 1/(rank+1), rank in a taste-specific shuffle. */
const zipf = (list) => {
  const total = list.reduce((s, _, i) => s + 1 / (i + 1), 0);
  let x = random() * total;
  for (let i = 0; i < list.length; i++) if ((x -= 1 / (i + 1)) <= 0) return list[i];
  return list.at(-1);
};
const products = Object.fromEntries(
  Object.entries(TASTES).map(([taste, test]) => {
    const own = catalog.filter((p) => test(p) && p.in_stock);
    // Each taste's favourites: a fixed shuffle of its products.
    return [taste, own.map((p) => [random(), p]).sort((a, b) => a[0] - b[0]).map(([, p]) => p)];
  }),
);
const draw = (taste, not = []) => {
  for (let tries = 0; tries < 100; tries++) {
    const p = zipf(products[taste]);
    if (!not.includes(p.id)) return p;
  }
  return products[taste].find((p) => !not.includes(p.id));
};
const properties = (p) => ({ product_id: p.id, name: p.name, brand: p.brand, category: p.category, price: p.price, tags: p.tags });

// 1. The population's events, stored by the real collector, and its model.
const collector = await startCollector();
let model, modelBytes;
try {
  const batch = [];
  let n = 0;
  const message = (event, anonymousId, props, session) => ({
    messageId: `bench-${++n}`,
    type: "track",
    event,
    anonymousId,
    properties: props,
    context: { session: { id: session } },
  });
  for (const taste of Object.keys(TASTES)) {
    for (let s = 0; s < SHOPPERS_PER_TASTE; s++) {
      const who = `${taste}-${s}`;
      const viewed = [];
      const views = 3 + Math.floor(random() * 4);
      for (let v = 0; v < views; v++) viewed.push(draw(taste, viewed.map((p) => p.id)));
      viewed.splice(Math.floor(random() * viewed.length), 0, byId.get(BEST_SELLERS[Math.floor(random() * BEST_SELLERS.length)]));
      for (const p of viewed) batch.push(message("Product Viewed", who, properties(p), `${who}-visit`));
      if (random() < 2 / 3) {
        const bought = [];
        const k = 2 + Math.floor(random() * 2);
        for (let b = 0; b < k; b++) bought.push(draw(taste, bought.map((p) => p.id)));
        batch.push(message("Order Completed", who, { order_id: `order-${who}`, products: bought.map((p) => ({ product_id: p.id, price: p.price, quantity: 1 })) }, `${who}-visit`));
      }
    }
  }
  for (let i = 0; i < batch.length; i += 200) {
    const res = await fetch(`${collector.url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ batch: batch.slice(i, i + 200) }) });
    if (!res.ok) fail(`POST /v1/batch: ${res.status} ${await res.text()}`);
  }
  const built = spawnSync(collectorBinary(), ["model", "--db", collector.db], { encoding: "utf8" });
  if (built.status !== 0) fail(`collector model: ${built.stderr}`);
  console.log(built.stdout.trim());
  const text = await (await fetch(`${collector.url}/v1/model`)).text();
  modelBytes = text.length;
  model = JSON.parse(text);
} finally {
  await collector.stop();
}

// 2. New visitors, their views, and the product each goes on to want.
const visitors = [];
for (const taste of Object.keys(TASTES)) {
  for (let v = 0; v < VISITORS_PER_TASTE; v++) {
    const viewed = [];
    for (let i = 0; i < VIEWED; i++) viewed.push(draw(taste, viewed.map((p) => p.id)));
    const next = draw(taste, viewed.map((p) => p.id));
    visitors.push({ taste, views: viewed.map(properties), next: next.id });
  }
}

const files = {
  "/": ["text/html", `<!doctype html><meta charset=utf-8><title>recommend bench</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="/v1/batch" data-autotrack="false"></script>`],
  "/catalog.json": ["application/json", JSON.stringify(catalog)],
};
for (const f of ["persona.js", "persona.wasm", "persona-search.js", "persona-search-worker.js", "persona-search.wasm"]) {
  files[`/dist/${f}`] = [f.endsWith(".wasm") ? "application/wasm" : "text/javascript", readFileSync(join(dist, f))];
}
const server = await serveFiles(files);
const { origin } = server;

// 3. Their top 10, two ways.
// "for_you, no model": the same visitors again after the model is set aside (content
// similarity and affinities only), to show what the collector's model adds.
const STRATEGIES = ["for_you", "trending", "for_you, no model"];
const browser = await launchBrowser();
let lists;
try {
  const unexpected = [];
  const { page, errors } = await watchedPage(browser, [origin], unexpected);
  await page.goto(origin);
  await page.waitForFunction(() => typeof window.persona?.track === "function");
  const status = await page.evaluate(async (model) => {
    await window.persona.search.load("/catalog.json");
    return window.persona.recommend.load(model);
  }, model);
  if (status.warning) fail(`the model was set aside: ${status.warning.code}`);
  const ask = (visitor, strategies) =>
    page.evaluate(
      async ({ visitor, strategies, complements }) => {
        const p = window.persona;
        p.reset(); // a new visitor: new anonymous id, empty profile
        for (const v of visitor.views) p.track("Product Viewed", v);
        const out = {};
        for (const strategy of strategies) out[strategy] = (await p.recommend({ strategy, limit: 10, complements })).items.map((i) => i.id);
        return out;
      },
      { visitor, strategies, complements: COMPLEMENTS },
    );
  lists = [];
  for (const visitor of visitors) lists.push(await ask(visitor, ["for_you", "trending"]));
  const aside = await page.evaluate(() => window.persona.recommend.load({ version: 1 }));
  if (aside.warning?.code !== "model_invalid") fail("an empty model was not set aside");
  for (const [i, visitor] of visitors.entries()) lists[i]["for_you, no model"] = (await ask(visitor, ["for_you"])).for_you;
  if (errors.length || unexpected.length) fail(`page errors: ${[...errors, ...unexpected].join("; ")}`);
} finally {
  await browser.close();
  server.close();
}

const rows = STRATEGIES.map((strategy) => {
  let hits = 0;
  let precision = 0;
  visitors.forEach((visitor, i) => {
    const top = lists[i][strategy];
    if (top.includes(visitor.next)) hits += 1;
    precision += top.filter((id) => TASTES[visitor.taste](byId.get(id))).length / 10;
  });
  return { strategy, hitRate10: hits / visitors.length, tastePrecision10: precision / visitors.length, visitors: visitors.length };
});
const perTaste = Object.keys(TASTES).map((taste) => {
  const row = { taste };
  for (const strategy of STRATEGIES) {
    const mine = visitors.map((v, i) => [v, lists[i][strategy]]).filter(([v]) => v.taste === taste);
    row[strategy] = mine.filter(([v, top]) => top.includes(v.next)).length / mine.length;
  }
  return row;
});
const [forYou, trending, contentOnly] = rows;
let md = `# Recommendation quality: simulated visitors with known preferences\n\n`;
md += `Generated by \`node bench/recommend-quality.mjs\` on ${new Date().toISOString().slice(0, 10)}. Demo catalog (${catalog.length} products), six tastes (${Object.keys(TASTES).join(", ")}). `;
md += `Model: \`collector model\` over the events of ${SHOPPERS_PER_TASTE * Object.keys(TASTES).length} simulated shoppers stored by the real collector (${modelBytes} bytes, ${Math.round(modelBytes / model.products.length)} per product). `;
md += `${visitors.length} new visitors each view ${VIEWED} products of their taste through the script tag; the product they want next is one more of their taste, not among those.\n\n`;
md += `| strategy | hit rate@10 | taste precision@10 |\n|---|---:|---:|\n`;
for (const r of rows) md += `| ${r.strategy} | ${r.hitRate10.toFixed(3)} | ${r.tastePrecision10.toFixed(3)} |\n`;
md += `\n\`for_you\` hits ${(forYou.hitRate10 / Math.max(trending.hitRate10, 1e-9)).toFixed(2)}× as often as \`trending\`. Without the model (content similarity and affinities only) it hits ${contentOnly.hitRate10.toFixed(3)}.\n\n`;
md += `| taste | ${STRATEGIES.join(" | ")} |\n|---|${STRATEGIES.map(() => "---:").join("|")}|\n`;
for (const r of perTaste) md += `| ${r.taste} | ${STRATEGIES.map((s) => r[s].toFixed(2)).join(" | ")} |\n`;
writeResults("recommend-quality", { seconds: Math.round((Date.now() - started) / 1000), modelBytes, products: model.products.length, rows, perTaste }, md);
if (!(forYou.hitRate10 > trending.hitRate10)) fail(`for_you (${forYou.hitRate10}) does not beat trending (${trending.hitRate10})`);
