/**
 * persona-sdk: on-device personalization for online shops.
 *
 * ```ts
 * import { Persona } from "persona-sdk";
 * const p = await Persona.init({ collector: { url: "/v1/batch" } });
 * p.track("Product Viewed", { product_id: "sku-1", price: 499 });
 * ```
 *
 * This wrapper is thin: it loads the WebAssembly module once, forwards calls to it, and turns
 * its notifications into `on()` callbacks and `persona:*` DOM events. Every decision is made in
 * Rust. If the module cannot load, the API keeps working and does nothing ("degraded").
 */
import initWasm, { Persona as WasmPersona } from "../pkg/persona.js";
import type { SearchEngine } from "./search.js";
import type {
  Candidate,
  Command,
  ConsentApi,
  ConsentCategory,
  Decision,
  ErrorCode,
  Explanation,
  InitOptions,
  PersonaError,
  PersonaEvents,
  ProfileApi,
  ProfileImport,
  ProfileSnapshot,
  Properties,
  RecommendApi,
  RecommendOptions,
  RecommendSettings,
  RerankItem,
  RerankOptions,
  SearchApi,
  Transform,
  WireEvent,
} from "./types.js";

export type * from "./types.js";

/**
 * The engine's operations, run as `engine.call(op, a?, b?)`: one wasm export instead of one per
 * method keeps the module and its glue small. The numbers are `op` in `src/bindings.rs` (the
 * browser tests compare the two); esbuild inlines them.
 */
const enum Op {
  Start = 0,
  Track = 1,
  Page = 2,
  Identify = 3,
  Reset = 4,
  Profile = 5,
  ImportProfile = 6,
  Segments = 7,
  InSegment = 8,
  Decide = 9,
  AnonymousId = 10,
  Navigated = 11,
  Clicked = 12,
  ClickSelector = 13,
  ElementClicked = 14,
  Searched = 15,
  Consent = 16,
  SetConsent = 17,
  TabId = 18,
  Reclaim = 19,
  Forget = 20,
  Pending = 21,
  Flush = 22,
  Shutdown = 23,
  SetListener = 24,
  SetTransform = 25,
}

/** The engine as this wrapper uses it: `call` runs an {@link Op}; unused arguments are left out. */
interface Engine {
  call(op: Op, a?: unknown, b?: unknown): unknown;
}

type Listener<K extends keyof PersonaEvents> = (detail: PersonaEvents[K]) => void;

let wasmLoad: Promise<boolean> | undefined;
let current: Promise<Persona> | undefined;
const warned = new Set<string>();

function warnOnce(code: string, error: unknown): void {
  if (warned.has(code)) return;
  warned.add(code);
  try {
    console.warn(error instanceof Error ? error.message : String(error), `(${code})`);
  } catch {
    /* a console that throws must not break the page */
  }
}

/** Creates a {@link PersonaError}. */
function personaError(code: ErrorCode, message: string): PersonaError {
  const e = new Error(message) as PersonaError;
  e.name = "PersonaError";
  e.code = code;
  return e;
}

function isPersonaError(e: unknown): e is PersonaError {
  return e instanceof Error && e.name === "PersonaError" && typeof (e as PersonaError).code === "string";
}

/** Where `persona.wasm` came from: the QA panel's chunk sits next to it. */
let moduleUrl: string | URL = "persona.wasm";

/** Loads and instantiates the module once per page, whatever the number of `init` calls. */
function loadWasm(source: InitOptions["wasm"]): Promise<boolean> {
  if (!wasmLoad) {
    let module_or_path = source;
    if (module_or_path === undefined) {
      try {
        module_or_path = new URL("./persona.wasm", import.meta.url);
      } catch {
        module_or_path = "persona.wasm";
      }
    }
    if (typeof module_or_path === "string" || module_or_path instanceof URL) moduleUrl = module_or_path;
    wasmLoad = initWasm({ module_or_path }).then(
      () => true,
      (error: unknown) => {
        warnOnce("wasm_unavailable", personaError("wasm_unavailable", `persona: the WebAssembly module could not be loaded; running without personalization (${String(error)})`));
        return false;
      },
    );
  }
  return wasmLoad;
}

