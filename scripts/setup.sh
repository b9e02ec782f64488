#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: everything `npm start`, `npm test` and `npm run bench` need.
#
#   bash scripts/setup.sh            # build tools only (wasm target, wasm-bindgen CLI, npm packages)
#   bash scripts/setup.sh --browser  # also Debian's chromium + chromium-driver, for the tests
#
# Every step checks first and does nothing when its tool is already there, so running it twice
# costs a few seconds. Nothing here downloads a prebuilt binary: the wasm-bindgen CLI is compiled
# from crates.io, Chromium comes from Debian's packages, wasm-opt and esbuild from npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "setup: unknown argument $arg" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# 1. Rust's wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. The wasm-bindgen CLI, exactly the version of the `wasm-bindgen` crate in Cargo.lock (the two
#    must match or the generated glue refuses the module).
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$bindgen_version" ]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"
have_bindgen=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_bindgen" != "$bindgen_version" ]; then
  log "installing wasm-bindgen-cli $bindgen_version (compiles from source, about 3 minutes)"
  # --locked first (the CLI's own lock file); if a crate it pins is no longer served by the
  # registry (seen: webpki-roots 1.0.11), resolve afresh within the same semver ranges.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --locked ||
    cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

# 3. npm packages (esbuild, binaryen's wasm-opt, TypeScript, playwright-core, the peers for the bench).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund
fi

# 4. Chromium and its driver, from Debian (Playwright's own browser download cannot work here).
if [ "$want_browser" = 1 ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "installing Debian's chromium and chromium-driver"
    sudo_cmd=""
    if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  fi
fi

log "ready"
