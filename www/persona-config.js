// The demo shop's persona configuration: read by the script tag (`dist/persona.js`) when it
// starts, so this classic script sits before the tag in every page.
//
// Segments are re-evaluated on the device after every event, over the visitor profile's
// attributes (README, "Profile and segments"). With the default profile (view 1, click 2, add to
// cart 5, purchase 10; this visit's events count 1.5 times), the demo's four are:
//
//   console-owner      bought a console (online, or in a store through profile.import). The home
//                      hero stops advertising consoles to them and shows accessories instead.
//   bargain-hunter     keeps going for sale, budget or cheap (under 25 EUR) products: about three
//                      product views or one add to cart of them this visit. The shop's product
//                      events carry the catalog's tags plus "sale" for discounted products.
//   returning-visitor  on their second visit or later (a visit ends after 30 minutes without
//                      events, or when the visitor arrives through a new campaign).
//   cart-abandoner     came back with items still in the cart: a returning visitor whose cart is
//                      not empty. On a first visit a full cart is shopping, not abandoning; an
//                      order empties the cart and so leaves the segment.
//
// Recommendations (shop.js shelves) read the model the collector builds from these events
// (`collector model`, served at /v1/model) and complement rules: a console is completed by games
// and controllers, a phone by cases and headphones. Once a visitor bought a console, other
// consoles leave their recommendations.
window.personaConfig = {
  recommend: {
    model: "/v1/model",
    complements: { consoles: ["games", "controllers"], phones: ["phone-cases", "headphones"] },
  },
  segments: [
    {
      key: "console-owner",
      name: "Console owners",
      condition: { "purchased.categories": { $elemMatch: { $eq: "consoles" } } },
    },
    {
      key: "bargain-hunter",
      name: "Bargain hunters",
      condition: {
        $or: [
          { "affinity.tags.sale": { $gte: 4 } },
          { "affinity.tags.budget": { $gte: 4 } },
          { "affinity.price_band.<10": { $gte: 4 } },
          { "affinity.price_band.10-25": { $gte: 4 } },
        ],
      },
    },
    {
      key: "returning-visitor",
      name: "Returning visitors",
      condition: { "session.count": { $gt: 1 } },
    },
    {
      key: "cart-abandoner",
      name: "Cart abandoners",
      condition: { "cart.items": { $gt: 0 }, "session.count": { $gt: 1 } },
    },
  ],
};
