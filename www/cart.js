// The demo shop's cart: the shop's own data in localStorage["demo-shop:cart"], not persona's.

import { $, CURRENCY, randomId, round2, track } from "./util.js";

export const CART_KEY = "demo-shop:cart";
/** Orders from this subtotal (EUR) ship free; below it shipping costs {@link SHIPPING}. */
export const FREE_SHIPPING_FROM = 50;
export const SHIPPING = 4.99;

const memoryStore = new Map();

export function storageGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return memoryStore.get(key) ?? null;
  }
}

export function storageSet(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    if (value === null) memoryStore.delete(key);
    else memoryStore.set(key, value);
  }
}

/** @returns {{cart_id: string|null, items: {product_id: string, quantity: number}[]}} */
export function readCart() {
  try {
    const c = JSON.parse(storageGet(CART_KEY) || "null");
    if (c && Array.isArray(c.items)) {
      return {
        cart_id: typeof c.cart_id === "string" ? c.cart_id : null,
        items: c.items
          .filter((i) => i && typeof i.product_id === "string" && Number.isFinite(i.quantity) && i.quantity > 0)
          .map((i) => ({ product_id: i.product_id, quantity: Math.floor(i.quantity) })),
      };
    }
  } catch {
    /* corrupt cart: start over */
  }
  return { cart_id: null, items: [] };
}

export function writeCart(cart) {
  storageSet(CART_KEY, JSON.stringify(cart));
  updateCartCount(cart);
}

export function ensureCartId(cart) {
  if (!cart.cart_id) cart.cart_id = "cart-" + randomId(12);
  return cart.cart_id;
}

export function cartCount(cart = readCart()) {
  return cart.items.reduce((n, i) => n + i.quantity, 0);
}

export function updateCartCount(cart = readCart()) {
  const el = $("#cart-count");
  if (!el) return;
  const n = cartCount(cart);
  el.textContent = String(n);
  el.dataset.count = String(n);
  el.classList.toggle("is-empty", n === 0);
}

/** Adds one of `product`; `props` are its event properties (productProps in shop.js). */
export function addToCart(product, props) {
  const cart = readCart();
  const cart_id = ensureCartId(cart);
  const line = cart.items.find((i) => i.product_id === product.id);
  if (line) line.quantity += 1;
  else cart.items.push({ product_id: product.id, quantity: 1 });
  writeCart(cart);
  track("Product Added", { ...props, quantity: 1, cart_id });
}

function newOrderId() {
  const d = new Date();
  const ymd = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, "0")}${String(d.getDate()).padStart(2, "0")}`;
  return `PP-${ymd}-${randomId(8).replace(/-/g, "").slice(0, 6).toUpperCase()}`;
}

/**
 * Places a demo order of `lines` ([{product, quantity}], product as in the catalog): tracks
 * "Order Completed" and returns {order_id, revenue, shipping, total, count}. The caller decides
 * what happens to the cart (checkout empties it; "Buy now" in the quick view leaves it alone).
 */
export function placeOrder(lines) {
  const order_id = newOrderId();
  const revenue = round2(lines.reduce((s, l) => s + l.product.price * l.quantity, 0));
  const shipping = revenue >= FREE_SHIPPING_FROM ? 0 : SHIPPING;
  const total = round2(revenue + shipping);
  track("Order Completed", {
    order_id,
    revenue,
    currency: CURRENCY,
    products: lines.map((l) => ({
      product_id: l.product.id,
      name: l.product.name,
      price: l.product.price,
      quantity: l.quantity,
      category: l.product.category,
      brand: l.product.brand,
    })),
    total,
    shipping,
  });
  return { order_id, revenue, shipping, total, count: lines.reduce((n, l) => n + l.quantity, 0) };
}
