// The script-tag path: a plain page with only the tag and the pre-load queue, the real
// collector, headless Chromium. Also the failure modes a theme can hit: a bad attribute and a
// module that cannot load. The page must never see an exception.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, launchBrowser, startCollector, startFaultProxy, tempDir, waitFor, watchedPage } from "./harness.mjs";

const page = (collectorAttr) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Plain page</title>
<script>
  window.persona = window.persona || [];
  persona.push(["track", "Queued Before Load", { n: 1, nested: { ok: true }, list: ["a", "b"] }]);
  persona.push(function (p) { window.callbackSaw = p.anonymousId(); });
  persona.push(["track", 42]);
  persona.push(["no_such_command"]);
  persona.push(["track", "Queued Second", { n: 2 }]);
</script>
<script async src="/dist/persona.js" ${collectorAttr}></script>
</head><body><button id="b" onclick="persona.push(['track', 'Button Clicked', {id: 'b'}])">go</button></body></html>`;

/** `page` with `window.personaConfig = config` set before the tag. */
const configured = (config, collectorAttr) =>
  page(collectorAttr).replace("<script>\n  window.persona", `<script>window.personaConfig = ${JSON.stringify(config)};</script>\n<script>\n  window.persona`);

describe("script tag", () => {
  let www, brokenDist, collector, brokenCollector, browser;

  before(async () => {
    www = tempDir();
    writeFileSync(join(www, "plain.html"), page('data-collector="/v1/batch" data-flush-interval-ms="200"'));
    writeFileSync(join(www, "bad-attr.html"), page('data-collector="ftp://nowhere.example/x"'));
    writeFileSync(join(www, "no-attr.html"), page(""));
    writeFileSync(join(www, "bad-number.html"), page('data-collector="/v1/batch" data-batch-size="lots"'));
    writeFileSync(join(www, "slow-retry.html"), page('data-collector="/v1/batch" data-flush-interval-ms="0" data-retry-base-ms="30000"'));
    writeFileSync(join(www, "blank.html"), "<!doctype html><title>No persona here</title><p>blank</p>");
    // A single-page app: the URL changes without page loads.
    writeFileSync(
      join(www, "spa.html"),
      `<!doctype html><title>SPA</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="/v1/batch" data-flush-interval-ms="0"></script>
<button id="go" onclick="history.pushState({}, '', '/spa/products?c=consoles'); document.title = 'Products'">go</button>
<button id="hash" onclick="history.replaceState({}, '', location.pathname + location.search + '#reviews')">hash</button>
<button id="signup" data-persona-event="Newsletter Signup" data-persona-placement-id="footer"><span id="inner">sign up</span></button>
<form id="sf" onsubmit="event.preventDefault()"><input id="sq" name="q" data-persona-search></form>
<a id="result" href="#r" data-persona-product-id="sku-7" data-persona-list="search" data-persona-position="1">result</a>`,
    );
    writeFileSync(
      join(www, "no-autotrack.html"),
      `<!doctype html><title>Off</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="/v1/batch" data-flush-interval-ms="0" data-autotrack="false"></script>
<button id="go" onclick="history.pushState({}, '', '/elsewhere')">go</button>
<a id="card" href="#" data-persona-product-id="sku-1">card</a>`,
    );

    // Links and buttons: tracked by the default click selector, a custom one, or not at all.
    const links = (attrs) => `<!doctype html><title>Links</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="/v1/batch" data-flush-interval-ms="0" ${attrs}></script>
<nav><a id="home" class="cta" href="/p/sku-9?color=red#reviews" onclick="event.preventDefault()">
    Sony   WH-1000XM5
    headphones </a></nav>
