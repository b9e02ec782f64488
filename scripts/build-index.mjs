#!/usr/bin/env node
// Builds a pre-built search index from a catalog, with persona's own search module, so a shop
// can ship the index next to its catalog and the browser skips indexing:
//
//   node scripts/build-index.mjs catalog.json catalog.idx
//   p.search.load("/catalog.json", { index: "/catalog.idx" })
//
// Needs a build (pkg-search/, from npm run build). The catalog is checked exactly as in the
// browser: a bad catalog fails here with the same error code, product position and field.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node scripts/build-index.mjs <catalog.json> <index file>");
  process.exit(2);
}
const pkg = join(root, "pkg-search");
const { initSync, Search } = await import(join(pkg, "persona.js"));
initSync({ module: readFileSync(join(pkg, "persona_bg.wasm")) });

const engine = new Search();
try {
  const n = engine.call(0 /* load */, readFileSync(input));
  const bytes = engine.call(4 /* export */);
  writeFileSync(output, bytes);
  console.log(`${output}: ${n} products, ${bytes.length} bytes`);
} catch (e) {
  const where = e.index === undefined ? "" : ` (product ${e.index}${e.property ? `, field ${e.property}` : ""})`;
  console.error(`build-index: ${e.message}${where} [${e.code ?? "error"}]`);
  process.exit(1);
}
