#!/usr/bin/env node
// Writes bench/search/judged-queries.json: the project's judged query set for
// ../shared/datasets/bestbuy-phones-3291.json, used by bench/search-quality.mjs.
//
// Each query has an intent, written here as a rule over the product's own fields (name, brand,
// categories) by a person reading the catalog, not by any search engine; the rule picks the
// products a shopper typing the query wants. The file stores the resulting ids (a product's id is
// the Best Buy SKU in its image URL), so the judgement is fixed data; this script documents how
// it was made and rewrites it when a rule is corrected. Run: node bench/search/make-judgements.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const catalog = JSON.parse(readFileSync(join(here, "../../../shared/datasets/bestbuy-phones-3291.json"), "utf8"));
export const sku = (p) => p.image.match(/\/(\d+)_/)[1];

const name = (re) => (p) => re.test(p.name);
const inCategory = (c) => (p) => p.categories.includes(c);
const all = (...rules) => (p) => rules.every((r) => r(p));
const brand = (b) => (p) => p.brand.toLowerCase() === b.toLowerCase();
const isCase = (p) => /\bcase\b/i.test(p.name) || p.categories.some((c) => /Cases & Clips|iPhone \d.* Cases/.test(c));
const PHONES = ["All Unlocked Cell Phones", "All Cell Phones with Plans", "All Prepaid Phones", "Refurbished Phones", "iPhone"];
const phone = (p) => p.categories.some((c) => PHONES.includes(c));
// "iPhone 7" and not "iPhone 7 Plus"; the catalog writes "iPhone® 7" in accessory names.
const iphone7 = name(/iPhone®? 7(?! Plus)\b/);
const iphone7plus = name(/iPhone®? 7 Plus/);
const headset = (p) => /Bluetooth Headset/i.test(p.name) || (inCategory("Bluetooth Headsets")(p) && /Bluetooth/i.test(p.name));