<a id="partner" href="https://user:pw@partner.example/deal?ref=shop" onclick="event.preventDefault()"><img id="banner" alt="Partner deal" width="20" height="20" src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"></a>
<button id="wish" aria-label="Add to wishlist"><svg width="20" height="20"><circle id="heart" cx="10" cy="10" r="9"/></svg></button>
<form onsubmit="event.preventDefault()"><input id="email" name="email" value="max@example.com"><input type="submit" id="buy" value="Buy now"></form>
<p><span id="plain">plain text, not a link</span></p>
<a id="card" href="#card" data-persona-product-id="sku-1" data-persona-list="home" data-persona-position="3"><button id="quick">Quick view</button></a>
<div data-persona-ignore><a id="account" href="/account" onclick="event.preventDefault()">Max Mustermann</a></div>`;
    writeFileSync(join(www, "links.html"), links(""));
    writeFileSync(join(www, "links-cta.html"), links('data-click-selector="a.cta"'));
    writeFileSync(join(www, "links-off.html"), links('data-click-selector="false"'));
    writeFileSync(join(www, "bad-selector.html"), page('data-collector="/v1/batch" data-click-selector="a]"'));

    // The tag twice (a theme and an app both add it).
    writeFileSync(
      join(www, "twice.html"),
      page('data-collector="/v1/batch"').replace("</head>", '<script async src="/dist/persona.js" data-collector="/v1/batch"></script></head>'),
    );
    // No queue snippet, and an element whose id makes window.persona truthy.
    writeFileSync(
      join(www, "element-id.html"),
      '<!doctype html><title>Element</title><div id="persona">shop widget</div><script async src="/dist/persona.js" data-collector="/v1/batch"></script>',
    );
    // Nothing listens on port 9 of the loopback: every delivery fails with a network error.
    writeFileSync(join(www, "down.html"), page('data-collector="http://127.0.0.1:9/v1/batch" data-flush-interval-ms="0"'));
    // Options the attributes cannot carry, in window.personaConfig; the attribute's collector wins.
    const tagged = { key: "tagged", name: "Tagged visitors", condition: { "counts.tagged": { $gte: 1 } } };
    writeFileSync(
      join(www, "config.html"),
      configured({ collector: { url: "/nowhere", flushIntervalMs: 0 }, segments: [tagged] }, 'data-collector="/v1/batch"'),
    );
    writeFileSync(
      join(www, "bad-segment.html"),
      configured({ segments: [{ ...tagged, condition: { "counts.tagged": { $nope: 1 } } }] }, 'data-collector="/v1/batch"'),
    );
    // A dist without the wasm: the module cannot load.
    brokenDist = tempDir();
    copyFileSync(join(ROOT, "dist", "persona.js"), join(brokenDist, "persona.js"));
    collector = await startCollector({ www });
    brokenCollector = await startCollector({ www, dist: brokenDist });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
    await brokenCollector?.stop();
  });

  test("queued calls arrive once the module is ready; window.persona is then the live API", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/plain.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    assert.match(anonymousId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(await tab.evaluate(() => window.callbackSaw), anonymousId, "function commands get the API");

    await tab.click("#b"); // push after load runs at once (and a button: autotracked as well)
    const events = await waitFor(
      async () => {
        const evs = await collector.events({ anonymousId });
        return evs.length >= 5 ? evs : null;
      },
      { what: "5 events in the collector" },
    );
    const byName = (n) => events.filter((e) => e.event === n);
    const pages = events.filter((e) => e.type === "page");
    assert.equal(pages.length, 1, "one automatic page view");
    assert.equal(pages[0].properties.path, "/plain.html");
    assert.equal(pages[0].properties.title, "Plain page");
    assert.deepEqual(byName("Queued Before Load")[0].properties, { n: 1, nested: { ok: true }, list: ["a", "b"] });
    assert.equal(byName("Queued Second").length, 1, "a bad command in the queue does not stop the ones after it");
    assert.deepEqual(byName("Button Clicked")[0].properties, { id: "b" });
    assert.deepEqual(byName("Element Clicked")[0].properties, { tag: "button", text: "go", id: "b" });
    assert.equal(events.length, 5, "the invalid track(42) was not enqueued");
    const q1 = events.indexOf(byName("Queued Before Load")[0]);
    const q2 = events.indexOf(byName("Queued Second")[0]);
    assert.ok(q1 < q2, "queue order is kept");
    for (const e of events) {
      assert.equal(e.anonymousId, anonymousId);
      assert.equal(e.context.library.name, "persona");
      assert.ok(e.sentAt && e.originalTimestamp);
    }

    // A reload is the same visitor, with a new page view.
    await tab.reload();
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    assert.equal(await tab.evaluate(() => window.persona.anonymousId()), anonymousId);
    await waitFor(async () => (await collector.events({ anonymousId, type: "page" })).length === 2, { what: "second page view" });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("events queued while the collector is unreachable survive a reload and arrive later", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/down.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    const messageId = await tab.evaluate(() => window.persona.track("While Down", { attempt: 1 }).messageId);
    // The failed attempts leave the events in localStorage (with the batch that was in flight).
    await tab.waitForFunction(
      () =>
        window.persona.pending() === 4 &&
        Object.keys(localStorage).some((k) => k.startsWith("persona:outbox:") && localStorage.getItem(k).includes("While Down")),
    );
    const sent = await tab.evaluate(() => new Promise((resolve) => window.persona.on("sent", resolve)));
    assert.equal(sent.status, 0, "network error reported as status 0");
    assert.equal(await tab.evaluate(() => window.persona.pending()), 4, "and nothing was dropped");

    await tab.goto(`${collector.url}/plain.html`);
    const arrived = await waitFor(
      async () => (await collector.events({ anonymousId })).find((e) => e.event === "While Down"),
      { what: "the event queued while down" },
    );
    assert.equal(arrived.messageId, messageId, "same messageId after the reload");
    assert.deepEqual(arrived.properties, { attempt: 1 });
    const names = (await collector.events({ anonymousId })).map((e) => e.event ?? e.type);
    for (const n of ["Queued Before Load", "Queued Second"]) assert.equal(names.filter((x) => x === n).length, 2, `${n}: once per page`);
    await waitFor(async () => tab.evaluate(() => window.persona.pending() === 0), { what: "outbox drained" });
    await waitFor(async () => tab.evaluate(() => !Object.keys(localStorage).some((k) => k.startsWith("persona:outbox"))), {
      what: "no outbox left in storage",
    });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("UTM parameters, locale and time zone go into every event's context", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/plain.html?utm_source=newsletter&utm_medium=email&utm_campaign=black%20friday%20%E2%9C%93`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    const events = await waitFor(
      async () => {
        const evs = await collector.events({ anonymousId });
        return evs.length >= 3 ? evs : null;
      },
      { what: "the page's events" },
    );
    const [locale, timezone] = await tab.evaluate(() => [navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]);
    for (const e of events) {
      assert.deepEqual(e.context.campaign, { source: "newsletter", medium: "email", name: "black friday ✓" });
      assert.equal(e.context.locale, locale);
      assert.equal(e.context.timezone, timezone);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("single-page-app navigation and back/forward restores are page views; fragment changes are not", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/spa.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    const pages = async () => (await collector.events({ anonymousId, type: "page" })).map((e) => e.properties.path + e.properties.search);
    await waitFor(async () => (await pages()).length === 1, { what: "the first page view" });

    await tab.click("#go"); // pushState
    await waitFor(async () => (await pages()).length === 2, { what: "a page view for pushState" });
    await tab.click("#hash"); // replaceState to the same document + #fragment: not a page view
    await tab.goBack(); // popstate back to /spa.html
    await waitFor(async () => (await pages()).length === 3, { what: "a page view for popstate" });
    await tab.evaluate(() => window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true })));
    await waitFor(async () => (await pages()).length === 4, { what: "a page view for a bfcache restore" });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await pages(), ["/spa.html", "/spa/products?c=consoles", "/spa.html", "/spa.html"]);
    const second = (await collector.events({ anonymousId, type: "page" }))[1];
    assert.equal(second.properties.title, "Products", "the title the router set");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("clicks on annotated elements are tracked; autotrack can be switched off", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/spa.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    await tab.click("#inner"); // a child of the annotated element
    const signup = await waitFor(
      async () => (await collector.events({ anonymousId, event: "Newsletter Signup" }))[0],
      { what: "the autotracked click" },
    );
    assert.deepEqual(signup.properties, { placement_id: "footer" });

    await tab.goto(`${collector.url}/no-autotrack.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    await tab.click("#card");
    await tab.click("#go");
    await tab.evaluate(() => window.persona.track("Marker", {}));
    await waitFor(async () => (await collector.events({ anonymousId, event: "Marker" })).length === 1, { what: "marker" });
    const events = await collector.events({ anonymousId });
    assert.equal(events.filter((e) => e.event === "Product Clicked" || e.event === "Element Clicked").length, 0, "no click autotracking");
    assert.equal(events.filter((e) => e.type === "page" && e.properties.path === "/elsewhere").length, 0, "no SPA page view");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("clicks on links and buttons matching the click selector are Element Clicked, annotated ones are not", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    const clicksOn = async (file) => {
      await tab.goto(`${collector.url}/${file}`);
      await tab.waitForFunction(() => typeof window.persona?.track === "function");
      for (const target of ["#home", "#banner", "#heart", "#email", "#buy", "#plain", "#quick", "#account"]) await tab.click(target);
      const marker = await tab.evaluate((f) => window.persona.track("Marker", { file: f }).messageId, file);
      const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
      await waitFor(async () => (await collector.events({ anonymousId, event: "Marker" })).some((e) => e.messageId === marker), {
        what: `the marker after the clicks on ${file}`,
      });
      // Everything the page tracked after its page view, up to the marker.
      const events = (await collector.events({ anonymousId })).filter((e) => e.context.page.path === `/${file}`);
      return events.slice(events.findIndex((e) => e.type === "page") + 1, events.findIndex((e) => e.messageId === marker));
    };
    const clicked = (events) => events.map((e) => [e.event, e.properties]);

    assert.deepEqual(clicked(await clicksOn("links.html")), [
      ["Element Clicked", { tag: "a", text: "Sony WH-1000XM5 headphones", id: "home", href: `${collector.url}/p/sku-9?color=red`, outbound: false }],
      ["Element Clicked", { tag: "a", text: "Partner deal", id: "partner", href: "https://partner.example/deal?ref=shop", outbound: true }],
      ["Element Clicked", { tag: "button", text: "Add to wishlist", id: "wish" }],
      ["Element Clicked", { tag: "input", text: "Buy now", id: "buy" }],
      ["Product Clicked", { product_id: "sku-1", list_id: "home", position: 3 }],
    ]);
    assert.deepEqual(clicked(await clicksOn("links-cta.html")), [
      ["Element Clicked", { tag: "a", text: "Sony WH-1000XM5 headphones", id: "home", href: `${collector.url}/p/sku-9?color=red`, outbound: false }],
      ["Product Clicked", { product_id: "sku-1", list_id: "home", position: 3 }],
    ]);
    assert.deepEqual(clicked(await clicksOn("links-off.html")), [["Product Clicked", { product_id: "sku-1", list_id: "home", position: 3 }]]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("searches in marked inputs are tracked once, and result clicks carry the query", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/spa.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    const searches = async () => (await collector.events({ anonymousId, event: "Products Searched" })).map((e) => e.properties.query);

    await tab.fill("#sq", "  ps5   controller ");
    await waitFor(async () => (await searches()).length === 1, { what: "the search after a typing pause" });
    await tab.press("#sq", "Enter"); // the submit of the same query is not a second search
    await tab.fill("#sq", "xbox");
    await tab.press("#sq", "Enter"); // submitted before the pause: tracked at once
    await tab.click("#result");
    const clicked = await waitFor(
      async () => (await collector.events({ anonymousId, event: "Product Clicked" }))[0],
      { what: "the result click" },
    );
    await new Promise((r) => setTimeout(r, 1200)); // room for a stray debounced search
    assert.deepEqual(await searches(), ["ps5 controller", "xbox"]);
    assert.deepEqual(clicked.properties, { product_id: "sku-7", list_id: "search", position: 1, query: "xbox" });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the tag included twice starts persona once", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/twice.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    await waitFor(async () => (await collector.events({ anonymousId })).length >= 3, { what: "the page's events" });
    await new Promise((r) => setTimeout(r, 1500)); // room for a second instance to show itself
    const events = await collector.events({ anonymousId });
    assert.equal(events.filter((e) => e.type === "page").length, 1, "one page view");
    assert.equal(events.filter((e) => e.event === "Queued Before Load").length, 1, "the queue ran once");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("window.personaConfig carries segments and other options; an attribute given wins", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/config.html`);
    await tab.waitForFunction(() => typeof window.persona?.segments === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    assert.deepEqual(await tab.evaluate(() => window.persona.segments()), []);
    await tab.evaluate(() => window.persona.push(["track", "Tagged"]));
    assert.deepEqual(await tab.evaluate(() => window.persona.segments()), ["tagged"]);
    // Delivered to the attribute's collector, with the config's flush interval (0: at once).
    const events = await waitFor(
      async () => {
        const evs = await collector.events({ anonymousId });
        return evs.some((e) => e.event === "Segment Entered") ? evs : null;
      },
      { what: "Segment Entered at the collector" },
    );
    assert.deepEqual(events.find((e) => e.event === "Segment Entered").properties, { segment_id: "tagged", segment_name: "Tagged visitors" });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("an element with id=persona does not stop persona from starting", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/element-id.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    await waitFor(async () => (await collector.events({ anonymousId, type: "page" })).length === 1, { what: "page view" });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("leaving the page while a batch is in flight still delivers what was queued", async () => {
    // A slow collector: the first request hangs (ten minutes), the others are forwarded.
    const proxy = await startFaultProxy(collector.url);
    proxy.fault = (n) => (n === 0 ? { delayMs: 600_000 } : null);
    writeFileSync(join(www, "slow.html"), page(`data-collector="${proxy.url}" data-flush-interval-ms="0"`));

    try {
      const { page: tab, errors, context } = await watchedPage(browser);
      await tab.goto(`${collector.url}/slow.html`);
      await tab.waitForFunction(() => typeof window.persona?.track === "function");
      await waitFor(() => proxy.requests.length === 1, { what: "the first request on the wire" });
      const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
      const messageId = await tab.evaluate(() => window.persona.track("Order Completed", { order_id: "o-1", revenue: 10, products: [{ product_id: "sku-1" }] }).messageId);
      // `pagehide` while the first request is still on the wire. (On a real navigation Chromium
      // happens to abort that request before `visibilitychange` fires, which hides the problem;
      // other browsers and a tab that is only hidden do not.)
      await tab.evaluate(() => window.dispatchEvent(new PageTransitionEvent("pagehide")));
      const order = await waitFor(
        async () => (await collector.events({ anonymousId })).find((e) => e.event === "Order Completed"),
        { what: "the order sent while leaving" },
      );
      assert.equal(order.messageId, messageId);
      assert.equal(proxy.requests.length, 2, "one keep-alive request, while the first still hangs");
      const names = (await collector.events({ anonymousId })).map((e) => e.event ?? e.type);
      assert.ok(names.includes("page"), "the batch that was stuck in flight went again with it");
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      proxy.close();
    }
  });

  test("coming back online retries at once instead of waiting out the backoff", async () => {
    const { page: tab, errors, context } = await watchedPage(browser);
    await tab.goto(`${collector.url}/slow-retry.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    await waitFor(async () => tab.evaluate(() => window.persona.pending() === 0), { what: "initial delivery" });
    await context.setOffline(true);
    const failed = tab.evaluate(() => new Promise((resolve) => window.persona.on("sent", resolve)));
    await tab.evaluate(() => window.persona.track("Offline Event", {}));
    assert.equal((await failed).status, 0);
    // The backoff is now 15 to 45 s (retry base 30 s with jitter).
    const back = Date.now();
    await context.setOffline(false);
    await waitFor(async () => (await collector.events({ anonymousId, event: "Offline Event" })).length === 1, {
      what: "delivery after coming back online",
      timeoutMs: 10_000,
    });
    assert.ok(Date.now() - back < 10_000);
    assert.deepEqual(errors, []);
    await context.close();
  });

  for (const [file, code] of [
    ["bad-attr.html", "collector_url_invalid"],
    ["no-attr.html", "collector_missing"],
    ["bad-number.html", "option_invalid: batchSize"],
    ["bad-selector.html", "option_invalid: clickSelector"],
    ["bad-segment.html", "condition_invalid"],
  ]) {
    test(`${file}: a misconfigured tag warns with ${code} and the page keeps working`, async () => {
      const { page: tab, errors, warnings, context } = await watchedPage(browser);
      await tab.goto(`${collector.url}/${file}`);
      await tab.waitForFunction(() => window.persona && !Array.isArray(window.persona));
      assert.equal(await tab.evaluate(() => window.persona.degraded), true);
      assert.equal(await tab.evaluate(() => window.persona.track("x", {})), null);
      assert.equal(await tab.evaluate(() => typeof window.callbackSaw), "object", "callbacks still run (with a null id)");
      await tab.click("#b");
      assert.deepEqual(errors, []);
      assert.ok(warnings.some((w) => w.includes(code)), `warned ${code}: ${warnings.join(" | ")}`);
      await context.close();
    });
  }

  test("a module that cannot load leaves a working, inert API", async () => {
    const { page: tab, errors, warnings, context } = await watchedPage(browser);
    await tab.goto(`${brokenCollector.url}/plain.html`);
    await tab.waitForFunction(() => window.persona && !Array.isArray(window.persona));
    assert.equal(await tab.evaluate(() => window.persona.degraded), true);
    await tab.click("#b");
    assert.equal(await tab.evaluate(() => window.persona.pending()), 0);
    assert.deepEqual(errors, []);
    assert.ok(warnings.some((w) => w.includes("wasm_unavailable")), warnings.join(" | "));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await brokenCollector.events(), [], "nothing was sent");
    await context.close();
  });
});

