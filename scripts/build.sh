#!/usr/bin/env bash
# Builds dist/ (the npm package contents) and the demo catalog:
#   dist/persona.wasm   the module (wasm-opt -Oz)
#   dist/index.js       ESM entry for npm users, with dist/*.d.ts
#   dist/persona.js     IIFE script-tag bundle; loads persona.wasm from next to itself
# and fails when the size budget in scripts/size.mjs is exceeded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/node_modules/.bin:$PATH"

if [ "${PERSONA_SKIP_SETUP:-}" != 1 ]; then
  bash scripts/setup.sh
fi

step() { printf '\033[1mbuild:\033[0m %s\n' "$*"; }

step "demo catalog"
node scripts/gen-catalog.mjs www/catalog.json

step "cargo build (wasm32, release)"
# Panic locations carry their file's path into the module: the dependencies' paths shrink from
# <cargo home>/registry/src/index.crates.io-<hash>/js-sys-0.3.107/src/... to js-sys-0.3.107/src/...
remap=()
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do remap+=("--remap-path-prefix=$dir="); done
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${remap[*]}"
cargo build --release --target wasm32-unknown-unknown -p persona --no-default-features

step "wasm-bindgen"
rm -rf pkg dist
wasm-bindgen --target web --omit-default-module-path --out-dir pkg --out-name persona \
  target/wasm32-unknown-unknown/release/persona.wasm

step "short import and export names"
node scripts/minify-names.mjs pkg

step "wasm-opt -Oz"
mkdir -p dist
# --low-memory-unused: the first 1 KiB of memory is never addressed (rustc puts the 1 MiB stack
# there, growing down from 1 MiB, with the data above it), so constant offsets can be folded into
# loads and stores. --merge-similar-functions before inlining merges more near-duplicates.
# --one-caller-inline-max-function-size=30: wasm-opt -Oz inlines every function with a single
# caller whatever its size, which glued most of the module into the two exports' bodies. Capped
# at 30 bytes the script-tag path went from 61,349 to 59,192 bytes gzip (caps of 20 and 30 were
# best; 0, 10 and 50 were 100-300 bytes larger).
opt() {
  wasm-opt --low-memory-unused --merge-similar-functions -Oz --one-caller-inline-max-function-size=30 \
    --converge --strip-debug --strip-producers \
    "$1" -o "$2"
}
# Table slots nothing can call any more (scripts/prune-table.mjs) point at a trap; wasm-opt then
# drops the functions behind them. Usually one round; stops when a round prunes nothing.
shrink() {
  opt "$1" "$2"
  for _ in 1 2 3; do
    pruned=$(node scripts/prune-table.mjs "$2" "$2")
    [ "$pruned" = 0 ] && break
    opt "$2" "$2"
  done
}
shrink pkg/persona_bg.wasm dist/persona.wasm

step "search module (lazy chunk: persona-search.wasm)"
# The same crate with the `search-module` feature: catalog index, search and re-ranking, loaded by
# the page on its first search (js/search.ts). Its own target dir keeps both builds cached.
CARGO_TARGET_DIR=target/search cargo build --release --target wasm32-unknown-unknown -p persona \
  --no-default-features --features search-module
rm -rf pkg-search
wasm-bindgen --target web --omit-default-module-path --out-dir pkg-search --out-name persona \
  target/search/wasm32-unknown-unknown/release/persona.wasm
node scripts/minify-names.mjs pkg-search
shrink pkg-search/persona_bg.wasm dist/persona-search.wasm

step "demo search index"
node scripts/build-index.mjs www/catalog.json www/catalog.idx

step "tsc (types)"
tsc -p js/tsconfig.json
# The script-tag entry, the search chunk and its worker have no importable API.
rm -f dist/loader.d.ts dist/search.d.ts dist/search-worker.d.ts

step "esbuild"
# The supported browsers (README) run class private members natively: no WeakMap emulation.
common=(--bundle --minify --target=chrome96,edge96,firefox100,safari15 --legal-comments=none --log-level=warning)
esbuild js/index.ts "${common[@]}" --format=esm --outfile=dist/index.js
# The IIFE always passes the wasm URL itself; import.meta is unused there.
esbuild js/loader.ts "${common[@]}" --format=iife --outfile=dist/persona.js \
  --log-override:empty-import-meta=silent
# The QA overlay, loaded on demand (persona.qa.panel(), ?persona_debug=1): not in either bundle.
esbuild js/panel.ts "${common[@]}" --format=esm --outfile=dist/persona-panel.js
# The search chunk, loaded on the first search or re-ranking: not in either bundle.
esbuild js/search.ts "${common[@]}" --format=esm --outfile=dist/persona-search.js
# Its worker: a classic script (module workers need Firefox 114), started by the chunk.
esbuild js/search-worker.ts "${common[@]}" --format=iife --outfile=dist/persona-search-worker.js

step "size"
node scripts/size.mjs
