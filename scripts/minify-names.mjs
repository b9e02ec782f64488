#!/usr/bin/env node
// Shortens the names the wasm module and its wasm-bindgen glue use to talk to each other
// (`scripts/build.sh` runs it on pkg/ after wasm-bindgen, before wasm-opt -Oz).
//
// wasm-bindgen names every import `__wbg_<method>_<16 hex digits>` and some exports
// `..._invoke__h<16 hex digits>`. Each name is written twice (in the module's import or export
// section and in persona.js), and the hashes do not compress. `wasm-opt
// --minify-imports-and-exports-and-modules` renames them in the module, puts every import in one
// module with a one-letter name, and prints the mapping; this script applies it to persona.js:
//   - an import of ./persona_bg.js is a key of the glue's `import0` object: the key is renamed;
//   - an import of the `src/web/glue.js` snippet (read from a namespace object such as `import1`)
//     becomes a member of `import0` too, and `import0` is the only module the glue provides;
//   - an export is read as `wasm.<name>`: each read is renamed.
// Every name must be found where expected, or the script fails (a wasm-bindgen upgrade that
// changes the glue's shape must not produce a module whose imports do not resolve).
// The module keeps its function names (-g), so twiggy and the bench profile still read pkg/.
//
//   node scripts/minify-names.mjs [pkg dir]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = resolve(process.argv[2] || join(root, "pkg"));
const wasmPath = join(pkg, "persona_bg.wasm");
const gluePath = join(pkg, "persona.js");
const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");

const fail = (message) => {
  console.error(`minify-names: ${message}`);
  process.exit(1);
};

// wasm-opt prints `"imports": [[module, name, new], ...], "exports": [[name, new], ...]` with
// trailing commas, so the rows are read one by one rather than as JSON.
const report = execFileSync(
  wasmOpt,
  [wasmPath, "-g", "--minify-imports-and-exports-and-modules", "-o", wasmPath],
  { encoding: "utf8" },
);
const [importPart, exportPart] = report.split('"exports"');
if (exportPart === undefined) fail("unexpected wasm-opt output");
const rows = (text) => [...text.matchAll(/^\s*(\[.*\]),?\s*$/gm)].map((m) => JSON.parse(m[1]));
const imports = rows(importPart);
const exports = rows(exportPart);
const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmPath))).map((i) => i.module));
if (modules.size !== 1) fail(`expected one import module, found ${[...modules].join(", ")}`);
const [module] = modules;

let glue = readFileSync(gluePath, "utf8");
const escape = (s) => s.replace(/[$.*+?^()[\]{}|\\/]/g, "\\$&");
// Replaces the one match of `pattern` (every match when `all`, of which there must be one).
const replace = (pattern, by, what, all = false) => {
  const global = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`);
  const n = (glue.match(global) || []).length;
  if (all ? n === 0 : n !== 1) fail(`${what}: ${n} matches`);
  // A function, so that a `$` in a short name is not read as a replacement pattern.
  glue = glue.replace(pattern, () => by);
};

// The namespace object each snippet module is read from, as named in the returned imports.
const namespaces = new Map();
const returned = /^ {4}return \{\n {8}__proto__: null,\n((?: {8}"[^"]+": import\d+,\n)+) {4}\};$/m;
const found = glue.match(returned);
if (!found) fail("the object of imports was not found");
for (const [, name, object] of found[1].matchAll(/"([^"]+)": (import\d+),/g)) namespaces.set(name, object);
if (namespaces.get("./persona_bg.js") !== "import0") fail("./persona_bg.js is not import0");

const added = [];
for (const [from, name, short] of imports) {
  const key = JSON.stringify(short);
  if (from === "./persona_bg.js") {
    replace(new RegExp(`^( {8})${escape(name)}:`, "m"), `        ${key}:`, `import ${name}`);
  } else if (namespaces.has(from)) {
    added.push(`        ${key}: ${namespaces.get(from)}.${name},\n`);
  } else {
    fail(`import ${name} from unknown module ${from}`);
  }
}
replace(/^( {4}\};\n {4}return \{)$/m, `${added.join("")}    };\n    return {`, "end of import0");
replace(returned, `    return { __proto__: null, ${JSON.stringify(module)}: import0 };`, "object of imports");

for (const [name, short] of exports) {
  if (!/^[A-Za-z_$][\w$]*$/.test(short)) fail(`export ${name}: unexpected short name ${short}`);
  // Exports the glue never reads (wasm-bindgen's own bookkeeping) have no match.
  const pattern = new RegExp(`\\bwasm\\.${escape(name)}\\b`, "g");
  if (pattern.test(glue)) replace(pattern, `wasm.${short}`, `export ${name}`, true);
}
writeFileSync(gluePath, glue);
