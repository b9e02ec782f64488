#!/usr/bin/env node
// Generates the demo storefront's product catalog: `www/catalog.json`.
//
//   node scripts/gen-catalog.mjs [outPath]      # default: www/catalog.json next to this repo
//
// The output is deterministic: the hand-written product table below is combined with a seeded
// PRNG (mulberry32, fixed seed) for the things a real catalog would vary (placeholder colours,
// ratings, stock, strike-through prices). Same script, same bytes, every run and on every machine —
// tests and benchmarks may rely on product ids and fields.
//
// Shape (version 1):
//   { version: 1, generated: "deterministic", currency: "EUR", categories: [...],
//     products: [{ id, name, brand, category, price, currency, tags, description, in_stock,
//                  color, platform?, compatible_with?, compare_at_price?, rating, review_count }] }
//
// - `platform` ("playstation" | "xbox" | "nintendo" | "steam") is set on consoles, games,
//   controllers and platform-bound headsets, so accessories match their console. Phones carry
//   "ios" | "android".
// - `compatible_with` (phone-cases only) lists the ids of the phones a case fits.
// - Some names and descriptions are German with umlauts and ß (Hülle, Größe, Geräusch…), so that
//   search features can be tested against diacritic folding.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SEED = 0x5eed_2025;

/** mulberry32: tiny, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = mulberry32(SEED);
const pick = (list) => list[Math.floor(rand() * list.length)];
const cents = (x) => Math.round(x * 100) / 100;

// Placeholder colours per category (the shop draws a gradient tile with this colour).
const PALETTE = {
  consoles: ["#1f2a44", "#2d3a5a", "#3b4b6b", "#263238", "#37474f"],
  games: ["#6a1b9a", "#4527a0", "#283593", "#00695c", "#ad1457", "#bf360c", "#1565c0"],
  controllers: ["#37474f", "#455a64", "#5d4037", "#263238", "#424242"],
  headphones: ["#212121", "#5d6d7e", "#a1887f", "#455a64", "#1b5e20", "#004d40"],
  phones: ["#263238", "#4a148c", "#0d47a1", "#33691e", "#3e2723", "#880e4f"],
  "phone-cases": ["#00838f", "#ef6c00", "#c62828", "#2e7d32", "#6d4c41", "#546e7a", "#8e24aa"],
};

// Explicit colours win over the palette when the product name names one.
const NAMED_COLORS = [
  [/cosmic red|pulse red|neon red/i, "#c62828"],
  [/midnight black|carbon black|schwarz|black/i, "#1c1c1c"],
  [/weiß|white|glacier/i, "#cfd8dc"],
  [/blau|blue/i, "#1565c0"],
  [/grün|green/i, "#2e7d32"],
  [/rosa|pink/i, "#d81b60"],
  [/transparent|clear/i, "#90a4ae"],
];

// ---------------------------------------------------------------------------------------------
// The product table. Keys: n name, b brand, p price (EUR), pl platform, t tags, d description,
// key (internal, for compatible_with), fits (phone keys, cases only).
// ---------------------------------------------------------------------------------------------

const consoles = [
  { n: "PlayStation 5 Slim (Disc Edition) 1 TB", b: "Sony", p: 549.99, pl: "playstation", t: ["ps5", "4k", "disc", "ssd"], d: "The slimmer PS5 with Ultra HD Blu-ray drive, 1 TB SSD and a DualSense controller in the box. Lightning-fast loading and ray-traced 4K gaming." },
  { n: "PlayStation 5 Slim Digital Edition 1 TB", b: "Sony", p: 449.99, pl: "playstation", t: ["ps5", "4k", "digital", "ssd"], d: "All the power of PS5 without a disc drive. Games come from PlayStation Store; the optional drive can be added later." },
  { n: "PlayStation 5 Pro 2 TB", b: "Sony", p: 799.99, pl: "playstation", t: ["ps5", "ps5-pro", "4k", "120hz", "ssd"], d: "Sony's most powerful console: upgraded GPU, advanced ray tracing and AI upscaling (PSSR) for sharper 4K at higher frame rates." },
  { n: "PlayStation Portal Remote Player", b: "Sony", p: 219.99, pl: "playstation", t: ["ps5", "handheld", "remote-play"], d: "Stream your PS5 games over Wi-Fi to an 8-inch LCD with full DualSense features in your hands." },
  { n: "Xbox Series X 1 TB", b: "Microsoft", p: 549.99, pl: "xbox", t: ["xbox-series", "4k", "disc", "game-pass"], d: "The fastest, most powerful Xbox: true 4K gaming at up to 120 fps, Quick Resume and a 4K UHD Blu-ray drive." },
  { n: "Xbox Series X Digital Edition – Robot White", b: "Microsoft", p: 499.99, pl: "xbox", t: ["xbox-series", "4k", "digital", "game-pass"], d: "Series X performance in an all-digital console with 1 TB of storage, finished in Robot White." },
  { n: "Xbox Series S 512 GB", b: "Microsoft", p: 299.99, pl: "xbox", t: ["xbox-series", "1440p", "digital", "game-pass", "compact"], d: "The smallest Xbox ever. Next-gen speed and performance at 1440p, all-digital, perfect with Game Pass." },
  { n: "Xbox Series S 1 TB – Carbon Black", b: "Microsoft", p: 349.99, pl: "xbox", t: ["xbox-series", "1440p", "digital", "game-pass"], d: "Double the storage of the original Series S in a sleek Carbon Black finish." },
  { n: "Nintendo Switch 2", b: "Nintendo", p: 469.99, pl: "nintendo", t: ["switch-2", "handheld", "hybrid", "4k"], d: "The next Nintendo Switch: a bigger 7.9-inch 1080p screen, magnetic Joy-Con 2 controllers and 4K output when docked." },
  { n: "Nintendo Switch OLED – White", b: "Nintendo", p: 349.99, pl: "nintendo", t: ["switch", "handheld", "hybrid", "oled"], d: "7-inch OLED screen with vivid colours, a wide adjustable stand and 64 GB storage. Play at home or on the go." },
  { n: "Nintendo Switch Lite – Blue", b: "Nintendo", p: 219.99, pl: "nintendo", t: ["switch", "handheld", "compact"], d: "Kompakt, leicht und für unterwegs gemacht: die Switch speziell für das Spielen im Handheld-Modus." },
  { n: "Steam Deck OLED 512 GB", b: "Valve", p: 569.99, pl: "steam", t: ["steam-deck", "handheld", "pc", "oled"], d: "Your Steam library in your hands: HDR OLED display, longer battery life, faster Wi-Fi and an anti-glare option." },
  { n: "Steam Deck OLED 1 TB", b: "Valve", p: 679.99, pl: "steam", t: ["steam-deck", "handheld", "pc", "oled", "etched-glass"], d: "The premium Steam Deck with 1 TB storage and etched anti-glare glass. Includes a carrying case." },
];

const games = [
  { n: "Marvel's Spider-Man 2 (PS5)", b: "Sony Interactive Entertainment", p: 69.99, pl: "playstation", t: ["ps5", "action", "open-world", "superhero"], d: "Peter Parker and Miles Morales face Venom in an expanded New York. Swing, fight and switch heroes seamlessly." },
  { n: "God of War Ragnarök (PS5)", b: "Sony Interactive Entertainment", p: 49.99, pl: "playstation", t: ["ps5", "action", "adventure", "mythology"], d: "Kratos und Atreus reisen durch die Neun Welten, während Fimbulwinter naht. Ein gewaltiges Abenteuer aus der nordischen Mythologie." },
  { n: "Gran Turismo 7 (PS5)", b: "Sony Interactive Entertainment", p: 39.99, pl: "playstation", t: ["ps5", "racing", "simulation"], d: "The real driving simulator returns with over 400 cars, classic tracks and full DualSense haptic feedback." },
  { n: "Astro Bot (PS5)", b: "Sony Interactive Entertainment", p: 59.99, pl: "playstation", t: ["ps5", "platformer", "family"], d: "Award-winning 3D platformer. Rescue your crew across 50+ planets — pure joy on the DualSense." },
  { n: "EA Sports FC 25 (PS5)", b: "Electronic Arts", p: 69.99, pl: "playstation", t: ["ps5", "sports", "football", "multiplayer"], d: "Fußball mit über 19.000 lizenzierten Spielern, Rush-Modus für 5 gegen 5 und die größten Ligen der Welt." },
  { n: "Elden Ring (PS5)", b: "Bandai Namco", p: 44.99, pl: "playstation", t: ["ps5", "rpg", "open-world", "soulslike"], d: "An action RPG by FromSoftware and George R. R. Martin. Explore the Lands Between and become an Elden Lord." },
  { n: "Forza Horizon 5 (Xbox Series X|S)", b: "Xbox Game Studios", p: 39.99, pl: "xbox", t: ["xbox-series", "racing", "open-world"], d: "Explore the vibrant open world of Mexico with hundreds of the world's greatest cars." },
  { n: "Halo Infinite (Xbox Series X|S)", b: "Xbox Game Studios", p: 29.99, pl: "xbox", t: ["xbox-series", "shooter", "sci-fi"], d: "Master Chief returns in the most expansive Halo campaign yet, on the ring world Zeta Halo." },
  { n: "Starfield (Xbox Series X|S)", b: "Bethesda Softworks", p: 49.99, pl: "xbox", t: ["xbox-series", "rpg", "sci-fi", "open-world"], d: "The first new universe in 25 years from Bethesda Game Studios. Create a character and explore the Settled Systems." },
  { n: "EA Sports FC 25 (Xbox Series X|S)", b: "Electronic Arts", p: 69.99, pl: "xbox", t: ["xbox-series", "sports", "football", "multiplayer"], d: "Fußball mit über 19.000 lizenzierten Spielern, Rush-Modus für 5 gegen 5 und die größten Ligen der Welt." },
  { n: "Hogwarts Legacy (Xbox Series X|S)", b: "Warner Bros. Games", p: 39.99, pl: "xbox", t: ["xbox-series", "rpg", "open-world", "fantasy"], d: "Experience Hogwarts in the 1800s. Learn spells, brew potions and decide the fate of the wizarding world." },
  { n: "The Legend of Zelda: Tears of the Kingdom", b: "Nintendo", p: 59.99, pl: "nintendo", t: ["switch", "adventure", "open-world"], d: "An epic adventure across the land and skies of Hyrule. Build, fuse and explore freely." },
  { n: "Mario Kart World", b: "Nintendo", p: 79.99, pl: "nintendo", t: ["switch-2", "racing", "family", "multiplayer"], d: "Race across a vast connected world with up to 24 drivers — Spaß für die ganze Familie auf der Nintendo Switch 2." },
  { n: "Super Mario Bros. Wonder", b: "Nintendo", p: 54.99, pl: "nintendo", t: ["switch", "platformer", "family"], d: "Classic side-scrolling Mario with a wondrous twist: Wonder Flowers change everything you know." },
  { n: "Animal Crossing: New Horizons", b: "Nintendo", p: 49.99, pl: "nintendo", t: ["switch", "simulation", "family", "cozy"], d: "Escape to a deserted island and create your own paradise with friendly animal neighbours." },
  { n: "Baldur's Gate 3 (Steam Key)", b: "Larian Studios", p: 59.99, pl: "steam", t: ["pc", "steam-deck", "rpg", "fantasy"], d: "Gather your party and return to the Forgotten Realms. Steam Deck verified." },
  { n: "Cyberpunk 2077: Ultimate Edition (Steam Key)", b: "CD Projekt Red", p: 59.99, pl: "steam", t: ["pc", "steam-deck", "rpg", "sci-fi"], d: "The open-world action adventure set in Night City, including the Phantom Liberty expansion." },
  { n: "Hades II (Steam Key)", b: "Supergiant Games", p: 29.99, pl: "steam", t: ["pc", "steam-deck", "roguelike", "action"], d: "Battle beyond the Underworld as Melinoë, Princess of the Underworld, in this rogue-like dungeon crawler." },
];

const controllers = [
  { n: "DualSense Wireless Controller – Midnight Black", b: "Sony", p: 69.99, pl: "playstation", t: ["ps5", "wireless", "haptic"], d: "Haptic feedback, adaptive triggers and a built-in microphone for PS5." },
  { n: "DualSense Wireless Controller – Cosmic Red", b: "Sony", p: 74.99, pl: "playstation", t: ["ps5", "wireless", "haptic"], d: "The DualSense in striking Cosmic Red with haptic feedback and adaptive triggers." },
  { n: "DualSense Edge Wireless Controller", b: "Sony", p: 239.99, pl: "playstation", t: ["ps5", "wireless", "pro", "haptic"], d: "Ultra-customisable pro controller with swappable stick modules, back buttons and trigger stops." },
  { n: "Nacon Revolution 5 Pro", b: "Nacon", p: 199.99, pl: "playstation", t: ["ps5", "wireless", "pro", "hall-effect"], d: "Officially licensed PS5 pro controller with Hall-effect sticks and interchangeable weights." },
  { n: "Xbox Wireless Controller – Carbon Black", b: "Microsoft", p: 59.99, pl: "xbox", t: ["xbox-series", "wireless", "bluetooth", "pc"], d: "Textured grips, hybrid D-pad and share button. Works with Xbox Series X|S, Xbox One, PC and mobile." },
  { n: "Xbox Wireless Controller – Pulse Red", b: "Microsoft", p: 64.99, pl: "xbox", t: ["xbox-series", "wireless", "bluetooth", "pc"], d: "The modern Xbox controller in vibrant Pulse Red." },
  { n: "Xbox Elite Wireless Controller Series 2", b: "Microsoft", p: 179.99, pl: "xbox", t: ["xbox-series", "wireless", "pro", "pc"], d: "Adjustable-tension thumbsticks, wrap-around rubberised grip and up to 40 hours of rechargeable battery." },
  { n: "PowerA Enhanced Wired Controller for Xbox", b: "PowerA", p: 29.99, pl: "xbox", t: ["xbox-series", "wired", "budget"], d: "Officially licensed wired controller with mappable back buttons and a 3 m USB-C cable." },
  { n: "Nintendo Switch Pro Controller", b: "Nintendo", p: 69.99, pl: "nintendo", t: ["switch", "wireless", "hd-rumble"], d: "Traditional controller for longer play sessions with motion controls, HD rumble and amiibo support." },
  { n: "Joy-Con Pair – Neon Red/Neon Blue", b: "Nintendo", p: 79.99, pl: "nintendo", t: ["switch", "wireless", "joy-con", "multiplayer"], d: "A pair of Joy-Con controllers: use them together or share one with a friend for instant multiplayer." },
  { n: "Nintendo Switch 2 Pro Controller", b: "Nintendo", p: 89.99, pl: "nintendo", t: ["switch-2", "wireless", "hd-rumble"], d: "The Pro Controller for Nintendo Switch 2 with GL/GR back buttons and a headphone jack." },
  { n: "Hori Split Pad Compact", b: "Hori", p: 49.99, pl: "nintendo", t: ["switch", "handheld", "ergonomic"], d: "Ergonomische Controller für den Handheld-Modus — größere Tasten für mehr Komfort." },
  { n: "8BitDo Ultimate Bluetooth Controller", b: "8BitDo", p: 59.99, pl: "nintendo", t: ["switch", "wireless", "bluetooth", "hall-effect", "pc"], d: "Hall-effect sticks, charging dock and back paddles. Works with Switch, Windows and Steam Deck." },
];

const headphones = [
  { n: "Sony WH-1000XM5", b: "Sony", p: 379.99, t: ["over-ear", "wireless", "noise-cancelling", "bluetooth"], d: "Industry-leading noise cancelling with eight microphones, 30-hour battery and crystal-clear calls." },
  { n: "Sony WF-1000XM5", b: "Sony", p: 299.99, t: ["in-ear", "wireless", "noise-cancelling", "earbuds"], d: "Sony's smallest, best noise-cancelling earbuds with High-Resolution Audio Wireless." },
  { n: "PULSE Elite Wireless Headset", b: "Sony", p: 149.99, pl: "playstation", t: ["gaming", "ps5", "wireless", "headset"], d: "PS5 headset with planar magnetic drivers, retractable AI-enhanced microphone and PlayStation Link." },
  { n: "Bose QuietComfort Ultra Headphones", b: "Bose", p: 449.95, t: ["over-ear", "wireless", "noise-cancelling", "spatial-audio"], d: "World-class noise cancellation and Bose Immersive Audio for a spatial listening experience." },
  { n: "Bose QuietComfort Ultra Earbuds", b: "Bose", p: 299.95, t: ["in-ear", "wireless", "noise-cancelling", "earbuds"], d: "CustomTune sound calibration and Immersive Audio in a secure, comfortable fit." },
  { n: "Sennheiser Momentum 4 Wireless", b: "Sennheiser", p: 349.99, t: ["over-ear", "wireless", "noise-cancelling", "bluetooth"], d: "Kabelloser Kopfhörer mit adaptiver Geräuschunterdrückung und bis zu 60 Stunden Akkulaufzeit." },
  { n: "Sennheiser HD 660S2", b: "Sennheiser", p: 499.99, t: ["over-ear", "wired", "open-back", "audiophile"], d: "Open-back audiophile headphones with deeper sub-bass and a natural, detailed sound stage." },
  { n: "beyerdynamic DT 770 PRO 80 Ω", b: "beyerdynamic", p: 149.99, t: ["over-ear", "wired", "studio", "closed-back"], d: "Geschlossener Studiokopfhörer, handgefertigt in Heilbronn. Bequeme Velours-Ohrpolster für lange Sessions." },
  { n: "JBL Tune 770NC", b: "JBL", p: 99.99, t: ["over-ear", "wireless", "noise-cancelling", "budget"], d: "Adaptive noise cancelling, JBL Pure Bass sound and up to 70 hours of battery life." },
  { n: "JBL Live Beam 3", b: "JBL", p: 179.99, t: ["in-ear", "wireless", "earbuds", "noise-cancelling"], d: "True wireless earbuds with a smart charging case touchscreen and adaptive noise cancelling." },
  { n: "Apple AirPods Pro 2 (USB-C)", b: "Apple", p: 249.99, t: ["in-ear", "wireless", "noise-cancelling", "earbuds", "ios"], d: "Up to 2x more active noise cancellation, Adaptive Audio and a hearing health feature set." },
  { n: "Apple AirPods Max – Midnight", b: "Apple", p: 579.99, t: ["over-ear", "wireless", "noise-cancelling", "ios"], d: "High-fidelity audio, computational audio and personalised spatial audio, now with USB-C." },
  { n: "Samsung Galaxy Buds3 Pro", b: "Samsung", p: 249.99, t: ["in-ear", "wireless", "noise-cancelling", "earbuds", "android"], d: "Blade-design earbuds with intelligent ANC and Galaxy AI live translation." },
  { n: "Xbox Wireless Headset", b: "Microsoft", p: 109.99, pl: "xbox", t: ["gaming", "xbox-series", "wireless", "headset"], d: "Connects directly to Xbox with auto-mute, voice isolation and spatial audio support." },
  { n: "SteelSeries Arctis Nova 7", b: "SteelSeries", p: 149.99, pl: "playstation", t: ["gaming", "ps5", "wireless", "headset", "pc"], d: "Simultaneous 2.4 GHz and Bluetooth audio, 38-hour battery and a retractable ClearCast microphone." },
];

const phones = [
  { key: "ip16e", n: "Apple iPhone 16e 128 GB", b: "Apple", p: 699.99, pl: "ios", t: ["iphone", "5g", "ios"], d: "iPhone 16e with A18 chip, 48 MP Fusion camera and Apple Intelligence at an entry price." },
  { key: "ip15", n: "Apple iPhone 15 128 GB – Black", b: "Apple", p: 799.99, pl: "ios", t: ["iphone", "5g", "ios", "usb-c"], d: "Dynamic Island, 48 MP main camera and USB-C in a colour-infused glass design." },
  { key: "ip16", n: "Apple iPhone 16 128 GB", b: "Apple", p: 949.99, pl: "ios", t: ["iphone", "5g", "ios", "camera-control"], d: "Camera Control, A18 chip and Apple Intelligence. 6,1-Zoll Super Retina XDR Display." },
  { key: "ip16pro", n: "Apple iPhone 16 Pro 256 GB", b: "Apple", p: 1329.99, pl: "ios", t: ["iphone", "5g", "ios", "pro", "titanium"], d: "Titanium design, 6.3-inch ProMotion display, A18 Pro chip and a 5x telephoto camera." },
  { key: "ip16promax", n: "Apple iPhone 16 Pro Max 256 GB", b: "Apple", p: 1449.99, pl: "ios", t: ["iphone", "5g", "ios", "pro", "titanium"], d: "The biggest iPhone display ever at 6.9 inches and the best battery life in an iPhone." },
  { key: "s25", n: "Samsung Galaxy S25 128 GB", b: "Samsung", p: 899.99, pl: "android", t: ["galaxy", "5g", "android", "galaxy-ai"], d: "Compact flagship with Snapdragon 8 Elite for Galaxy and seven years of OS updates." },
  { key: "s25ultra", n: "Samsung Galaxy S25 Ultra 256 GB", b: "Samsung", p: 1449.99, pl: "android", t: ["galaxy", "5g", "android", "galaxy-ai", "s-pen"], d: "200 MP camera, built-in S Pen and a titanium frame. Das größte Display der Galaxy-S-Serie." },
  { key: "a56", n: "Samsung Galaxy A56 5G 128 GB", b: "Samsung", p: 449.99, pl: "android", t: ["galaxy", "5g", "android", "mid-range"], d: "Premium design at a mid-range price with a 6.7-inch Super AMOLED display and 45 W charging." },
  { key: "flip6", n: "Samsung Galaxy Z Flip6 256 GB", b: "Samsung", p: 1199.99, pl: "android", t: ["galaxy", "5g", "android", "foldable"], d: "Pocket-sized foldable with a 50 MP camera and a larger FlexWindow for quick replies." },
  { key: "pixel9", n: "Google Pixel 9 128 GB", b: "Google", p: 899.99, pl: "android", t: ["pixel", "5g", "android", "gemini"], d: "Google's AI phone with Gemini built in, a 50 MP camera and seven years of updates." },
  { key: "pixel9pro", n: "Google Pixel 9 Pro 128 GB", b: "Google", p: 1099.99, pl: "android", t: ["pixel", "5g", "android", "gemini", "pro"], d: "Pro triple camera with 5x telephoto, Super Res Zoom and a 6.3-inch Super Actua display." },
  { key: "pixel9a", n: "Google Pixel 9a 128 GB", b: "Google", p: 549.99, pl: "android", t: ["pixel", "5g", "android", "mid-range"], d: "The essential Pixel with Gemini, a great camera and all-day battery at a lower price." },
  { key: "fp5", n: "Fairphone 5 256 GB", b: "Fairphone", p: 699.99, pl: "android", t: ["fairphone", "5g", "android", "repairable", "sustainable"], d: "Das modulare Smartphone: Akku und Kamera selbst tauschen, fair gewonnene Materialien, acht Jahre Garantie." },
  { key: "nothing3a", n: "Nothing Phone (3a) 128 GB", b: "Nothing", p: 349.99, pl: "android", t: ["nothing", "5g", "android", "mid-range", "glyph"], d: "Transparent design with the Glyph Interface, a 3x telephoto camera and Nothing OS." },
];

const cases = [
  { n: "Apple Silikon-Case mit MagSafe für iPhone 16 – Schwarz", b: "Apple", p: 59.99, fits: ["ip16"], t: ["iphone", "magsafe", "silikon", "hülle"], d: "Weiche Silikon-Hülle mit Mikrofaserfutter. Passt in der Größe exakt zum iPhone 16." },
  { n: "Apple Clear Case mit MagSafe für iPhone 16 Pro", b: "Apple", p: 59.99, fits: ["ip16pro"], t: ["iphone", "magsafe", "transparent", "hülle"], d: "Transparente Hülle aus Polycarbonat, die das Design des iPhone 16 Pro zeigt und nicht vergilbt." },
  { n: "Spigen Ultra Hybrid Hülle iPhone 16 Pro Max – Transparent", b: "Spigen", p: 19.99, fits: ["ip16promax"], t: ["iphone", "transparent", "hülle", "budget"], d: "Kristallklare Rückseite, stoßdämpfender Rahmen und erhöhte Kanten für Display und Kamera." },
  { n: "OtterBox Defender Outdoor-Hülle iPhone 16 Pro", b: "OtterBox", p: 54.99, fits: ["ip16pro"], t: ["iphone", "rugged", "outdoor", "hülle"], d: "Mehrschichtiger Fallschutz und Port-Abdeckungen gegen Staub — für Baustelle, Berge und Festival." },
  { n: "dbramante1928 Lederhülle Copenhagen iPhone 15", b: "dbramante1928", p: 49.99, fits: ["ip15"], t: ["iphone", "leder", "wallet", "hülle"], d: "Klapphülle aus echtem Leder mit drei Kartenfächern. Schlanke Größe, großer Schutz." },
  { n: "Spigen Tough Armor Case for iPhone 16e", b: "Spigen", p: 24.99, fits: ["ip16e"], t: ["iphone", "rugged", "kickstand", "case"], d: "Dual-layer protection with a built-in kickstand and Air Cushion corners." },
  { n: "Samsung Silicone Case Galaxy S25 – Blau", b: "Samsung", p: 34.99, fits: ["s25"], t: ["galaxy", "silikon", "hülle"], d: "Offizielle Silikon-Hülle von Samsung: griffig, dünn und in Größe und Form perfekt angepasst." },
  { n: "Samsung Smart View Wallet Case Galaxy S25 Ultra", b: "Samsung", p: 49.99, fits: ["s25ultra"], t: ["galaxy", "wallet", "klapphülle", "hülle"], d: "Klapphülle mit Sichtfenster: Uhrzeit und Benachrichtigungen im Blick, ohne die Hülle zu öffnen." },
  { n: "Spigen Tough Armor Galaxy S25 Ultra", b: "Spigen", p: 26.99, fits: ["s25ultra"], t: ["galaxy", "rugged", "kickstand", "case"], d: "Military-grade drop protection with a reinforced kickstand for landscape viewing." },
  { n: "Samsung Clear Case Galaxy A56 5G", b: "Samsung", p: 19.99, fits: ["a56"], t: ["galaxy", "transparent", "case", "budget"], d: "Slim transparent protection that keeps the A56's colour visible." },
  { n: "Samsung Flap ECO-Leather Case Galaxy Z Flip6", b: "Samsung", p: 59.99, fits: ["flip6"], t: ["galaxy", "foldable", "leder", "case"], d: "Vegan-Leder mit Schlaufe: schützt Scharnier und Rückseite des Z Flip6." },
  { n: "Google Pixel 9 / 9 Pro Case – Grün", b: "Google", p: 34.99, fits: ["pixel9", "pixel9pro"], t: ["pixel", "silikon", "hülle"], d: "Aus recyceltem Kunststoff, passt auf Pixel 9 und Pixel 9 Pro (gleiche Größe)." },
  { n: "Spigen Liquid Air Pixel 9 / 9 Pro – Matte Black", b: "Spigen", p: 16.99, fits: ["pixel9", "pixel9pro"], t: ["pixel", "slim", "case", "budget"], d: "Slim, flexible TPU case with a geometric pattern for a secure grip." },
  { n: "Google Pixel 9a Case – Rosa", b: "Google", p: 29.99, fits: ["pixel9a"], t: ["pixel", "silikon", "hülle"], d: "Weiche Schutzhülle für das Pixel 9a, angenehm griffig und leicht." },
  { n: "Fairphone 5 Protective Soft Case", b: "Fairphone", p: 34.99, fits: ["fp5"], t: ["fairphone", "recycled", "case", "sustainable"], d: "Made from recycled TPU and modular like the phone: easy to fit, easy to repair, fully recyclable." },
  { n: "Nothing Phone (3a) Case – Clear", b: "Nothing", p: 24.99, fits: ["nothing3a"], t: ["nothing", "transparent", "case"], d: "Shows off the Glyph Interface while protecting the back and camera." },
];

// ---------------------------------------------------------------------------------------------

const CATEGORIES = [
  ["consoles", consoles],
  ["games", games],
  ["controllers", controllers],
  ["headphones", headphones],
  ["phones", phones],
  ["phone-cases", cases],
];

function colorFor(category, name) {
  const base = pick(PALETTE[category]); // always draw, so the stream does not depend on names
  for (const [re, hex] of NAMED_COLORS) if (re.test(name)) return hex;
  return base;
}

function build() {
  const products = [];
  const idByKey = new Map();
  let nextId = 1001;

  // First pass: assign ids (phones must have ids before cases reference them).
  for (const [, rows] of CATEGORIES) {
    for (const row of rows) {
      row.id = `sku-${nextId++}`;
      if (row.key) idByKey.set(row.key, row.id);
    }
  }

  for (const [category, rows] of CATEGORIES) {
    for (const row of rows) {
      const tags = [...new Set([...(row.pl && !row.t.includes(row.pl) ? [row.pl] : []), ...row.t])];
      const product = {
        id: row.id,
        name: row.n,
        brand: row.b,
        category,
        price: cents(row.p),
        currency: "EUR",
        tags,
        description: row.d,
        in_stock: true,
        color: colorFor(category, row.n),
      };
      if (row.pl) product.platform = row.pl;
      if (row.fits) {
        product.compatible_with = row.fits.map((k) => {
          const id = idByKey.get(k);
          if (!id) throw new Error(`unknown phone key ${k} in ${row.n}`);
          return id;
        });
      }
      // Ratings: skewed towards 4-5 stars like real shops.
      product.rating = Math.round((3.6 + rand() * 1.35) * 10) / 10;
      product.review_count = Math.floor(8 + Math.pow(rand(), 2) * 2400);
      products.push(product);
    }
  }

  // A few items out of stock, a handful on sale (strike-through price 8-20% higher).
  const n = products.length;
  const outOfStock = new Set();
  while (outOfStock.size < 6) outOfStock.add(Math.floor(rand() * n));
  for (const i of outOfStock) products[i].in_stock = false;

  const onSale = new Set();
  while (onSale.size < 12) onSale.add(Math.floor(rand() * n));
  for (const i of [...onSale].sort((a, b) => a - b)) {
    const p = products[i];
    const list = Math.floor(p.price * (1.08 + rand() * 0.12)) + 0.99;
    p.compare_at_price = cents(list);
  }

  // Fixed key order for stable, readable output.
  const order = ["id", "name", "brand", "category", "price", "compare_at_price", "currency", "tags", "description", "in_stock", "platform", "compatible_with", "color", "rating", "review_count"];
  const ordered = products.map((p) => Object.fromEntries(order.filter((k) => k in p).map((k) => [k, p[k]])));

  return {
    version: 1,
    generated: "deterministic",
    currency: "EUR",
    categories: CATEGORIES.map(([c, rows]) => ({ id: c, count: rows.length })),
    products: ordered,
  };
}

function main() {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = process.argv[2] ? resolve(process.argv[2]) : resolve(here, "..", "www", "catalog.json");
  const catalog = build();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(catalog, null, 2) + "\n");
  const counts = catalog.categories.map((c) => `${c.id} ${c.count}`).join(", ");
  console.log(`gen-catalog: wrote ${catalog.products.length} products (${counts}) to ${out}`);
}

main();
