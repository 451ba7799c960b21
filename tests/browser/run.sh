#!/usr/bin/env bash
# Browser and parser checks of the public page and the open-data feeds, on
# demo data, against the release binary:
#   - headless Chromium (Debian `chromium`, driven by playwright-core) loads
#     the page and checks what a person sees, by keyboard; axe-core must find
#     no serious or critical violation; a screenshot is kept at
#     target/browser/page.png (and page-phone.png);
#   - Python's `icalendar` parses the calendar feed, PyLD expands the catalogue;
#   - pyshacl validates the catalogue against the EU's DCAT-AP 3.0.0 shapes
#     (vendored in tests/fixtures/dcat-ap-3.0.0), DCAT-AP-SE's mandatory and
#     recommended properties are checked, and every distribution is fetched.
# Installs what is missing (apt, npm into target/browser/node, pip), builds
# the release binary, starts it on a free loopback port with a temporary
# SQLite database, and stops it on exit.
#
#   bash tests/browser/run.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT="$PWD"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/target/browser"
NODE_DEPS="$OUT/node"
PLAYWRIGHT_CORE_VERSION=1.65.1
AXE_CORE_VERSION=4.14.1
ICALENDAR_VERSION=7.3.2
PYLD_VERSION=3.3.0
PYSHACL_VERSION=0.40.1

step() { printf '\n==> %s\n' "$*"; }
mkdir -p "$OUT"

step "tools"
CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
if [[ -z "$CHROMIUM" ]]; then
    apt-get update
    apt-get install -y chromium
    CHROMIUM="$(command -v chromium)"
fi
"$CHROMIUM" --version
if [[ ! -f "$NODE_DEPS/node_modules/playwright-core/package.json" \
      || ! -f "$NODE_DEPS/node_modules/axe-core/axe.min.js" \
      || "$(node -p "require('$NODE_DEPS/node_modules/playwright-core/package.json').version" 2>/dev/null)" != "$PLAYWRIGHT_CORE_VERSION" ]]; then
    mkdir -p "$NODE_DEPS"
    npm install --no-save --no-audit --no-fund --prefix "$NODE_DEPS" \
        "playwright-core@$PLAYWRIGHT_CORE_VERSION" "axe-core@$AXE_CORE_VERSION"
fi
if ! python3 -c "import icalendar, pyld, pyshacl" 2>/dev/null \
   || [[ "$(python3 -c 'import pyshacl; print(pyshacl.__version__)')" != "$PYSHACL_VERSION" ]]; then
    python3 -m pip install --quiet "icalendar==$ICALENDAR_VERSION" "PyLD==$PYLD_VERSION" \
        "pyshacl==$PYSHACL_VERSION"
fi

step "cargo build --release"
cargo build --release --quiet
BIN="$TARGET_DIR/release/foraldraskapsstod"

step "server on demo data"
WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
DATABASE_URL="sqlite://$WORK/db.sqlite?mode=rwc" BIND="127.0.0.1:$PORT" \
    READ_RATE_PER_MINUTE=0 RUST_LOG=warn \
    API_CONTACT_EMAIL=foraldraskapsstod@example.se API_CONTACT_URL=https://example.se/kontakt \
    "$BIN" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    if curl -fsS "$BASE/health/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "error: the server exited; see $OUT/server.log" >&2
        cat "$OUT/server.log" >&2
        exit 1
    fi
    sleep 0.5
done
curl -fsS "$BASE/health/ready" >/dev/null
echo "ready at $BASE"

step "page in Chromium (playwright-core $PLAYWRIGHT_CORE_VERSION, axe-core $AXE_CORE_VERSION)"
BASE="$BASE" CHROMIUM="$CHROMIUM" NODE_DEPS="$NODE_DEPS" OUT="$OUT" \
    node tests/browser/page.mjs

step "feeds (icalendar, PyLD)"
python3 tests/browser/feeds.py "$BASE"

step "catalogue (pyshacl $PYSHACL_VERSION, DCAT-AP 3.0.0, DCAT-AP-SE)"
python3 tests/browser/dcat.py "$BASE"

step "browser checks passed; screenshot at $OUT/page.png"
