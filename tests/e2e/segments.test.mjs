// Segments and next best action in the demo shop, in Chromium against the real collector: a
// visitor who looks at consoles and buys one becomes a console owner within that page view, the
// home hero stops advertising consoles and shows accessories, and the collector's SQLite database
// holds the "Segment Entered" event. The demo's other segments (persona-config.js) are entered and
// left as documented there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, rowsInDatabase, shopAndBrowser, waitFor, watchedPage } from "./harness.mjs";

const catalog = JSON.parse(readFileSync(join(ROOT, "www", "catalog.json"), "utf8")).products;
const onSale = (p) => p.compare_at_price > p.price;
/** The products with a card (and a quick-view button) on the home page: the first 8 per category. */
const onHome = catalog.filter((p, i) => catalog.slice(0, i).filter((q) => q.category === p.category).length < 8);
const env = shopAndBrowser();

/** Opens the home page and waits for the shop and for persona's live API. */
async function openHome(page, path = "/") {
  await page.goto(`${env.collector.url}${path}`);
  await page.waitForSelector("body[data-shop-ready=true]");
  await page.waitForFunction(() => typeof window.persona?.segments === "function");
  await page.waitForSelector("#hero:not([data-creative=pending])");
}

/** Opens product `id` in the home page's quick view; closes it again unless `keepOpen`. */
async function quickView(page, id, { keepOpen = false } = {}) {
  await page.click(`button.quick-view[data-quick-view="${id}"]`);
  await page.waitForSelector(`dialog#quick-view[open][data-product-id="${id}"]`);
  if (!keepOpen) {
    await page.click("#qv-close");
    await page.waitForSelector("dialog#quick-view:not([open])", { state: "attached" });
  }
}

/** The visitor's rows in the database once `ready(rows)` holds. */
function rowsWhen(anonymousId, ready, what) {
  return waitFor(
    () => {
      const rows = rowsInDatabase(env.collector.db, anonymousId);
      return ready(rows) ? rows : null;
    },
    { what, timeoutMs: 20_000, intervalMs: 250 },
  );
}

const segmentEvents = (rows, name) => rows.filter((r) => r.event === name).map((r) => r.properties.segment_id);

test("buying a console makes a console owner within the page view: the hero switches to accessories", async () => {
  const { page, errors, context } = await watchedPage(env.browser);
  let loads = 0;
  page.on("load", () => loads++);
  await openHome(page);
  const anonymousId = await page.evaluate(() => window.persona.anonymousId());

  // A new visitor: no segments, and the console ad in the hero.
  assert.equal(await page.getAttribute("#hero", "data-creative"), "console-ad");
  assert.deepEqual(await page.evaluate(() => window.persona.segments()), []);
  await page.evaluate(() => {
    window.samePageView = true;
    window.segmentChanges = [];
    window.persona.on("segments", (change) => window.segmentChanges.push(change));
  });
  const loadsBefore = loads;

  // Three consoles in the quick view (in stock, full price: not bargain hunting), then buy the third.
  const consoles = onHome.filter((p) => p.category === "consoles" && p.in_stock && !onSale(p)).slice(0, 3);
  assert.equal(consoles.length, 3);
  for (const p of consoles.slice(0, 2)) await quickView(page, p.id);
  const bought = consoles[2];
  await quickView(page, bought.id, { keepOpen: true });
  assert.deepEqual(await page.evaluate(() => window.shopHero.shown), ["console-ad"], "viewing consoles alone changes no segment");
  await page.click("#qv-buy");
  const orderId = await page.getAttribute("#qv-confirmation", "data-order-id");
  assert.ok(orderId);

  // Within the same page view: in the segment, the hero switched, the console ad is excluded.
  const now = await page.evaluate(() => ({
    samePageView: window.samePageView === true,
    segments: window.persona.segments(),
    inSegment: window.persona.inSegment("console-owner"),
    purchased: window.persona.profile().purchased,
    changes: window.segmentChanges,
    creative: document.querySelector("#hero").dataset.creative,
    heroText: document.querySelector("#hero-copy").textContent,
    shown: window.shopHero.shown,
    decision: window.shopHero.decision,
    panel: document.querySelector("#persona-segments").dataset.segments,
  }));
  assert.ok(now.samePageView && loads === loadsBefore, "no navigation, no reload");
  assert.deepEqual(now.segments, ["console-owner"]);
  assert.equal(now.inSegment, true);
  assert.deepEqual(now.purchased.categories, ["consoles"]);
  assert.deepEqual(now.purchased.products, [bought.id]);
  assert.deepEqual(now.changes, [{ segments: ["console-owner"], entered: ["console-owner"], exited: [] }]);
  assert.equal(now.creative, "accessories");
  assert.match(now.heroText, /Level up/);
  assert.doesNotMatch(now.heroText, /Next-gen consoles/);
  assert.deepEqual(now.shown, ["console-ad", "accessories"], "the console ad showed before, the accessories after");
  assert.equal(now.decision.choice, "accessories");
  assert.deepEqual(
    now.decision.explanation.find((e) => e.id === "console-ad"),
    { id: "console-ad", eligible: false, reason: "excluded:console-owner" },
  );
  const accessories = now.decision.explanation.find((e) => e.id === "accessories");
  assert.ok(accessories.eligible && accessories.score > 0, JSON.stringify(now.decision.explanation));
  assert.equal(now.panel, "console-owner", "the event panel shows the segment");

  // The collector stored "Segment Entered" once, right after the order, from the same page view.
  const rows = await rowsWhen(anonymousId, (rs) => segmentEvents(rs, "Segment Entered").length > 0 && rs.some((r) => r.event === "Order Completed"), "Segment Entered in the database");
  const order = rows.find((r) => r.event === "Order Completed");
  assert.equal(order.properties.order_id, orderId);
  const entered = rows.filter((r) => r.event === "Segment Entered");
  assert.deepEqual(entered.map((r) => r.properties), [{ segment_id: "console-owner", segment_name: "Console owners" }]);
  const [segment] = entered;
  assert.equal(segment.type, "track");
  assert.ok(segment.id > order.id, "recorded after the order that caused it");
  assert.ok(segment.originalTimestamp >= order.originalTimestamp);
  assert.equal(segment.context.page.path, "/");
  assert.equal(segment.context.page.url, order.context.page.url);
  assert.equal(segment.context.session.id, order.context.session.id);
  assert.equal(rows.filter((r) => r.type === "page").length, 1, "one page view so far");

  // A reload remembers the membership: the accessories from the start, and no second entry.
  await page.reload();
  await openHome(page);
  assert.deepEqual(await page.evaluate(() => window.shopHero.shown), ["accessories"]);
  assert.deepEqual(await page.evaluate(() => window.persona.segments()), ["console-owner"]);
  const later = await rowsWhen(anonymousId, (rs) => rs.filter((r) => r.type === "page").length === 2, "the reload's page view");
  assert.deepEqual(segmentEvents(later, "Segment Entered"), ["console-owner"]);
  assert.deepEqual(segmentEvents(later, "Segment Exited"), []);

  assert.deepEqual(errors, []);
  await context.close();
});

