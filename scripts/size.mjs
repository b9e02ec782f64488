#!/usr/bin/env node
// Size report for persona's build output (`npm run size`).
//
// Prints raw and gzip -9 bytes of dist/persona.wasm, dist/index.js and dist/persona.js, and the two
// ways a shop loads persona:
//   script tag = persona.js + persona.wasm   (what a theme pays, checked against the budget)
//   npm        = index.js   + persona.wasm   (before the app's bundler adds anything of its own)
//
//   node scripts/size.mjs          # table; exit 1 when over budget or a file is missing
//   node scripts/size.mjs --json   # the same numbers as JSON (read by bench/size.mjs)
//
// PERSONA_DIST=/some/dir points it at another build directory (default: dist/ in the repo root).
import { readFileSync, existsSync } from "node:fs";
import { gzipSync, constants } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Budget for the script-tag path (persona.js + persona.wasm), gzip -9 bytes. The peers persona
// replaces (GrowthBook + Snowplow + MiniSearch) weigh about 39 KB gzip together; persona adds a
// visitor profile, segments, re-ranking and recommendations on top, and must stay within 60 KB.
const BUDGET_GZIP_BYTES = 60 * 1024;

const FILES = ["persona.wasm", "index.js", "persona.js"];
const PATHS = {
  scriptTag: { label: "script tag (persona.js + persona.wasm)", files: ["persona.js", "persona.wasm"] },
  npm: { label: "npm (index.js + persona.wasm)", files: ["index.js", "persona.wasm"] },
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(root, process.env.PERSONA_DIST || "dist");
const asJson = process.argv.includes("--json");

const missing = FILES.filter((f) => !existsSync(join(dist, f)));
if (missing.length > 0) {
  const list = missing.map((f) => join(dist, f)).join(", ");
  console.error(`size: missing ${list}; run npm run build first`);
  process.exit(1);
}

const gzip = (buf) => gzipSync(buf, { level: constants.Z_BEST_COMPRESSION }).length;

const files = {};
for (const f of FILES) {
  const buf = readFileSync(join(dist, f));
  files[f] = { raw: buf.length, gzip: gzip(buf) };
}
const paths = {};
for (const [id, { label, files: parts }] of Object.entries(PATHS)) {
  paths[id] = {
    label,
    files: parts,
    raw: parts.reduce((n, f) => n + files[f].raw, 0),
    gzip: parts.reduce((n, f) => n + files[f].gzip, 0),
  };
}
const scriptTag = paths.scriptTag;
const overBudget = scriptTag.gzip > BUDGET_GZIP_BYTES;

if (asJson) {
  const report = { dist, budgetGzip: BUDGET_GZIP_BYTES, overBudget, files, paths };
  console.log(JSON.stringify(report, null, 2));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const rows = [
    ...FILES.map((f) => [f, files[f].raw, files[f].gzip]),
    null,
    ...Object.values(paths).map((p) => [p.label, p.raw, p.gzip]),
  ];
  const width = Math.max(...rows.filter(Boolean).map((r) => r[0].length));
  const line = (a, b, c) => `${a.padEnd(width)}  ${b.padStart(16)}  ${c.padStart(16)}`;
  console.log(line("file", "raw", "gzip -9"));
  console.log("-".repeat(width + 36));
  for (const r of rows) {
    if (!r) {
      console.log("-".repeat(width + 36));
      continue;
    }
    console.log(line(r[0], `${r[1]} (${kb(r[1])})`, `${r[2]} (${kb(r[2])})`));
  }
  console.log("");
  const budget = `${kb(scriptTag.gzip)} gzip of ${kb(BUDGET_GZIP_BYTES)} budget`;
  console.log(`script-tag path: ${budget}${overBudget ? " -- OVER BUDGET" : ""}`);
}

if (overBudget) {
  const over = scriptTag.gzip - BUDGET_GZIP_BYTES;
  console.error(
    `size: script-tag path is ${scriptTag.gzip} bytes gzip, ${over} bytes over the ` +
      `${BUDGET_GZIP_BYTES}-byte budget (BUDGET_GZIP_BYTES in scripts/size.mjs)`,
  );
  process.exit(1);
}
