#!/usr/bin/env bash
# `npm run bench`: set up, build persona, then run every benchmark in bench/ (see bench/README.md).
#
#   PERSONA_SKIP_BUILD=1 npm run bench   # reuse the existing dist/ instead of rebuilding
#
# Results are written to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --browser # track.mjs and profile.mjs run in Debian's headless Chromium

if [ "${PERSONA_SKIP_BUILD:-0}" = 1 ]; then
  echo "bench: PERSONA_SKIP_BUILD=1, using the existing dist/"
else
  npm run build
fi

# One line per benchmark; each writes bench/results/<name>.md and <name>.json.
node bench/size.mjs
node bench/track.mjs
node bench/profile.mjs
node bench/search-quality.mjs
node bench/search-speed.mjs
node bench/rerank-quality.mjs
node bench/recommend-baskets.mjs
node bench/recommend-quality.mjs
node bench/recommend-speed.mjs
node bench/load.mjs
node bench/insights.mjs
