#!/usr/bin/env node
// Benchmark: download size of persona against the peers it replaces (see bench/README.md).
//
// Every peer's minimal use (bench/peers/<id>.js) and persona's npm path (bench/peers/persona.js) is
// bundled in this run with the same esbuild settings, then measured raw and gzip -9. persona's
// script-tag path is read from dist/ as shipped. Results: bench/results/size.md and size.json.
//
//   node bench/size.mjs                       # needs a built dist/ (npm run build)
//   PERSONA_DIST=/some/dir node bench/size.mjs  # measure another build directory
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync, constants } from "node:zlib";
import { BROWSER_BUNDLE, benchDir, dist, failWith, resultsDir, root, version } from "./common.mjs";

const peersDir = join(benchDir, "peers");

// The peers, in report order. `entry` is bench/peers/<entry>; `does` is the job persona does for it.
const PEERS = [
  { id: "growthbook", pkg: "@growthbook/growthbook", does: "A/B + flags, local evaluation" },
  {
    id: "growthbook-script-tag",
    pkg: "@growthbook/growthbook",
    does: "A/B + flags, script-tag build",
    // GrowthBook's own script-tag build, measured as shipped (what its CDN serves), like persona.js.
    shipped: "node_modules/@growthbook/growthbook/dist/bundles/auto.min.js",
    note: "as shipped: dist/bundles/auto.min.js (their script tag)",
  },
  { id: "snowplow", pkg: "@snowplow/browser-tracker", does: "tracking, tp2 protocol, localStorage queue" },
  {
    id: "segment",
    pkg: "@segment/analytics-next",
    does: "tracking, Segment spec, plugins",
    note: "settings and device-mode destinations come from Segment's CDN at run time, not counted",
  },
  {
    id: "rudderstack",
    pkg: "@rudderstack/analytics-js",
    does: "tracking, Segment-compatible",
    note: "default export; its plugins are fetched from RudderStack's CDN at run time, not counted",
  },
  {
    id: "rudderstack-bundled",
    pkg: "@rudderstack/analytics-js",
    does: "tracking, Segment-compatible",
    note: "`/bundled` export: plugins compiled in",
  },
  {
    id: "posthog",
    pkg: "posthog-js",
    does: "tracking + flags + experiments (server-evaluated)",
    note: "recorder, surveys, toolbar etc. load from api_host at run time when enabled, not counted",
  },
  { id: "optimizely", pkg: "@optimizely/optimizely-sdk", does: "A/B + flags, local evaluation (datafile)" },
  { id: "statsig", pkg: "@statsig/js-client", does: "gates + experiments (server-evaluated)" },
  { id: "minisearch", pkg: "minisearch", does: "in-browser full-text search" },
  { id: "flexsearch", pkg: "flexsearch", does: "in-browser full-text search" },
  { id: "orama", pkg: "@orama/orama", does: "in-browser full-text search" },
];

// What persona replaces today: the stack a shop stitches together (DESIGN.md, "Anchors").
const STACK = { name: "GrowthBook + Snowplow + MiniSearch", ids: ["growthbook", "snowplow", "minisearch"] };

// One esbuild configuration for everything measured here.
const BUILD = {
  ...BROWSER_BUNDLE,
  outdir: join(resultsDir, ".out"), // never written (write: false); needed for splitting and files
  legalComments: "none",
  // persona's entry uses top-level await (fine in every browser that runs its wasm).
  supported: { "top-level-await": true },
  // A wasm file imported by glue code stays a separate file; persona.wasm is added on its own.
  loader: { ".wasm": "file" },
  metafile: true,
  logLevel: "silent",
};

const gzip = (buf) => gzipSync(buf, { level: constants.Z_BEST_COMPRESSION }).length;
const measure = (buf) => ({ raw: buf.length, gzip: gzip(buf) });
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : "n/a");
const fail = failWith("size");

// Resolve persona's `../../dist/index.js` to PERSONA_DIST, so a different build can be measured.
const distPlugin = {
  name: "persona-dist",
  setup(build) {
    build.onResolve({ filter: /\/dist\/index\.js$/ }, (args) =>
      args.importer.startsWith(peersDir) ? { path: join(dist, "index.js") } : undefined,
    );
  },
};

// Bundle one entry. The measured size is the whole bundle: without splitting, esbuild inlines what
// the code loads with import(), so lazy-loaded parts count. A second build with splitting on tells
// how much of that is needed up front (`initial`) and how much is loaded later (`lazy`).
async function bundle(esbuild, options) {
  const common = { ...BUILD, plugins: [distPlugin], ...options };
  const whole = await esbuild.build(common);
  const js = whole.outputFiles.filter((f) => f.path.endsWith(".js"));
  const size = measure(Buffer.concat(js.map((f) => f.contents)));

  const split = await esbuild.build({ ...common, splitting: true });
  const outputs = split.metafile.outputs;
  const byPath = new Map(split.outputFiles.map((f) => [relative(process.cwd(), f.path), f]));
  const entry = Object.keys(outputs).find((p) => outputs[p].entryPoint && p.endsWith(".js"));
  // Initial load: the entry chunk and every chunk it imports statically.
  const initial = new Set();
  const visit = (p) => {
    if (initial.has(p)) return;
    initial.add(p);
    for (const i of outputs[p].imports) {
      if (i.kind === "import-statement" && outputs[i.path]) visit(i.path);
    }
  };
  visit(entry);
  const lazyPaths = Object.keys(outputs).filter((p) => p.endsWith(".js") && !initial.has(p));
  if (lazyPaths.length === 0) return { ...size, lazy: null };
  const sum = (paths) =>
    paths
      .map((p) => measure(byPath.get(p).contents))
      .reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }));
  return { ...size, initial: sum([...initial]), lazy: { chunks: lazyPaths.length, ...sum(lazyPaths) } };
}

