#!/usr/bin/env node
// Points the function-table slots that nothing can call at a trapping stub, so that the next
// `wasm-opt` pass drops the functions behind them. `scripts/build.sh` runs it on the optimised
// module and then runs `wasm-opt` again, until no slot is left to prune.
//
// Why there is anything to prune: the linker gives a table slot to every function whose address
// was taken anywhere in the linked code: trait-object vtables (`Display::fmt` for a panic message,
// `Iterator::nth`), closure shims wasm-bindgen generates for every closure signature it knows.
// `wasm-opt` then removes the code that took those addresses (panic paths end in a trap since
// the module links no std; wasm-bindgen deleted the exports that used the shims), but it keeps
// every table entry, and the functions behind them (`core::fmt::Formatter::pad`, ~30 unused
// closure shims: about 3 KB).
//
// When a slot cannot be called: `call_indirect` takes its index from a value, and in code
// compiled from Rust a function's table index is never computed: it is written by the linker as
// a constant into code (`i32.const` passed, stored or selected as a value) or into the data
// segments (a vtable or a static, as a 4-byte little-endian word). A slot whose index appears in
// neither place cannot be reached. Constants that are operands of arithmetic or comparisons are
// not counted: they are offsets into structs (`base + 108`), never function indices. wasm-opt
// does not make a new constant out of two others, except 0 and 1 out of a condition.
// A pruned slot points at a stub of the same signature whose body is `unreachable`: should the
// reasoning ever be wrong, the call traps, as a `call_indirect` to an empty slot would, and the
// JS guard reports the trap as a `"fault"` (persona shuts down, the page carries on).
//
//   node scripts/prune-table.mjs <in.wasm> <out.wasm>   # prints how many slots it pruned
import { readFileSync, writeFileSync } from "node:fs";
import binaryen from "binaryen";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node scripts/prune-table.mjs <in.wasm> <out.wasm>");
  process.exit(2);
}

const STUB_PREFIX = "persona$unreachable_slot_";
// The module keeps its `target_features` section: binaryen reads the features from it and writes
// nothing the browsers that load the module do not know.
const mod = binaryen.readBinary(readFileSync(input));

// Every i32 constant used as a value (not as an operand of arithmetic or a comparison).
const ARITHMETIC =
  /^\((i32|i64)\.(add|sub|mul|div_[su]|rem_[su]|and|or|xor|shl|shr_[su]|rotl|rotr|eq|ne|lt_[su]|gt_[su]|le_[su]|ge_[su])\b/;
const text = mod.emitText();
const lines = text.split("\n");
const depth = (line) => line.length - line.trimStart().length;
const values = new Set();
let read = 0;
for (let i = 0; i < lines.length; i++) {
  for (const match of lines[i].matchAll(/\(i32\.const (-?\d+)\)/g)) {
    read++;
    let parent = lines[i].trim();
    if (parent === match[0]) {
      let j = i - 1;
      while (j >= 0 && depth(lines[j]) >= depth(lines[i])) j--;
      parent = j >= 0 ? lines[j].trim() : "";
    }
    if (!ARITHMETIC.test(parent)) values.add(Number(match[1]));
  }
}
// Every constant must have been read: a binaryen whose text output looks different would
// otherwise make every slot look unused.
if (read === 0 || read !== (text.match(/i32\.const/g) || []).length) {
  console.error("prune-table: could not read every i32.const in binaryen's text output; nothing pruned");
  process.exit(1);
}

// Every 4-byte little-endian word at a 4-aligned address in the data segments (vtables and
// statics holding function pointers are pointer-aligned). A segment at a computed address: every
// word at every offset.
const words = new Set();
for (let s = 0; s < mod.getNumDataSegments(); s++) {
  const segment = mod.getDataSegmentInfo(mod.getDataSegmentByIndex(s));
  const bytes = new Uint8Array(segment.data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const step = typeof segment.offset === "number" && !segment.passive ? 4 : 1;
  const first = step === 4 ? (4 - (segment.offset % 4)) % 4 : 0;
  for (let i = first; i + 4 <= bytes.length; i += step) words.add(view.getUint32(i, true));
}

const stubs = new Map(); // "params|results" -> stub name
let pruned = 0;
const segments = [];
for (let s = 0; s < mod.getNumElementSegments(); s++) {
  segments.push(binaryen.getElementSegmentInfo(mod.getElementSegmentByIndex(s)));
}
for (const segment of segments) {
  const offset = binaryen.getExpressionInfo(segment.offset);
  if (segment.table === "" || offset.id !== binaryen.ConstId) {
    continue; // passive, or placed at a computed offset: left alone
  }
  let changed = false;
  const data = segment.data.map((name, i) => {
    const index = offset.value + i;
    // 0 and 1 can be computed from a condition (wasm-opt turns `c ? 1 : 0` into `c`), so slot 1
    // is never pruned; slot 0 is the null function pointer.
    if (index <= 1 || values.has(index) || words.has(index)) return name;
    const fn = binaryen.getFunctionInfo(mod.getFunction(name));
    if (fn.body && binaryen.getExpressionId(fn.body) === binaryen.UnreachableId) return name; // a stub
    const key = `${fn.params}|${fn.results}`;
    if (!stubs.has(key)) {
      const stub = `${STUB_PREFIX}${stubs.size}`;
      mod.addFunction(stub, fn.params, fn.results, [], mod.unreachable());
      stubs.set(key, stub);
    }
    pruned++;
    changed = true;
    return stubs.get(key);
  });
  if (changed) {
    mod.removeElementSegment(segment.name);
    mod.addActiveElementSegment(segment.table, segment.name, data, mod.i32.const(offset.value));
  }
}

if (!mod.validate()) {
  console.error("prune-table: the module does not validate after pruning");
  process.exit(1);
}
writeFileSync(output, mod.emitBinary());
console.log(pruned);
