// Several tabs, one visitor: each tab keeps its own outbox; when tabs close with events
// undelivered (the collector is down), the next tab reclaims them. Every event reaches the
// collector, and none is delivered twice (counted at a proxy in front of the collector).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, startCollector, startFaultProxy, tempDir, waitFor, watchedPage } from "./harness.mjs";

let collector, browser, proxy, www;

before(async () => {
  www = tempDir();
  collector = await startCollector({ www });
  // The "collector" the tabs talk to: 503 while down (until the test brings it back).
  proxy = await startFaultProxy(collector.url);
  proxy.fault = () => ({ status: 503 });
  writeFileSync(
    join(www, "tab.html"),
    `<!doctype html><title>Tab</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="${proxy.url}" data-flush-interval-ms="0" data-retry-base-ms="200"></script>`,
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  proxy?.close();
  await collector?.stop();
});

test("three tabs track at once, two close while the collector is down, nothing is lost or doubled", async () => {
  const { context, errors } = await watchedPage(browser);
  const tabs = [];
  for (let i = 0; i < 3; i++) {
    const tab = await context.newPage();
    tab.on("pageerror", (e) => errors.push(String(e)));
    await tab.goto(`${collector.url}/tab.html`);
    await tab.waitForFunction(() => typeof window.persona?.track === "function");
    tabs.push(tab);
  }
  const anonymousId = await tabs[0].evaluate(() => window.persona.anonymousId());
  for (const tab of tabs) assert.equal(await tab.evaluate(() => window.persona.anonymousId()), anonymousId, "one visitor");

  // All three track at the same time.
  const tracked = (
    await Promise.all(
      tabs.map((tab, t) =>
        tab.evaluate((t) => Array.from({ length: 5 }, (_, i) => window.persona.track(`Tab ${t} Event ${i}`, { t, i }).messageId), t),
      ),
    )
  ).flat();
  // Each tab wrote its events before track() returned, but Chromium hands one tab's localStorage
  // writes to the others asynchronously: tab 0 may see another tab's last key a moment later.
  let keys = [];
  const readKeys = async () => {
    keys = await tabs[0].evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("persona:outbox")));
    return keys.length >= 18;
  };
  await waitFor(readKeys, { what: "every tab's queued events in localStorage", timeoutMs: 5000 }).catch(() => {});
  const outboxes = new Set(keys.map((k) => k.split(":")[2]));
  assert.equal(outboxes.size, 3, `one outbox per tab: ${keys}`);
  assert.equal(keys.length, 18, `one key per queued event (5 tracked + the page view, per tab): ${keys}`);

  // Two tabs close with everything undelivered. Their keep-alive flush on the way out must have
  // failed too before the collector comes back: a flush that succeeds while the tab is already
  // gone cannot be acknowledged, and its events are then (rightly, at least once) sent again by
  // the tab that reclaims them; the collector drops those by messageId.
  await tabs[1].close();
  await tabs[2].close();
  await waitFor(() => proxy.inFlight === 0 && Date.now() - proxy.lastRequestAt > 500, { what: "the proxy idle" });
  proxy.fault = () => null; // the collector is back

  // A new tab reclaims the closed tabs' outboxes; the surviving tab delivers its own.
  const fresh = await context.newPage();
  fresh.on("pageerror", (e) => errors.push(String(e)));
  await fresh.goto(`${collector.url}/tab.html`);
  const stored = await waitFor(
    async () => {
      const evs = await collector.events({ anonymousId });
      const ids = new Set(evs.map((e) => e.messageId));
      return tracked.every((id) => ids.has(id)) ? evs : null;
    },
    { what: "every tracked event in the collector", timeoutMs: 30_000 },
  );
  assert.equal(stored.filter((e) => e.type === "page").length, 4, "one page view per tab");
  const storedTracks = stored.filter((e) => e.type === "track").map((e) => e.messageId);
  assert.deepEqual([...storedTracks].sort(), [...tracked].sort(), "exactly the tracked events, each once");
  await waitFor(async () => (await fresh.evaluate(() => window.persona.pending())) === 0 && (await tabs[0].evaluate(() => window.persona.pending())) === 0, {
    what: "both live tabs drained",
  });
  for (const id of tracked) assert.equal(proxy.delivered.get(id), 1, `${id} delivered exactly once`);
  const left = await fresh.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("persona:outbox")));
  assert.deepEqual(left, [], "no outbox left behind");
  assert.deepEqual(errors, []);
  await context.close();
});
