// Product "images": CSS gradient tiles in the product's `color` with a line-art SVG icon per
// category and the brand's name. No image files, no emoji (fonts vary between machines).

const ICONS = {
  consoles:
    '<rect x="8" y="22" width="48" height="20" rx="5"/><path d="M15 32h16"/><circle cx="47" cy="32" r="2.2"/><path d="M13 42v4h38v-4"/>',
  games:
    '<rect x="17" y="8" width="30" height="48" rx="4"/><circle cx="32" cy="33" r="10"/><circle cx="32" cy="33" r="2.5"/><path d="M22 14h20"/>',
  controllers:
    '<path d="M21 20h22c7 0 11 5 12 12l2 11c1 6-5 9-9 5l-6-6H22l-6 6c-4 4-10 1-9-5l2-11c1-7 5-12 12-12z"/><path d="M21 28v9M16.5 32.5h9"/><circle cx="42" cy="29" r="1.8"/><circle cx="47" cy="34" r="1.8"/>',
  headphones:
    '<path d="M12 42v-8a20 20 0 0 1 40 0v8"/><rect x="9" y="38" width="11" height="17" rx="4"/><rect x="44" y="38" width="11" height="17" rx="4"/>',
  phones:
    '<rect x="19" y="6" width="26" height="52" rx="6"/><path d="M28 11h8"/><circle cx="32" cy="51" r="1.8"/>',
  "phone-cases":
    '<rect x="18" y="6" width="28" height="52" rx="8"/><rect x="23" y="11" width="11" height="13" rx="3.5"/><circle cx="28.5" cy="17.5" r="2.3"/><circle cx="38" cy="14" r="1"/>',
};
const FALLBACK_ICON = '<rect x="14" y="14" width="36" height="36" rx="8"/><path d="M24 32h16M32 24v16"/>';

/** SVG line icon for a category (stroke = currentColor). */
export function icon(category, size = 64) {
  const body = ICONS[category] || FALLBACK_ICON;
  return `<svg class="ph-icon" viewBox="0 0 64 64" width="${size}" height="${size}" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;
}

const HEX = /^#[0-9a-f]{6}$/i;

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Mix a colour towards white (f > 0) or black (f < 0). */
export function shade(hex, f) {
  const target = f < 0 ? 0 : 255;
  const p = Math.abs(f);
  return (
    "#" +
    rgb(hex)
      .map((c) => Math.round((target - c) * p + c).toString(16).padStart(2, "0"))
      .join("")
  );
}

function isLight(hex) {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45;
}

const esc = (s) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/**
 * The placeholder image for a product. `size`: "card" | "large" | "thumb".
 */
export function placeholder(product, size = "card") {
  const color = HEX.test(product?.color || "") ? product.color : "#64748b";
  const light = isLight(color);
  const c2 = shade(color, light ? -0.18 : -0.45);
  const c3 = shade(color, light ? 0.35 : 0.22);
  const iconSize = size === "large" ? 150 : size === "thumb" ? 38 : 76;
  const brand = size !== "large" ? "" : `<span class="ph-brand">${esc(product?.brand)}</span>`;
  return `<div class="ph ph-${size}${light ? " ph-light" : ""}" style="--c1:${c3};--c2:${color};--c3:${c2}" role="img" aria-label="${esc(product?.name)}">${icon(product?.category, iconSize)}${brand}</div>`;
}