/** The options the engine validates, and the `collector.transform` function it cannot take as
 * data. A transform that is not a function stays in the options, where it is `option_invalid`. */
function engineOptions(options: InitOptions, tabId: string | undefined): [unknown, Transform | undefined] {
  if (options === null || typeof options !== "object" || Array.isArray(options)) return [options, undefined];
  const { wasm: _wasm, catalog: _catalog, recommend: _recommend, ...given } = options;
  const rest = { ...given, tabId };
  const collector = rest.collector;
  if (collector && typeof collector === "object" && typeof collector.transform === "function") {
    const { transform, ...data } = collector;
    return [{ ...rest, collector: data }, transform];
  }
  return [rest, undefined];
}

/** A persona instance. Get one with {@link Persona.init}. */
export class Persona {
  #engine: Engine | null;
  #listeners = new Map<keyof PersonaEvents, Set<(detail: never) => void>>();

  private constructor(engine: Engine | null) {
    this.#engine = engine;
  }

  /**
   * Loads the module (once) and starts persona. Calling it again returns the same instance.
   * Rejects with a {@link PersonaError} when the options are invalid (`collector_missing`,
   * `collector_url_invalid`, `option_invalid`, `config_invalid`). If the module cannot be
   * loaded, resolves to a degraded instance (see {@link Persona.degraded}).
   */
  static init(options: InitOptions): Promise<Persona> {
    if (current) return current;
    const starting = (async () => {
      // The tab's Web Lock is asked for while the module loads, so that init does not wait for
      // the grant after the module is up (on the way to the first decision).
      const tab = newTabId();
      const locks = webLocks();
      const held = locks && tab ? holdTabLock(locks, tab) : undefined;
      const loaded = await loadWasm(options?.wasm);
      if (!loaded) return new Persona(null);
      const [engineOpts, transform] = engineOptions(options, tab);
      const engine: Engine = new WasmPersona(engineOpts); // throws PersonaError on bad options
      if (transform) engine.call(Op.SetTransform, transform);
      const persona = new Persona(engine);
      engine.call(Op.SetListener, (kind: keyof PersonaEvents | "fault", detail: never) =>
        kind === "fault" ? persona.#fault(detail) : persona.#dispatch(kind, detail),
      );
      if (locks) await (held ?? holdTabLock(locks, engine.call(Op.TabId) as string));
      engine.call(Op.Start);
      persona.#watchNavigation();
      persona.#watchClicks();
      persona.#watchSearches();
      void persona.#reclaim(locks);
      if (options.catalog) persona.search.load(options.catalog).catch((error: unknown) => warnOnce("catalog_unavailable", error));
      persona.#recommending = options.recommend;
      if (/[?&]persona_debug=1(&|$)/.test(location.search)) void persona.qa.panel();
      return persona;
    })();
    current = starting;
    starting.catch(() => {
      if (current === starting) current = undefined; // a corrected init may try again
    });
    return starting;
  }

  /** A Persona that does nothing, for pages where persona could not start. */
  static disabled(): Persona {
    return new Persona(null);
  }

  /** QA tools: `qa.panel()` opens an overlay with the visitor's ids, consent, segments, profile
   * and this page's events, loaded on demand from `persona-panel.js` next to `persona.wasm` (also
   * opened by `?persona_debug=1` in the page URL). */
  readonly qa = {
    panel: (): Promise<void> =>
      chunk("persona-panel.js")
        .then((chunk: { mount(p: Persona): unknown }) => void chunk.mount(this))
        .catch((error: unknown) => warnOnce("panel_unavailable", error)),
    /** Why item `id` is where it is in the last search or re-ranking (`null` when it was not in it). */
    explain: (id: string | number): Promise<Explanation | null> => this.#search().then((s) => (s ? s.explain(id) : null)),
  };

  #searching?: Promise<SearchEngine | null>;

