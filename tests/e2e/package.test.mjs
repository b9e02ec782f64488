// Packaging: `npm pack` the SDK, install the tarball into a throwaway app, type-check the app
// against the shipped declarations, bundle it with esbuild, and run it in Chromium against the
// real collector. This is what a shop's frontend developer does.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, launchBrowser, startCollector, tempDir, waitFor, watchedPage } from "./harness.mjs";

const bin = (name) => join(ROOT, "node_modules", ".bin", name);
let app, collector, browser;

before(async () => {
  app = tempDir("persona-app-");
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", app], { cwd: ROOT, encoding: "utf8" }));
  const files = packed[0].files.map((f) => f.path);
  for (const f of ["dist/index.js", "dist/index.d.ts", "dist/types.d.ts", "dist/persona.wasm", "dist/persona.js", "dist/persona-panel.js", "dist/persona-search.js", "dist/persona-search-worker.js", "dist/persona-search.wasm", "package.json"]) {
    assert.ok(files.includes(f), `tarball holds ${f}: ${files.join(", ")}`);
  }
  assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("target/")), "only dist/ ships");
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "shop-app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", join(app, packed[0].filename)], { cwd: app, stdio: "pipe" });

  mkdirSync(join(app, "src"));
  mkdirSync(join(app, "public"));
  writeFileSync(
    join(app, "src", "main.ts"),
    `import { Persona, type PersonaError, type WireEvent } from "persona-sdk";
// A bad first init rejects with a coded error and does not poison the next, corrected one.
const initCodes: string[] = [];
for (const bad of [{ collector: { url: "ftp://x/y" } }, { collector: { url: "/v1/batch", batchSize: 0 } }]) {
  await Persona.init(bad).catch((err: PersonaError) => initCodes.push(err.code + (err.option ? ":" + err.option : "")));
}
const p = await Persona.init({ collector: { url: "/v1/batch", flushIntervalMs: 100 } });
const same = (await Persona.init({ collector: { url: "/elsewhere" } })) === p;
const e: WireEvent | null = p.track("Packaged App Loaded", { ok: true, price: 19.99 });
let code = "";
try {
  p.track("", {});
} catch (err) {
  code = (err as PersonaError).code;
}
// Search and re-ranking, typed against the shipped declarations; the search module loads from
// next to persona.wasm on the first call.
type Item = { id: string; brand?: string; note: string };
const items: Item[] = [{ id: "a", brand: "X", note: "kept" }, { id: "b", note: "kept" }];
const order: Item[] = await p.rerank(items, { impact: 0 });
const n: number = await p.search.load([{ id: "s1", name: "Wireless Headphones", brand: "Sony" }, { id: 2, name: "Phone Case" }]);
const found = await p.search<{ name: string }>("hedphones", { limit: 5 });
const search = { order: order.map((i) => i.id), same: order[0] === items[0], n, hit: found.hits[0]?.product.name, ready: found.ready };
(window as unknown as { result: unknown }).result = { id: p.anonymousId(), messageId: e?.messageId, code, initCodes, same, search };
`,
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, lib: ["ES2022", "DOM"], noEmit: true }, files: ["src/main.ts"] }),
  );
  execFileSync(bin("tsc"), ["-p", join(app, "tsconfig.json")], { cwd: app, stdio: "pipe" });
  execFileSync(bin("esbuild"), ["src/main.ts", "--bundle", "--format=esm", "--target=es2022", "--outfile=public/app.js"], { cwd: app, stdio: "pipe" });
  // Self-hosting the module: it is loaded from next to the bundle (new URL(..., import.meta.url)).
  for (const f of ["persona.wasm", "persona-search.js", "persona-search-worker.js", "persona-search.wasm"]) {
    copyFileSync(join(app, "node_modules", "persona-sdk", "dist", f), join(app, "public", f));
  }
  writeFileSync(join(app, "public", "index.html"), `<!doctype html><title>App</title><script type="module" src="/app.js"></script>`);
  collector = await startCollector({ www: join(app, "public") });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

test("the installed package exposes ESM, types, the wasm and the script-tag bundle", () => {
  const pkg = JSON.parse(readFileSync(join(app, "node_modules", "persona-sdk", "package.json"), "utf8"));
  assert.equal(pkg.name, "persona-sdk");
  assert.equal(pkg.type, "module");
  assert.equal(pkg.sideEffects, false);
  for (const entry of [".", "./persona.wasm", "./persona-search.js", "./persona-search-worker.js", "./persona-search.wasm", "./package.json"]) {
    assert.ok(pkg.exports[entry], entry);
  }
  assert.ok(existsSync(join(app, "public", "app.js")));
});

test("a bundled app tracks into the collector", async () => {
  const { page, errors, context } = await watchedPage(browser);
  await page.goto(`${collector.url}/`);
  const result = await page.waitForFunction(() => window.result).then((h) => h.jsonValue());
  assert.equal(result.code, "event_name_invalid");
  assert.deepEqual(result.initCodes, ["collector_url_invalid", "option_invalid:batchSize"]);
  assert.equal(result.same, true, "init is idempotent: one instance per page");
  assert.deepEqual(result.search, { order: ["a", "b"], same: true, n: 2, hit: "Wireless Headphones", ready: true });
  assert.ok(page.workers().some((w) => w.url().endsWith("/persona-search-worker.js")), "served as documented, the module runs in its worker");
  const events = await waitFor(
    async () => {
      const evs = await collector.events({ anonymousId: result.id });
      return evs.length >= 2 ? evs : null;
    },
    { what: "page view and custom event" },
  );
  const custom = events.find((e) => e.event === "Packaged App Loaded");
  assert.equal(custom.messageId, result.messageId);
  assert.deepEqual(custom.properties, { ok: true, price: 19.99 });
  assert.equal(events.filter((e) => e.type === "page").length, 1);
  assert.deepEqual(errors, []);
  await context.close();
});
