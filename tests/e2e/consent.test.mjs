// Consent in a real browser against the real collector: "pending" and "denied" make zero
// requests and zero storage writes; a grant stores and sends what waited and is remembered;
// forget() erases every key persona wrote; Global Privacy Control is honoured when asked to.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, startCollector, tempDir, waitFor, watchedPage } from "./harness.mjs";

const page = (attrs) => `<!doctype html><html><head><meta charset="utf-8"><title>Consent</title>
<script>
  window.persona = window.persona || [];
  persona.push(["track", "Product Viewed", { product_id: "sku-1" }]);
  persona.push(["track", "Newsletter Shown", {}]);
</script>
<script async src="/dist/persona.js" data-collector="/v1/batch" data-flush-interval-ms="0" ${attrs}></script>
</head><body>consent</body></html>`;

// Counts every localStorage write and every cookie write the page makes, before any script runs.
const SPY = () => {
  window.__writes = [];
  const proto = Storage.prototype;
  for (const name of ["setItem", "removeItem", "clear"]) {
    const original = proto[name];
    proto[name] = function (...args) {
      window.__writes.push([name, args[0]]);
      return original.apply(this, args);
    };
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(document, "cookie", {
    get: () => cookie.get.call(document),
    set: (v) => {
      window.__writes.push(["cookie", v]);
      cookie.set.call(document, v);
    },
  });
};

describe("consent", () => {
  let www, collector, browser;

  before(async () => {
    www = tempDir();
    writeFileSync(join(www, "pending.html"), page('data-consent="pending"'));
    writeFileSync(join(www, "denied.html"), page('data-consent="denied"'));
    writeFileSync(join(www, "granted.html"), page(""));
    writeFileSync(join(www, "gpc.html"), page('data-respect-gpc="true"'));
    collector = await startCollector({ www });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
  });

  async function open(file, { gpc = false } = {}) {
    const watched = await watchedPage(browser);
    const requests = [];
    watched.page.on("request", (r) => {
      if (r.url().includes("/v1/batch")) requests.push(r.url());
    });
    await watched.context.addInitScript(SPY);
    if (gpc) await watched.context.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
    await watched.page.goto(`${collector.url}/${file}`);
    await watched.page.waitForFunction(() => typeof window.persona?.track === "function");
    return { ...watched, requests };
  }

  const settle = () => new Promise((r) => setTimeout(r, 1500));
  // Every write counts, not only persona:* keys: persona must not write anything at all.
  const persistentWrites = (tab) => tab.evaluate(() => window.__writes);

  test("pending: nothing stored, nothing sent; grant sends what waited and is remembered", async () => {
    const { page: tab, errors, context, requests } = await open("pending.html");
    await settle();
    assert.deepEqual(requests, [], "zero requests while pending");
    assert.deepEqual(await persistentWrites(tab), [], "zero storage or cookie writes while pending");
    assert.equal(await tab.evaluate(() => window.persona.pending()), 3, "page view + 2 events wait in memory");
    assert.deepEqual(await tab.evaluate(() => window.persona.consent.state()), { analytics: "pending", personalization: "pending" });
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());

    await tab.evaluate(() => window.persona.consent.grant());
    const events = await waitFor(
      async () => {
        const evs = await collector.events({ anonymousId });
        return evs.length === 3 ? evs : null;
      },
      { what: "the waiting events after the grant" },
    );
    assert.deepEqual(events.map((e) => e.event ?? e.type).sort(), ["Newsletter Shown", "Product Viewed", "page"]);
    const keys = await tab.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("persona:")).sort());
    // The grant covers personalization too: the profile built while pending is stored now.
    assert.deepEqual(keys, ["persona:anonymous_id", "persona:consent", "persona:profile", "persona:session"]);
    const writes = await persistentWrites(tab);
    assert.ok(writes.some(([op, key]) => op === "setItem" && key === "persona:anonymous_id"), "the spy sees persona's writes");

    // Next page: the banner has not answered yet ("pending"), but the grant is remembered.
    requests.length = 0;
    await tab.reload();
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    assert.equal(await tab.evaluate(() => window.persona.anonymousId()), anonymousId);
    await waitFor(async () => (await collector.events({ anonymousId, type: "page" })).length === 2, { what: "second page view" });
    const later = await collector.events({ anonymousId, type: "page" });
    assert.equal(later[1].context.consent.categoryPreferences.analytics, true);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("denied: nothing stored, nothing sent, the page keeps working", async () => {
    const { page: tab, errors, context, requests } = await open("denied.html");
    const wire = await tab.evaluate(() => window.persona.track("Product Added", { product_id: "sku-2" }));
    assert.equal(wire.event, "Product Added", "track still returns the event");
    await tab.evaluate(() => window.persona.flush());
    await settle();
    assert.deepEqual(requests, []);
    assert.deepEqual(await persistentWrites(tab), []);
    assert.equal(await tab.evaluate(() => window.persona.pending()), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("forget() erases every key persona wrote and stops sending", async () => {
    const { page: tab, errors, context, requests } = await open("granted.html");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    await waitFor(async () => (await collector.events({ anonymousId })).length === 3, { what: "delivery" });
    await waitFor(async () => tab.evaluate(() => window.persona.pending() === 0), { what: "acknowledged" });
    await tab.evaluate(() => localStorage.setItem("shop:own-key", "kept"));
    await tab.evaluate(() => window.persona.forget());
    const keys = await tab.evaluate(() => Object.keys(localStorage).sort());
    assert.deepEqual(keys, ["shop:own-key"], "persona's keys are gone, the shop's stay");
    assert.notEqual(await tab.evaluate(() => window.persona.anonymousId()), anonymousId);
    const before = requests.length;
    await tab.evaluate(() => window.persona.track("After Forget", {}));
    await settle();
    assert.equal(requests.length, before, "nothing sent after forget");
    assert.deepEqual(await tab.evaluate(() => Object.keys(localStorage)), ["shop:own-key"], "nothing stored after forget");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("Global Privacy Control denies everything when respectGpc is set", async () => {
    const { page: tab, errors, context, requests } = await open("gpc.html", { gpc: true });
    await settle();
    assert.deepEqual(requests, []);
    assert.deepEqual(await persistentWrites(tab), []);
    assert.deepEqual(await tab.evaluate(() => window.persona.consent.state()), { analytics: "denied", personalization: "denied" });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
