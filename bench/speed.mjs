// What the speed benchmarks in bench/ share: a fresh page that records its errors and stray
// requests, statistics over per-call times, the report's number formatting, and the CPU profile of
// persona's wasm (a build that keeps function names, and summaries of CDP CPU profiles).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./common.mjs";

/**
 * A page in a fresh browser context that collects its errors (`errors`) and notes in `unexpected`
 * every request to anything but `origins` (the benchmark's own server).
 */
export async function watchedPage(browser, origins, unexpected) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("request", (r) => {
    const u = r.url();
    if (!origins.some((o) => u.startsWith(o))) unexpected.push(`${r.method()} ${u}`);
  });
  return { context, page, errors };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

const metric = (metrics, name) => metrics.find((m) => m.name === name)?.value ?? 0;

/**
 * The main thread's CPU time over a window (CDP `Performance.getMetrics` `TaskDuration` and
 * `ScriptDuration` with `timeDomain: threadTicks`), and with `profile` a CPU profile of it
 * (sampling every 50 µs). `start()`, then `stop()` → `{ taskMs, scriptMs, cpuProfile }`.
 */
export async function mainThreadMeter(context, page, { profile = false } = {}) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
  let before = [];
  return {
    async start() {
      if (profile) {
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
        await cdp.send("Profiler.start");
      }
      before = (await cdp.send("Performance.getMetrics")).metrics;
    },
    async stop() {
      const after = (await cdp.send("Performance.getMetrics")).metrics;
      const delta = (name) => (metric(after, name) - metric(before, name)) * 1000;
      const cpuProfile = profile ? (await cdp.send("Profiler.stop")).profile : null;
      return { taskMs: delta("TaskDuration"), scriptMs: delta("ScriptDuration"), cpuProfile };
    },
  };
}

/**
 * persona.wasm as `scripts/build.sh` makes it, but keeping the function names, so the profile
 * says which Rust functions the time goes to: the same wasm-opt passes on pkg/persona_bg.wasm
 * without --strip-debug. Returns the folder, or null (then the shipped module is profiled).
 */
export function profileWasm() {
  const input = join(root, "pkg", "persona_bg.wasm");
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  if (process.env.PERSONA_DIST || !existsSync(input) || !existsSync(wasmOpt)) return null;
  const dir = mkdtempSync(join(tmpdir(), "persona-bench-"));
  try {
    const passes = ["--low-memory-unused", "--merge-similar-functions", "-Oz", "--one-caller-inline-max-function-size=30", "--converge"];
    execFileSync(wasmOpt, [...passes, "-g", input, "-o", join(dir, "persona.wasm")], { stdio: "ignore" });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

/**
 * Self time per function and per kind of code in CDP CPU profiles (summed over the runs), and
 * the inclusive time of persona's wasm functions (a sample counts once for every distinct
 * function on its stack).
 */
export function profileSummary(profiles, wasmNamed) {
  const add = (map, key, ms) => map.set(key, (map.get(key) || 0) + ms);
  const functions = new Map();
  const kinds = new Map();
  const inclusive = new Map();
  let total = 0;
  for (const { dt, node, stack } of samples(profiles)) {
    const kind = kindOf(node.callFrame);
    total += dt;
    add(kinds, kind, dt);
    add(functions, `${node.callFrame.functionName || "(anonymous)"}\u0000${kind}`, dt);
    const onStack = new Set();
    for (const n of stack()) {
      if (kindOf(n.callFrame) === "persona wasm") onStack.add(rustName(n.callFrame.functionName));
    }
    for (const f of onStack) add(inclusive, f, dt);
  }
  const busy = total - (kinds.get("idle") || 0);
  const top = [...functions]
    .filter(([k]) => !k.endsWith("\u0000idle"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, ms]) => {
      const [name, kind] = k.split("\u0000");
      return { function: rustName(name), kind, ms: round(ms, 2), share: round(ms / busy, 3) };
    });
  const wasmInclusive = [...inclusive]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, ms]) => ({ function: name, ms: round(ms, 2), share: round(ms / busy, 3) }));
  const kindList = [...kinds]
    .filter(([k]) => k !== "idle")
    .sort((a, b) => b[1] - a[1])
    .map(([kind, ms]) => ({ kind, ms: round(ms, 2), share: round(ms / busy, 3) }));
  const sampledBusyMs = round(busy, 1);
  return { runs: profiles.length, sampledBusyMs, wasmNames: wasmNamed, kinds: kindList, top, wasmInclusive };
}

/**
 * Every sample of CDP CPU profiles: `dt` (ms until the next sample), the sampled `node`, and
 * `stack()`, the node and its callers, innermost first.
 */
export function* samples(profiles) {
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n);
    for (let i = 0; i < profile.samples.length; i++) {
      const node = byId.get(profile.samples[i]);
      const stack = function* () {
        for (let n = node; n; n = parent.get(n.id)) yield n;
      };
      yield { dt: (profile.timeDeltas[i + 1] ?? 0) / 1000, node, stack };
    }
  }
}

/**
 * The time (ms, and share of the sampled busy time) of the samples whose stack passes `test`
 * (a RegExp that one function name on the stack matches, or a function given the names,
 * innermost first, without their hashes), and in `top` the functions that time is spent in (self time, most first).
 */
export function stackTime(profiles, test, topN = 10) {
  const passes = typeof test === "function" ? test : (names) => names.some((n) => test.test(n));
  let hit = 0;
  let busy = 0;
  const self = new Map();
  for (const { dt, node, stack } of samples(profiles)) {
    if (node.callFrame.functionName === "(idle)") continue;
    busy += dt;
    if (passes([...stack()].map((n) => rustName(n.callFrame.functionName)))) {
      hit += dt;
      const key = `${rustName(node.callFrame.functionName)}\u0000${kindOf(node.callFrame)}`;
      self.set(key, (self.get(key) || 0) + dt);
    }
  }
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([k, ms]) => ({ function: k.split("\u0000")[0], kind: k.split("\u0000")[1], ms: round(ms, 2) }));
  return { ms: round(hit, 2), share: busy > 0 ? round(hit / busy, 3) : null, top };
}

export function kindOf(cf) {
  const wasm = cf.url.endsWith(".wasm") || cf.url.startsWith("wasm://") || /^\$?wasm-function/.test(cf.functionName);
  if (wasm) return "persona wasm";
  if (cf.url.includes("/dist/")) return "persona JS glue"; // persona.js (script tag) or index.js (npm)
  if (cf.functionName === "(idle)") return "idle";
  if (cf.functionName === "(program)") return "browser (not JS)";
  if (cf.functionName === "(garbage collector)") return "garbage collector";
  if (!cf.url) return "browser APIs / builtins";
  return "page + harness";
}

/** A Rust symbol without its hash (`persona::core::tracker::Tracker::record`). */
export const rustName = (name) => (name || "(anonymous)").replace(/^\$/, "").replace(/::h[0-9a-f]{16}$/, "");

export const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

export const ms = (x, d = 3) => (x == null ? "—" : x.toFixed(d));
export const x2 = (x) => (x == null ? "—" : `${x.toFixed(2)}×`);

/** "median (lowest–highest round)". */
export function spread(value, rounds, digits, shift = 0) {
  const xs = rounds.map((x) => x - shift);
  if (xs.length < 2) return ms(value - shift, digits);
  return `${ms(value - shift, digits)} (${ms(Math.min(...xs), digits)}–${ms(Math.max(...xs), digits)})`;
}
