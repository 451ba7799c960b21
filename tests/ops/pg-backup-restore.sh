#!/usr/bin/env bash
# The README's PostgreSQL backup recipe, proven: fill a fresh database through
# the API, pg_dump it while the server runs, pg_restore into a new database,
# serve that, and compare /v1/sessions (NDJSON) and the whole change feed.
#
#   bash tests/ops/pg-backup-restore.sh [postgres://postgres@127.0.0.1:5432/postgres]
#   FST_BIN=target/release/foraldraskapsstod bash tests/ops/pg-backup-restore.sh
# Loopback only; drops the databases it created.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG_ADMIN="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT=${PORT:-18491}
for tool in curl python3 psql pg_dump pg_restore; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
if [[ -n "${FST_BIN:-}" ]]; then
    BIN=$(realpath "$FST_BIN")
else
    cargo build --release -q
    BIN="${CARGO_TARGET_DIR:-target}/release/foraldraskapsstod"
fi
WORK=$(mktemp -d)
LIVE="pgbr_live_$$"
RESTORED="pgbr_restored_$$"
SERVER=""
stop_server() {
    [[ -n "$SERVER" ]] || return 0
    kill -TERM "$SERVER" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER" 2>/dev/null || true
    SERVER=""
}
cleanup() {
    stop_server
    for db in "$LIVE" "$RESTORED"; do
        psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
URL="http://127.0.0.1:$PORT"
serve() { # database_url
    DATABASE_URL="$1" WRITE_RATE_PER_MINUTE=0 READ_RATE_PER_MINUTE=0 RUST_LOG=warn \
        "$BIN" serve --no-demo --bind "127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 300); do curl -sf "$URL/health/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "the server did not start" >&2; tail "$WORK/server.log" >&2; exit 1
}
snapshot() { # out_prefix
    curl -sf "$URL/v1/sessions?format=ndjson" >"$1.sessions.ndjson"
    python3 -c '
import json, sys
sys.path.insert(0, "tests/ops")
import fst
state, cursor = fst.follow_feed(sys.argv[1])
json.dump(state, open(sys.argv[2], "w"), sort_keys=True)' "$URL" "$1.feed.json"
}

psql "$PG_ADMIN" -qc "CREATE DATABASE $LIVE" >/dev/null
LIVE_URL="${PG_ADMIN%/*}/$LIVE"
DATABASE_URL="$LIVE_URL" "$BIN" migrate >/dev/null
KEY=$(DATABASE_URL="$LIVE_URL" "$BIN" keys create --municipality 1980 2>/dev/null)
serve "$LIVE_URL"
python3 tests/ops/fst.py gen "$WORK/body.json" --municipality 1980 --prefix PG --n 3000 --mode upsert >/dev/null
curl -sf -o /dev/null -X POST "$URL/v1/municipalities/1980/sessions/batch" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' --data-binary "@$WORK/body.json"
curl -sf -o /dev/null -X DELETE "$URL/v1/municipalities/1980/sessions/PG-000007" -H "Authorization: Bearer $KEY"
snapshot "$WORK/live"

# The recipe (README, "Backups and restores"), with the server still running.
pg_dump --format=custom --no-owner --file "$WORK/fst.dump" "$LIVE_URL"
stop_server
psql "$PG_ADMIN" -qc "CREATE DATABASE $RESTORED" >/dev/null
RESTORED_URL="${PG_ADMIN%/*}/$RESTORED"
pg_restore --no-owner --exit-on-error --dbname "$RESTORED_URL" "$WORK/fst.dump"
serve "$RESTORED_URL"
snapshot "$WORK/restored"
cmp "$WORK/live.sessions.ndjson" "$WORK/restored.sessions.ndjson"
cmp "$WORK/live.feed.json" "$WORK/restored.feed.json"
python3 tests/ops/fst.py consistent "$URL"
echo "pg_dump/pg_restore: the restored database serves the same $(wc -l <"$WORK/live.sessions.ndjson") sessions and the same change feed"
