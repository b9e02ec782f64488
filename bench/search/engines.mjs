// The search engines compared, behind one interface, for bench/search-quality.mjs (Node) and
// bench/search-speed.mjs (the same code bundled for Chromium):
//   engine.build(products) → index        products: {id, name, brand, categories, description, price, popularity}
//   engine.search(index, query, limit) → ids, best first
// Every engine indexes the same fields with the same weights where it has weights (name 3,
// brand 2, categories 1.5, description 0.5; persona's defaults), and each is configured as its
// documentation suggests for a shop's search box: prefix matching of what is being typed and the
// typo tolerance it offers.
import MiniSearch from "minisearch";
import { Document, Index } from "flexsearch";
import { create, insertMultiple, search as oramaSearch } from "@orama/orama";

const BOOST = { name: 3, brand: 2, categories: 1.5, description: 0.5 };
const text = (p) => ({ ...p, categories: p.categories.join(" ") });

/** persona's search module; `Search` is the wasm-bindgen class of persona-search.wasm. */
export function persona(Search, label = "persona", catalogOf = (products) => products) {
  return {
    name: label,
    build(products) {
      const engine = new Search();
      engine.call(0, new TextEncoder().encode(JSON.stringify(catalogOf(products))));
      return engine;
    },
    search(engine, query, limit) {
      const found = engine.call(1, query, JSON.stringify({ limit, personalize: false, facets: 0 }));
      return found.hits.map((h) => h.id);
    },
  };
}

/** MiniSearch: prefix and fuzzy 0.2 (its documented setting for typo tolerance). */
export const minisearch = {
  name: "MiniSearch",
  build(products) {
    const index = new MiniSearch({ fields: ["name", "brand", "categories", "description"], idField: "id" });
    index.addAll(products.map(text));
    return index;
  },
  search(index, query, limit) {
    return index.search(query, { prefix: true, fuzzy: 0.2, boost: BOOST }).slice(0, limit).map((r) => r.id);
  },
};

/** FlexSearch: a document index, forward tokenizer (prefixes); no typo tolerance. */
export const flexsearch = {
  name: "FlexSearch",
  build(products) {
    const index = new Document({
      document: { id: "id", index: ["name", "brand", "categories", "description"] },
      tokenize: "forward",
    });
    for (const p of products) index.add(text(p));
    return index;
  },
  search(index, query, limit) {
    // One list from the per-field lists: fields in boost order, first appearance wins.
    const byField = index.search(query, { limit, suggest: true });
    const order = ["name", "brand", "categories", "description"];
    byField.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
    const ids = [];
    for (const { result } of byField) for (const id of result) if (!ids.includes(id)) ids.push(id);
    return ids.slice(0, limit);
  },
};

/** Orama: typo tolerance 1 (it has no length-dependent setting), prefix matching by default. */
export const orama = {
  name: "Orama",
  async build(products) {
    const db = create({ schema: { sku: "string", name: "string", brand: "string", categories: "string", description: "string" } });
    await insertMultiple(db, products.map((p) => ({ sku: String(p.id), name: p.name, brand: p.brand, categories: p.categories.join(" "), description: p.description })));
    return db;
  },
  async search(db, query, limit) {
    const r = await oramaSearch(db, { term: query, tolerance: 1, limit, boost: BOOST, properties: ["name", "brand", "categories", "description"] });
    return r.hits.map((h) => h.document.sku);
  },
};

// Keep Index importable for callers that want FlexSearch's plain index.
export { Index as FlexIndex };
