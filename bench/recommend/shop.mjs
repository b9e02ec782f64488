// The shop the recommendations benchmark measures (bench/recommend-speed.mjs): a 10,000-product
// catalog derived from the real phone catalog, the shop's complement rules, a seeded history of
// orders and visits to build the model from, and one visitor's own history. Everything here is
// drawn from a seeded generator, so two runs build the same model and ask the same questions.
import { loadCatalog } from "../search/catalog.mjs";

/** Products in the benchmark's catalog. */
export const PRODUCTS = 10_000;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The shop's complement rules (category → the categories that complete it), in the catalog's own
 * category names: a phone's cases, screen protectors and chargers, a prepaid phone's minutes and
 * SIM cards, a case's screen protector.
 */
export const COMPLEMENTS = {
  "Unlocked Cell Phones": ["Cell Phone Cases & Clips", "Screen Protectors", "Car Chargers", "Wireless Chargers & Cases"],
  "All Cell Phones with Plans": ["Cell Phone Cases & Clips", "Screen Protectors", "Car Chargers"],
  "Refurbished Phones": ["Cell Phone Cases & Clips", "Screen Protectors"],
  "Prepaid Phones": ["Prepaid Minutes", "SIM Cards", "Cell Phone Cases & Clips"],
  iPhone: ["iPhone Cases & Clips", "iPhone Screen Protectors", "Data Cables"],
  "Cell Phone Cases & Clips": ["Screen Protectors"],
};

const SUFFIXES = ["edition", "bundle", "pack", "kit", "set", "series", "plus", "lite", "max"];

/**
 * 10,000 products: the 3,291 phones and accessories of ../shared/datasets/bestbuy-phones-3291.json
 * repeated (copy k > 0 with id `<sku>-k` and a distinct name, as search-speed's 10× catalog) until
 * there are 10,000. Each has its `categories` (broadest first, the catalog field persona reads
 * for category; `category`, one string, is only read without it), `brand`, `price`, `popularity`,
 * `description`, and `in_stock` (false for a seeded 5 %). The data set has no tags, so there are
 * none.
 */
export function catalog() {
  const base = loadCatalog();
  const random = prng(7);
  const products = [];
  for (let k = 0; products.length < PRODUCTS; k++) {
    for (const p of base) {
      if (products.length === PRODUCTS) break;
      products.push({
        id: k ? `${p.id}-${k}` : p.id,
        name: k ? `${p.name} (${SUFFIXES[(k - 1) % SUFFIXES.length]} ${k})` : p.name,
        brand: p.brand,
        categories: p.categories,
        price: p.price,
        popularity: p.popularity,
        in_stock: random() >= 0.05,
        description: p.description,
      });
    }
  }
  return products;
}

/** The categories of `product` that have a complement rule, and their targets. */
export function complementsOf(product) {
  return product.categories.filter((c) => COMPLEMENTS[c]).flatMap((c) => COMPLEMENTS[c]);
}

/** A sampler of `list`'s items, the item at rank r (from 1) with probability ∝ 1 / r^s. */
export function zipf(list, random, s = 1.0) {
  const cdf = [];
  let sum = 0;
  for (let r = 0; r < list.length; r++) cdf.push((sum += 1 / (r + 1) ** s));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return list[lo];
  };
}

/**
 * Popularity as shoppers meet it: products ranked by the catalog's own popularity with a random
 * factor (so the copies of one product spread out), and a Zipf sampler over that ranking
 * (P(rank r) ∝ 1 / r^s) for the whole catalog and for each product's most specific category.
 */
export function popularity(products, random, s = 1.0) {
  const order = products
    .map((p, i) => ({ i, key: Math.log1p(p.popularity ?? 0) + 2 * random() }))
    .sort((a, b) => b.key - a.key)
    .map((x) => x.i);
  const sampler = (list) => zipf(list, random, s);
  const leaf = (p) => p.categories[p.categories.length - 1];
  const byCategory = new Map();
  for (const i of order) {
    const c = leaf(products[i]);
    if (!byCategory.has(c)) byCategory.set(c, []);
    byCategory.get(c).push(i);
  }
  const inCategory = new Map([...byCategory].map(([c, list]) => [c, sampler(list)]));
  return { order, any: sampler(order), inCategory: (c) => inCategory.get(c), leaf };
}

