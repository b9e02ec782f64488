// Orama: in-browser full-text search with typo tolerance (persona: p.search).
import { create, insert, search } from "@orama/orama";

const db = create({ schema: { title: "string", brand: "string" } });
insert(db, { title: "PlayStation 5 Controller", brand: "Sony" });
insert(db, { title: "Xbox Series X", brand: "Microsoft" });
insert(db, { title: "Switch Pro Controller", brand: "Nintendo" });
export const hits = search(db, { term: "controler", tolerance: 1 });
