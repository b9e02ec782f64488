/** Public types of persona-sdk. */

/** Options for {@link Persona.init}. Only `collector.url` is required. */
export interface InitOptions {
  collector: CollectorOptions;
  /** Record a page view at init. Default `true`. */
  pageview?: boolean;
  /**
   * Automatic tracking; `false` switches it all off. `pageviews` (default `true`): a page view on
   * single-page-app navigation (`pushState`, `replaceState`, `popstate`, when the URL without its
   * fragment changes) and on back/forward-cache restores. `clicks` (default `true`): clicks on
   * elements annotated with `data-persona-event` or `data-persona-product-id` (plus
   * `data-persona-list`, `-position`, `-name`, `-brand`, `-category`, `-price`...). `searches`
   * (default `true`): submitting a form with an input marked `data-persona-search`, or pausing
   * while typing in it, is `Products Searched`; product clicks afterwards carry the `query`.
   * `clickSelector` (default `"a[href],area[href],button,[role=button],input[type=submit],input[type=button]"`,
   * every link and button): a CSS selector; a click on the nearest matching element that is
   * not inside an annotated one or a `[data-persona-ignore]` one is `Element Clicked` with `tag`,
   * `text` (at most 100 characters), `id`, and for links `href` (no fragment) and `outbound`.
   * `false` or `""` switches it off, as does `clicks: false`. A selector the browser rejects
   * fails `init` with `option_invalid` (`option: "clickSelector"`).
   */
  autotrack?: boolean | { pageviews?: boolean; clicks?: boolean; searches?: boolean; clickSelector?: string | false };
  /**
   * What the visitor allowed so far: one state for every category, or per category. Default
   * `"granted"`. With `"pending"` nothing is stored or sent until {@link ConsentApi.grant}.
   */
  consent?: ConsentState | Partial<Record<ConsentCategory, ConsentState>>;
  /** Treat Global Privacy Control as a denial of every category. Default `false`. */
  respectGpc?: boolean;
  /** Visitor profile tunables (see {@link ProfileOptions}). */
  profile?: ProfileOptions;
  /**
   * Segments, re-evaluated after every event over the profile attributes (see
   * {@link ProfileSnapshot}). A malformed condition fails `init` with `condition_invalid`.
   */
  segments?: SegmentDefinition[];
  /**
   * Largest accepted event in bytes of JSON. Default 32768, range 1024–32768. Larger events
   * are rejected with `event_too_large`.
   */
  maxEventBytes?: number;
  /** A session ends after this long without events, ms. Default 1800000 (30 min), range 60000–86400000. */
  sessionTimeoutMs?: number;
  /**
   * Where the WebAssembly module comes from: a URL (self-hosting), a `Response`, bytes or a
   * compiled `WebAssembly.Module`. Default: `persona.wasm` next to this module
   * (`new URL("./persona.wasm", import.meta.url)`).
   */
  wasm?: string | URL | Response | BufferSource | WebAssembly.Module;
  /**
   * The catalog for {@link Persona.search}: a URL of its JSON, or the products. Loaded after
   * init, in the background, with the search module (`persona-search.js` and
   * `persona-search.wasm`, next to `persona.wasm`). Same as calling `search.load(catalog)`.
   */
  catalog?: string | URL | CatalogProduct[] | { products: CatalogProduct[] };
  /**
   * Recommendations ({@link Persona.recommend}): the model's URL (the reference collector serves
   * it at `/v1/model`), the shop's complement rules, and the age after which a model is stale.
   * The model is fetched with the first `recommend` call.
   */
  recommend?: RecommendSettings;
}

/** The `recommend` init option. */
export interface RecommendSettings {
  /** The recommendations model: a URL, or the model itself (as `collector model` writes it). */
  model?: string | URL | object;
  /**
   * Category complement rules: a category and the categories that complete it, e.g.
   * `{consoles: ["games", "controllers"]}`. Used by `complementary` and `for_you`; once a visitor
   * bought in a category with a rule, its other products leave every strategy but `similar`.
   */
  complements?: Record<string, string[]>;
  /** Days after which the model is stale and set aside (`model_stale`). 1–3650, default 30. */
  maxAgeDays?: number;
}

