// The header and footer every page of the demo shop shares, rendered into the page's empty
// <header class="site-header"> and <footer class="site-footer"> before anything else.

const HEADER = `
<div class="bar container">
  <a class="logo" href="index.html" aria-label="Pixel &amp; Port — home">
    <span class="logo-mark" aria-hidden="true"><svg viewBox="0 0 32 32" width="32" height="32"><rect width="32" height="32" rx="9" fill="currentColor"/><path d="M9 23V9h6.5a4.5 4.5 0 0 1 0 9H9m14-9v14" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg></span>
    <span class="logo-text">Pixel <em>&amp;</em> Port</span>
  </a>
  <form id="search-form" class="search" action="search.html" method="get" role="search">
    <svg class="search-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2"/><path d="m20 20-4-4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
    <input id="search-input" name="q" type="search" data-persona-search placeholder="Search consoles, games, headphones…" autocomplete="off" aria-label="Search products">
    <button type="submit">Search</button>
  </form>
  <a class="cart-link" href="cart.html" aria-label="Cart">
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M3 4h2l2.4 11.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 2-1.5L21 8H6.2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/><circle cx="10" cy="20.5" r="1.5" fill="currentColor"/><circle cx="17" cy="20.5" r="1.5" fill="currentColor"/></svg>
    <span class="cart-label">Cart</span>
    <span id="cart-count" class="cart-count" aria-live="polite">0</span>
  </a>
</div>
<nav class="cats" aria-label="Categories">
  <div class="container cats-inner">
    <a href="index.html" data-category="">All</a>
    <a href="index.html?category=consoles" data-category="consoles">Consoles</a>
    <a href="index.html?category=games" data-category="games">Games</a>
    <a href="index.html?category=controllers" data-category="controllers">Controllers</a>
    <a href="index.html?category=headphones" data-category="headphones">Headphones</a>
    <a href="index.html?category=phones" data-category="phones">Phones</a>
    <a href="index.html?category=phone-cases" data-category="phone-cases">Phone cases</a>
  </div>
</nav>`;

const FOOTER = `
<div class="container">
  <p><strong>Pixel &amp; Port</strong> is a demo shop for <strong>persona</strong>, on-device personalization in WebAssembly. Prices in EUR incl. VAT. No real orders are placed.</p>
  <p class="muted">The cart lives in this browser (<code>localStorage["demo-shop:cart"]</code>); persona keeps its own profile separately.</p>
</div>`;

/** Fills the shared header and footer; safe to call once per page. */
export function renderLayout() {
  const header = document.querySelector("header.site-header");
  const footer = document.querySelector("footer.site-footer");
  if (header && !header.firstElementChild) header.innerHTML = HEADER;
  if (footer && !footer.firstElementChild) footer.innerHTML = FOOTER;
}
