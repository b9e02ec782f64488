// MiniSearch: in-browser full-text search with prefix and fuzzy matching (persona: p.search).
import MiniSearch from "minisearch";

const index = new MiniSearch({ fields: ["title", "brand"], storeFields: ["title"] });
index.addAll([
  { id: 1, title: "PlayStation 5 Controller", brand: "Sony" },
  { id: 2, title: "Xbox Series X", brand: "Microsoft" },
  { id: 3, title: "Switch Pro Controller", brand: "Nintendo" },
]);
export const hits = index.search("controler", { prefix: true, fuzzy: 0.2 });
