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

PG_ADMIN=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --postgres) PG_ADMIN="${2:?postgres admin URL}"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [[ -n "${FST_BIN:-}" ]]; then
    BIN=$(realpath "$FST_BIN")
else
    cargo build --release -q
    BIN="${CARGO_TARGET_DIR:-target}/release/foraldraskapsstod"
fi
WORK=$(mktemp -d)
DB=""
SERVER=""
if [[ -n "$PG_ADMIN" ]]; then
    DB="hostile_$$"
    psql "$PG_ADMIN" -qc "CREATE DATABASE $DB" >/dev/null
    export DATABASE_URL="${PG_ADMIN%/*}/$DB"
else
    export DATABASE_URL="sqlite://$WORK/hostile.db?mode=rwc"
fi
cleanup() {
    [[ -n "$SERVER" ]] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
    [[ -n "$DB" ]] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" migrate >/dev/null
KEY=$("$BIN" keys create --municipality 1980 2>/dev/null)
READ_RATE_PER_MINUTE=0 WRITE_RATE_PER_MINUTE=5 HEADER_TIMEOUT_SECONDS=2 RUST_LOG=warn \
    "$BIN" serve --no-demo --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
done
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
