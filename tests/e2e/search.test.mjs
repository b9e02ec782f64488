// persona's search in the demo shop and through the API, in Chromium against the real collector:
// the search chunk loads only when a page searches; typos, facets and the visitor's order work in
// the shop's search page; a click after a query is learned; re-ranking never loses an item; bad
// catalogs are refused with coded errors; and the shop still searches when the chunk is blocked.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, launchBrowser, startCollector, tempDir, watchedPage } from "./harness.mjs";

let collector, api, browser;
const catalog = JSON.parse(readFileSync(join(ROOT, "www", "catalog.json"), "utf8")).products;
const byId = new Map(catalog.map((p) => [p.id, p]));

before(async () => {
  collector = await startCollector();
  // A bare page with the script tag, for the API tests.
  const www = tempDir();
  writeFileSync(
    join(www, "api.html"),
    `<!doctype html><title>API</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="/v1/batch"></script>`,
  );
  for (const f of ["catalog.json", "catalog.idx"]) writeFileSync(join(www, f), readFileSync(join(ROOT, "www", f)));
  api = await startCollector({ www });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  await api?.stop();
});

const ready = (page) => page.waitForFunction(() => document.body.dataset.shopReady === "true", null, { timeout: 30_000 });

/** The search page's result cards: [id, category] in order, and the engine that answered. */
async function results(page) {
  return page.evaluate(() => ({
    engine: document.querySelector("#search-results")?.dataset.engine,
    cards: [...document.querySelectorAll("#search-results .product-card")].map((a) => [a.dataset.personaProductId, a.dataset.personaCategory]),
  }));
}

test("the search chunk loads only where the shop searches or recommends, and forgives typos", async () => {
  const { page, errors } = await watchedPage(browser);
  const chunks = [];
  page.on("request", (r) => /persona-search(-worker)?\.(js|wasm)|catalog\.idx/.test(r.url()) && chunks.push(new URL(r.url()).pathname));

  await page.goto(`${collector.url}/cart.html`);
  await ready(page);
  await page.waitForFunction(() => typeof window.persona?.track === "function");
  assert.deepEqual(chunks, [], "a page that neither searches nor recommends (the cart) loads no search code");

  await page.goto(`${collector.url}/search.html?q=${encodeURIComponent("playstaton contoller")}`);
  await ready(page);
  const { engine, cards } = await results(page);
  assert.equal(engine, "persona");
  assert.ok(cards.length > 0, "two typos, one per word, still find products");
  const first = byId.get(cards[0][0]);
  assert.equal(first.category, "controllers", `${first.name}`);
  assert.match(first.name + first.tags.join(" "), /playstation|dualsense/i);
  assert.deepEqual([...new Set(chunks)].sort(), ["/catalog.idx", "/dist/persona-search-worker.js", "/dist/persona-search.js", "/dist/persona-search.wasm"]);
  assert.ok(page.workers().some((w) => w.url().endsWith("/dist/persona-search-worker.js")), "the module runs in a worker");
  assert.deepEqual(errors, []);
});

test("a visitor who looked at headphones sees headphones first for an ambiguous query", async () => {
  const search = async (page) => {
    await page.goto(`${collector.url}/search.html?q=playstation`);
    await ready(page);
    return results(page);
  };
  const fresh = await watchedPage(browser);
  const before = await search(fresh.page);
  assert.notEqual(before.cards[0][1], "headphones", `a new visitor gets the shop's order: ${before.cards}`);
  assert.ok(before.cards.some(([, c]) => c === "headphones"), "there is a PlayStation headset to find");

  const fan = await watchedPage(browser);
  for (const p of catalog.filter((x) => x.category === "headphones").slice(0, 3)) {
    await fan.page.goto(`${collector.url}/product.html?id=${p.id}`);
    await ready(fan.page);
  }
  const after = await search(fan.page);
  assert.equal(after.cards[0][1], "headphones", `${after.cards}`);
  assert.deepEqual([...after.cards].sort(), [...before.cards].sort(), "the same products, reordered");
  const why = await fan.page.evaluate((id) => window.persona.qa.explain(id), after.cards[0][0]);
  assert.ok(why.to === 0 && why.from > 0, JSON.stringify(why));
  assert.ok(why.reasons.some((r) => r.facet === "category" && r.value === "headphones"), JSON.stringify(why.reasons));
  assert.deepEqual([...fresh.errors, ...fan.errors], []);
});