  /** The search chunk, loaded once; `null` when it cannot load (searches then find nothing). */
  #search(): Promise<SearchEngine | null> {
    return (this.#searching ??= chunk("persona-search.js")
      .then((c: typeof import("./search.js")) => c.start(moduleUrl))
      .catch((error: unknown) => (warnOnce("search_unavailable", error), null)));
  }

  /**
   * Local search over the catalog (see {@link SearchApi}): prefix matching, typo tolerance, BM25F,
   * filters and facets, in the visitor's order. Finds nothing until a catalog is loaded, or when
   * the search module cannot load. Rejects with `option_invalid` for bad options.
   */
  readonly search: SearchApi = Object.assign(
    (query: string, options?: Parameters<SearchApi>[1]) =>
      this.#search().then((s) => (s ? s.search(query, options, this.profile()) : { query, total: 0, hits: [], facets: { brand: [], category: [] }, ready: false })),
    { load: (...args: Parameters<SearchApi["load"]>) => this.#search().then((s) => (s ? s.load(...args) : 0)) },
  ) as SearchApi;

  /**
   * The shop's own result list in this visitor's order: the same items, none added or removed.
   * `impact: 0` (or no module) returns them as given. Rejects with `property_invalid` (not an
   * array, an item without `id`) or `option_invalid`.
   */
  rerank<T extends RerankItem>(items: T[], options?: RerankOptions): Promise<T[]> {
    return this.#search().then((s) => (s ? s.rerank(items, options, this.profile()) : items.slice()));
  }

  #recommending?: RecommendSettings;

  /**
   * Recommendations from the loaded catalog, the visitor's profile and the model (the
   * `recommend.model` init option, fetched with the first call, or `recommend.load(model)`):
   * `recently_viewed`, `similar`, `bought_together`, `viewed_together`, `complementary`,
   * `trending`, `for_you`. Each item says why. Without a model, content similarity and popularity
   * stand in (with a warning); without a catalog or the module, no items and `ready: false`.
   * Rejects with `option_invalid` for bad options.
   */
  readonly recommend: RecommendApi = Object.assign(
    (options: RecommendOptions) =>
      this.#search().then((s) =>
        s ? s.recommend(options, this.profile(), this.#recommending) : { strategy: options?.strategy, items: [], fallback: false, warnings: [], ready: false },
      ),
    { load: (...args: Parameters<RecommendApi["load"]>) => this.#search().then((s) => (s ? s.loadModel(...args) : { products: 0, found: 0, built_at: null, warning: null })) },
  ) as RecommendApi;

  /** True when running without the WebAssembly module: calls are accepted and do nothing. */
  get degraded(): boolean {
    return this.#engine === null;
  }

  /**
   * Records an event (Segment Ecommerce v2 names such as `"Product Viewed"`) and returns it as it
   * will be sent. Throws a {@link PersonaError} for a bad name (`event_name_invalid`), properties
   * that are not a plain JSON object (`properties_invalid`) or an oversized event
   * (`event_too_large`); then nothing is enqueued. Returns `null` when degraded.
   */
  track(name: string, properties?: Properties): WireEvent | null {
    return this.#call((e) => e.call(Op.Track, name, properties) as WireEvent, null);
  }

  /** Records a page view (done automatically at init unless `pageview: false`). */
  page(properties?: Properties): WireEvent | null {
    return this.#call((e) => e.call(Op.Page, properties) as WireEvent, null);
  }

  /**
   * The visitor logged in: later events carry `userId`, `traits` join the profile, and an
   * `identify` event goes to the collector. The anonymous history stays. Throws
   * `property_invalid` for an empty id or nested traits.
   */
  identify(userId: string, traits?: Record<string, string | number | boolean | null>): WireEvent | null {
    return this.#call((e) => e.call(Op.Identify, userId, traits) as WireEvent, null);
  }

  /** The visitor logged out: a new anonymous id; the profile, user id and traits are forgotten. */
  reset(): void {
    this.#call((e) => e.call(Op.Reset), undefined);
  }

  /**
   * The visitor profile: `p.profile()` returns a read-only snapshot (`null` when degraded),
   * `p.profile.import(data)` merges what the shop knows from other channels.
   */
  readonly profile: ProfileApi = Object.assign(() => this.#call((e) => e.call(Op.Profile) as ProfileSnapshot, null), {
    import: (data: ProfileImport) => this.#call((e) => e.call(Op.ImportProfile, data), undefined),
  });

  /** Keys of the segments the visitor is in (`[]` when degraded). */
  segments(): string[] {
    return this.#call((e) => e.call(Op.Segments) as string[], []);
  }

  /** True when the visitor is in segment `key`. */
  inSegment(key: string): boolean {
    return this.#call((e) => e.call(Op.InSegment, String(key)) as boolean, false);
  }

  /**
   * The next best action for `slot`: the eligible candidate with the highest weight × (1 +
   * the visitor's affinity for its facets), and why each candidate won or lost.
   */
  decide(slot: string, candidates: Candidate[]): Decision {
    return this.#call((e) => e.call(Op.Decide, String(slot), candidates) as Decision, { slot, choice: null, explanation: [] });
  }

  /** The visitor's anonymous id (UUID v4), or `null` when degraded. */
  anonymousId(): string | null {
    return this.#call((e) => e.call(Op.AnonymousId) as string, null);
  }

  /** Events recorded and not yet acknowledged by the collector. */
  pending(): number {
    return this.#call((e) => e.call(Op.Pending) as number, 0);
  }

  /** Sends queued events now instead of waiting for the flush interval. */
  flush(): void {
    this.#call((e) => e.call(Op.Flush), undefined);
  }

  /**
   * The visitor's consent. Call `grant()` / `deny()` from your consent banner; throws
   * `option_invalid` for an unknown category.
   */
  readonly consent: ConsentApi = {
    grant: (categories?: ConsentCategory | ConsentCategory[]) => this.#call((e) => e.call(Op.SetConsent, "granted", categories), undefined),
    deny: (categories?: ConsentCategory | ConsentCategory[]) => this.#call((e) => e.call(Op.SetConsent, "denied", categories), undefined),
    state: () => this.#call((e) => e.call(Op.Consent) as ReturnType<ConsentApi["state"]>, null),
  };

  /**
   * Erases the visitor: every key persona wrote, queued events, the anonymous id. Nothing is
   * stored or sent afterwards until consent is granted again.
   */
  forget(): void {
    this.#call((e) => e.call(Op.Forget), undefined);
  }

  /** Subscribes to notifications; returns the unsubscribe function. */
  on<K extends keyof PersonaEvents>(kind: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(kind);
    if (!set) this.#listeners.set(kind, (set = new Set()));
    const listeners = set;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  /**
   * Runs a script-tag queue command: `["track", name, props]`, `["page", props]`,
   * `["identify", userId, traits]`, `["reset"]`, `["flush"]`, `["forget"]`, `["consent", "grant" | "deny", categories?]`, or a function called with this
   * instance. Never throws; problems are logged as warnings.
   */
  push(...commands: Command[]): number {
    for (const command of commands) {
      try {
        if (typeof command === "function") {
          command(this);
        } else if (Array.isArray(command) && command[0] === "consent" && (command[1] === "grant" || command[1] === "deny")) {
          this.consent[command[1]](command[2] as ConsentCategory[] | undefined);
        } else if (Array.isArray(command) && typeof command[0] === "string" && QUEUE_METHODS.has(command[0])) {
          const method = (this as unknown as Record<string, (...args: unknown[]) => unknown>)[command[0]];
          method.apply(this, command.slice(1));
        } else {
          warnOnce("unknown_command", personaError("config_invalid", `persona: unknown queue command ${JSON.stringify(command)}`));
        }
      } catch (error) {
        warnOnce(isPersonaError(error) ? error.code : "command_failed", error);
      }
    }
    return 0;
  }

  #call<T>(f: (engine: Engine) => T, fallback: T): T {
    const engine = this.#engine;
    if (!engine) return fallback;
    try {
      return f(engine);
    } catch (error) {
      if (isPersonaError(error)) throw error;
      this.#fault(error);
      return fallback;
    }
  }

  /**
   * Takes over the outboxes of tabs that are gone: the tabs alive are those whose
   * `persona-tab:<id>` lock is held; `persona-reclaim` keeps two tabs from doing it at once.
   */
  async #reclaim(locks: LockManager | undefined): Promise<void> {
    try {
      if (!locks) {
        this.#call((e) => e.call(Op.Reclaim), undefined);
        return;
      }
      await locks.request(RECLAIM_LOCK, async () => {
        const held = (await locks.query()).held ?? [];
        const live = held.map((l) => l.name ?? "").filter((n) => n.startsWith(TAB_LOCK)).map((n) => n.slice(TAB_LOCK.length));
        this.#call((e) => e.call(Op.Reclaim, live), undefined);
      });
    } catch (error) {
      warnOnce("reclaim_failed", error);
    }
  }

  /**
   * Single-page apps and the back/forward cache change the page without a load: tell the engine
   * (it decides whether that is a page view). `pushState`/`replaceState` are wrapped, never
   * replaced: the original always runs, whatever persona does.
   */
  #watchNavigation(): void {
    const notify = (restored: boolean) => {
      // A tick later: routers usually update the title right after changing the URL.
      setTimeout(() => this.#call((e) => e.call(Op.Navigated, restored), undefined), 0);
    };
    try {
      for (const method of ["pushState", "replaceState"] as const) {
        const original = history[method];
        history[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
          const result = original.apply(this, args);
          notify(false);
          return result;
        };
      }
      addEventListener("popstate", () => notify(false));
      addEventListener("pageshow", (e) => {
        if ((e as PageTransitionEvent).persisted) notify(true);
      });
    } catch (error) {
      warnOnce("navigation_unwatched", error);
    }
  }

  /**
   * Clicks. On an element annotated with `data-persona-event` or `data-persona-product-id`: its
   * `data-persona-*` attributes go to the engine, which decides the event. Otherwise, on the
   * nearest element matching `autotrack.clickSelector` (links and buttons by default) that is not
   * inside `[data-persona-ignore]`: what {@link describe} reads off it goes to the engine, which
   * builds `Element Clicked` (see `src/core/autotrack.rs`). Listens in the capture phase, so a
   * page that stops propagation or navigates at once still gets its click tracked; never
   * prevents anything.
   */
  #watchClicks(): void {
    const selector = this.#call((e) => e.call(Op.ClickSelector) as string | undefined, undefined); // validated by the engine
    try {
      addEventListener(
        "click",
        (event) => {
          try {
            const target = event.target instanceof Element ? event.target : null;
            const annotated = target?.closest<HTMLElement>("[data-persona-event],[data-persona-product-id]");
            if (annotated) {
              this.#call((e) => e.call(Op.Clicked, personaAttributes(annotated)), undefined);
              return;
            }
            const element = selector ? target?.closest(selector) : null;
            if (element && !element.closest("[data-persona-ignore]")) {
              this.#call((e) => e.call(Op.ElementClicked, describe(element)), undefined);
            }
          } catch {
            /* a click must never fail because of persona */
          }
        },
        { capture: true, passive: true },
      );
    } catch (error) {
      warnOnce("clicks_unwatched", error);
    }
  }

  /**
   * Searches: submitting a form that holds an input marked `data-persona-search`, or pausing
   * while typing in such an input (instant-search boxes), hands the query to the engine, which
   * decides whether it is a new search.
   */
  #watchSearches(): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const searched = (query: string) => this.#call((e) => e.call(Op.Searched, query), undefined);
    try {
      addEventListener(
        "submit",
        (event) => {
          try {
            const form = event.target instanceof HTMLFormElement ? event.target : null;
            const input = form?.querySelector<HTMLInputElement>("[data-persona-search]");
            if (!input) return;
            clearTimeout(timer);
            searched(input.value);
          } catch {
            /* never in the way of a submit */
          }
        },
        { capture: true },
      );
      addEventListener(
        "input",
        (event) => {
          const input = event.target instanceof HTMLInputElement ? event.target : null;
          if (!input?.hasAttribute("data-persona-search")) return;
          clearTimeout(timer);
          timer = setTimeout(() => searched(input.value), SEARCH_PAUSE_MS);
        },
        { capture: true, passive: true },
      );
    } catch (error) {
      warnOnce("searches_unwatched", error);
    }
  }

  /** Something failed inside the module itself: stop using it, keep the page alive. */
  #fault(error: unknown): void {
    const engine = this.#engine;
    this.#engine = null;
    try {
      engine?.call(Op.Shutdown);
    } catch {
      /* a module that faulted may fault again; it is no longer used either way */
    }
    warnOnce("internal", personaError("internal", `persona: internal error, personalization disabled (${String(error)})`));
  }

  #dispatch<K extends keyof PersonaEvents>(kind: K, detail: PersonaEvents[K]): void {
    if (kind === "warning") warnOnce((detail as PersonaError).code, detail);
    for (const listener of this.#listeners.get(kind) ?? []) {
      try {
        (listener as Listener<K>)(detail);
      } catch {
        /* a failing listener must not stop the others or persona */
      }
    }
    try {
      if (typeof window !== "undefined" && typeof CustomEvent === "function") {
        window.dispatchEvent(new CustomEvent(`persona:${kind}`, { detail }));
      }
    } catch {
      /* ignore */
    }
  }
}

