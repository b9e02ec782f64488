// The collector's dashboard in Chromium, on real data: three visitors shop through the demo
// shop's pages (one from a newsletter campaign, one from another site, one direct), searching,
// buying and seeing an experiment, as a shop reporting GrowthBook's exposures through
// `persona.track("Experiment Viewed")` would. Then the dashboard is opened, and every number
// it shows is checked against the collector's SQLite file, counted from the raw events with
// Python's sqlite3 (not from the aggregates the dashboard reads). A second test checks the loud
// sample-ratio-mismatch banner, the secret key form, and a store purchase sent server-side that
// reaches the visitor's profile through `GET /v1/profile` and `p.profile.import`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { shopAndBrowser, startCollector, waitFor, watchedPage } from "./harness.mjs";

const PS5 = "sku-1001";
const SECRET = "dashboard-secret-0123456789";

const env = shopAndBrowser();

const ready = (page) => page.waitForFunction(() => document.body.dataset.shopReady === "true", null, { timeout: 30_000 });

async function visit(page, path, options) {
  await page.goto(`${env.collector.url}/${path}`, options);
  await ready(page);
}

/** What the shop's GrowthBook `trackingCallback` would send. */
function exposure(page, variation) {
  return page.evaluate(
    (v) => window.persona.push(["track", "Experiment Viewed", { experiment_id: "hero-style", experiment_name: "Hero style", variation_id: v, variation_name: v === "0" ? "classic" : "bright" }]),
    variation,
  );
}

async function buyPs5(page) {
  await visit(page, `product.html?id=${PS5}`);
  await page.click("#add-to-cart");
  await page.waitForSelector("#cart-toast");
  await visit(page, "cart.html");
  await page.click("#checkout");
  await page.waitForSelector("#order-confirmation");
}

async function search(page, query) {
  await page.fill("#search-input", query);
  await Promise.all([page.waitForURL(/search\.html\?q=/), page.press("#search-input", "Enter")]);
  await ready(page);
}

/** The anonymous id persona gave the page's visitor. */
const anonymousId = (page) => page.evaluate(() => window.persona.anonymousId());

/**
 * The dashboard's numbers for today, counted from the raw events in the database: visits get
 * the channel of their first event (campaign source, else another site's host, else direct).
 */
function fromDatabase(db) {
  const script = `
import json, sqlite3, sys
from urllib.parse import urlparse
con = sqlite3.connect(sys.argv[1])
rows = con.execute("select anonymous_id, event, type, properties, context from events order by id").fetchall()
visits, per_channel, steps, orders, revenue = {}, {}, {}, 0, 0.0
searches, no_results, segments, exposed, converted = {}, {}, {}, {}, set()
funnel = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]
for visitor, event, kind, props, ctx in rows:
    props, ctx = json.loads(props), json.loads(ctx)
    session = (ctx.get("session") or {}).get("id")
    if session not in visits:
        source = (ctx.get("campaign") or {}).get("source")
        referrer = urlparse((ctx.get("session") or {}).get("referrer") or "").hostname
        page = urlparse((ctx.get("page") or {}).get("url") or "").hostname
        if referrer and referrer.startswith("www."): referrer = referrer[4:]
        if page and page.startswith("www."): page = page[4:]
        visits[session] = source.lower() if source else (referrer if referrer and referrer != page else "direct")
    channel = visits[session]
    per_channel.setdefault(channel, {"events": 0, "visitors": set()})
    per_channel[channel]["events"] += 1
    per_channel[channel]["visitors"].add(visitor)
    if event in funnel: steps.setdefault(visitor, set()).add(event)
    if event == "Order Completed":
        orders += 1; revenue += props.get("revenue", 0)
        if visitor in exposed: converted.add(visitor)
    if event == "Products Searched":
        q = props["query"].strip().lower(); searches[q] = searches.get(q, 0) + 1
    if event == "Product List Viewed" and props.get("list_id") == "search" and props.get("products") == []:
        q = props["query"].strip().lower(); no_results[q] = no_results.get(q, 0) + 1
    if event in ("Segment Entered", "Segment Exited"):
        s = props["segment_id"]; segments[s] = segments.get(s, 0) + (1 if event == "Segment Entered" else -1)
    if event == "Experiment Viewed": exposed.setdefault(visitor, props["variation_id"])
reached = [sum(1 for s in steps.values() if all(f in s for f in funnel[:i + 1])) for i in range(4)]
print(json.dumps({
    "events": len(rows), "visitors": len({r[0] for r in rows}), "orders": orders, "revenue": round(revenue, 2),
    "channels": {c: {"events": v["events"], "visitors": len(v["visitors"])} for c, v in per_channel.items()},
    "funnel": reached, "searches": searches, "no_results": no_results, "segments": segments,
    "variations": {v: {"exposed": sum(1 for x in exposed.values() if x == v),
                       "converted": sum(1 for x in converted if exposed[x] == v)} for v in set(exposed.values())},
}))`;
  return JSON.parse(execFileSync("python3", ["-c", script, db], { encoding: "utf8" }));
}