test("what a visitor clicked after a query comes first the next time", async () => {
  const { page } = await watchedPage(browser);
  await page.goto(`${collector.url}/`);
  await ready(page);
  await page.fill("#search-input", "wireless");
  await Promise.all([page.waitForURL(/search\.html\?q=wireless/), page.press("#search-input", "Enter")]);
  await ready(page);
  const first = await results(page);
  assert.ok(first.cards.length >= 4, `${first.cards}`);
  const chosen = first.cards[3][0];
  await Promise.all([page.waitForURL(/product\.html/), page.click(`#search-results [data-persona-product-id="${chosen}"]`)]);
  await ready(page);
  await page.fill("#search-input", "wireless");
  await Promise.all([page.waitForURL(/search\.html\?q=wireless/), page.press("#search-input", "Enter")]);
  await ready(page);
  const again = await results(page);
  assert.equal(again.cards[0][0], chosen, `${again.cards}`);
  assert.equal((await page.evaluate((id) => window.persona.qa.explain(id), chosen)).learned, true);
});

test("facet filters narrow the results and count what is there", async () => {
  const { page } = await watchedPage(browser);
  await page.goto(`${collector.url}/search.html?q=wireless`);
  await ready(page);
  const chip = page.locator('a[data-facet="brand"]').first();
  const [brand, count] = (await chip.innerText()).split(/\s+(?=\d+$)/);
  await Promise.all([page.waitForURL(/brand=/), chip.click()]);
  await ready(page);
  const { cards } = await results(page);
  assert.equal(cards.length, Number(count));
  assert.ok(cards.every(([id]) => byId.get(id).brand === brand), `${brand}: ${cards}`);
});

test("the API: rerank keeps every item, bad catalogs get coded errors, absurd queries find nothing", async () => {
  const { page, errors } = await watchedPage(browser);
  await page.goto(`${api.url}/api.html`);
  await page.waitForFunction(() => typeof window.persona?.track === "function");
  const out = await page.evaluate(async () => {
    const p = window.persona;
    const items = [
      { id: "a", category: "consoles", brand: "Sony", extra: { keep: 1 } },
      { id: "b", category: "headphones", brand: "Bose" },
      { id: 3, category: "games" },
    ];
    const asGiven = await p.rerank(items, { impact: 0 });
    p.track("Product Viewed", { product_id: "x1", category: "headphones", brand: "Bose", price: 300 });
    const personal = await p.rerank(items, { impact: 100 });
    const codes = {};
    for (const [name, catalog] of [
      ["noId", [{ name: "x" }]],
      ["duplicate", [{ id: 1, name: "x" }, { id: "1", name: "y" }]],
      ["badPrice", [{ id: 1, name: "x", price: "9" }]],
    ]) {
      codes[name] = await p.search.load(catalog).then(
        () => "loaded",
        (e) => `${e.code}:${e.property ?? ""}:${e.index ?? ""}`,
      );
    }
    codes.huge = await p.search.load([{ id: 1, name: "x", description: "x".repeat(40 * 1024 * 1024) }]).then(() => "loaded", (e) => e.code);
    codes.unreachable = await p.search.load("/no-such-catalog.json").then(() => "loaded", (e) => e.code);
    codes.notArray = await p.rerank("nope").then(() => "ok", (e) => e.code);
    // A pre-built index given as bytes: loaded, and the shop's bytes are left as they were.
    const bytes = new Uint8Array(await (await fetch("/catalog.idx")).arrayBuffer());
    const fromIndex = await p.search.load("/catalog.json", { index: bytes });
    const kept = bytes.length > 0 && bytes.length === bytes.buffer.byteLength;
    codes.truncatedIndex = await p.search.load("/catalog.json", { index: bytes.subarray(0, 100) }).then(() => "loaded", (e) => e.code);
    const n = await p.search.load("/catalog.json");
    const absurd = await p.search("qqqqqqqqqq zzzzzzzzz ".repeat(500));
    const empty = await p.search("   ");
    const typo = await p.search("hedphones");
    return {
      asGiven: asGiven.map((i) => i.id),
      same: asGiven[0] === items[0],
      personal: personal.map((i) => i.id),
      codes,
      n,
      fromIndex,
      kept,
      absurd: absurd.hits.length,
      empty: empty.hits.length,
      typo: typo.hits.map((h) => h.product.category),
    };
  });
  assert.deepEqual(out.asGiven, ["a", "b", 3]);
  assert.ok(out.same, "the shop's own objects come back");
  assert.equal(out.personal[0], "b");
  assert.deepEqual([...out.personal].sort(), ["a", "b", 3].sort(), "nothing added or lost");
  assert.deepEqual(out.codes, {
    noId: "catalog_invalid:id:0",
    duplicate: "catalog_duplicate_id::1",
    badPrice: "catalog_invalid:price:0",
    huge: "catalog_too_large",
    unreachable: "catalog_unavailable",
    truncatedIndex: "index_invalid",
    notArray: "property_invalid",
  });
  assert.equal(out.n, catalog.length, "a good catalog after bad ones");
  assert.equal(out.fromIndex, catalog.length, "the pre-built index");
  assert.ok(out.kept, "the bytes the shop gave are still its own");
  assert.equal(out.absurd, 0);
  assert.equal(out.empty, 0);
  assert.ok(out.typo.length > 0 && out.typo.every((c) => c === "headphones"), `${out.typo}`);
  assert.deepEqual(errors, []);
});