/** Where and how events are delivered. */
export interface CollectorOptions {
  /** An absolute `http(s)://` URL or a same-origin path such as `/v1/batch`. */
  url: string;
  /**
   * Wire format. `"segment"` (default): `{batch, sentAt}` for Segment, RudderStack, Jitsu and
   * persona's collector (`/v1/batch`). `"native"`: persona's `{v: 1, events, sentAt}` (persona's
   * collector: `/v1/events`). `"snowplow"`: Snowplow's tracker protocol, payload_data 1-0-4
   * (`url` is then the collector's `/com.snowplowanalytics.snowplow/tp2` endpoint).
   */
  format?: "segment" | "native" | "snowplow";
  /**
   * Write key of the source. Sent inside the body (`writeKey`), or as
   * `Authorization: Basic base64(key + ":")` with `contentType: "application/json"` and with the
   * Snowplow format. 1–256 characters.
   */
  writeKey?: string;
  /**
   * `"text/plain"` (default): no CORS preflight for a collector on another origin.
   * `"application/json"`: a JSON content type, for collectors that insist on one.
   */
  contentType?: "text/plain" | "application/json";
  /** Snowplow application id (`aid`). */
  appId?: string;
  /**
   * Anything else: receives each batch, as the configured format would send it, and returns the
   * body to POST to `url` instead (a string, or a value sent as JSON), `null`/`undefined` to skip
   * the batch, or a promise of either. If it throws, the batch is kept and retried with backoff
   * (warning `transform_failed`). While the page unloads only a synchronous transform is sure to run.
   */
  transform?: Transform;
  /** Events per request. Default 20, range 1–100. */
  batchSize?: number;
  /** Longest wait for companions before a partial batch leaves, ms. Default 1000, range 0–60000. */
  flushIntervalMs?: number;
  /** Most events kept while the collector is unreachable (oldest dropped first). Default 1000, range 10–10000. */
  maxQueue?: number;
  /** Most bytes of queued events kept (oldest dropped first). Default 524288, range 32768–4194304. */
  maxQueueBytes?: number;
  /** First retry delay after a failure, ms; doubles per attempt with jitter. Default 1000, range 100–60000. */
  retryBaseMs?: number;
  /** Longest retry delay, ms. Default 60000, range 1000–3600000. */
  retryMaxMs?: number;
}

/** See {@link CollectorOptions.transform}. */
export type Transform = (batch: Record<string, unknown>) => unknown;

/** A consent answer. */
export type ConsentState = "pending" | "granted" | "denied";

/** Consent categories: `analytics` (sending events) and `personalization` (a profile on the device). */
export type ConsentCategory = "analytics" | "personalization";

/** `persona.consent`: record the visitor's answer from your consent banner. */
export interface ConsentApi {
  /** Allows the categories (all when omitted): stores and sends what was waiting. */
  grant(categories?: ConsentCategory | ConsentCategory[]): void;
  /** Refuses the categories (all when omitted): drops what was waiting; erases persona's keys once nothing is granted. */
  deny(categories?: ConsentCategory | ConsentCategory[]): void;
  /** The current answer per category, or `null` when degraded. */
  state(): Record<ConsentCategory, ConsentState> | null;
}

/** JSON-compatible values accepted in event properties. */
export type JsonValue = string | number | boolean | null | Date | JsonValue[] | { [key: string]: JsonValue | undefined };

/** Event properties: a plain object of JSON-compatible values. */
export type Properties = { [key: string]: JsonValue | undefined };

/** The stable codes of {@link PersonaError}. */
export type ErrorCode =
  | "config_invalid"
  | "collector_missing"
  | "collector_url_invalid"
  | "option_invalid"
  | "event_name_invalid"
  | "properties_invalid"
  | "property_missing"
  | "property_invalid"
  | "event_too_large"
  | "storage_unavailable"
  | "storage_full"
  | "storage_corrupt"
  | "outbox_overflow"
  | "entropy_unavailable"
  | "batch_rejected"
  | "encode_failed"
  | "transform_failed"
  | "condition_invalid"
  | "catalog_invalid"
  | "catalog_duplicate_id"
  | "catalog_too_large"
  | "index_invalid"
  | "catalog_unavailable"
  | "wasm_unavailable"
  | "internal";

/** Every error persona reports: a real `Error` with a stable `code`. */
export interface PersonaError extends Error {
  name: "PersonaError";
  code: ErrorCode;
  /** The offending option, for `option_invalid`. */
  option?: string;
  /** The offending property, for `property_missing` and `property_invalid`. */
  property?: string;
}

