#!/usr/bin/env node
// The dashboard's queries on a million stored events (bench/README.md, "insights.mjs"): the
// release collector seeds a fresh database with simulated shop traffic over 90 days (`collector
// seed`, through the same store path as ingest, so the aggregates are built as they would be),
// serves it, and each dashboard request is timed over HTTP, 9 times after a warm-up. For scale,
// the same 90 days counted by scanning the events table (what the dashboard would do without its
// aggregates) is timed with Python's sqlite3.
//
//   node bench/insights.mjs                      # 1,000,000 events
//   PERSONA_INSIGHTS_EVENTS=200000 node bench/insights.mjs
//   PERSONA_COLLECTOR_BIN=target/release/collector node bench/insights.mjs   # skip the build
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { failWith, root, writeResults } from "./common.mjs";

const fail = failWith("insights");
const started = Date.now();
const EVENTS = Number(process.env.PERSONA_INSIGHTS_EVENTS || 1_000_000);
const DAYS = 90;
const ROUNDS = 9;

let binary = process.env.PERSONA_COLLECTOR_BIN;
if (!binary) {
  const built = spawnSync("cargo", ["build", "--release", "-q", "-p", "collector"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) fail("cargo build --release -p collector failed");
  binary = join(root, "target", "release", "collector");
}

const dir = mkdtempSync(join(tmpdir(), "persona-insights-"));
const db = join(dir, "events.db");
const load = loadavg()[0];
console.log(`insights: seeding ${EVENTS.toLocaleString("en")} events over ${DAYS} days`);
const seedStarted = Date.now();
const seeded = spawnSync(binary, ["seed", "--db", db, "--events", String(EVENTS), "--days", String(DAYS)], { encoding: "utf8" });
if (seeded.status !== 0) fail(`collector seed: ${seeded.stderr}`);
const seedSeconds = (Date.now() - seedStarted) / 1000;
const dbBytes = statSync(db).size;

const child = spawn(binary, ["--addr", "127.0.0.1:0", "--db", db, "--www", dir, "--dist", dir], { stdio: ["ignore", "pipe", "pipe"] });
const origin = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error(`the collector did not start: ${out}`)), 60_000);
  child.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/\S+)/);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  child.on("exit", (code) => reject(new Error(`the collector exited with ${code}`)));
}).catch((e) => fail(e.message));

const day = (offset) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
const queries = [
  ["insights, 7 days", `/v1/insights?from=${day(6)}&to=${day(0)}`],
  ["insights, 30 days", `/v1/insights?from=${day(29)}&to=${day(0)}`],
  ["insights, 90 days", `/v1/insights?from=${day(89)}&to=${day(0)}`],
  ["insights, 90 days, one channel", `/v1/insights?from=${day(89)}&to=${day(0)}&channel=newsletter`],
  ["experiments, 30 days, Order Completed", `/v1/experiments?from=${day(29)}&to=${day(0)}`],
  ["experiments, 90 days, Order Completed", `/v1/experiments?from=${day(89)}&to=${day(0)}`],
  ["experiments, 90 days, Product Added", `/v1/experiments?from=${day(89)}&to=${day(0)}&goal=Product%20Added`],
];

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const rows = [];
let totals;
for (const [name, path] of queries) {
  const times = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const t0 = performance.now();
    const res = await fetch(origin + path);
    const body = await res.json();
    const ms = performance.now() - t0;
    if (res.status !== 200) fail(`${path}: ${res.status} ${JSON.stringify(body)}`);
    if (name === "insights, 90 days") totals = body.totals;
    if (i > 0) times.push(ms); // the first is the warm-up
  }
  times.sort((a, b) => a - b);
  rows.push({ name, path, p50: percentile(times, 0.5), max: times.at(-1) });
  console.log(`  ${name}: p50 ${rows.at(-1).p50.toFixed(1)} ms`);
}
child.kill("SIGTERM");

// The same 90 days by scanning the events (no aggregates), for scale.
const scanSql = `SELECT COUNT(*), COUNT(DISTINCT anonymous_id) FROM events WHERE at >= ${Date.parse(day(89))} AND at < ${Date.parse(day(0)) + 86_400_000}`;
const scan = spawnSync(
  "python3",
  ["-c", `import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2]).fetchall()\nt=time.perf_counter()\nr=c.execute(sys.argv[2]).fetchall()\nprint((time.perf_counter()-t)*1000, r[0][0])`, db, scanSql],
  { encoding: "utf8" },
);
const scanMs = scan.status === 0 ? Number(scan.stdout.split(" ")[0]) : null;
rmSync(dir, { recursive: true, force: true });

const seconds = Math.round((Date.now() - started) / 1000);
const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
const fmt = (n) => (n == null ? "—" : n.toFixed(1));
const result = {
  date: new Date().toISOString(),
  commit,
  events: EVENTS,
  days: DAYS,
  seed_seconds: seedSeconds,
  db_bytes: dbBytes,
  totals_90_days: totals,
  queries: rows,
  scan_90_days_ms: scanMs,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, load_before: load },
  seconds,
};
let md = `# The dashboard's queries on ${EVENTS.toLocaleString("en")} events\n\n`;
md += `\`node bench/insights.mjs\`: the release collector, a fresh SQLite database filled by \`collector seed\` `;
md += `(${EVENTS.toLocaleString("en")} simulated shop events over ${DAYS} days, written through the ingest path with its aggregates `;
md += `in ${fmt(seedSeconds)} s, ${(dbBytes / 2 ** 20).toFixed(0)} MB), each request over HTTP ${ROUNDS} times after a warm-up.\n\n`;
md += `| request | p50 ms | max ms |\n|---|---|---|\n`;
for (const r of rows) md += `| ${r.name} | ${fmt(r.p50)} | ${fmt(r.max)} |\n`;
md += `\nFor scale: counting the same 90 days' events and visitors by scanning the events table (no aggregates; `;
md += `Python's sqlite3, second run) took ${fmt(scanMs)} ms, for two of the dashboard's numbers.\n\n`;
md += `The 90 days held ${totals?.events?.toLocaleString("en")} events from ${totals?.visitors?.toLocaleString("en")} visitors.\n\n`;
md += `- machine: ${cpus().length} × ${cpus()[0]?.model}, load ${load.toFixed(2)} before the run; commit ${commit}; ${result.date}; ${seconds} s in all\n`;
writeResults("insights", result, md);
