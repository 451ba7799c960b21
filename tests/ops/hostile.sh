#!/usr/bin/env bash
# Hostile inputs against the release binary, on SQLite or PostgreSQL: the
# cases of issue 31's report, each failing the run if it works again
# (tests/ops/hostile.py says which).
#
#   bash tests/ops/hostile.sh                       # SQLite in a temp dir
#   bash tests/ops/hostile.sh --postgres postgres://postgres@127.0.0.1:5432/postgres
#   FST_BIN=target/release/foraldraskapsstod bash tests/ops/hostile.sh ...
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/ops/lib.sh
source tests/ops/lib.sh

PG_ADMIN=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --postgres) PG_ADMIN="${2:?postgres admin URL}"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
ops_binary
WORK=$(mktemp -d)
DB=""
SERVER=""
ops_database hostile
cleanup() {
    [[ -n "$SERVER" ]] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
    ops_drop_database
    rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(free_port)
"$BIN" migrate >/dev/null
KEY=$("$BIN" keys create --municipality 1980 2>/dev/null)
READ_RATE_PER_MINUTE=0 WRITE_RATE_PER_MINUTE=5 HEADER_TIMEOUT_SECONDS=2 RUST_LOG=warn \
    "$BIN" serve --no-demo --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_ready "http://127.0.0.1:$PORT"
if [[ -n "$PG_ADMIN" ]]; then echo "backend: postgres"; else echo "backend: sqlite"; fi
if ! python3 tests/ops/hostile.py "http://127.0.0.1:$PORT" "$SERVER" "$KEY"; then
    grep -E "status=500|panicked" "$WORK/server.log" | head -5 >&2 || true
    exit 1
fi
if grep -q "status=500" "$WORK/server.log"; then
    echo "hostile inputs: the server answered 500:" >&2
    grep "status=500" "$WORK/server.log" | head -5 >&2
    exit 1
fi
