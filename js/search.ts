/**
 * The search chunk (`dist/persona-search.js` with `dist/persona-search.wasm`), loaded by the
 * first `search`, `search.load`, `rerank` or `qa.explain` call (or the `catalog` init option):
 * the catalog index, the query engine and the re-ranker live in a second module, so the
 * script-tag path does not carry them. Everything is decided in Rust (`src/core/search`,
 * `src/core/rank.rs`); this file fetches the catalog, hands JSON text across, and maps hits back
 * to the shop's own product objects.
 *
 * The module runs in a Web Worker (`persona-search-worker.js`, next to this file), so indexing
 * a large catalog never freezes the page; where a worker cannot start (no `Worker`, a Content
 * Security Policy without `worker-src` for it), it runs here, on the page's thread.
 */
import initWasm, { Search } from "../pkg-search/persona.js";
import type {
  CatalogProduct,
  Explanation,
  ModelStatus,
  PersonaError,
  Recommendations,
  RecommendOptions,
  RecommendSettings,
  RerankItem,
  RerankOptions,
  SearchLoadOptions,
  SearchOptions,
  SearchResults,
} from "./types.js";

/** `op` in `src/search_bindings.rs`. */
const enum Op {
  Load = 0,
  Search = 1,
  Rerank = 2,
  Explain = 3,
  LoadIndex = 5,
  LoadModel = 6,
  Recommend = 7,
}

/** Same cap as `MAX_CATALOG_BYTES` in `src/core/search/mod.rs`: checked before anything is parsed. */
const MAX_CATALOG_BYTES = 32 * 1024 * 1024;

type Catalog = string | URL | CatalogProduct[] | { products: CatalogProduct[] };
type LoadOptions = SearchLoadOptions;

function error(code: string, message: string): PersonaError {
  const e = new Error(message) as PersonaError;
  e.name = "PersonaError";
  e.code = code as PersonaError["code"];
  return e;
}

const warned = new Set<string>();
/**
 * A console warning, once per code (a console that throws must not break the page). It repeats
 * `warnOnce` of `index.ts` on purpose, like `error` above: importing it would pull the whole SDK
 * into this chunk.
 */
function warnOnce(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  try {
    console.warn(message, `(${code})`);
  } catch {
    /* nothing to do */
  }
}

const isPersonaError = (e: unknown): e is PersonaError => e instanceof Error && e.name === "PersonaError";

/** Where the module runs: `call` answers what `Search.call` returns, or rejects with its error. */
interface Backend {
  call(op: Op, a?: unknown, b?: unknown, c?: unknown): Promise<unknown>;
}

/** How long a worker may take to load the module before persona runs it on the page instead. */
const WORKER_START_MS = 10_000;

/** The module in a worker; `null` when no worker can run it. */
async function workerBackend(base: URL): Promise<Backend | null> {
  let worker: Worker;
  try {
    const script = new URL("persona-search-worker.js", base);
    try {
      worker = new Worker(script);
    } catch {
      // A script on another origin (a CDN) cannot be a worker itself; a same-origin blob that
      // imports it can, where the page's Content Security Policy allows blob: workers.
      const blob = new Blob([`importScripts(${JSON.stringify(script.href)})`], { type: "text/javascript" });
      worker = new Worker(URL.createObjectURL(blob));
    }
  } catch {
    return null;
  }
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), WORKER_START_MS);
    worker.onmessage = (e: MessageEvent) => {
      clearTimeout(timer);
      resolve((e.data as { ready?: boolean }).ready === true);
    };
    worker.onerror = () => {
      clearTimeout(timer);
      resolve(false);
    };
    worker.postMessage({ wasm: new URL("persona-search.wasm", base).href });
  });
  if (!ready) {
    worker.terminate();
    return null;
  }
  const pending = new Map<number, [(v: unknown) => void, (e: unknown) => void]>();
  let next = 0;
  worker.onmessage = (e: MessageEvent) => {
    const { id, value, error: failure } = e.data as { id: number; value?: unknown; error?: { name?: string; message: string; code?: string; property?: string; index?: number } };
    const waiting = pending.get(id);
    pending.delete(id);
    if (!waiting) return;
    if (!failure) return waiting[0](value);
    const err = new Error(failure.message) as PersonaError & { index?: number };
    if (failure.name) (err as Error).name = failure.name;
    for (const key of ["code", "property", "index"] as const) if (failure[key] !== undefined) (err as unknown as Record<string, unknown>)[key] = failure[key];
    waiting[1](err);
  };
  // A worker that dies takes its answers with it: fail what waits, as a fault.
  worker.onerror = () => {
    for (const [, reject] of pending.values()) reject(new Error("persona: the search worker failed"));
    pending.clear();
  };
  return {
    call(op, a, b, c) {
      return new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, [resolve, reject]);
        worker.postMessage({ id, op, a, b, c }, a instanceof Uint8Array ? [a.buffer] : []);
      });
    },
  };
}

