// Fault injection: the real collector behind a small fault proxy of our own. Every test checks
// the exact set of messageIds that reached the database, and how often each was delivered.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, startCollector, startFaultProxy, tempDir, waitFor, watchedPage } from "./harness.mjs";

let collector, browser, proxy, www;

before(async () => {
  www = tempDir();
  collector = await startCollector({ www });
  proxy = await startFaultProxy(collector.url);
  writeFileSync(
    join(www, "fault.html"),
    `<!doctype html><title>Faults</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="${proxy.url}" data-flush-interval-ms="0" data-retry-base-ms="200"></script>`,
  );
  browser = await launchBrowser();
});

beforeEach(() => proxy.reset());

after(async () => {
  await browser?.close();
  proxy?.close();
  await collector?.stop();
});

/** Opens the page, tracks `n` events, returns {tab, ids (page view included), anonymousId}. */
async function trackSome(n) {
  const { page: tab, errors, context } = await watchedPage(browser);
  await tab.goto(`${collector.url}/fault.html`);
  await tab.waitForFunction(() => typeof window.persona?.track === "function");
  const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
  const tracked = await tab.evaluate((n) => Array.from({ length: n }, (_, i) => window.persona.track(`Fault ${i}`, { i }).messageId), n);
  return { tab, errors, context, anonymousId, tracked };
}

async function storedIds(anonymousId, expected) {
  return waitFor(
    async () => {
      const ids = (await collector.events({ anonymousId })).filter((e) => e.type === "track").map((e) => e.messageId);
      return ids.length >= expected ? ids : null;
    },
    { what: `${expected} events in the database`, timeoutMs: 20_000 },
  );
}

test("500 answers: retried with backoff until the collector recovers; each event stored and delivered once", async () => {
  proxy.fault = (n) => (n < 3 ? { status: 500 } : null);
  const { tab, errors, context, anonymousId, tracked } = await trackSome(5);
  const ids = await storedIds(anonymousId, 5);
  assert.deepEqual([...ids].sort(), [...tracked].sort(), "exactly the tracked events");
  assert.ok(proxy.requests.slice(0, 3).every((r) => r.outcome === 500));
  for (const id of tracked) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
  await waitFor(async () => (await tab.evaluate(() => window.persona.pending())) === 0, { what: "queue drained" });
  assert.deepEqual(errors, []);
  await context.close();
});

test("429 with Retry-After: nothing is sent again before the collector asked", async () => {
  proxy.fault = (n) => (n === 0 ? { status: 429, headers: { "retry-after": "2" } } : null);
  const { errors, context, anonymousId, tracked } = await trackSome(3);
  const ids = await storedIds(anonymousId, 3);
  assert.deepEqual([...ids].sort(), [...tracked].sort());
  const gap = proxy.requests[1].at - proxy.requests[0].at;
  assert.ok(gap >= 1900, `the retry waited for Retry-After (2 s), not the 200 ms backoff: ${gap} ms`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a collector that takes 5 seconds: one request in flight, no duplicate sends while waiting", async () => {
  proxy.fault = (n) => (n === 0 ? { delayMs: 5000 } : null);
  const { tab, errors, context, anonymousId, tracked } = await trackSome(4);
  await tab.evaluate(() => window.persona.track("While Waiting", {}));
  const ids = await storedIds(anonymousId, 5);
  assert.equal(ids.length, 5);
  assert.ok(tracked.every((id) => ids.includes(id)));
  for (const id of ids) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
  const overlapping = proxy.requests.filter((r) => r.at < proxy.requests[0].at + 5000);
  assert.equal(overlapping.length, 1, "nothing else went out while the slow request was on the wire");
  assert.deepEqual(errors, []);
  await context.close();
});
