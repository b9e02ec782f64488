// Any collector: the SDK in each wire format (Segment, native, Snowplow tp2), with a write key in
// the body or as Basic auth (cross-origin, through a real CORS preflight), and with a transform
// function, against the real collector and its SQLite database. Also how the outbox leaves a page
// that is going away: keep-alive chunks under the 64 KiB budget, and sendBeacon where fetch has
// no keepalive.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, startCollector, tempDir, waitFor, watchedPage } from "./harness.mjs";

const TP2 = "/com.snowplowanalytics.snowplow/tp2";
let www, collector, keyed, browser;

before(async () => {
  www = tempDir();
  collector = await startCollector({ www });
  // A second collector on another origin that requires a write key and allows CORS from any page.
  keyed = await startCollector({ www, args: ["--write-key", "wk_test", "--cors-origin", "*"] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  await keyed?.stop();
});

/**
 * Writes a page that imports the npm build and starts persona with `options` (JS source, so that
 * it can hold a function), then opens it. Requests to the collectors are recorded.
 */
async function open(name, options, { before: setup = "" } = {}) {
  writeFileSync(
    join(www, `${name}.html`),
    `<!doctype html><title>${name}</title><script>${setup}</script>
<script type="module">
import { Persona } from "/dist/index.js";
window.warnings = [];
const p = await Persona.init(${options});
p.on("warning", (w) => window.warnings.push(w.code));
window.p = p;
</script>`,
  );
  const watched = await watchedPage(browser);
  watched.requests = [];
  watched.page.on("request", (r) => {
    if (r.method() === "POST") {
      watched.requests.push({ url: r.url(), headers: r.headers(), body: r.postData() ?? "", type: r.resourceType() });
    }
  });
  await watched.page.goto(`${collector.url}/${name}.html`);
  await watched.page.waitForFunction(() => window.p !== undefined);
  return watched;
}

/** Tracks `n` shop and custom events; returns their messageIds (and the page view's). */
async function trackSome(page, n) {
  return page.evaluate((n) => {
    const ids = [];
    for (let i = 0; i < n; i++) {
      const e = i % 2 ? window.p.track("Product Viewed", { product_id: `p-${i}`, price: 10 + i }) : window.p.track("Wishlist Shared", { i, note: "ü ß" });
      ids.push(e.messageId);
    }
    return ids;
  }, n);
}

/**
 * The requests matching `match`, once Playwright has reported at least `min` of them: its request
 * events arrive on their own channel and may trail what the collector already stored.
 */
async function seen(requests, match, { min = 1, what = "requests" } = {}) {
  return waitFor(() => {
    const found = requests.filter(match);
    return found.length >= min ? found : null;
  }, { what });
}

async function storedIds(store, anonymousId, expected) {
  return waitFor(
    async () => {
      const ids = (await store.events({ anonymousId })).map((e) => e.messageId);
      return ids.length >= expected ? ids.sort() : null;
    },
    { what: `${expected} events stored`, timeoutMs: 20_000 },
  );
}

test("each wire format delivers every event exactly once to the collector", async () => {
  for (const [format, path] of [["segment", "/v1/batch"], ["native", "/v1/events"], ["snowplow", TP2]]) {
    const { page, context, errors, requests } = await open(`format-${format}`, `{ collector: { url: "${path}", format: "${format}", appId: "demo", flushIntervalMs: 50 } }`);
    const anonymousId = await page.evaluate(() => window.p.anonymousId());
    const tracked = await trackSome(page, 6);
    const stored = await storedIds(collector, anonymousId, 7);
    assert.equal(stored.length, 7, `${format}: page view + 6 events`);
    for (const id of tracked) assert.ok(stored.includes(id), `${format}: ${id} stored`);
    const events = await collector.events({ anonymousId });
    const viewed = events.find((e) => e.event === "Product Viewed");
    assert.equal(viewed.properties.product_id, "p-1", `${format}: properties survive`);
    assert.equal(viewed.context.library.name, "persona", `${format}: context survives`);
    assert.equal(events.filter((e) => e.type === "page").length, 1, `${format}: one page view`);
    const sent = await seen(requests, (r) => r.url.startsWith(collector.url), { what: `${format} requests` });
    assert.ok(sent.length > 0 && sent.every((r) => new URL(r.url).pathname === path), `${format}: sent to ${path}`);
    const body = JSON.parse(sent[0].body);
    if (format === "snowplow") {
      assert.equal(body.schema, "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4");
      for (const item of body.data) {
        assert.ok(Object.values(item).every((v) => typeof v === "string"), "every tp2 field is a string");
        assert.equal(item.aid, "demo");
        assert.equal(item.duid, anonymousId);
      }
      const eids = body.data.map((d) => d.eid);
      assert.ok(eids.every((id) => stored.includes(id)), "eid is the messageId");
    } else if (format === "native") {
      assert.equal(body.v, 1);
      assert.ok(Array.isArray(body.events) && body.events.every((e) => e.sentAt === undefined));
    } else {
      assert.ok(Array.isArray(body.batch));
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("a write key travels in the body, or as Basic auth through a CORS preflight", async () => {
  // text/plain (default): the key rides in the body; no preflight, no Authorization header.
  const plain = await open("key-plain", `{ collector: { url: "${keyed.url}/v1/batch", writeKey: "wk_test", flushIntervalMs: 50 } }`);
  const plainId = await plain.page.evaluate(() => window.p.anonymousId());
  await trackSome(plain.page, 3);
  assert.equal((await storedIds(keyed, plainId, 4)).length, 4);
  const [plainRequest] = await seen(plain.requests, (r) => r.url.startsWith(keyed.url));
  assert.equal(JSON.parse(plainRequest.body).writeKey, "wk_test");
  assert.equal(plainRequest.headers.authorization, undefined);
  await plain.context.close();

  // JSON content type: the key moves into Authorization; the browser preflights the request.
  const json = await open("key-json", `{ collector: { url: "${keyed.url}/v1/events", format: "native", writeKey: "wk_test", contentType: "application/json", flushIntervalMs: 50 } }`);
  const jsonId = await json.page.evaluate(() => window.p.anonymousId());
  await trackSome(json.page, 3);
  assert.equal((await storedIds(keyed, jsonId, 4)).length, 4);
  const [jsonRequest] = await seen(json.requests, (r) => r.url.startsWith(keyed.url));
  assert.equal(jsonRequest.headers.authorization, `Basic ${Buffer.from("wk_test:").toString("base64")}`);
  assert.match(jsonRequest.headers["content-type"], /application\/json/);
  assert.equal(JSON.parse(jsonRequest.body).writeKey, undefined);
  assert.deepEqual(json.errors, []);
  await json.context.close();

  // A wrong key is a 401: the batch is dropped and reported, never retried forever.
  const wrong = await open("key-wrong", `{ collector: { url: "${keyed.url}/v1/batch", writeKey: "wk_nope", flushIntervalMs: 50 } }`);
  await trackSome(wrong.page, 2);
  await waitFor(() => wrong.page.evaluate(() => window.warnings.includes("batch_rejected") && window.p.pending() === 0), { what: "batch_rejected" });
  assert.equal((await keyed.events({ anonymousId: await wrong.page.evaluate(() => window.p.anonymousId()) })).length, 0);
  await wrong.context.close();
});

test("a transform reshapes each batch; when it throws, the batch waits and is retried", async () => {
  // The page's transform turns Segment batches into native ones, and throws once.
  const { page, context, errors, requests } = await open(
    "transform",
    `{ collector: { url: "/v1/events", flushIntervalMs: 50, retryBaseMs: 200,
        transform: (batch) => {
          window.calls = (window.calls || 0) + 1;
          if (window.calls === 1) throw new Error("not yet");
          return { v: 1, sentAt: batch.sentAt, events: batch.batch.map((e) => ({ ...e, context: { ...e.context, shop: "transformed" } })) };
        } } }`,
  );
  const anonymousId = await page.evaluate(() => window.p.anonymousId());
  const tracked = await trackSome(page, 4);
  const stored = await storedIds(collector, anonymousId, 5);
  for (const id of tracked) assert.ok(stored.includes(id));
  assert.equal(stored.length, 5);
  const events = await collector.events({ anonymousId });
  assert.ok(events.every((e) => e.context.shop === "transformed"), "the transform's body was sent");
  assert.ok((await page.evaluate(() => window.warnings)).includes("transform_failed"));
  assert.ok(requests.every((r) => !JSON.parse(r.body).batch), "never the untransformed body");
  assert.deepEqual(errors, []);
  await context.close();

  // A transform that is not a function is a configuration error, not a silent no-op.
  writeFileSync(join(www, "blank.html"), "<!doctype html><title>blank</title>");
  const blank = await browser.newPage();
  await blank.goto(`${collector.url}/blank.html`);
  const code = await blank.evaluate(async () => {
    const { Persona } = await import("/dist/index.js");
    return Persona.init({ collector: { url: "/v1/batch", transform: "x => x" } }).catch((e) => `${e.code}:${e.option}`);
  });
  assert.equal(code, "option_invalid:transform");
  await blank.close();
});

test("a hidden page sends its whole queue in keep-alive chunks under 64 KiB, in every format", async () => {
  for (const [format, path, ids] of [
    ["segment", "/v1/batch", (body) => body.batch.map((e) => e.messageId)],
    // Snowplow's body nests JSON in strings: quotes double, so its chunks hold fewer events.
    ["snowplow", TP2, (body) => body.data.map((e) => e.eid)],
  ]) {
    const { page, context, errors, requests } = await open(`chunks-${format}`, `{ collector: { url: "${path}", format: "${format}", batchSize: 100, flushIntervalMs: 60000 } }`);
    const anonymousId = await page.evaluate(() => window.p.anonymousId());
    // About 150 KB queued: more than two keep-alive requests can carry.
    const tracked = await page.evaluate(() =>
      Array.from({ length: 50 }, (_, i) => window.p.track("Big Event", { i, blob: 'say "x" '.repeat(375) }).messageId),
    );
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    const stored = await storedIds(collector, anonymousId, 51);
    for (const id of tracked) assert.ok(stored.includes(id), `${format}: ${id} stored`);
    // Every tracked event must have been seen leaving, in some chunk.
    await waitFor(
      () => {
        const carried = requests.filter((r) => new URL(r.url).pathname === path).flatMap((r) => ids(JSON.parse(r.body)));
        return tracked.every((id) => carried.includes(id));
      },
      { what: `${format}: every chunk reported` },
    );
    const sent = requests.filter((r) => new URL(r.url).pathname === path);
    assert.ok(sent.length >= 3, `${format}: several chunks: ${sent.length}`);
    for (const r of sent) assert.ok(Buffer.byteLength(r.body) < 64 * 1024, `${format}: chunk of ${Buffer.byteLength(r.body)} bytes`);
    const sentIds = sent.flatMap((r) => ids(JSON.parse(r.body)));
    assert.equal(new Set(sentIds).size, sentIds.length, `${format}: no event sent twice`);
    await waitFor(() => page.evaluate(() => window.p.pending() === 0), { what: `${format}: queue empty` });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("without fetch keepalive, a closing page hands its events to sendBeacon", async () => {
  // A browser without keepalive; every beacon is noted in localStorage, which outlives the page.
  const { page, context } = await open(
    "beacon",
    `{ collector: { url: "/v1/batch", batchSize: 100, flushIntervalMs: 60000 } }`,
    {
      before: `delete Request.prototype.keepalive;
        const send = navigator.sendBeacon.bind(navigator);
        navigator.sendBeacon = (url, body) => {
          localStorage.setItem("test:beacons", String(Number(localStorage.getItem("test:beacons") || 0) + 1));
          return send(url, body);
        };
        const fetch0 = window.fetch;
        window.fetch = (...args) => {
          if (String(args[0]).includes("/v1/batch")) localStorage.setItem("test:fetches", String(Number(localStorage.getItem("test:fetches") || 0) + 1));
          return fetch0(...args);
        };`,
    },
  );
  const anonymousId = await page.evaluate(() => window.p.anonymousId());
  const tracked = await trackSome(page, 5);
  await page.close({ runBeforeUnload: true });
  const stored = await storedIds(collector, anonymousId, 6);
  for (const id of tracked) assert.ok(stored.includes(id), `${id} arrived`);
  const after = await context.newPage();
  await after.goto(`${collector.url}/blank.html`);
  const counts = await after.evaluate(() => [localStorage.getItem("test:beacons"), localStorage.getItem("test:fetches")]);
  assert.deepEqual(counts, ["1", null], "one beacon carried them; fetch was never used");
  const outbox = await after.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("persona:outbox:")).map((k) => localStorage.getItem(k)));
  assert.ok(tracked.every((id) => outbox.some((v) => v.includes(id))), "and they stay queued until a confirmed delivery");
  await context.close();
});
