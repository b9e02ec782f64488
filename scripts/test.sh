#!/usr/bin/env bash
# Every test of the project, in the order that fails fastest. `npm test` runs this; so does CI.
#   1. set-up (wasm target, wasm-bindgen CLI, npm packages, Debian's Chromium + ChromeDriver)
#   2. cargo fmt --check; clippy -D warnings for the native and the wasm target
#   3. native unit and integration tests (the core, the collector against its real binary)
#   4. the build (fails on the size budget)
#   5. wasm-bindgen-test in headless Chromium
#   6. end-to-end: demo shop + collector + SQLite, script tag, packaged npm app (playwright-core)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/node_modules/.bin:$PATH"

step() { printf '\n\033[1mtest: %s\033[0m\n' "$*"; }

step "set-up"
bash scripts/setup.sh --browser

step "cargo fmt --check"
cargo fmt --all --check

step "clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (wasm32)"
cargo clippy --target wasm32-unknown-unknown -p persona --all-targets -- -D warnings
# The shipped module: no `std` (see Cargo.toml's features).
cargo clippy --target wasm32-unknown-unknown -p persona --no-default-features --lib -- -D warnings
# The search module (persona-search.wasm), in its own target dir as scripts/build.sh builds it.
CARGO_TARGET_DIR=target/search cargo clippy --target wasm32-unknown-unknown -p persona --no-default-features \
  --features search-module --lib -- -D warnings

step "native tests"
cargo test --workspace

step "build"
PERSONA_SKIP_SETUP=1 bash scripts/build.sh

step "wasm tests in headless Chromium"
# The runner gives Chromium 20 s to load and run the tests by default; a busy shared machine
# needs more (the tests themselves take under a second).
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}" CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test --target wasm32-unknown-unknown -p persona --test browser

step "end-to-end tests in headless Chromium"
cargo build -p collector
# A hung test fails after 3 minutes instead of eating CI's 90; open handles never stall the run.
node --test --test-concurrency=1 --test-timeout=180000 --test-force-exit tests/e2e/