/**
 * The shop's history, as Segment-style track messages for the collector's `POST /v1/batch`:
 * `orders` orders of 2–5 products (the first drawn by popularity; each next one from the first's
 * category with probability 0.4, from a category its complement rules name with 0.25, else by
 * popularity), and `visits` visits of 2–6 product views (each after the first from the first's
 * category with probability 0.6). Visitors come back: 12,000 of them share the visits and orders.
 */
export function history(products, { orders = 20_000, visits = 20_000, seed = 42 } = {}) {
  const random = prng(seed);
  const pop = popularity(products, random);
  const pick = (n, coherent, complementary) => {
    const first = pop.any();
    const chosen = [first];
    const targets = complementsOf(products[first]).filter((c) => pop.inCategory(c));
    for (let tries = 0; chosen.length < n && tries < 50; tries++) {
      const x = random();
      let next;
      if (x < coherent) next = pop.inCategory(pop.leaf(products[first]))();
      else if (x < coherent + complementary && targets.length) next = pop.inCategory(targets[Math.floor(random() * targets.length)])();
      else next = pop.any();
      if (!chosen.includes(next)) chosen.push(next);
    }
    return chosen.map((i) => products[i].id);
  };
  const visitor = () => `v-${Math.floor(random() * 12_000)}`;
  const messages = [];
  for (let o = 0; o < orders; o++) {
    const size = [2, 2, 2, 2, 3, 3, 3, 4, 4, 5][Math.floor(random() * 10)];
    messages.push({
      messageId: `order-${o}`,
      type: "track",
      event: "Order Completed",
      anonymousId: visitor(),
      properties: { order_id: `o-${o}`, products: pick(size, 0.4, 0.25).map((product_id) => ({ product_id })) },
    });
  }
  let views = 0;
  for (let v = 0; v < visits; v++) {
    const anonymousId = visitor();
    for (const product_id of pick(2 + Math.floor(random() * 5), 0.6, 0)) {
      messages.push({
        messageId: `view-${views++}`,
        type: "track",
        event: "Product Viewed",
        anonymousId,
        properties: { product_id },
        context: { session: { id: `s-${v}` } },
      });
    }
  }
  return { messages, orders, visits, views, popular: pop.order };
}

/**
 * The measured visitor's own history, as `p.track` calls: 30 product views, mostly OtterBox cases
 * and a few unlocked phones, and 2 cases added to the cart; each drawn by the shop's popularity
 * (`order`, the ranking the history was drawn from), as shoppers find popular products first.
 * Returns `[name, properties]` pairs.
 */
export function visitorEvents(products, order, seed = 3) {
  const random = prng(seed);
  const props = (p) => ({ product_id: p.id, name: p.name, category: p.categories[p.categories.length - 1], brand: p.brand, price: p.price });
  const ranked = (keep) => zipf(order.map((i) => products[i]).filter(keep), random);
  const cases = ranked((p) => p.brand === "OtterBox" && p.categories.includes("Cell Phone Cases & Clips"));
  const phones = ranked((p) => p.categories.includes("Unlocked Cell Phones"));
  const events = [];
  for (let i = 0; i < 30; i++) events.push(["Product Viewed", props(i % 4 === 3 ? phones() : cases())]);
  for (let i = 0; i < 2; i++) events.push(["Product Added", { ...props(cases()), quantity: 1 }]);
  return events;
}

/**
 * `n` distinct product pages a shopper opens, drawn by the shop's popularity (`order`, the
 * ranking the history was drawn from) among the products that pass `keep`: the anchors
 * (`product_id`) the timed calls rotate through. Mostly popular products, some from the tail.
 */
export function anchors(products, order, n, keep = () => true, seed = 11) {
  const random = prng(seed);
  const next = zipf(order.map((i) => products[i]).filter(keep), random);
  const picked = [];
  for (let tries = 0; picked.length < n && tries < 1_000_000; tries++) {
    const p = next();
    if (!picked.includes(p.id)) picked.push(p.id);
  }
  return picked;
}
