// persona, npm path: the same job as the peers' minimal uses (init + track), bundled the same way.
// bench/size.mjs adds dist/persona.wasm to this bundle's size.
import { Persona } from "../../dist/index.js";

const p = await Persona.init({ collector: { url: "/v1/batch" } });
p.track("Product Viewed", { product_id: "sku-1" });
