// Recommendations in the demo shop, in Chromium against the real collector: shoppers browse and
// buy through the shop's own pages, `collector model` builds the model from the events they
// left, and the next visitor's product pages show "bought together" and "complementary" from it;
// after buying a console, the home page's "for you" and "recently viewed" show games and
// controllers, never another console. Without a model the shelves still fill, from content and
// popularity, with a warning.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, collectorBinary, launchBrowser, startCollector, waitFor, watchedPage } from "./harness.mjs";

const catalog = JSON.parse(readFileSync(join(ROOT, "www", "catalog.json"), "utf8")).products;
const byId = new Map(catalog.map((p) => [p.id, p]));
const category = (id) => byId.get(id)?.category;

const PS5 = "sku-1001";
const XBOX = "sku-1005";
const ASTRO_BOT = "sku-1017"; // a PS5 game
const DUALSENSE = "sku-1032"; // a PS5 controller
const HEADPHONES = "sku-1045";

let collector, browser;

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

const ready = (page) => page.waitForFunction(() => document.body.dataset.shopReady === "true", null, { timeout: 30_000 });

async function visit(page, path) {
  await page.goto(`${collector.url}/${path}`);
  await ready(page);
}

/** Adds product `id` to the cart from its page. */
async function addToCart(page, id) {
  await visit(page, `product.html?id=${id}`);
  const before = Number(await page.textContent("#cart-count"));
  await page.click("#add-to-cart");
  await page.waitForFunction((n) => Number(document.querySelector("#cart-count")?.textContent) === n + 1, before);
}

async function checkout(page) {
  await visit(page, "cart.html");
  await page.click("#checkout");
  await page.waitForSelector("#order-confirmation");
}

/** A shelf once it has rendered: {hidden, fallback, cards: [{id, reason, because}]}. */
async function shelf(page, id) {
  await page.waitForSelector(`#${id}[data-done=true]`, { state: "attached", timeout: 30_000 });
  return page.evaluate((id) => {
    const el = document.getElementById(id);
    return {
      hidden: el.hidden,
      fallback: el.dataset.fallback,
      cards: [...el.querySelectorAll(".product-card")].map((c) => ({
        id: c.dataset.personaProductId,
        reason: c.dataset.recommendReason,
        because: c.dataset.recommendBecause,
      })),
    };
  }, id);
}

test("before any model, product pages still recommend, from content and popularity, with a warning", async () => {
  const { page, errors, warnings, context } = await watchedPage(browser);
  await visit(page, `product.html?id=${PS5}`);
  const together = await shelf(page, "rec-bought-together");
  assert.equal(together.hidden, false, "the shelf fills without a model");
  // The console's complements (games, controllers), its own platform first.
  assert.ok(together.cards.every((c) => c.reason === "complementary" && ["games", "controllers"].includes(category(c.id))), JSON.stringify(together));
  assert.equal(byId.get(together.cards[0].id).platform, "playstation");
  assert.ok(!together.cards.some((c) => c.id === PS5), "never the product itself");
  const complements = await shelf(page, "rec-complementary");
  assert.ok(complements.cards.length > 0);
  assert.ok(complements.cards.every((c) => ["games", "controllers"].includes(category(c.id))), JSON.stringify(complements));
  assert.equal(byId.get(complements.cards[0].id).platform, "playstation", "the console's own platform first");
  await waitFor(() => warnings.some((w) => w.includes("model_unavailable")), { what: "the model_unavailable warning" });
  assert.deepEqual(errors, []);
  await context.close();
});

