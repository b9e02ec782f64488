// Small helpers shared by the demo shop's modules: DOM, formatting, ids, and the one way the shop
// talks to persona (the command queue).

export const CURRENCY = "EUR";
export const CATEGORY_LABELS = {
  consoles: "Consoles",
  games: "Games",
  controllers: "Controllers",
  headphones: "Headphones",
  phones: "Phones",
  "phone-cases": "Phone cases",
};

export const $ = (sel, root = document) => root.querySelector(sel);
export const params = new URLSearchParams(location.search);

export const esc = (s) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

export const money = (() => {
  let fmt;
  try {
    fmt = new Intl.NumberFormat("en-IE", { style: "currency", currency: CURRENCY });
  } catch {
    fmt = { format: (n) => "€" + Number(n).toFixed(2) };
  }
  return (n) => fmt.format(n);
})();

export const round2 = (n) => Math.round(n * 100) / 100;
export const label = (cat) => CATEGORY_LABELS[cat] || cat;

export function randomId(len = 16) {
  try {
    if (crypto.randomUUID) return crypto.randomUUID();
  } catch {
    /* insecure context: fall through */
  }
  let s = "";
  while (s.length < len) s += Math.random().toString(36).slice(2);
  return s.slice(0, len);
}

/** Send a command to persona. Never assumes it loaded, never lets it break the shop. */
export function track(event, properties) {
  try {
    const p = (window.persona = window.persona || []);
    p.push(["track", event, properties]);
  } catch (err) {
    console.warn("[shop] persona.push failed:", err);
  }
}

/** What the shop's product events say about a product: the catalog's tags, plus "sale" when it is
 * discounted, so that the visitor's tag affinities see bargains (the bargain-hunter segment). */
export function productProps(p) {
  const tags = [...(p.tags || []), ...(onSale(p) ? ["sale"] : [])];
  return { product_id: p.id, name: p.name, brand: p.brand, category: p.category, price: p.price, tags };
}

export const onSale = (p) => Boolean(p.compare_at_price && p.compare_at_price > p.price);

/** "Product Viewed" for a product page or a quick view. */
export function trackProductViewed(p) {
  track("Product Viewed", { ...productProps(p), sku: p.id, currency: p.currency || CURRENCY });
}

export function priceHtml(p) {
  const sale = onSale(p);
  const pct = sale ? Math.round((1 - p.price / p.compare_at_price) * 100) : 0;
  return `<span class="price${sale ? " price-sale" : ""}">${money(p.price)}</span>${
    sale ? ` <s class="was">${money(p.compare_at_price)}</s> <span class="badge badge-sale">−${pct}%</span>` : ""
  }`;
}