// kind: "exact" (typed right), "typo" (misspelled), "partial" (cut short while typing).
const QUERIES = [
  ["iphone 7", "an iPhone 7 phone", "exact", all(phone, name(/^Apple - iPhone 7 /))],
  ["iphone se 64gb rose gold", "that exact iPhone SE", "exact", name(/iPhone SE 64GB - Rose Gold/)],
  ["galaxy s7 edge", "a Galaxy S7 edge phone", "exact", all(phone, name(/^Samsung - (Refurbished )?Galaxy S7 edge/i))],
  ["verizon galaxy s7", "a Galaxy S7 (not edge) on Verizon", "exact", all(phone, name(/Galaxy S7 32GB.*\(Verizon\)/))],
  ["moto z play", "the Moto Z Play phone", "exact", all(phone, name(/Moto Z Play/))],
  ["huawei mate 9", "the Huawei Mate 9", "exact", name(/^Huawei - Mate 9/)],
  ["lg g5", "an LG G5 phone", "exact", name(/^LG - G5 /)],
  ["sony xperia", "a Sony Xperia phone", "exact", all(phone, name(/^Sony - .*Xperia/i))],
  ["jitterbug flip", "the Jitterbug Flip", "exact", name(/Jitterbug - Flip/)],
  ["iphone 6s rose gold", "an iPhone 6s (not Plus) in rose gold", "exact", all(phone, name(/iPhone 6s \d+GB - Rose gold/i))],
  ["otterbox defender iphone 7", "an OtterBox Defender for the iPhone 7", "exact", all(brand("OtterBox"), name(/Defender/), iphone7)],
  ["otterbox defender iphone 7 plus", "an OtterBox Defender for the iPhone 7 Plus", "exact", all(brand("OtterBox"), name(/Defender/), iphone7plus)],
  ["lifeproof fre iphone 7 plus", "a LifeProof Frē for the iPhone 7 Plus", "exact", all(brand("LifeProof"), name(/Fr[eē]/i), iphone7plus)],
  ["mophie juice pack iphone 7", "a mophie Juice Pack battery case for the iPhone 7", "exact", all(brand("mophie"), name(/juice pack/i), iphone7)],
  ["kate spade iphone 7 case", "a kate spade case for the iPhone 7", "exact", all(brand("kate spade new york"), isCase, iphone7)],
  ["spigen galaxy s7 edge case", "a Spigen case for the Galaxy S7 edge", "exact", all(brand("Spigen"), name(/Galaxy S7 edge/i))],
  ["screen protector galaxy s7", "a screen protector for the Galaxy S7 (not edge)", "exact", all(name(/Screen Protector/i), name(/Galaxy S7(?! edge)\b/i))],
  ["apple watch band", "a band or strap for the Apple Watch", "exact", all(inCategory("Smartwatch Bands"), name(/Apple Watch/))],
  ["selfie stick", "a selfie stick", "exact", name(/selfie stick/i)],
  ["bluetooth headset", "a Bluetooth headset", "exact", headset],
  ["samsung wireless charger", "a Samsung wireless charger", "exact", all(brand("Samsung"), name(/Wireless Charg/i), (p) => !isCase(p))],
  ["signal booster", "a cellular signal booster", "exact", name(/Signal Booster/i)],
  ["olloclip lens", "an olloclip lens", "exact", all(brand("olloclip"), name(/Lens/i))],
  ["tile mate", "the Tile Mate tracker", "exact", name(/^Tile - Tile Mate/)],
  ["sim kit", "a SIM kit", "exact", all(inCategory("SIM Cards"), name(/SIM Kit/i))],
  ["usb c car charger", "a car charger with USB-C", "exact", all(inCategory("Car Chargers"), name(/USB[- ]?C\b|Type[- ]C/i))],
  ["lightning cable", "a Lightning cable", "exact", all(name(/Lightning/i), name(/Cable/i), (p) => !/Adapter|Dock|Headphone|Charger/i.test(p.name))],
  ["portable charger", "a portable charger", "exact", name(/Portable Charger/i)],
  ["blu unlocked phone", "an unlocked BLU phone", "exact", all(brand("BLU"), inCategory("All Unlocked Cell Phones"))],
  ["prepaid galaxy j3", "a prepaid Galaxy J3", "exact", all(inCategory("All Prepaid Phones"), name(/Galaxy J3/i))],
  // Misspelled: one edit below 8 letters, up to two from 8.
  ["iphnoe 7", "an iPhone 7 phone", "typo", all(phone, name(/^Apple - iPhone 7 /))],
  ["samsnug galaxy s7 edge", "a Galaxy S7 edge phone", "typo", all(phone, name(/^Samsung - (Refurbished )?Galaxy S7 edge/i))],
  ["otterbx defender iphone 7", "an OtterBox Defender for the iPhone 7", "typo", all(brand("OtterBox"), name(/Defender/), iphone7)],
  ["screen protecter galaxy s7", "a screen protector for the Galaxy S7 (not edge)", "typo", all(name(/Screen Protector/i), name(/Galaxy S7(?! edge)\b/i))],
  ["selfie stik", "a selfie stick", "typo", name(/selfie stick/i)],
  ["lifeprof fre iphone 7 plus", "a LifeProof Frē for the iPhone 7 Plus", "typo", all(brand("LifeProof"), name(/Fr[eē]/i), iphone7plus)],
  ["motorolla moto z play", "the Moto Z Play phone", "typo", all(phone, name(/Moto Z Play/))],
  ["blutooth headset", "a Bluetooth headset", "typo", headset],
  ["samsung wireles charger", "a Samsung wireless charger", "typo", all(brand("Samsung"), name(/Wireless Charg/i), (p) => !isCase(p))],
  ["huawie mate 9", "the Huawei Mate 9", "typo", name(/^Huawei - Mate 9/)],
  ["sony xpreia", "a Sony Xperia phone", "typo", all(phone, name(/^Sony - .*Xperia/i))],
  ["kate spade iphone 7 csae", "a kate spade case for the iPhone 7", "typo", all(brand("kate spade new york"), isCase, iphone7)],
  // Partial: the last word cut short while typing.
  ["galaxy s7 ed", "a Galaxy S7 edge phone", "partial", all(phone, name(/^Samsung - (Refurbished )?Galaxy S7 edge/i))],
  ["apple watch ba", "a band or strap for the Apple Watch", "partial", all(inCategory("Smartwatch Bands"), name(/Apple Watch/))],
  ["signal boo", "a cellular signal booster", "partial", name(/Signal Booster/i)],
  ["jitterb", "the Jitterbug Flip", "partial", name(/Jitterbug - Flip/)],
];

const out = QUERIES.map(([query, intent, kind, rule]) => {
  const relevant = catalog.filter(rule).map(sku);
  if (relevant.length === 0) throw new Error(`no product for "${query}"`);
  return { query, intent, kind, relevant };
});
const typos = out.filter((q) => q.kind !== "exact").length;
if (out.length < 40 || typos * 4 < out.length) throw new Error("at least 40 queries, a quarter misspelled or partial");
const file = join(here, "judged-queries.json");
writeFileSync(file, JSON.stringify({ dataset: "bestbuy-phones-3291.json", id: "Best Buy SKU from the image URL", queries: out }, null, 1) + "\n");
console.log(`${out.length} queries (${typos} misspelled or partial) → ${file}`);
for (const q of out) console.log(`${String(q.relevant.length).padStart(4)}  ${q.kind.padEnd(7)} ${q.query}`);
