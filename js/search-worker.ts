/**
 * The search module in a Web Worker (`dist/persona-search-worker.js`, a classic script): indexing
 * a large catalog takes a second or more, which must not freeze the page. `js/search.ts` starts
 * it and sends `{id, op, a, b, c}`; it answers `{id, value}` or `{id, error}` with the error's
 * name, message, `code`, `property` and `index`. The first message, `{wasm}`, loads the module
 * and is answered `{ready: true}` or `{ready: false, error}`.
 */
import { Search, initSync } from "../pkg-search/persona.js";

type Request = { id: number; op: number; a?: unknown; b?: unknown; c?: unknown };

let engine: Search | null = null;
const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown, t?: Transferable[]): void };

scope.onmessage = async (event: MessageEvent) => {
  const data = event.data as Request | { wasm: string };
  if ("wasm" in data) {
    try {
      const response = await fetch(data.wasm);
      initSync({ module: await response.arrayBuffer() });
      engine = new Search();
      scope.postMessage({ ready: true });
    } catch (error) {
      scope.postMessage({ ready: false, error: String(error) });
    }
    return;
  }
  const { id, op, a, b, c } = data;
  try {
    const value = engine?.call(op, a, b, c);
    scope.postMessage({ id, value }, value instanceof Uint8Array ? [value.buffer] : []);
  } catch (e) {
    const err = e as { name?: string; message?: string; code?: string; property?: string; index?: number };
    scope.postMessage({ id, error: { name: err?.name, message: err?.message ?? String(e), code: err?.code, property: err?.property, index: err?.index } });
  }
};
