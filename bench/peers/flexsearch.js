// FlexSearch 0.8: in-browser full-text search over documents (persona: p.search).
import { Document } from "flexsearch";

const index = new Document({ document: { id: "id", index: ["title", "brand"] }, tokenize: "forward" });
index.add({ id: 1, title: "PlayStation 5 Controller", brand: "Sony" });
index.add({ id: 2, title: "Xbox Series X", brand: "Microsoft" });
index.add({ id: 3, title: "Switch Pro Controller", brand: "Nintendo" });
export const hits = index.search("contro", { limit: 10 });