/** Profile tunables. */
export interface ProfileOptions {
  /** Days for an affinity score to halve. Default 14, range 1/24–365. */
  halfLifeDays?: number;
  /** Multiplier for what the current session earned. Default 1.5, range 1–10. */
  sessionBoost?: number;
  /** Affinity weight per event: view 1, click 2, add (to cart) 5, purchase 10 by default; 0–100. */
  weights?: { view?: number; click?: number; add?: number; purchase?: number };
  /** Values kept per facet (highest scores). Default 20, range 1–100. */
  maxValues?: number;
  /** Entries kept per list (viewed, purchases, searches, counts). Default 20, range 1–100. */
  maxEntries?: number;
}

/** A GrowthBook-style condition (`{"affinity.category.consoles": {"$gte": 5}}`). */
export type Condition = Record<string, unknown>;

/** A segment: `key` is a-z, 0-9, `-`, `_` (at most 64). */
export interface SegmentDefinition {
  key: string;
  name?: string;
  condition: Condition;
}

/** What the device knows about the visitor, as conditions read it. A fresh copy per call. */
export interface ProfileSnapshot {
  /** `affinity.<facet>.<value>`: decayed score with the session boost (facets category, brand, tags, price_band). */
  affinity: Record<string, Record<string, number>>;
  viewed: { products: string[]; count: number };
  cart: { products: string[]; items: number };
  purchased: { products: string[]; categories: string[]; orders: number; revenue: number; days_since: number | null };
  searches: { queries: string[] };
  /** Events per name in snake_case (`product_viewed`), most recent names kept. */
  counts: Record<string, number>;
  session: { count: number; id: string };
  days_since_first_seen: number;
  /** The campaign of the latest visit that came through one (last touch). */
  campaign: Record<string, string>;
  /** The campaign of the first visit (first touch). */
  first_campaign: Record<string, string>;
  traits: Record<string, string | number | boolean>;
  user_id: string | null;
  device: { type: "mobile" | "tablet" | "desktop" };
  /** Keys of the segments the visitor is in. */
  segments: string[];
}

/** Data from the shop's other channels for {@link Persona.profile}`.import`. */
export interface ProfileImport {
  /** Merged as by `identify` (flat: strings, numbers, booleans; `null` removes one). */
  traits?: Record<string, string | number | boolean | null>;
  /** Orders from elsewhere (store, hotline); an `order_id` already known is skipped. */
  purchases?: {
    order_id: string;
    revenue?: number;
    /** When: ms since the epoch or ISO 8601 (default now). */
    at?: number | string;
    products: { product_id: string; category?: string; brand?: string; price?: number; tags?: string[] }[];
  }[];
  /** Totals per event name (`{"Hotline Contacted": 2}`); the larger of stored and given wins. */
  counts?: Record<string, number>;
}

/** The profile API: call it for a snapshot; `import` merges data from other channels. */
export interface ProfileApi {
  (): ProfileSnapshot | null;
  /** Throws `properties_invalid`, `property_invalid` or `property_missing`; nothing is merged then. */
  import(data: ProfileImport): void;
}

/** A next-best-action candidate. */
export interface Candidate {
  id: string;
  /** Eligible only when the visitor's attributes (segments included) satisfy it. */
  condition?: Condition;
  /** Never chosen for a visitor in any of these segments. */
  exclude?: string[];
  /** Facet values the candidate is about (`{category: "consoles"}`): the visitor's affinities raise its score. */
  facets?: Record<string, string>;
  /** Base weight, 0–100. Default 1. Score = weight × (1 + affinities). */
  weight?: number;
}

/** The choice for a slot and why. */
export interface Decision {
  slot: string;
  choice: string | null;
  explanation: ({ id: string; eligible: true; reason: "scored"; score: number } | { id: string; eligible: false; reason: string })[];
}

/** Segment membership changed. */
export interface SegmentsDetail {
  segments: string[];
  entered: string[];
  exited: string[];
}

/** An event as it is sent to the collector (Segment-spec shape). */
export interface WireEvent {
  type: "track" | "page" | "identify";
  /** The user's traits, for `identify`. */
  traits?: Record<string, unknown>;
  /** The event name, for `track`. */
  event?: string;
  messageId: string;
  anonymousId: string;
  userId: string | null;
  originalTimestamp: string;
  properties: Record<string, unknown>;
  context: {
    page: { url: string; path: string; search: string; title: string; referrer: string };
    library: { name: "persona"; version: string };
    consent: { categoryPreferences: Record<ConsentCategory, boolean> };
    session: { id: string; number: number; landing_page: string; referrer: string };
    locale?: string;
    timezone?: string;
    campaign?: { source?: string; medium?: string; name?: string; term?: string; content?: string };
  };
}

/** Outcome of one delivery request. */
export interface SentDetail {
  /** HTTP status; 0 when the request got no response. */
  status: number;
  count: number;
  messageIds: string[];
}

