// The real catalog the search benchmarks use: ../shared/datasets/bestbuy-phones-3291.json, read
// at run time, with each product's id taken from its image URL (the Best Buy SKU).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../common.mjs";

export function loadCatalog() {
  const raw = JSON.parse(readFileSync(join(root, "..", "shared", "datasets", "bestbuy-phones-3291.json"), "utf8"));
  return raw.map((p) => ({
    id: p.image.match(/\/(\d+)_/)[1],
    name: p.name,
    brand: p.brand,
    categories: p.categories,
    description: p.description,
    price: p.price,
    popularity: p.popularity,
  }));
}