async function main() {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    fail("esbuild is not installed; run bash scripts/setup.sh");
  }

  // persona's own files, via scripts/size.mjs (exits 1 when dist/ is missing or over budget).
  let own;
  try {
    const args = [join(root, "scripts/size.mjs"), "--json"];
    own = JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8" }));
  } catch (err) {
    if (!err.stdout) {
      console.error(String(err.stderr || err.message).trim()); // e.g. "run npm run build first"
      process.exit(1);
    }
    own = JSON.parse(err.stdout); // over budget: still report the numbers
  }
  const wasm = own.files["persona.wasm"];

  const npmBundle = await bundle(esbuild, { entryPoints: [join(peersDir, "persona.js")] }).catch((err) =>
    fail(`cannot bundle bench/peers/persona.js against ${dist}: ${err.message}`),
  );
  // The search module: fetched only by pages that search (the chunk, its worker, the wasm).
  const searchParts = ["persona-search.js", "persona-search-worker.js", "persona-search.wasm"].map((f) => measure(readFileSync(join(dist, f))));
  const persona = {
    scriptTag: { raw: own.paths.scriptTag.raw, gzip: own.paths.scriptTag.gzip },
    npm: { raw: npmBundle.raw + wasm.raw, gzip: npmBundle.gzip + wasm.gzip, js: npmBundle, wasm },
    search: {
      raw: searchParts.reduce((n, p) => n + p.raw, 0),
      gzip: searchParts.reduce((n, p) => n + p.gzip, 0),
      js: { gzip: searchParts[0].gzip + searchParts[1].gzip },
      wasm: searchParts[2],
    },
  };

  const peers = [];
  for (const peer of PEERS) {
    const entry = peer.shipped ? join(root, peer.shipped) : join(peersDir, `${peer.id}.js`);
    const row = { ...peer, version: version(peer.pkg), entry: relative(root, entry) };
    try {
      if (peer.shipped) Object.assign(row, measure(readFileSync(entry)), { lazy: null });
      else Object.assign(row, await bundle(esbuild, { entryPoints: [entry] }));
    } catch (err) {
      row.error = (err.errors?.[0]?.text || err.message).split("\n")[0];
    }
    peers.push(row);
  }

  // The stack persona replaces, as separate bundles (sum) and as one bundle (shared helpers deduped).
  const parts = STACK.ids.map((id) => peers.find((p) => p.id === id));
  const stack = { name: STACK.name, ids: STACK.ids };
  if (parts.some((p) => p.error)) stack.error = "a part could not be bundled (see its row)";
  else {
    stack.sum = { raw: parts.reduce((n, p) => n + p.raw, 0), gzip: parts.reduce((n, p) => n + p.gzip, 0) };
    // Namespace re-exports, since bare imports would be dropped: the repo's package.json says
    // sideEffects: false, and bench/peers lies inside it.
    const contents = STACK.ids.map((id) => `export * as ${id} from "./${id}.js";`).join("\n");
    const stdin = { contents, resolveDir: peersDir, sourcefile: "stack.js" };
    try {
      stack.oneBundle = await bundle(esbuild, { stdin });
    } catch (err) {
      stack.error = err.message.split("\n")[0];
    }
  }

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    esbuild: esbuild.version,
    settings: { ...BUILD, outdir: undefined, metafile: undefined, logLevel: undefined },
    gzip: "zlib level 9",
    budgetGzip: own.budgetGzip,
    overBudget: own.overBudget,
    persona,
    peers,
    stack,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "size.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(resultsDir, "size.md"), markdown(result));
  printTable(result);
  console.log(`\nwrote ${relative(root, join(resultsDir, "size.md"))} and size.json`);
  if (own.overBudget) console.error(`bench/size: warning: persona's script-tag path is over its budget`);
}

