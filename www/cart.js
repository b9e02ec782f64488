// The demo shop's cart: the shop's own data in localStorage["demo-shop:cart"], not persona's.

import { $, randomId, track } from "./util.js";

export const CART_KEY = "demo-shop:cart";

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