test("the demo's other segments: bargain hunter, then returning visitor and cart abandoner until the order", async () => {
  const { page, errors, context } = await watchedPage(env.browser);
  await openHome(page);
  const anonymousId = await page.evaluate(() => window.persona.anonymousId());
  const segments = () => page.evaluate(() => window.persona.segments().sort());

  // Three products on sale (none a console), one of them into the cart: a bargain hunter, and
  // deals in the hero. A full cart on a first visit is shopping, not abandoning.
  const deals = onHome.filter((p) => onSale(p) && p.in_stock && p.category !== "consoles").slice(0, 3);
  assert.equal(deals.length, 3);
  for (const p of deals.slice(0, 2)) await quickView(page, p.id);
  await quickView(page, deals[2].id, { keepOpen: true });
  await page.click("#qv-add");
  await page.waitForFunction(() => document.querySelector("#cart-count")?.textContent.trim() === "1");
  assert.deepEqual(await segments(), ["bargain-hunter"]);
  assert.equal(await page.getAttribute("#hero", "data-creative"), "deals");

  // Back through a newsletter link: a new visit, with the cart still full.
  await openHome(page, "/?utm_source=newsletter&utm_medium=email&utm_campaign=winter-deals");
  assert.deepEqual(await segments(), ["bargain-hunter", "cart-abandoner", "returning-visitor"]);
  assert.equal(await page.evaluate(() => window.persona.profile().session.count), 2);

  // Checking out empties the cart: no longer a cart abandoner.
  await page.goto(`${env.collector.url}/cart.html`);
  await page.waitForSelector("body[data-shop-ready=true]");
  await page.waitForFunction(() => typeof window.persona?.segments === "function");
  await page.click("#checkout");
  await page.waitForSelector("#order-confirmation");
  assert.deepEqual(await segments(), ["bargain-hunter", "returning-visitor"]);

  const rows = await rowsWhen(anonymousId, (rs) => segmentEvents(rs, "Segment Exited").length > 0, "Segment Exited in the database");
  assert.deepEqual(segmentEvents(rows, "Segment Entered").sort(), ["bargain-hunter", "cart-abandoner", "returning-visitor"]);
  assert.deepEqual(segmentEvents(rows, "Segment Exited"), ["cart-abandoner"]);
  const exited = rows.find((r) => r.event === "Segment Exited");
  assert.ok(exited.id > rows.find((r) => r.event === "Order Completed").id);
  assert.equal(exited.properties.segment_name, "Cart abandoners");

  assert.deepEqual(errors, []);
  await context.close();
});
