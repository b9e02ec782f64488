// The QA overlay: opened by `?persona_debug=1` or `persona.qa.panel()`, loaded as its own chunk
// (the page fetches dist/persona-panel.js only then), showing the visitor's segments, profile and
// this page's events, with whatever the page or the visitor typed shown as text, never as markup.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, startCollector, tempDir, waitFor, watchedPage } from "./harness.mjs";

let collector, browser;

const HOSTILE = `<img src=x onerror="window.__pwned = 1">`;

before(async () => {
  const www = tempDir();
  const config = {
    segments: [{ key: "gold", name: "Gold members", condition: { "traits.tier": "gold" } }],
  };
  writeFileSync(
    join(www, "qa.html"),
    `<!doctype html><title>QA</title><script>window.personaConfig = ${JSON.stringify(config)};
window.persona = window.persona || [];</script>
<script async src="/dist/persona.js" data-collector="/v1/batch" data-flush-interval-ms="0"></script>`,
  );
  collector = await startCollector({ www });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

/** The overlay's text, read through its shadow root; null while it is not there. */
const panelText = (page) =>
  page.evaluate(() => document.getElementById("persona-qa-panel")?.shadowRoot?.textContent ?? null);

test("?persona_debug=1 opens the overlay from its own chunk, and hostile values stay text", async () => {
  const { page, errors } = await watchedPage(browser);
  const chunks = [];
  page.on("request", (r) => r.url().includes("persona-panel.js") && chunks.push(r.url()));

  await page.goto(`${collector.url}/qa.html`);
  await page.waitForFunction(() => typeof window.persona?.track === "function");
  assert.deepEqual(chunks, [], "no chunk without the parameter");
  assert.equal(await panelText(page), null);

  await page.goto(`${collector.url}/qa.html?persona_debug=1`);
  await page.waitForFunction(() => typeof window.persona?.track === "function");
  await waitFor(() => panelText(page), { what: "the overlay" });
  assert.equal(chunks.length, 1, "the chunk is fetched once, on demand");
  const anonymousId = await page.evaluate(() => window.persona.anonymousId());
  assert.match(await panelText(page), new RegExp(anonymousId));

  // A trait and an event property carrying markup: the overlay shows them, the page runs none of it.
  await page.evaluate((hostile) => {
    window.persona.identify("qa-user", { tier: "gold", nickname: hostile });
    window.persona.track("Hostile Thing", { note: hostile });
  }, HOSTILE);
  await waitFor(async () => (await panelText(page))?.includes("Hostile Thing"), { what: "the event in the overlay" });
  const text = await panelText(page);
  assert.ok(text.includes("gold"), "the segment the identify put the visitor in");
  assert.ok(text.includes(HOSTILE.replaceAll('"', '\\"')), "the markup shown as text (JSON-escaped quotes)");
  const injected = await page.evaluate(() => ({
    images: document.getElementById("persona-qa-panel").shadowRoot.querySelectorAll("img").length,
    pwned: window.__pwned ?? null,
  }));
  assert.deepEqual(injected, { images: 0, pwned: null });

  // The console opens it too, once; close removes it.
  await page.evaluate(() => window.persona.qa.panel());
  assert.equal(await page.evaluate(() => document.querySelectorAll("#persona-qa-panel").length), 1);
  await page.evaluate(() => document.getElementById("persona-qa-panel").shadowRoot.querySelector("button").click());
  assert.equal(await panelText(page), null, "closed");
  await page.evaluate(() => window.persona.qa.panel());
  await waitFor(() => panelText(page), { what: "the overlay again" });
  assert.deepEqual(errors, []);
});
