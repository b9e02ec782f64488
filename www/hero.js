// The home page hero: a next-best-action slot. persona picks the creative on the device with
// `decide("hero", HERO_CANDIDATES)` from the visitor's segments and affinities, and picks again
// whenever the visitor's segments change (`on("segments")`, called inside the track() that changed
// them), so the hero switches within the page view: whoever just bought a console sees
// accessories, not console ads.
//
// DOM contract (read by end-to-end tests):
//   #hero[data-creative]   "pending" until decided (the copy is hidden meanwhile, so there is no
//                          flicker), then the candidate shown: "console-ad" | "accessories" |
//                          "deals" | "default"
//   #hero-copy             the creative's copy
//   window.shopHero        {candidates, decision (the latest decide() result), shown: [creative ids in order]}

import { $, esc, money, onSale } from "./util.js";

/**
 * Score = weight × (1 + the visitor's affinity for the facets). A fresh visitor sees the console
 * ad (weight 2 beats the default's 1), which grows with interest in consoles; bargain hunters see
 * deals; console owners never see the console ad again, and accessories (weight 5) outrank deals.
 */
export const HERO_CANDIDATES = [
  { id: "console-ad", exclude: ["console-owner"], facets: { category: "consoles" }, weight: 2 },
  { id: "accessories", condition: { segments: { $elemMatch: { $eq: "console-owner" } } }, facets: { category: "controllers" }, weight: 5 },
  { id: "deals", condition: { segments: { $elemMatch: { $eq: "bargain-hunter" } } }, weight: 4 },
  { id: "default", weight: 1 },
];

/** If persona has not decided by then (slow network, blocked script), the default shows. */
const DECIDE_WITHIN_MS = 1500;

const PLATFORM_NAMES = { playstation: "PlayStation", xbox: "Xbox", nintendo: "Nintendo Switch", steam: "Steam Deck" };

function picksHtml(products) {
  if (!products.length) return "";
  return `<ul class="hero-picks">${products
    .map((p) => `<li><a href="product.html?id=${encodeURIComponent(p.id)}"><span>${esc(p.name)}</span> <strong>${money(p.price)}</strong></a></li>`)
    .join("")}</ul>`;
}

const CREATIVES = {
  "console-ad": () => ({
    eyebrow: "New: Nintendo Switch 2 &amp; PS5 Pro in stock",
    title: "Next-gen consoles,<br>in stock now.",
    lead: "PlayStation 5, Xbox Series X|S, Nintendo Switch 2 and Steam Deck OLED — free shipping on every console.",
    actions: [["index.html?category=consoles", "Shop consoles"], ["product.html?id=sku-1009", "Meet Switch 2"]],
  }),
  accessories: (catalog, profile) => {
    // The platform of a console the visitor bought, for picks that fit it.
    const bought = (profile?.purchased?.products || []).map((id) => catalog.find((p) => p.id === id)).filter(Boolean);
    const platform = bought.find((p) => p.category === "consoles")?.platform;
    const fits = (p) => p.in_stock && (!platform || p.platform === platform);
    const picks = [
      ...catalog.filter((p) => p.category === "controllers" && fits(p)).slice(0, 2),
      ...catalog.filter((p) => p.category === "games" && fits(p)).slice(0, 1),
    ];
    return {
      eyebrow: `For your ${esc(PLATFORM_NAMES[platform] || "new console")}`,
      title: "Level up<br>your setup.",
      lead: "Controllers, games and headsets that fit the console you just bought.",
      picks: picksHtml(picks),
      actions: [["index.html?category=controllers", "Shop controllers"], ["index.html?category=games", "Browse games"]],
    };
  },
  deals: (catalog) => ({
    eyebrow: "Deals of the week",
    title: "Top brands,<br>smaller prices.",
    lead: "Consoles, controllers, headphones and phones on sale — while stocks last.",
    picks: picksHtml(catalog.filter((p) => onSale(p) && p.in_stock).slice(0, 3)),
    actions: [["index.html?category=headphones", "Shop headphones"], ["index.html?category=phones", "Browse phones"]],
  }),
  default: () => ({
    eyebrow: "New: Nintendo Switch 2 &amp; PS5 Pro in stock",
    title: "Play more. Hear more.<br>Carry it all.",
    lead: "Consoles, games, controllers, headphones and phones — with a shop that learns what you like, right on your device.",
    actions: [["index.html?category=consoles", "Shop consoles"], ["index.html?category=phones", "Browse phones"]],
  }),
};

function copyHtml(c) {
  const [primary, secondary] = c.actions;
  return `<p class="eyebrow">${c.eyebrow}</p>
    <h1>${c.title}</h1>
    <p class="lead">${c.lead}</p>
    ${c.picks || ""}
    <div class="hero-actions">
      <a class="btn btn-primary" href="${primary[0]}">${primary[1]}</a>
      <a class="btn btn-ghost" href="${secondary[0]}">${secondary[1]}</a>
    </div>`;
}

/** Starts the hero on the home page; `catalog` is the list of products. */
export function initHero(catalog) {
  const hero = $("#hero");
  const copy = $("#hero-copy");
  if (!hero || !copy || hero.hidden) return;
  const state = (window.shopHero = { candidates: HERO_CANDIDATES, decision: null, shown: [] });

  const show = (id, profile) => {
    const creative = CREATIVES[id] ? id : "default";
    // Unchanged: leave the DOM alone (the accessories' picks follow the purchases, so they redraw).
    if (hero.dataset.creative === creative && creative !== "accessories") return;
    copy.innerHTML = copyHtml(CREATIVES[creative](catalog, profile));
    hero.dataset.creative = creative;
    if (state.shown[state.shown.length - 1] !== creative) state.shown.push(creative);
  };
  const fallback = setTimeout(() => hero.dataset.creative === "pending" && show("default", null), DECIDE_WITHIN_MS);

  // A function on the command queue runs with the live API once persona has loaded (at once if it
  // has). Without the module, decide() answers {choice: null} and the default shows.
  const persona = (window.persona = window.persona || []);
  persona.push((p) => {
    const decide = () => {
      const decision = p.decide("hero", HERO_CANDIDATES);
      state.decision = decision;
      clearTimeout(fallback);
      show(decision.choice || "default", decision.choice === "accessories" ? p.profile() : null);
    };
    decide();
    p.on("segments", decide);
  });
}
