// Quick view: a product opened in a dialog over the home page, with "Add to cart" and "Buy now",
// so that a visitor can look at products and buy one without leaving the page. The page stays,
// and so does whatever persona decided on it: the home hero is re-decided in place when the
// purchase puts the visitor in a segment (hero.js).
//
// DOM contract (read by end-to-end tests):
//   button.quick-view[data-quick-view=<product id>]   on the home page's product cards (shop.js)
//   dialog#quick-view[open][data-product-id]          the dialog, while open
//   #qv-add, #qv-buy                                   "Add to cart", "Buy now" (disabled when sold out)
//   #qv-confirmation[data-order-id]                    shown after "Buy now"
//   #qv-close                                          closes the dialog
//
// Events: opening the dialog is "Product Viewed" (the button itself is "Product Clicked", from its
// data-persona-* attributes); "Add to cart" is "Product Added" as on the product page; "Buy now"
// is an "Order Completed" of this one product, and the cart is left as it was.

import { placeholder } from "./art.js";
import { addToCart, placeOrder } from "./cart.js";
import { $, esc, label, money, priceHtml, productProps, trackProductViewed } from "./util.js";

let dialog;

function bodyHtml(p) {
  return `<div class="qv-media">${placeholder(p, "card")}</div>
    <div class="qv-info">
      <span class="pdp-brand">${esc(p.brand)} · ${esc(label(p.category))}</span>
      <h2 id="qv-name">${esc(p.name)}</h2>
      <p class="qv-price">${priceHtml(p)}</p>
      <p class="stock ${p.in_stock ? "in" : "out"}">${p.in_stock ? "In stock" : "Sold out"}</p>
      <p class="qv-desc">${esc(p.description)}</p>
      <div class="qv-actions">
        <button id="qv-add" class="btn btn-ghost" type="button"${p.in_stock ? "" : " disabled"}>Add to cart</button>
        <button id="qv-buy" class="btn btn-primary" type="button"${p.in_stock ? "" : " disabled"}>Buy now</button>
      </div>
      <div id="qv-status" role="status"></div>
      <a class="qv-details" href="product.html?id=${encodeURIComponent(p.id)}">Full details →</a>
    </div>`;
}

function open(p) {
  dialog.dataset.productId = p.id;
  $(".qv-body", dialog).innerHTML = bodyHtml(p);
  const status = $("#qv-status", dialog);
  $("#qv-add", dialog).addEventListener("click", () => {
    addToCart(p, productProps(p));
    status.innerHTML = `✓ Added to your cart. <a href="cart.html">View cart</a>`;
  });
  $("#qv-buy", dialog).addEventListener("click", (e) => {
    e.currentTarget.disabled = true;
    $("#qv-add", dialog).disabled = true;
    const order = placeOrder([{ product: p, quantity: 1 }]);
    status.innerHTML = `<div id="qv-confirmation" class="qv-confirmation" data-order-id="${esc(order.order_id)}">
      <strong>Thank you — order ${esc(order.order_id)} is confirmed</strong> · ${money(order.total)}.
      <span class="muted">A demo: nothing ships, nothing was charged.</span></div>`;
  });
  if (!dialog.open) dialog.showModal();
  trackProductViewed(p);
}

/** Wires the page's quick-view buttons; `byId` maps product ids to catalog products. */
export function initQuickView(byId) {
  if (!document.querySelector("button.quick-view")) return;
  dialog = document.createElement("dialog");
  dialog.id = "quick-view";
  dialog.className = "quick-view-dialog";
  dialog.setAttribute("aria-labelledby", "qv-name");
  dialog.innerHTML = `<button id="qv-close" class="qv-close" type="button" aria-label="Close">×</button><div class="qv-body"></div>`;
  document.body.appendChild(dialog);
  $("#qv-close", dialog).addEventListener("click", () => dialog.close());
  // A click on the backdrop (the dialog element itself, outside its content) closes it too.
  dialog.addEventListener("click", (e) => e.target === dialog && dialog.close());
  dialog.addEventListener("close", () => delete dialog.dataset.productId);
  document.addEventListener("click", (e) => {
    const button = e.target instanceof Element ? e.target.closest("button.quick-view") : null;
    const p = button && byId.get(button.dataset.quickView);
    if (p) open(p);
  });
}