test("with the search chunk blocked, the shop still searches, recommendations are empty, and the API degrades", async () => {
  const { page, context, errors } = await watchedPage(browser);
  await context.route(/persona-search\.(js|wasm)/, (route) => route.abort());
  await page.goto(`${collector.url}/search.html?q=sony`);
  await ready(page);
  const { engine, cards } = await results(page);
  assert.ok(cards.length > 0);
  assert.equal(engine, "fallback");
  const api = await page.evaluate(async () => {
    const items = [{ id: "a" }, { id: "b" }];
    const order = await window.persona.rerank(items, { impact: 100 });
    const found = await window.persona.search("sony");
    const recs = await window.persona.recommend({ strategy: "for_you" });
    const model = await window.persona.recommend.load({ version: 1 });
    return {
      order: order.map((i) => i.id),
      hits: found.hits.length,
      ready: found.ready,
      why: await window.persona.qa.explain("a"),
      recs: [recs.items.length, recs.ready],
      model: model.products,
    };
  });
  assert.deepEqual(api, { order: ["a", "b"], hits: 0, ready: false, why: null, recs: [0, false], model: 0 });
  assert.deepEqual(errors, []);
});

test("without a worker the search module runs on the page, with the same answers", async () => {
  const answers = [];
  for (const mode of ["worker", "no Worker", "worker script blocked"]) {
    const { page, context, errors } = await watchedPage(browser);
    if (mode === "no Worker") await context.addInitScript(() => delete window.Worker);
    if (mode === "worker script blocked") await context.route(/persona-search-worker\.js/, (route) => route.abort());
    await page.goto(`${api.url}/api.html`);
    await page.waitForFunction(() => typeof window.persona?.track === "function");
    const found = await page.evaluate(async () => {
      const n = await window.persona.search.load("/catalog.json");
      const r = await window.persona.search("wireles controler", { limit: 5 });
      const bad = await window.persona.search.load([{ id: 1 }]).catch((e) => `${e.name}:${e.code}:${e.property}:${e.index}`);
      return { n, ready: r.ready, ids: r.hits.map((h) => h.id), bad };
    });
    const workers = page.workers().filter((w) => w.url().includes("persona-search-worker")).length;
    answers.push({ mode, workers, ...found });
    assert.deepEqual(errors, [], mode);
    await context.close();
  }
  const [inWorker, noWorker, blocked] = answers;
  assert.equal(inWorker.workers, 1);
  assert.equal(noWorker.workers + blocked.workers, 0, JSON.stringify(answers));
  for (const a of answers) {
    assert.equal(a.n, catalog.length, a.mode);
    assert.equal(a.ready, true, a.mode);
    assert.ok(a.ids.length > 0, a.mode);
    assert.equal(a.bad, "PersonaError:catalog_invalid:name:0", a.mode);
  }
  assert.deepEqual(noWorker.ids, inWorker.ids);
  assert.deepEqual(blocked.ids, inWorker.ids);
});