/** Loads the module next to `base` (the URL persona.wasm came from): in a worker if one starts. */
export async function start(base: string | URL): Promise<SearchEngine> {
  const here = new URL(base, location.href);
  const remote = await workerBackend(here);
  if (remote) return new SearchEngine(remote);
  await initWasm({ module_or_path: new URL("persona-search.wasm", here) });
  const local = new Search();
  return new SearchEngine({ call: async (op, a, b, c) => local.call(op, a, b, c) });
}

/** The page's search engine. A fault inside the module switches it off: neutral answers. */
export class SearchEngine {
  #engine: Backend | null;
  #products = new Map<string, unknown>();
  #loading: Promise<unknown> = Promise.resolve();

  constructor(engine: Backend) {
    this.#engine = engine;
  }

  async #call(op: Op, a?: unknown, b?: string, c?: string): Promise<unknown> {
    const engine = this.#engine;
    if (!engine) return undefined;
    try {
      return await engine.call(op, a, b, c);
    } catch (e) {
      if (isPersonaError(e)) throw e;
      this.#engine = null;
      console.warn(`persona: search disabled after an internal error (${String(e)}) (internal)`);
      return undefined;
    }
  }

  /**
   * Indexes `catalog`, or loads the pre-built `options.index` for it (made by
   * `scripts/build-index.mjs` from the same catalog); resolves to the number of products.
   */
  load(catalog: Catalog, options?: LoadOptions): Promise<number> {
    const loading = this.#loading.then(async () => {
      const text = await catalogText(catalog);
      let products: unknown;
      try {
        products = JSON.parse(text);
      } catch {
        throw error("catalog_invalid", "persona: the catalog is not JSON");
      }
      const list = Array.isArray(products) ? products : (products as { products?: unknown[] } | null)?.products;
      if (!Array.isArray(list)) throw error("catalog_invalid", "persona: the catalog must be a list of products");
      let n: number | undefined;
      if (options?.index !== undefined) {
        n = (await this.#call(Op.LoadIndex, await indexBytes(options.index))) as number | undefined;
      } else {
        const { index: _, ...rest } = options ?? {};
        n = (await this.#call(Op.Load, new TextEncoder().encode(text), json(rest))) as number | undefined;
      }
      if (n === undefined) return 0;
      // Hits name products by id; the shop's own objects go back with them.
      this.#products = new Map(list.map((p) => [String((p as { id?: unknown } | null)?.id), p]));
      return n;
    });
    this.#loading = loading.catch(() => undefined);
    return loading;
  }

  /** Searches the loaded catalog (waits for a load in progress). */
  async search<P>(query: string, options: SearchOptions | undefined, snapshot: unknown): Promise<SearchResults<P>> {
    await this.#loading;
    const q = typeof query === "string" ? query : "";
    const found = (await this.#call(Op.Search, q, json(options), json(snapshot))) as
      | (Omit<SearchResults<P>, "hits"> & { hits: { id: string; score: number; typos: number }[] })
      | undefined;
    const ready = this.#products.size > 0 && this.#engine !== null;
    if (!found || !ready) return { query: q, total: 0, hits: [], facets: { brand: [], category: [] }, ready: false };
    const hits = found.hits.map(({ id, score, typos }) => ({ id, score, typos, product: this.#products.get(id) as P }));
    return { query: q, total: found.total, hits, facets: found.facets ?? { brand: [], category: [] }, ready };
  }

  /** The shop's `items` in the visitor's order (the same objects, none added or removed). */
  async rerank<T extends RerankItem>(items: T[], options: RerankOptions | undefined, snapshot: unknown): Promise<T[]> {
    if (!Array.isArray(items)) throw error("property_invalid", "persona: rerank needs an array of items");
    // Only what re-ranking reads crosses: the shop's objects may hold anything.
    const slim = items.map((it) =>
      it && typeof it === "object"
        ? { id: it.id, score: it.score, category: it.category, categories: it.categories, brand: it.brand, tags: it.tags, price: it.price }
        : null,
    );
    const order = (await this.#call(Op.Rerank, json(slim), json(options), json(snapshot))) as number[] | undefined;
    return order ? order.map((i) => items[i]) : items.slice();
  }

  #model?: Promise<unknown>;

  /**
   * Loads a recommendations model (URL or the model); a model that cannot be fetched or used is
   * set aside with a warning (on the console once, and in every result), never thrown.
   */
  loadModel(model: string | URL | object, options?: { maxAgeDays?: number }): Promise<ModelStatus> {
    const loading = (async () => {
      let bytes: Uint8Array | undefined;
      if (typeof model === "string" || model instanceof URL) {
        const response = await fetch(model, { credentials: "same-origin" }).catch(() => null);
        if (response?.ok) bytes = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
      } else if (model && typeof model === "object") {
        bytes = new TextEncoder().encode(JSON.stringify(model));
      }
      const status = (await this.#call(Op.LoadModel, bytes, json(options), String(Date.now()))) as ModelStatus | undefined;
      if (status?.warning) warnOnce(status.warning.code, `persona: ${status.warning.message}; recommending from content and popularity`);
      return status ?? { products: 0, found: 0, built_at: null, warning: null };
    })();
    this.#model = loading.catch(() => undefined);
    return loading;
  }

  /** Recommends (waits for a catalog and a model being loaded); `settings`: the init option. */
  async recommend<P>(options: RecommendOptions, snapshot: unknown, settings: RecommendSettings | undefined): Promise<Recommendations<P>> {
    if (settings?.model !== undefined && !this.#model) void this.loadModel(settings.model, { maxAgeDays: settings.maxAgeDays });
    await this.#loading;
    await this.#model;
    const given = options && typeof options === "object" ? options : ({} as RecommendOptions);
    const found = (await this.#call(Op.Recommend, json({ complements: settings?.complements, ...given }), json(snapshot))) as
      | (Omit<Recommendations<P>, "items" | "ready"> & { items: Omit<Recommendations<P>["items"][number], "product">[] })
      | undefined;
    const ready = this.#products.size > 0 && this.#engine !== null;
    if (found && !this.#products.size) warnOnce("catalog_missing", "persona: recommend needs a catalog: the catalog init option, or search.load(catalog)");
    if (!found || !ready) return { strategy: given.strategy, items: [], fallback: false, warnings: found?.warnings ?? [], ready: false };
    for (const w of found.warnings) if (w.code === "product_unknown") warnOnce(w.code, `persona: ${w.message}`);
    return { ...found, items: found.items.map((item) => ({ ...item, product: this.#products.get(item.id) as P })), ready };
  }

  /** Why `id` is where it is in the last search or re-ranking. */
  async explain(id: string | number): Promise<Explanation | null> {
    return ((await this.#call(Op.Explain, String(id))) as Explanation | null | undefined) ?? null;
  }
}

/** The catalog's JSON text: fetched, or written from the products given; capped before parsing. */
async function catalogText(catalog: Catalog): Promise<string> {
  let text: string;
  if (typeof catalog === "string" || catalog instanceof URL) {
    const response = await fetch(catalog).catch(() => null);
    if (!response?.ok) throw error("catalog_unavailable", `persona: the catalog could not be fetched (${response ? `HTTP ${response.status}` : "network error"})`);
    if (Number(response.headers.get("content-length")) > MAX_CATALOG_BYTES) throw tooLarge();
    text = await response.text();
  } else {
    text = JSON.stringify(catalog) ?? "";
  }
  if (text.length > MAX_CATALOG_BYTES) throw tooLarge();
  return text;
}

const tooLarge = () => error("catalog_too_large", "persona: the catalog is over the search caps");

/** A pre-built index's bytes: fetched from a URL, or given. */
async function indexBytes(index: NonNullable<LoadOptions["index"]>): Promise<Uint8Array> {
  if (typeof index === "string" || index instanceof URL) {
    const response = await fetch(index).catch(() => null);
    if (!response?.ok) throw error("catalog_unavailable", `persona: the search index could not be fetched (${response ? `HTTP ${response.status}` : "network error"})`);
    return new Uint8Array(await response.arrayBuffer());
  }
  // A copy: the bytes are handed to the worker by transfer, which would empty the shop's own.
  return index instanceof Uint8Array ? index.slice() : new Uint8Array(index).slice();
}

/** JSON text of a value the page gave (`""` for none); a value JSON cannot hold is `option_invalid`. */
function json(value: unknown): string {
  if (value === undefined || value === null) return "";
  try {
    return JSON.stringify(value);
  } catch {
    throw error("option_invalid", "persona: an option could not be read as JSON");
  }
}
