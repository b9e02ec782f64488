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