/** Everything the dashboard shows, read off its hooks. */
function fromDashboard(page) {
  return page.evaluate(() => {
    const value = (id) => Number(document.getElementById(id).dataset.value);
    const rows = (sel) => Object.fromEntries([...document.querySelectorAll(sel)].map((r) => [r.dataset.query, r]));
    const channels = {};
    for (const bar of document.querySelectorAll("#channels svg [data-day][data-channel]")) {
      const c = (channels[bar.dataset.channel] ??= { events: 0, visitors: 0 });
      c.events += Number(bar.dataset.events);
      c.visitors += Number(bar.dataset.visitors);
    }
    return {
      events: value("kpi-events"),
      visitors: value("kpi-visitors"),
      orders: value("kpi-orders"),
      revenue: value("kpi-revenue"),
      channels,
      funnel: ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"].map((s) => Number(document.querySelector(`#funnel [data-step="${s}"]`).dataset.visitors)),
      searches: Object.fromEntries(Object.entries(rows("#searches tr[data-query]")).map(([q, r]) => [q, Number(r.dataset.searches)])),
      no_results: Object.fromEntries(Object.entries(rows("#no-results tr[data-query]")).map(([q, r]) => [q, Number(r.dataset.noResults)])),
      segments: Object.fromEntries([...document.querySelectorAll("#segments [data-segment]")].map((s) => [s.dataset.segment, Number(s.dataset.size)])),
      variations: Object.fromEntries([...document.querySelectorAll('#experiments [data-experiment="hero-style"] tr[data-variation]')].map((r) => [r.dataset.variation, { exposed: Number(r.dataset.exposed), converted: Number(r.dataset.converted) }])),
      srm: document.querySelector('#experiments [data-experiment="hero-style"]')?.dataset.srmMismatch,
      warnings: document.querySelectorAll("#srm-warning").length,
    };
  });
}

test("the dashboard shows what three visitors did, and its numbers are the database's", async () => {
  const { collector, browser } = env;
  const ids = [];
  // 1: from the newsletter, sees the treatment, buys a PS5.
  const one = await watchedPage(browser);
  await visit(one.page, "index.html?utm_source=Newsletter&utm_medium=email&utm_campaign=winter");
  await exposure(one.page, "1");
  await buyPs5(one.page);
  ids.push(await anonymousId(one.page));
  // 2: direct, sees the control, searches (once for nothing), adds to the cart, leaves.
  const two = await watchedPage(browser);
  await visit(two.page, "index.html");
  await exposure(two.page, "0");
  await search(two.page, "PS5");
  await search(two.page, "qqqqzzzz");
  await visit(two.page, `product.html?id=${PS5}`);
  await two.page.click("#add-to-cart");
  await two.page.waitForSelector("#cart-toast");
  ids.push(await anonymousId(two.page));
  // 3: from another site; only looks.
  const three = await watchedPage(browser);
  await visit(three.page, `product.html?id=${PS5}`, { referer: "https://www.search-engine.test/results?q=ps5" });
  ids.push(await anonymousId(three.page));
  for (const w of [one, two, three]) assert.deepEqual(w.errors, []);

  // Everything delivered: the order, the no-result list and the third visitor's view.
  await waitFor(
    async () => {
      const events = await collector.events({ limit: "1000" });
      const has = (name, who) => events.some((e) => e.event === name && e.anonymousId === who);
      return has("Order Completed", ids[0]) && has("Product Added", ids[1]) && has("Product List Viewed", ids[1]) && has("Product Viewed", ids[2]);
    },
    { what: "the three visitors' events in the collector", timeoutMs: 30_000 },
  );
  for (const w of [one, two, three]) await w.context.close(); // their last events go out on hide
  const total = (await collector.health()).events;
  await waitFor(async () => ((await collector.health()).events === total ? total : null), { what: "no more events" });
  await new Promise((r) => setTimeout(r, 500));

  const expected = fromDatabase(collector.db);
  // The journey happened as scripted (so the comparison below compares something).
  assert.deepEqual(Object.keys(expected.channels).sort(), ["direct", "newsletter", "search-engine.test"]);
  assert.equal(expected.orders, 1);
  assert.deepEqual(expected.funnel, [3, 2, 1, 1]);
  assert.deepEqual(expected.no_results, { "qqqqzzzz": 1 });
  assert.deepEqual(expected.variations, { 0: { exposed: 1, converted: 0 }, 1: { exposed: 1, converted: 1 } });

  const { page, errors } = await watchedPage(browser);
  await page.goto(`${collector.url}/dashboard/`);
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 30_000 });
  const shown = await fromDashboard(page);
  assert.deepEqual(errors, []);

  assert.equal(shown.events, expected.events);
  assert.equal(shown.visitors, expected.visitors);
  assert.equal(shown.orders, expected.orders);
  assert.equal(shown.revenue, expected.revenue);
  assert.deepEqual(shown.channels, expected.channels);
  assert.deepEqual(shown.funnel, expected.funnel);
  assert.deepEqual(shown.searches, expected.searches);
  assert.deepEqual(shown.no_results, expected.no_results);
  assert.deepEqual(shown.segments, Object.fromEntries(Object.entries(expected.segments).map(([s, n]) => [s, Math.max(0, n)])));
  assert.deepEqual(shown.variations, expected.variations);
  assert.equal(shown.srm, "false");

  // The channel filter narrows every number to that channel.
  await page.selectOption("#f-channel", "newsletter");
  const apply = page.locator("#filters button[type=submit], #filters [data-apply]").first();
  if (await apply.count()) await apply.click();
  await page.waitForFunction(() => document.body.dataset.ready === "true" && new URL(location.href).searchParams.get("channel") === "newsletter", null, { timeout: 10_000 });
  await page.waitForFunction((n) => Number(document.getElementById("kpi-events").dataset.value) === n, expected.channels.newsletter.events, { timeout: 10_000 });
  const filtered = await fromDashboard(page);
  assert.equal(filtered.visitors, 1);
  assert.equal(filtered.orders, 1);
  assert.deepEqual(Object.keys(filtered.channels), ["newsletter"]);
});

