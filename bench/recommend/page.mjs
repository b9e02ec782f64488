// The recommendations benchmark's page (bundled by bench/recommend-speed.mjs with esbuild):
// persona as a shop uses it, from its npm entry. The benchmark drives it step by step through
// `window.bench` (init, catalog, model, the visitor's history, the timed calls), so that it can
// read the search module's memory between the steps, wherever that module runs.
import { Persona } from "../../dist/index.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The page's JS heap, after forced GCs (--expose-gc, --enable-precise-memory-info). */
async function heap() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(30);
  }
  return performance.memory?.usedJSHeapSize ?? null;
}

let p = null;

window.bench = {
  /**
   * `Persona.init` as a shop calls it, with the complement rules as the `recommend` option. With
   * `mainThread`, `Worker` is removed first: the search module (where recommendations run) then
   * starts on the page's thread, as it does where a worker cannot start.
   */
  async init({ mainThread, complements }) {
    if (mainThread) {
      delete globalThis.Worker;
      if (typeof Worker !== "undefined") globalThis.Worker = undefined;
    }
    const heapBefore = await heap();
    p = await Persona.init({ collector: { url: "/v1/batch" }, wasm: "/persona.wasm", pageview: false, recommend: { complements } });
    return { heapBefore, heap: await heap(), isolated: crossOriginIsolated, degraded: p.degraded };
  },

  /** `p.search.load(products)`, timed (the products are fetched first, outside the timing). */
  async catalog(url) {
    const products = await (await fetch(url)).json();
    const t = performance.now();
    const n = await p.search.load(products);
    const ms = performance.now() - t;
    return { n, ms, heap: await heap() };
  },

  /** `p.recommend.load(model)` with the model object, timed (fetched first, outside the timing). */
  async model(url) {
    const model = await (await fetch(url)).json();
    const t = performance.now();
    const status = await p.recommend.load(model);
    const ms = performance.now() - t;
    return { status, ms, heap: await heap() };
  },

  /** The visitor's history through `p.track`; what the profile then holds. */
  history(events) {
    for (const [name, properties] of events) p.track(name, properties);
    const profile = p.profile();
    return { viewed: profile.viewed?.products?.length ?? 0, cart: profile.cart?.products?.length ?? 0 };
  },

  /**
   * The first `p.recommend` call after loading, timed alone: it also computes the catalog's
   * content features (once per catalog).
   */
  async first(options) {
    const t = performance.now();
    const r = await p.recommend(options);
    return { ms: performance.now() - t, items: r.items.length, warnings: r.warnings };
  },

  /**
   * `rounds` rounds; in each, one `await p.recommend({strategy, product_id, limit: 10})` per
   * strategy, timed alone, the product the next of `anchors[strategy]`. One untimed call per
   * strategy first. Returns the times per strategy and what the results held.
   */
  async run({ strategies, anchors, rounds }) {
    const call = (strategy, r) => p.recommend({ strategy, product_id: anchors[strategy][r % anchors[strategy].length], limit: 10 });
    for (const s of strategies) await call(s, 0);
    const out = Object.fromEntries(strategies.map((s) => [s, { times: [], items: 0, fallback: 0, empty: 0, reasons: {}, warnings: {}, notReady: 0 }]));
    for (let r = 0; r < rounds; r++) {
      for (const s of strategies) {
        const t = performance.now();
        const res = await call(s, r);
        const ms = performance.now() - t;
        const o = out[s];
        o.times.push(ms);
        o.items += res.items.length;
        if (res.fallback) o.fallback++;
        if (!res.items.length) o.empty++;
        if (!res.ready) o.notReady++;
        for (const it of res.items) o.reasons[it.reason] = (o.reasons[it.reason] || 0) + 1;
        for (const w of res.warnings) o.warnings[w.code] = (o.warnings[w.code] || 0) + 1;
      }
    }
    return { results: out, heap: await heap() };
  },
};