// Rows shared by the terminal table and the markdown report.
function rows(r) {
  const { scriptTag, npm } = r.persona;
  const line = (name, pkg, does, m, notes = "", self = false) => ({
    name,
    pkg,
    does,
    raw: m ? String(m.raw) : "—",
    gzip: m ? String(m.gzip) : "—",
    kb: m ? kb(m.gzip) : "—",
    st: m && !self ? ratio(scriptTag.gzip, m.gzip) : "—",
    npm: m && !self ? ratio(npm.gzip, m.gzip) : "—",
    notes,
  });
  // Lazy-loaded code is counted; say how much of it a split build would defer.
  const lazyNote = (b) => {
    if (!b.lazy) return "";
    const n = b.lazy.chunks;
    const split = `${b.initial.gzip} up front + ${n} lazy chunk${n === 1 ? "" : "s"} of ${b.lazy.gzip}`;
    return `includes code loaded with import(); split build: ${split} gzip`;
  };
  const notes = (...parts) => parts.filter(Boolean).join("; ");
  // Say what persona does in this build, not what it will do: update as capabilities land.
  const does = "tracking, profile, segments, next best action, search loader (experiments, recs: next issues)";
  const search = r.persona.search;
  const mini = r.peers.find((p) => p.id === "minisearch" && !p.error);
  const out = [
    line("persona, script tag", "persona.js + persona.wasm", does, scriptTag, "as shipped in dist/", true),
    line("persona, npm", "index.js bundle + persona.wasm", does, npm,
      notes(`JS ${npm.js.gzip} + wasm ${npm.wasm.gzip} gzip`, lazyNote(npm.js)), true),
    line("persona, search module", "persona-search.js + -worker.js + .wasm", "catalog index, search, re-ranking (loaded on the first search)", search,
      notes(`JS ${search.js.gzip} + wasm ${search.wasm.gzip} gzip; not on the script-tag path`, mini && `${ratio(search.gzip, mini.gzip)} of MiniSearch`), true),
  ];
  for (const p of r.peers) {
    const note = p.error ? `could not bundle: ${p.error}` : notes(p.note, lazyNote(p));
    out.push(line(p.id, `${p.pkg}@${p.version}`, p.does, p.error ? null : p, note));
  }
  const s = r.stack;
  if (s.sum) out.push(line(`${s.name} (sum)`, "three separate bundles", "what persona replaces", s.sum));
  const one = s.oneBundle;
  if (one) out.push(line(`${s.name} (one bundle)`, "one esbuild bundle", "what persona replaces", one));
  if (s.error) out.push(line(s.name, "—", "what persona replaces", null, `could not measure: ${s.error}`));
  return out;
}

function printTable(r) {
  const cols = [
    ["name", "benchmark"],
    ["pkg", "package"],
    ["raw", "raw B"],
    ["gzip", "gzip B"],
    ["kb", "gzip"],
    ["st", "tag/peer"],
    ["npm", "npm/peer"],
    ["notes", "notes"],
  ];
  const data = rows(r);
  const width = cols.map(([k, h]) => Math.max(h.length, ...data.map((d) => d[k].length)));
  const right = new Set(["raw", "gzip", "kb", "st", "npm"]);
  const cell = (k, i, text) => (right.has(k) ? text.padStart(width[i]) : text.padEnd(width[i]));
  const fmt = (get) => cols.map(([k], i) => cell(k, i, get(k))).join("  ").trimEnd();
  console.log(`size benchmark: esbuild ${r.esbuild} (minify, esm, es2020), gzip -9, node ${r.node}\n`);
  console.log(fmt((k) => cols.find((c) => c[0] === k)[1]));
  console.log(width.map((w) => "-".repeat(w)).join("  "));
  for (const d of data) console.log(fmt((k) => d[k]));
}

function markdown(r) {
  const data = rows(r);
  const esc = (s) => s.replace(/\|/g, "\\|");
  const lines = [
    "# Size: persona vs. its peers",
    "",
    "Generated by `node bench/size.mjs` (part of `npm run bench`); do not edit by hand.",
    "",
    `- date: ${r.date}`,
    `- node: ${r.node}`,
    `- esbuild: ${r.esbuild}, \`bundle, minify, format: esm, platform: browser, target: es2020, ` +
      `NODE_ENV=production, legalComments: none\` (top-level await allowed, for persona's entry)`,
    "- gzip: zlib level 9; files loaded separately are gzipped separately and summed",
    "- entries: `bench/peers/<benchmark>.js`, a minimal use of each peer doing the job persona does for it",
    `- ratios: persona's gzip bytes / the peer's (below 1.00 = persona is smaller); ` +
      `tag = script-tag path, npm = npm path`,
    `- persona's script-tag budget: ${r.budgetGzip} bytes gzip (${kb(r.budgetGzip)})` +
      (r.overBudget ? " — **over budget**" : ""),
    "",
    "| benchmark | package | does | raw bytes | gzip bytes | gzip | tag/peer | npm/peer | notes |",
    "|---|---|---|---:|---:|---:|---:|---:|---|",
    ...data.map((d) =>
      ["", esc(d.name), esc(d.pkg), esc(d.does), d.raw, d.gzip, d.kb, d.st, d.npm, esc(d.notes), ""]
        .join(" | ")
        .trim(),
    ),
    "",
  ];
  return lines.join("\n");
}

if (!existsSync(dist)) fail(`${dist} does not exist; run npm run build first`);
main().catch((err) => fail(err.stack || err.message));