/** Notifications from {@link Persona.on}; each is also dispatched on `window` as `persona:<kind>`. */
export interface PersonaEvents {
  event: WireEvent;
  sent: SentDetail;
  warning: PersonaError;
  segments: SegmentsDetail;
}

/** A command for the script-tag queue: `["track", name, props]`, or a function called with the API. */
export type Command = [string, ...unknown[]] | ((persona: unknown) => void);

/**
 * A product of the search catalog. Other fields are kept and handed back with each hit.
 * A product without `id` or `name`, or with a field of the wrong type, makes the whole catalog
 * `catalog_invalid` (the error's `property` names the field, `index` the product); a repeated id
 * is `catalog_duplicate_id`. At most 100,000 products and 32 MiB of JSON (`catalog_too_large`);
 * each field's first 8 KiB of text is indexed.
 */
export interface CatalogProduct {
  id: string | number;
  name: string;
  brand?: string;
  /** Broadest first (`["Cell Phones", "Unlocked"]`); `category` (one string) is accepted too. */
  categories?: string[] | string;
  category?: string;
  tags?: string[] | string;
  description?: string;
  price?: number;
  /** Default `true`; `stock: 0` also means out of stock. */
  in_stock?: boolean;
  stock?: number;
  /** Any scale, higher is more popular: the last tie-breaker between equally relevant products. */
  popularity?: number;
  [field: string]: unknown;
}

/** Personal order, for {@link Persona.rerank} and {@link Persona.search}. */
export interface PersonalOptions {
  /** How much the visitor's affinities move items: 0 (the given order, exactly) to 100. Default 50 for `rerank`, 30 for `search`. */
  impact?: number;
  /** `false` is `impact: 0`. Default `true`. */
  personalize?: boolean;
  /** Extra weight of this visit's interest over the visitor's history, 0–10. Default 1. */
  sessionBoost?: number;
  /** At most `max` (default 2) items per value of `facet` (default `"brand"`; or `"category"`, `"tags"`, `"price_band"`) in the first `within` (default 10) places. Nothing is removed: the others follow. */
  diversity?: { facet?: "brand" | "category" | "tags" | "price_band"; max?: number; within?: number };
}

/** An item of the shop's own result list for {@link Persona.rerank}. Other fields are kept. */
export interface RerankItem {
  id: string | number;
  /** The shop's relevance score; without it, the list's order is its relevance. */
  score?: number;
  category?: string | string[];
  categories?: string[];
  brand?: string;
  tags?: string | string[];
  price?: number;
  [field: string]: unknown;
}

/** Options of {@link Persona.rerank}. */
export interface RerankOptions extends PersonalOptions {
  /** The query the list answers: a product the visitor clicked after the same query comes first. */
  query?: string;
}

/** Options of {@link Persona.search}. */
export interface SearchOptions extends PersonalOptions {
  /** Hits returned. Default 10, range 1–1000. */
  limit?: number;
  /** Prefix matching of the last word while typing. Default `true`. */
  prefix?: boolean;
  /** Typo tolerance: one edit from 4 characters, two from 8. Default `true`. */
  typos?: boolean;
  /** Values counted per facet. Default 10, range 0–100. */
  facets?: number;
  filters?: {
    category?: string | string[];
    brand?: string | string[];
    price?: { min?: number; max?: number };
    inStock?: boolean;
  };
}

/** One product found. */
export interface SearchHit<P = CatalogProduct> {
  id: string;
  /** Text relevance (BM25F). */
  score: number;
  /** Typos the match needed. */
  typos: number;
  /** The catalog's product object. */
  product: P;
}

/** What {@link Persona.search} found. */
export interface SearchResults<P = CatalogProduct> {
  query: string;
  /** Products matching (before `limit`). */
  total: number;
  hits: SearchHit<P>[];
  facets: { brand: { value: string; count: number }[]; category: { value: string; count: number }[] };
  /**
   * False when persona could not search: no catalog loaded yet, or the search module could not
   * load. The shop can then answer with its own search.
   */
  ready: boolean;
}

/** Why an item is where it is ({@link Persona.qa}`.explain`). */
export interface Explanation {
  id: string;
  /** Position in the given (or text-relevance) order. */
  from: number;
  /** Position returned. */
  to: number;
  relevance: number;
  personal: number;
  blended: number;
  /** Clicked after the same query before. */
  learned: boolean;
  /** Moved down by the diversity rule. */
  held_back: boolean;
  reasons: { facet: string; value: string; affinity: number; session: number }[];
  query: string;
}

