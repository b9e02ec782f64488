// The script-tag path: a plain page with only the tag and the pre-load queue, the real
// collector, headless Chromium. Also the failure modes a theme can hit: a bad attribute and a
// module that cannot load. The page must never see an exception.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, launchBrowser, startCollector, tempDir, waitFor, watchedPage } from "./harness.mjs";

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

describe("script tag", () => {
  let www, brokenDist, collector, brokenCollector, browser;

  before(async () => {
    www = tempDir();
    writeFileSync(join(www, "plain.html"), page('data-collector="/v1/batch" data-flush-interval-ms="200"'));
    writeFileSync(join(www, "bad-attr.html"), page('data-collector="ftp://nowhere.example/x"'));
    writeFileSync(join(www, "no-attr.html"), page(""));
    writeFileSync(join(www, "bad-number.html"), page('data-collector="/v1/batch" data-batch-size="lots"'));
    // Nothing listens on port 9 of the loopback: every delivery fails with a network error.
    writeFileSync(join(www, "down.html"), page('data-collector="http://127.0.0.1:9/v1/batch" data-flush-interval-ms="0"'));
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

    await tab.click("#b"); // push after load runs at once
    const events = await waitFor(
      async () => {
        const evs = await collector.events({ anonymousId });
        return evs.length >= 4 ? evs : null;
      },
      { what: "4 events in the collector" },
    );
    const byName = (n) => events.filter((e) => e.event === n);
    const pages = events.filter((e) => e.type === "page");
    assert.equal(pages.length, 1, "one automatic page view");
    assert.equal(pages[0].properties.path, "/plain.html");
    assert.equal(pages[0].properties.title, "Plain page");
    assert.deepEqual(byName("Queued Before Load")[0].properties, { n: 1, nested: { ok: true }, list: ["a", "b"] });
    assert.equal(byName("Queued Second").length, 1, "a bad command in the queue does not stop the ones after it");
    assert.deepEqual(byName("Button Clicked")[0].properties, { id: "b" });
    assert.equal(events.length, 4, "the invalid track(42) was not enqueued");
    const q1 = events.indexOf(byName("Queued Before Load")[0]);
    const q2 = events.indexOf(byName("Queued Second")[0]);
    assert.ok(q1 < q2, "queue order is kept");
    for (const e of events) {
      assert.equal(e.anonymousId, anonymousId);
      assert.equal(e.context.library.name, "persona");
      assert.ok(e.sentAt && e.originalTimestamp);
    }
    assert.equal(new Set(events.map((e) => e.messageId)).size, events.length, "messageIds are unique");

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
    await tab.waitForFunction(() => window.persona.pending() === 4 && (localStorage.getItem("persona:outbox") || "").includes("While Down"));
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
    assert.equal(await tab.evaluate(() => localStorage.getItem("persona:outbox")), null);
    assert.deepEqual(errors, []);
    await context.close();
  });

  for (const [file, code] of [
    ["bad-attr.html", "collector_url_invalid"],
    ["no-attr.html", "collector_missing"],
    ["bad-number.html", "option_invalid"],
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

