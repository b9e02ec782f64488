// The search speed benchmark's page (bundled by bench/search-speed.mjs with esbuild): builds one
// engine's index over a catalog and times the queries; the benchmark opens a fresh page per
// engine, so each heap measure starts from the same state. Results come back from window.run.
import { Search, initSync } from "../../pkg-search/persona.js";
import { save } from "@orama/orama";
import { persona, minisearch, flexsearch, orama } from "./engines.mjs";
import { Persona } from "../../dist/index.js";

/** persona as a shop calls it: p.search.load and p.search, the module in its worker. */
const personaApi = {
  name: "persona, p.search (worker)",
  async build(products) {
    const p = await Persona.init({ collector: { url: "/v1/batch" }, wasm: "/persona.wasm", consent: "denied", pageview: false });
    await p.search.load(products);
    return p;
  },
  async search(p, query, limit) {
    return (await p.search(query, { limit, personalize: false, facets: 0 })).hits.map((h) => h.id);
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const heap = () => performance.memory?.usedJSHeapSize ?? 0;
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(30);
  }
}

/** Bytes of each engine's index in its own serialised form (what a shop would ship pre-built). */
async function indexBytes(engine, index) {
  switch (engine) {
    case "persona":
      return index.call(4).length;
    case "MiniSearch":
      return new TextEncoder().encode(JSON.stringify(index)).length;
    case "FlexSearch": {
      let bytes = 0;
      await index.export((key, data) => void (bytes += new TextEncoder().encode(String(key) + (data ?? "")).length));
      return bytes;
    }
    case "Orama":
      return new TextEncoder().encode(JSON.stringify(await save(index))).length;
    default:
      return null;
  }
}

window.run = async ({ engine: name, wasmUrl, catalogUrl, queries, rounds }) => {
  const wasm = initSync({ module: await (await fetch(wasmUrl)).arrayBuffer() });
  // The build shortens export names: find the memory by its type.
  const memory = Object.values(wasm).find((v) => v instanceof WebAssembly.Memory);
  const wasmBytes = () => memory.buffer.byteLength;
  const engine = [persona(Search), personaApi, minisearch, flexsearch, orama].find((e) => e.name === name);
  const products = await (await fetch(catalogUrl)).json();
  await settle();
  const before = heap();
  const wasmBefore = wasmBytes();
  const t0 = performance.now();
  const index = await engine.build(products);
  const buildMs = performance.now() - t0;
  await settle();
  // persona's index lives in wasm memory, which the JS heap does not count: what its linear
  // memory grew by (it never shrinks, so this is the peak of the build) is added.
  const heapBytes = heap() - before + (wasmBytes() - wasmBefore);
  const times = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const t = performance.now();
      await engine.search(index, q, 10);
      times.push(performance.now() - t);
    }
  }
  const bytes = await indexBytes(name, index);
  // The worker's memory is not the page's: no heap figure for it.
  const heapOf = name === personaApi.name ? null : heapBytes;
  let loadMs = null;
  if (name === "persona") {
    // Loading the pre-built index instead of indexing (scripts/build-index.mjs).
    const file = index.call(4);
    const fresh = new Search();
    const t = performance.now();
    fresh.call(5, file);
    loadMs = performance.now() - t;
  }
  return { engine: name, buildMs, loadMs, indexBytes: bytes, heapBytes: heapOf, times, isolated: crossOriginIsolated };
};