test("a split that is off is shown loudly, and a collector with a secret key asks for it", async () => {
  const { browser } = env;
  const guarded = await startCollector({ args: ["--secret-key", SECRET] });
  try {
    // 300 exposures where a 50/50 split was configured: 200 control, 100 treatment.
    const batch = Array.from({ length: 300 }, (_, i) => ({
      messageId: `srm-${i}`,
      type: "track",
      event: "Experiment Viewed",
      anonymousId: `srm-visitor-${i}`,
      properties: { experiment_id: "checkout-test", variation_id: i < 200 ? "0" : "1" },
    }));
    const res = await fetch(`${guarded.url}/v1/batch`, { method: "POST", body: JSON.stringify({ batch }) });
    assert.equal(res.status, 200);

    const { page, errors } = await watchedPage(browser);
    await page.goto(`${guarded.url}/dashboard/`);
    await page.waitForSelector("#key-form", { state: "visible" });
    await page.fill("#key-input", "not-the-key-not-the-key");
    await page.press("#key-input", "Enter");
    await page.waitForSelector("#key-error", { state: "visible" });
    await page.fill("#key-input", SECRET);
    await page.press("#key-input", "Enter");
    await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 30_000 });
    const shown = await page.evaluate(() => {
      const exp = document.querySelector('#experiments [data-experiment="checkout-test"]');
      return { mismatch: exp.dataset.srmMismatch, banner: exp.querySelector("#srm-warning, .srm-warning")?.textContent ?? "" };
    });
    assert.equal(shown.mismatch, "true");
    assert.match(shown.banner, /Sample ratio mismatch/);
    assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);

    // The till reports a store purchase; after login the shop hands the customer's profile from
    // the collector to persona, and the visitor is a console owner on the device.
    const till = {
      batch: [
        {
          messageId: "till-1",
          type: "track",
          event: "Order Completed",
          userId: "cust-7",
          timestamp: new Date(Date.now() - 86_400_000).toISOString(),
          context: { channel: "store" },
          properties: { order_id: "S-1", revenue: 499, products: [{ product_id: PS5, category: "consoles", price: 499 }] },
        },
        { messageId: "till-2", type: "identify", userId: "cust-7", traits: { tier: "gold" } },
      ],
    };
    const sent = await fetch(`${guarded.url}/v1/batch`, { method: "POST", headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify(till) });
    assert.equal(sent.status, 200);
    const profile = await (await fetch(`${guarded.url}/v1/profile/cust-7`, { headers: { authorization: `Bearer ${SECRET}` } })).json();
    const shop = await watchedPage(browser);
    await shop.page.goto(`${guarded.url}/index.html`);
    await ready(shop.page);
    const after = await shop.page.evaluate((doc) => {
      window.persona.identify("cust-7");
      window.persona.profile.import(doc);
      return { segments: window.persona.segments(), tier: window.persona.profile().traits?.tier };
    }, profile);
    assert.ok(after.segments.includes("console-owner"), JSON.stringify(after));
    assert.equal(after.tier, "gold");
    assert.deepEqual(shop.errors, []);
  } finally {
    await guarded.stop();
  }
});
