// Fault injection: the real collector behind a small fault proxy of our own. Every test checks
// the exact set of messageIds that reached the database (page views included), how often each
// was delivered on the wire, and that the page saw no uncaught error.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, recordPersona, startCollector, startFaultProxy, tempDir, waitFor } from "./harness.mjs";

let collector, browser, proxy, www;

const tag = (attrs = "") => `<!doctype html><title>Faults</title><script>window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="${proxy.url}" data-retry-base-ms="200" ${attrs}></script>`;

before(async () => {
  www = tempDir();
  collector = await startCollector({ www });
  proxy = await startFaultProxy(collector.url);
  writeFileSync(join(www, "fault.html"), tag('data-flush-interval-ms="0"'));
  // Events wait for companions for a minute: only a flush as the page goes sends them early.
  writeFileSync(join(www, "patient.html"), tag('data-flush-interval-ms="60000"'));
  // The npm entry, for the options the script tag does not expose (a small queue cap).
  writeFileSync(
    join(www, "capped.html"),
    `<!doctype html><title>Capped</title><script type="module">
import { Persona } from "/dist/index.js";
window.persona = await Persona.init({ collector: { url: "${proxy.url}", flushIntervalMs: 0, retryBaseMs: 200, maxQueue: 10 } });
</script>`,
  );
  writeFileSync(join(www, "blank.html"), "<!doctype html><title>Blank</title>");
  browser = await launchBrowser();
});

beforeEach(() => proxy.reset());

after(async () => {
  await browser?.close();
  proxy?.close();
  await collector?.stop();
});

/** A fresh visitor (browser context) whose pages record persona's notifications and errors. */
async function visitor() {
  const context = await browser.newContext();
  await recordPersona(context);
  const errors = [];
  /** Opens `file` (in `tab`, or a new tab of this visitor) and waits for persona to be live. */
  const open = async (file = "fault.html", tab) => {
    if (!tab) {
      tab = await context.newPage();
      tab.on("pageerror", (e) => errors.push(String(e)));
    }
    await tab.goto(`${collector.url}/${file}`);
    if (file !== "blank.html") await tab.waitForFunction(() => typeof window.persona?.track === "function");
    return tab;
  };
  return { context, errors, open };
}

/** Tracks `n` events in `tab`; returns their messageIds. */
const track = (tab, n, label = "Fault") =>
  tab.evaluate(([n, label]) => Array.from({ length: n }, (_, i) => window.persona.track(`${label} ${i}`, { i }).messageId), [n, label]);

/** What persona told the page so far: {events: messageIds recorded, warnings: codes}. */
const seen = (tab) => tab.evaluate(() => structuredClone(window.__persona));

const pending = (tab) => tab.evaluate(() => window.persona.pending());

/** The messageIds in every persona outbox in the tab's localStorage. */
const storedOutboxes = (tab) =>
  tab.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith("persona:outbox"))
      .flatMap((k) => JSON.parse(localStorage.getItem(k)).entries.map((entry) => entry.e.messageId)),
  );

const stored = async (anonymousId) => (await collector.events({ anonymousId })).map((e) => e.messageId);

const sorted = (ids) => [...ids].sort();

const proxyIdle = () => waitFor(() => proxy.inFlight === 0 && Date.now() - proxy.lastRequestAt > 500, { what: "the proxy idle" });

/**
 * Waits until the database holds every id in `expected` for this visitor and nothing is on the
 * wire any more, then asserts that it holds exactly those, each once.
 */
async function assertStoredExactly(anonymousId, expected, what = "the tracked events") {
  const want = sorted(new Set(expected));
  await waitFor(
    async () => {
      const ids = new Set(await stored(anonymousId));
      return want.every((id) => ids.has(id));
    },
    { what: `${what} in the database`, timeoutMs: 25_000 },
  );
  await proxyIdle(); // whatever is still on its way has arrived before the exact comparison
  const ids = await stored(anonymousId);
  assert.equal(new Set(ids).size, ids.length, "each messageId stored once");
  assert.deepEqual(sorted(ids), want, `exactly ${what} in the database`);
}

/** How many times each id was acknowledged on the wire, as a {count: how many ids} histogram. */
function wireDeliveries(ids) {
  const histogram = {};
  for (const id of ids) {
    const n = proxy.delivered.get(id) ?? 0;
    histogram[n] = (histogram[n] ?? 0) + 1;
  }
  return histogram;
}