const QUEUE_METHODS = new Set(["track", "page", "identify", "reset", "flush", "forget"]);

/** A pause this long (ms) while typing in a marked search input counts as a search. */
const SEARCH_PAUSE_MS = 800;

/** `data-persona-*` attributes whose values are numbers. */
const NUMERIC_ATTRIBUTES = new Set(["position", "price", "quantity"]);

/** An annotated element's `data-persona-*` attributes, prefix removed, numbers as numbers. */
function personaAttributes(element: HTMLElement): Record<string, string | number> {
  const attributes: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(element.dataset)) {
    if (!key.startsWith("persona") || key.length === 7 || value === undefined) continue;
    const name = key[7].toLowerCase() + key.slice(8);
    const number = NUMERIC_ATTRIBUTES.has(name) && value.trim() !== "" ? Number(value) : NaN;
    attributes[name] = Number.isFinite(number) ? number : value;
  }
  return attributes;
}

/**
 * What an `Element Clicked` event is made of: tag, id, label candidates in order of preference
 * (text, `aria-label`, `title`, an image's `alt`, the caption of a form button) and, for links,
 * the `href` without fragment and credentials with the link's and the page's host names. Never
 * the value of a field the visitor types into.
 */
function describe(element: Element): Record<string, unknown> {
  const caption = element instanceof HTMLInputElement && /^(submit|button|reset)$/.test(element.type) ? element.value : null;
  const text = [
    element.textContent?.slice(0, 1000),
    element.getAttribute("aria-label"),
    element.getAttribute("title"),
    element.querySelector("img[alt]")?.getAttribute("alt"),
    caption,
  ];
  const description: Record<string, unknown> = { tag: element.localName, id: element.id, text };
  if (element instanceof HTMLAnchorElement || element instanceof HTMLAreaElement) {
    // The browser's URL parser: the link without fragment and credentials, and the host names
    // that tell an outbound link.
    try {
      const url = new URL(element.href);
      url.hash = url.username = url.password = "";
      Object.assign(description, { href: url.href, host: url.hostname, pageHost: location.hostname });
    } catch {
      // no usable href: a link without a destination
    }
  }
  return description;
}

/** Imports a chunk that sits next to `persona.wasm` (the QA panel, the search module). */
function chunk(file: string) {
  return import(/* webpackIgnore: true */ new URL(file, new URL(moduleUrl, location.href)).href);
}

const TAB_LOCK = "persona-tab:";
const RECLAIM_LOCK = "persona-reclaim";

/** A new tab id (16 hex characters), or undefined without `crypto` (persona then draws one). */
function newTabId(): string | undefined {
  try {
    return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  } catch {
    return undefined;
  }
}

function webLocks(): LockManager | undefined {
  try {
    return typeof navigator !== "undefined" && navigator.locks ? navigator.locks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Holds `persona-tab:<id>` for the page's life (released by the browser when the page goes), and
 * resolves once it is held, so that no other tab can see this tab's outbox without its lock.
 * Gives up waiting after a second: a browser that never grants it must not hold up persona.
 */
function holdTabLock(locks: LockManager, tab: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    locks
      .request(TAB_LOCK + tab, () => {
        clearTimeout(timer);
        resolve();
        return new Promise<void>(() => {});
      })
      .catch(() => resolve());
  });
}