test("shoppers' events build the model; the next visitor's pages recommend from it; after a console, no other console", async () => {
  // Three shoppers look at the PS5 and the Xbox, and buy the PS5 with Astro Bot and a DualSense.
  const shoppers = [];
  for (let i = 0; i < 3; i++) {
    const { page, errors, context } = await watchedPage(browser);
    await visit(page, `product.html?id=${XBOX}`);
    for (const id of [PS5, ASTRO_BOT, DUALSENSE]) await addToCart(page, id);
    await checkout(page);
    const anonymousId = await page.evaluate(() => window.persona.anonymousId());
    await page.evaluate(() => window.persona.flush());
    shoppers.push({ context, errors, anonymousId });
  }
  await waitFor(
    async () => {
      const orders = await collector.events({ event: "Order Completed" });
      return orders.length >= 3;
    },
    { what: "three orders in the collector" },
  );
  for (const s of shoppers) {
    assert.deepEqual(s.errors, []);
    await s.context.close();
  }

  // The model, by the collector's own command, from those stored events.
  const built = spawnSync(collectorBinary(), ["model", "--db", collector.db], { cwd: ROOT, encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, /from 3 baskets \(3 orders\) and \d+ visits/);
  const model = await (await fetch(`${collector.url}/v1/model`)).json();
  const at = (id) => model.products.indexOf(id);
  assert.deepEqual(
    model.bought[at(PS5)].filter((_, i) => i % 2 === 0).map((p) => model.products[p]).sort(),
    [ASTRO_BOT, DUALSENSE].sort(),
  );

  // A new visitor on the PS5's page: bought together from the model, complements by rule.
  const { page, errors, warnings, context } = await watchedPage(browser);
  await visit(page, `product.html?id=${PS5}`);
  const together = await shelf(page, "rec-bought-together");
  assert.deepEqual(together.cards.slice(0, 2).map((c) => c.id).sort(), [ASTRO_BOT, DUALSENSE].sort(), JSON.stringify(together));
  assert.deepEqual(together.cards.slice(0, 2).map((c) => [c.reason, c.because]), [["bought_together", PS5], ["bought_together", PS5]]);
  const complements = await shelf(page, "rec-complementary");
  assert.deepEqual(complements.cards.slice(0, 2).map((c) => c.id).sort(), [ASTRO_BOT, DUALSENSE].sort(), JSON.stringify(complements));
  assert.ok(complements.cards.every((c) => ["games", "controllers"].includes(category(c.id))));

  // The visitor looks at the Xbox and headphones, then buys the PS5.
  await visit(page, `product.html?id=${XBOX}`);
  await visit(page, `product.html?id=${HEADPHONES}`);
  await addToCart(page, PS5);
  await checkout(page);

  await visit(page, "");
  const forYou = await shelf(page, "rec-for-you");
  assert.equal(forYou.hidden, false);
  const categories = forYou.cards.map((c) => category(c.id));
  assert.ok(!categories.includes("consoles"), `no console after buying one: ${JSON.stringify(forYou)}`);
  assert.ok(categories.includes("games") && categories.includes("controllers"), JSON.stringify(forYou));
  const recent = await shelf(page, "rec-recently-viewed");
  assert.deepEqual(recent.cards.map((c) => c.id), [HEADPHONES], "the Xbox is a console, the PS5 is bought");
  assert.ok(!warnings.some((w) => w.includes("model_")), warnings.join(" | "));
  assert.deepEqual(errors, []);
  await context.close();
});

test("a new visitor's home page recommends what is popular; stale, truncated and foreign models are set aside with a warning", async () => {
  const { page, errors, context } = await watchedPage(browser);
  await visit(page, "");
  const forYou = await shelf(page, "rec-for-you");
  assert.equal(forYou.hidden, false);
  assert.equal(forYou.fallback, "true", "nothing personal yet");
  assert.ok(forYou.cards.some((c) => c.id === PS5 || c.id === ASTRO_BOT || c.id === DUALSENSE), JSON.stringify(forYou));
  assert.equal((await shelf(page, "rec-recently-viewed")).hidden, true);

  // Through the API: a model built 90 days ago.
  const model = await (await fetch(`${collector.url}/v1/model`)).json();
  const result = await page.evaluate(async (stale) => {
    const p = window.persona;
    const status = await p.recommend.load(stale);
    const r = await p.recommend({ strategy: "bought_together", product_id: "sku-1001", limit: 3 });
    let bad;
    try {
      await p.recommend({ strategy: "best_sellers" });
    } catch (e) {
      bad = e.code;
    }
    // Truncated (lists that do not add up), and another shop's products.
    const truncated = await p.recommend.load({ ...stale, bought: stale.bought.slice(1), built_at: Date.now() });
    const foreign = await p.recommend.load({ ...stale, products: stale.products.map((id) => `other-${id}`), built_at: Date.now() });
    const after = await p.recommend({ strategy: "bought_together", product_id: "sku-1001", limit: 3 });
    return {
      status,
      warnings: r.warnings.map((w) => w.code),
      reasons: r.items.map((i) => i.reason),
      bad,
      truncated: truncated.warning?.code,
      foreign: foreign.warning?.code,
      after: [after.warnings.map((w) => w.code), after.items.length],
    };
  }, { ...model, built_at: Date.now() - 90 * 86_400_000 });
  assert.equal(result.truncated, "model_invalid");
  assert.equal(result.foreign, "model_mismatch");
  assert.deepEqual(result.after, [["model_mismatch"], 3], "content and popularity still answer");
  assert.equal(result.status.warning.code, "model_stale");
  assert.deepEqual(result.warnings, ["model_stale"]);
  assert.ok(result.reasons.length === 3 && !result.reasons.includes("bought_together"), JSON.stringify(result));
  assert.equal(result.bad, "option_invalid");
  assert.deepEqual(errors, []);
  await context.close();
});
