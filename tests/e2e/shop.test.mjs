// The demo shop served by the real collector: a visitor browses, clicks, searches, buys; every
// shop event must end up in the collector's SQLite database with the right names, ids and
// properties, exactly once, under one anonymous id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, rowsInDatabase, shopAndBrowser, waitFor, watchedPage } from "./harness.mjs";

const catalog = JSON.parse(readFileSync(join(ROOT, "www", "catalog.json"), "utf8"));
const productById = new Map(catalog.products.map((p) => [p.id, p]));
const env = shopAndBrowser();

test("a shopping journey lands in the database", async () => {
  const { page, errors, context } = await watchedPage(env.browser);
  const ready = () => page.waitForSelector("body[data-shop-ready=true]");

  await page.goto(`${env.collector.url}/`);
  await ready();
  await page.waitForFunction(() => typeof window.persona?.anonymousId === "function");
  const anonymousId = await page.evaluate(() => window.persona.anonymousId());

  // Click the second card of the home grid.
  const card = page.locator('a.product-card[data-persona-list="home"]').nth(1);
  const clickedId = await card.getAttribute("data-persona-product-id");
  const clickedPosition = Number(await card.getAttribute("data-persona-position"));
  await Promise.all([page.waitForURL(/product\.html/), card.click()]);
  await ready();
  assert.equal(await page.getAttribute("h1#product-name", "data-product-id"), clickedId);
  const product = productById.get(clickedId);

  // Add to cart if in stock; otherwise pick the first in-stock item of the same journey.
  let boughtId = clickedId;
  if (!product.in_stock) {
    boughtId = catalog.products.find((p) => p.in_stock).id;
    await page.goto(`${env.collector.url}/product.html?id=${boughtId}`);
    await ready();
  }
  await page.click("#add-to-cart");
  await page.waitForFunction(() => document.querySelector("#cart-count")?.textContent.trim() === "1");

  // Search from the header.
  await page.fill("#search-input", "sony");
  await Promise.all([page.waitForURL(/search\.html\?q=sony/), page.press("#search-input", "Enter")]);
  await ready();

  // Cart and checkout.
  await page.goto(`${env.collector.url}/cart.html`);
  await ready();
  await page.click("#checkout");
  const orderId = await page.locator("#order-confirmation").getAttribute("data-order-id");
  assert.ok(orderId);

  const expectedNames = ["Product Clicked", "Product Viewed", "Product Added", "Products Searched", "Cart Viewed", "Order Completed"];
  const events = await waitFor(
    async () => {
      const evs = await env.collector.events({ anonymousId });
      const names = new Set(evs.map((e) => e.event));
      return expectedNames.every((n) => names.has(n)) ? evs : null;
    },
    { what: "every shop event in the collector", timeoutMs: 20_000 },
  );
  const one = (name) => {
    const found = events.filter((e) => e.event === name);
    assert.equal(found.length, 1, `exactly one ${name}`);
    return found[0].properties;
  };

  const clicked = one("Product Clicked");
  assert.equal(clicked.product_id, clickedId);
  assert.equal(clicked.position, clickedPosition);
  assert.equal(clicked.list_id, "home");
  assert.equal(clicked.price, product.price);

  const bought = productById.get(boughtId);
  const viewed = events.filter((e) => e.event === "Product Viewed").map((e) => e.properties);
  assert.ok(viewed.some((v) => v.product_id === clickedId && v.brand === product.brand && v.category === product.category));
  const added = one("Product Added");
  assert.equal(added.product_id, boughtId);
  assert.equal(added.quantity, 1);
  assert.equal(one("Products Searched").query, "sony");
  assert.deepEqual(one("Cart Viewed").products.map((p) => p.product_id), [boughtId]);
  const order = one("Order Completed");
  assert.equal(order.order_id, orderId);
  assert.equal(order.products[0].product_id, boughtId);
  assert.ok(Math.abs(order.revenue - bought.price) < 0.01, `revenue ${order.revenue} for ${bought.price}`);

  // The shop's buttons are tracked without markup (autotrack.clickSelector's default); Enter in
  // the search field clicks the form's submit button, as browsers do. The annotated product card
  // is Product Clicked only.
  assert.deepEqual(
    events.filter((e) => e.event === "Element Clicked").map((e) => e.properties),
    [
      { tag: "button", text: "Add to cart", id: "add-to-cart" },
      { tag: "button", text: "Search" },
      { tag: "button", text: "Checkout", id: "checkout" },
    ],
  );

  const sessions = new Set(events.map((e) => e.context.session.id));
  assert.equal(sessions.size, 1, "one visit across the shop's pages");
  assert.ok(events.every((e) => e.context.session.number === 1 && e.context.session.landing_page.endsWith("/")));
  const pages = events.filter((e) => e.type === "page").map((e) => e.properties.path);
  for (const path of ["/", "/product.html", "/search.html", "/cart.html"]) assert.ok(pages.includes(path), `page view of ${path}: ${pages}`);

  // The database itself holds the same rows (the exactly-one-of-each checks above would catch
  // a retry that minted new messageIds; UNIQUE(message_id) makes same-id duplicates impossible).
  const rows = rowsInDatabase(env.collector.db, anonymousId);
  assert.equal(rows.length, events.length);
  assert.deepEqual(rows.find((r) => r.event === "Order Completed").properties, order);

  // The corner panel saw the deliveries.
  await page.waitForSelector('#persona-panel li.persona-row[data-status="sent"]');
  assert.deepEqual(errors, []);
  await context.close();
});