/** Opens fault.html for a fresh visitor and tracks `n` events. */
async function trackSome(n) {
  const v = await visitor();
  const tab = await v.open();
  const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
  const tracked = await track(tab, n);
  return { ...v, tab, anonymousId, tracked };
}

test("500 answers: retried with backoff until the collector recovers; each event stored and delivered once", async () => {
  proxy.fault = (n) => (n < 3 ? { status: 500 } : null);
  const { tab, errors, context, anonymousId, tracked } = await trackSome(5);
  const { events } = await seen(tab);
  assert.ok(tracked.every((id) => events.includes(id)));
  await assertStoredExactly(anonymousId, events);
  assert.ok(proxy.requests.slice(0, 3).every((r) => r.outcome === 500));
  for (const id of events) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
  await waitFor(async () => (await pending(tab)) === 0, { what: "queue drained" });
  assert.deepEqual(errors, []);
  await context.close();
});

test("429 with Retry-After: nothing is sent again before the collector asked", async () => {
  proxy.fault = (n) => (n === 0 ? { status: 429, headers: { "retry-after": "2" } } : null);
  const { tab, errors, context, anonymousId } = await trackSome(3);
  await assertStoredExactly(anonymousId, (await seen(tab)).events);
  const gap = proxy.requests[1].at - proxy.requests[0].at;
  assert.ok(gap >= 1900, `the retry waited for Retry-After (2 s), not the 200 ms backoff: ${gap} ms`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a collector that takes 5 seconds: one request in flight, no duplicate sends while waiting", async () => {
  proxy.fault = (n) => (n === 0 ? { delayMs: 5000 } : null);
  const { tab, errors, context, anonymousId } = await trackSome(4);
  await tab.evaluate(() => window.persona.track("While Waiting", {}));
  const { events } = await seen(tab);
  assert.equal(events.length, 6, "page view, 4 events, 1 more");
  await assertStoredExactly(anonymousId, events);
  for (const id of events) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
  const overlapping = proxy.requests.filter((r) => r.at < proxy.requests[0].at + 5000);
  assert.equal(overlapping.length, 1, "nothing else went out while the slow request was on the wire");
  assert.deepEqual(errors, []);
  await context.close();
});

test("collector down (connections killed), then back: events wait in the stored outbox and each lands once", async () => {
  proxy.fault = () => ({ kill: true });
  const { tab, errors, context, anonymousId, tracked } = await trackSome(8);
  await waitFor(() => proxy.requests.length >= 3, { what: "a few failed attempts" });
  assert.ok(proxy.requests.every((r) => r.outcome === "killed"));
  const { events } = await seen(tab);
  assert.equal(events.length, 9, "page view + 8 events");
  assert.equal(await pending(tab), 9, "all wait in the queue");
  assert.deepEqual(sorted(await storedOutboxes(tab)), sorted(events), "and in localStorage");
  assert.deepEqual(await stored(anonymousId), [], "nothing reached the database");

  proxy.fault = () => null; // the collector is back
  await assertStoredExactly(anonymousId, events);
  assert.ok(tracked.every((id) => events.includes(id)));
  for (const id of events) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
  await waitFor(async () => (await pending(tab)) === 0, { what: "queue drained" });
  assert.deepEqual(await storedOutboxes(tab), [], "nothing left in localStorage");
  assert.deepEqual(errors, []);
  await context.close();
});

for (const collectorUp of [true, false]) {
  const how = collectorUp
    ? "the keep-alive flush delivers them before any other page opens"
    : "with the collector down, the next page delivers them";
  test(`tab closed right after track: ${how}; each stored once`, async (t) => {
    if (!collectorUp) proxy.fault = () => ({ kill: true });
    const { context, errors, open } = await visitor();
    const tab = await open("patient.html");
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    const tracked = await track(tab, 6, "Closing");
    const { events } = await seen(tab);
    assert.equal(events.length, 7);
    assert.equal(proxy.requests.length, 0, "nothing sent before the tab closed (the flush interval is a minute)");
    await tab.close({ runBeforeUnload: true });

    await waitFor(() => proxy.requests.length > 0, { what: "the flush as the tab closed" });
    if (collectorUp) {
      await assertStoredExactly(anonymousId, events, "the closed tab's events");
    } else {
      await proxyIdle();
      assert.deepEqual(await stored(anonymousId), []);
      proxy.fault = () => null;
    }
    // visibilitychange and pagehide both fire as a tab closes: one request, not one per signal.
    assert.deepEqual(
      proxy.requests.map((r) => sorted(r.ids)),
      [sorted(events)],
      "one keep-alive request carried every event",
    );

    // The next page of this visitor takes over the closed tab's outbox: what the keep-alive
    // flush delivered could not be acknowledged, so it goes again (at least once).
    const next = await open("fault.html");
    assert.equal(await next.evaluate(() => window.persona.anonymousId()), anonymousId, "same visitor");
    const all = [...events, ...(await seen(next)).events];
    await assertStoredExactly(anonymousId, all, "both pages' events");
    await waitFor(async () => (await pending(next)) === 0, { what: "the next page drained" });
    assert.deepEqual(await storedOutboxes(next), [], "no outbox left behind");
    for (const id of tracked) assert.ok(proxy.delivered.get(id) >= 1);
    t.diagnostic(`wire deliveries per closed-tab event: ${JSON.stringify(wireDeliveries(events))}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("reload while a batch is in flight: every event stored once, whatever was resent", async (t) => {
  proxy.fault = () => ({ delayMs: 2500 }); // every answer is slow until the reload
  const { context, errors, open } = await visitor();
  const tab = await open("fault.html");
  const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
  const tracked = await track(tab, 5, "Reloading");
  const before = (await seen(tab)).events;
  await waitFor(() => proxy.requests.some((r) => r.ids.includes(tracked[0])) && proxy.inFlight > 0, {
    what: "the tracked events on the wire",
  });
  assert.equal(await pending(tab), 5, "the batch in flight is still queued (unacknowledged)");
  proxy.fault = () => null;
  await open("fault.html", tab); // reload: same tab, new document
  const afterReload = (await seen(tab)).events;
  assert.equal(afterReload.length, 1, "the new document's page view");
  await assertStoredExactly(anonymousId, [...before, ...afterReload], "both documents' events");
  await waitFor(async () => (await pending(tab)) === 0, { what: "queue drained" });
  assert.deepEqual(await storedOutboxes(tab), [], "no outbox left behind");
  const deliveries = wireDeliveries(tracked);
  t.diagnostic(`wire deliveries per in-flight event: ${JSON.stringify(deliveries)}`);
  assert.equal(deliveries[0], undefined, "every in-flight event was delivered");
  const sends = proxy.requests.filter((r) => r.ids.includes(tracked[0])).length;
  assert.ok(sends <= 3, `sent by the slow request, one keep-alive take-over and the reclaim at most: ${sends}`);
  assert.deepEqual(errors, []);
  await context.close();
});

/** Fills the origin's localStorage to the last byte; returns the error name that stopped it. */
const fillStorage = (tab) =>
  tab.evaluate(() => {
    let n = 0;
    let name = "";
    for (let size = 1 << 20; size >= 1; ) {
      try {
        localStorage.setItem(`filler:${n++}`, "x".repeat(size));
      } catch (e) {
        name = e.name;
        size = Math.floor(size / 2);
      }
    }
    return name;
  });

for (const when of ["before", "after"]) {
  test(`localStorage full ${when} persona starts: a storage_full warning, no exception, events delivered from memory once`, async () => {
    const { context, errors, open } = await visitor();
    let tab;
    if (when === "before") {
      tab = await open("blank.html");
      assert.equal(await fillStorage(tab), "QuotaExceededError");
      await open("fault.html", tab);
    } else {
      tab = await open("fault.html");
      await waitFor(async () => (await pending(tab)) === 0, { what: "the page view delivered" });
      assert.equal(await fillStorage(tab), "QuotaExceededError");
    }
    const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
    const tracked = await track(tab, 5, `Full ${when}`);
    const { events, warnings } = await seen(tab);
    assert.ok(tracked.every((id) => events.includes(id)));
    await assertStoredExactly(anonymousId, events);
    for (const id of events) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
    assert.deepEqual(warnings, ["storage_full"], "reported once, as storage_full");
    await waitFor(async () => (await pending(tab)) === 0, { what: "queue drained" });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("corrupted stored outboxes: discarded with storage_corrupt, none joins a batch, later events land once", async () => {
  // The page view's request is slow, so that the events tracked meanwhile travel in the same
  // batch as whatever the start-up reclaim took from the stored outboxes.
  proxy.fault = (n) => (n === 0 ? { delayMs: 2000 } : null);
  const { context, errors, open } = await visitor();
  const tab = await open("blank.html");
  const now = Date.now();
  const event = (messageId, more = {}) => ({
    type: "track",
    event: "Orphan",
    messageId,
    anonymousId: "orphan-visitor",
    originalTimestamp: new Date(now).toISOString(),
    properties: {},
    context: {},
    ...more,
  });
  const outbox = (e, b = 100, q = now) => JSON.stringify({ v: 1, entries: [{ e, b, q }] });
  const corrupt = {
    "persona:outbox:0000000000000001": "{not json",
    "persona:outbox:0000000000000002": "null",
    "persona:outbox:0000000000000003": JSON.stringify({ v: 1, entries: [{ e: "wrong" }] }),
    "persona:outbox:0000000000000004": JSON.stringify({ v: 1, entries: "wrong" }),
    "persona:outbox:0000000000000005": JSON.stringify({ v: 99, entries: [] }),
    "persona:outbox": "[".repeat(5000) + "]".repeat(5000),
    // Legit-looking: they parse as outboxes, but no collector accepts the event, or its size lies.
    "persona:outbox:0000000000000006": outbox(event("tampered-type", { type: "nonsense" })),
    "persona:outbox:0000000000000007": outbox(event("tampered-properties", { properties: "x" })),
    "persona:outbox:0000000000000008": outbox(event("tampered-size"), 1e12),
  };
  // Well-formed, from a tab whose clock ran a day ahead: a real orphan, delivered like any other.
  const ahead = { "persona:outbox:0000000000000009": outbox(event("clock-ahead"), 100, now + 86_400_000) };
  await tab.evaluate((keys) => {
    for (const [k, v] of Object.entries(keys)) localStorage.setItem(k, v);
  }, { ...corrupt, ...ahead });

  await open("fault.html", tab);
  await waitFor(async () => (await seen(tab)).warnings.includes("storage_corrupt"), { what: "the reclaim's warning" });
  const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
  const tracked = await track(tab, 4, "After Corruption");
  const { events, warnings } = await seen(tab);
  assert.ok(tracked.every((id) => events.includes(id)));
  await assertStoredExactly(anonymousId, events, "the page's own events");
  await assertStoredExactly("orphan-visitor", ["clock-ahead"], "the well-formed orphan only");
  for (const id of [...events, "clock-ahead"]) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
  assert.deepEqual(warnings, ["storage_corrupt"], "reported once; no batch rejected, nothing dropped");
  await waitFor(async () => (await pending(tab)) === 0, { what: "queue drained" });
  const left = await tab.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("persona:outbox")));
  assert.deepEqual(left, [], "the corrupted outboxes are gone");
  assert.deepEqual(errors, []);
  await context.close();
});

test("queue cap with the collector down: the newest events land, the dropped ones are reported once", async () => {
  proxy.fault = () => ({ kill: true });
  const droppedBefore = (await collector.health()).dropped;
  const { context, errors, open } = await visitor();
  const tab = await open("capped.html");
  const anonymousId = await tab.evaluate(() => window.persona.anonymousId());
  await track(tab, 15, "Capped");
  const { events, warnings } = await seen(tab);
  assert.equal(events.length, 16, "page view + 15 events");
  assert.equal(await pending(tab), 10, "the cap (maxQueue 10) holds");
  assert.deepEqual(warnings, ["outbox_overflow"]);
  assert.deepEqual(sorted(await storedOutboxes(tab)), sorted(events.slice(-10)), "the newest ten kept in localStorage");

  proxy.fault = () => null;
  await assertStoredExactly(anonymousId, events.slice(-10), "the newest ten events");
  for (const id of events.slice(-10)) assert.equal(proxy.delivered.get(id), 1, `${id} delivered once`);
  const reports = proxy.requests.filter((r) => r.outcome === "forwarded").map((r) => r.dropped);
  assert.deepEqual(reports, [6], "one delivered batch reports the 6 dropped events");
  assert.equal((await collector.health()).dropped - droppedBefore, 6, "the collector counts 6 dropped");
  await waitFor(async () => (await pending(tab)) === 0, { what: "queue drained" });
  assert.deepEqual(errors, []);
  await context.close();
});