/** Options of {@link SearchApi}`.load`. */
export interface SearchLoadOptions {
  /**
   * A pre-built index of the same catalog (`node scripts/build-index.mjs catalog.json
   * catalog.idx`), as a URL or bytes: loaded instead of indexing in the browser. A damaged or
   * foreign file is `index_invalid`.
   */
  index?: string | URL | ArrayBuffer | Uint8Array;
  /** Field weights, 0–10 each. Defaults name 3, brand 2, categories 1.5, tags 1.5, description 0.5. */
  boosts?: { name?: number; brand?: number; categories?: number; tags?: number; description?: number };
}

/** {@link Persona.search}: call it to search; `load` replaces the catalog. */
export interface SearchApi {
  <P = CatalogProduct>(query: string, options?: SearchOptions): Promise<SearchResults<P>>;
  /**
   * Indexes a catalog (URL, products, or `{products}`), or loads its pre-built index; resolves
   * to the number of products. Rejects with `catalog_invalid` (`property` names the field,
   * `index` the product), `catalog_duplicate_id`, `catalog_too_large` or `index_invalid`; the
   * catalog loaded before stays.
   */
  load(catalog: string | URL | CatalogProduct[] | { products: CatalogProduct[] }, options?: SearchLoadOptions): Promise<number>;
}

/** The recommendation strategies. */
export type RecommendStrategy =
  | "recently_viewed"
  | "similar"
  | "bought_together"
  | "viewed_together"
  | "complementary"
  | "trending"
  | "for_you";

/** Which products a recommendation may show: any field given must match (`include`) or must not (`exclude`). */
export interface RecommendMatch {
  category?: string | string[];
  brand?: string | string[];
  tags?: string | string[];
  ids?: string | number | (string | number)[];
  price?: { min?: number; max?: number };
}

/** Options of {@link Persona.recommend}. */
export interface RecommendOptions {
  strategy: RecommendStrategy;
  /** The product the recommendations go with (a product page's). */
  product_id?: string | number;
  /** Items returned, 1–100. Default 10. */
  limit?: number;
  filters?: {
    /** Leave out products not in stock. Default true. */
    inStock?: boolean;
    /** Leave out what the visitor bought. Default true. */
    excludePurchased?: boolean;
    /** Leave out what is in the cart. Default true. */
    excludeCart?: boolean;
    include?: RecommendMatch;
    exclude?: RecommendMatch;
  };
  /** Products shown first, in this order. */
  pinned?: (string | number)[];
  /** Complement rules for this call (default: the `recommend.complements` init option). */
  complements?: Record<string, string[]>;
  /** Viewed products `for_you` starts from, 1–20. Default 5. */
  recent?: number;
}

/** Why persona recommends an item: the strategy part that scored it most, or pinned, affinity, popular. */
export type RecommendReason = Exclude<RecommendStrategy, "for_you"> | "pinned" | "affinity" | "popular";

/** A warning a recommendation result carries: the model is set aside, or the product unknown. */
export interface RecommendWarning {
  code: "model_unavailable" | "model_invalid" | "model_stale" | "model_mismatch" | "product_unknown";
  message: string;
}

/** What {@link Persona.recommend} resolves to. */
export interface Recommendations<P = CatalogProduct> {
  strategy: RecommendStrategy;
  items: {
    id: string;
    /** The catalog's product object. */
    product: P;
    score: number;
    reason: RecommendReason;
    /** The product this one came from (a viewed, bought or anchor product), if any. */
    because: string | null;
  }[];
  /** True when popularity filled part of the list. */
  fallback: boolean;
  warnings: RecommendWarning[];
  /** False when persona could not recommend: no catalog loaded, or the search module could not load. */
  ready: boolean;
}

/** {@link Persona.recommend}: call it to recommend; `load` replaces the model. */
export interface RecommendApi {
  <P = CatalogProduct>(options: RecommendOptions): Promise<Recommendations<P>>;
  /**
   * Loads a recommendations model (URL or the model); resolves to `{products, found, built_at,
   * warning}`. A model that cannot be used is set aside with its warning, never thrown.
   */
  load(model: string | URL | object, options?: { maxAgeDays?: number }): Promise<ModelStatus>;
}

/** What loading a recommendations model found. */
export interface ModelStatus {
  /** Products in the model (0 when set aside). */
  products: number;
  /** Of those, the products in the loaded catalog. */
  found: number;
  built_at: number | null;
  warning: RecommendWarning | null;
}
