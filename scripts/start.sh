#!/usr/bin/env bash
# The main job: set up, build the SDK and the demo catalog, then run the reference collector
# with its SQLite database, serving the demo shop at http://127.0.0.1:8080 (PERSONA_ADDR to
# change it; PERSONA_DB for the database, default data/persona.db).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

bash scripts/build.sh
cargo build --release -p collector
# The recommendations model from the events stored so far (empty on a first run: the shelves then
# recommend from content and popularity), rebuilt every 5 minutes while the shop runs
# (PERSONA_MODEL_EVERY seconds; 0 never).
target/release/collector model --db "${PERSONA_DB:-data/persona.db}"
export PERSONA_MODEL_EVERY="${PERSONA_MODEL_EVERY:-300}"
echo "demo shop: http://${PERSONA_ADDR:-127.0.0.1:8080}/  dashboard: http://${PERSONA_ADDR:-127.0.0.1:8080}/dashboard/  (Ctrl-C to stop)"
exec target/release/collector "$@"
