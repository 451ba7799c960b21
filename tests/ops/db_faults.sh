#!/usr/bin/env bash
# The database blinks under load, over real HTTP, and nobody sees a 500.
#
#   bash tests/ops/db_faults.sh --postgres postgres://postgres@127.0.0.1:5432/postgres
#   bash tests/ops/db_faults.sh              # SQLite in a temp dir
#   FST_BIN=target/release/foraldraskapsstod bash tests/ops/db_faults.sh ...   # reuse a build
#
# The release binary serves a database of its own while tests/ops/faults_load.py
# runs four readers and two writers (each write under its own Idempotency-Key,
# retried after a 503 or a lost connection as the 503 asks). In turn:
#   PostgreSQL  terminate: every server connection of the database is
#               terminated (pg_terminate_backend), twice, under load;
#               outage: the database refuses connections for 10 s
#               (ALLOW_CONNECTIONS false, and its connections terminated),
#               then, where this script may (root or the postgres user,
#               pg_ctlcluster finds the cluster on the URL's port; not with
#               NO_PG_RESTART=1), restart: the whole server is stopped
#               (pg_ctlcluster stop -m fast) for 10 s and started again.
#               Without that right the outage round is the closest it gets.
#               The outage rounds also check that requests rested instead of
#               reconnecting (database_backoff_total in /metrics).
#   SQLite      lock: another process holds the write lock past the server's
#               busy timeout (30 s), so writes wait and then are refused.
# Each round fails on any 500, and afterwards checks: every acknowledged write
# is readable, no session exists twice or unasked, the change feed followed
# from the start reproduces /v1/sessions, reach equals sums over the
# sessions (tests/ops/fst.py consistent), and /health/ready is 200 again
# within 2 s of the database's return.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/ops/lib.sh
source tests/ops/lib.sh

PORT=${PORT:-18391}
PG_ADMIN=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --postgres) PG_ADMIN="${2:?postgres admin URL}"; shift 2 ;;
        -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
ops_binary
FST="python3 tests/ops/fst.py"
WORK=$(mktemp -d)
SERVER=""
DB=""
LOCKER=""
ops_database faults
# The cluster serving PG_ADMIN's port, if this script may stop and start it.
CLUSTER=""
if [[ -n "$PG_ADMIN" && "${NO_PG_RESTART:-}" != 1 ]] && command -v pg_ctlcluster >/dev/null \
    && [[ "$(id -un)" == root || "$(id -un)" == postgres ]]; then
    port=$(sed -nE 's#^[^/]*//[^/]*:([0-9]+)/.*#\1#p' <<<"$PG_ADMIN")
    CLUSTER=$(pg_lsclusters -h 2>/dev/null | awk -v p="${port:-5432}" '$3 == p { print $1 " " $2; exit }')
fi
STOPPED=""
cleanup() {
    # Never leave the machine's PostgreSQL stopped, whatever failed.
    if [[ -n "$STOPPED" ]]; then
        # shellcheck disable=SC2086  # version and name
        pg_ctlcluster $CLUSTER start || true
    fi
    [[ -n "$LOCKER" ]] && kill "$LOCKER" 2>/dev/null || true
    if [[ -n "$SERVER" ]]; then
        kill -TERM "$SERVER" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER" 2>/dev/null || true
    fi
    ops_drop_database
    rm -rf "$WORK"
}
trap cleanup EXIT

URL="http://127.0.0.1:$PORT"
"$BIN" migrate >/dev/null
KEY=$("$BIN" keys create --municipality 1980 2>/dev/null)
WRITE_RATE_PER_MINUTE=0 READ_RATE_PER_MINUTE=0 RUST_LOG=warn \
    "$BIN" serve --no-demo --bind "127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
SERVER=$!
wait_ready "$URL" || { tail -20 "$WORK/server.log" >&2; exit 1; }

terminate() {
    psql "$PG_ADMIN" -qAtc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
        WHERE datname = '$DB' AND pid <> pg_backend_pid()"
}

# Seconds until /health/ready answers 200 (at most 10).
ready_within() {
    local start
    start=$(date +%s%N)
    for _ in $(seq 100); do
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health/ready")" == 200 ]]; then
            awk -v ns="$(( $(date +%s%N) - start ))" 'BEGIN { printf "%.2f", ns / 1e9 }'
            return 0
        fi
        sleep 0.1
    done
    echo never
}

# One database_backoff_total counter (opened or rested) from /metrics.
backoff() {
    curl -s "$URL/metrics" | awk -v e="$1" '$1 == "database_backoff_total{event=\"" e "\"}" { print $2; f=1 } END { if (!f) print 0 }'
}

FAILED=0
ROUND_NO=0
round() { # name seconds fault-command...
    local name=$1 seconds=$2
    shift 2
    ROUND_NO=$((ROUND_NO + 1))
    local out="$WORK/load-$ROUND_NO.json"
    python3 tests/ops/faults_load.py "$URL" "$KEY" "$seconds" "F$ROUND_NO" "$out" >"$WORK/load-$ROUND_NO.txt" &
    local load=$!
    local rested_before
    rested_before=$(backoff rested)
    "$@"
    local back
    back=$(ready_within)
    wait "$load" || { echo "  FAIL $name: the load stopped: $(cat "$WORK/load-$ROUND_NO.txt")" >&2; FAILED=1; return; }
    local verdict=ok
    local fivehundreds
    fivehundreds=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["statuses"]; print(sum(v for k, v in s.items() if k.endswith(" 500")))' "$out")
    [[ "$fivehundreds" == 0 ]] || { verdict=FAIL; echo "  FAIL $name: $fivehundreds answers were 500" >&2; }
    local rested=$(( $(backoff rested) - rested_before ))
    # While the database is down, requests rest instead of each reconnecting.
    if [[ "$name" == outage || "$name" == restart ]] && (( rested == 0 )); then
        verdict=FAIL; echo "  FAIL $name: no request rested while the database was down" >&2
    fi
    # Lost connections alone: a read is asked again, so never a 503 either.
    if [[ "$name" == terminate ]]; then
        local refused
        refused=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["statuses"].get("GET 503", 0))' "$out")
        [[ "$refused" == 0 ]] || { verdict=FAIL; echo "  FAIL $name: $refused reads were 503" >&2; }
    fi
    # Every acknowledged write is there, once; no session nobody asked for.
    python3 - "$URL" "$out" "F$ROUND_NO" <<'PY' || verdict=FAIL
import json, sys, urllib.request
url, out, prefix = sys.argv[1:4]
acked = set(json.load(open(out))["acknowledged"])
with urllib.request.urlopen(f"{url}/v1/sessions?municipality=1980&format=ndjson") as r:
    ids = [json.loads(l)["external_id"] for l in r.read().decode().splitlines() if l]
mine = [i for i in ids if i.startswith(prefix + "-")]
missing = acked - set(mine)
unasked = set(mine) - acked
twice = len(mine) - len(set(mine))
if missing or twice:
    print(f"  FAIL: {len(missing)} acknowledged writes missing, {twice} sessions twice", file=sys.stderr)
    sys.exit(1)
# A write whose answer was lost but which committed is allowed (its retry
# replays it): it is acknowledged then. Anything else is not.
if unasked:
    print(f"  FAIL: {len(unasked)} sessions nobody had acknowledged", file=sys.stderr)
    sys.exit(1)
PY
    $FST consistent "$URL" >"$WORK/consistent.txt" || { verdict=FAIL; cat "$WORK/consistent.txt" >&2; }
    [[ "$back" != never ]] || { verdict=FAIL; echo "  FAIL $name: /health/ready never came back" >&2; }
    echo "  $name: $(cat "$WORK/load-$ROUND_NO.txt"); $rested requests rested; ready again in ${back} s; $verdict"
    [[ "$verdict" == ok ]] || FAILED=1
}

if [[ -n "$PG_ADMIN" ]]; then
    echo "backend: postgres"
    terminate_twice() {
        sleep 2; echo "    terminated $(terminate) connections"
        sleep 2; echo "    terminated $(terminate) connections"
    }
    round terminate 8 terminate_twice
    outage() {
        sleep 2
        psql "$PG_ADMIN" -qc "ALTER DATABASE $DB ALLOW_CONNECTIONS false" >/dev/null
        echo "    database down (terminated $(terminate) connections)"
        sleep 10
        psql "$PG_ADMIN" -qc "ALTER DATABASE $DB ALLOW_CONNECTIONS true" >/dev/null
        echo "    database back"
    }
    round outage 16 outage
    if [[ -n "$CLUSTER" ]]; then
        restart() {
            sleep 2
            STOPPED=1
            # shellcheck disable=SC2086  # version and name
            pg_ctlcluster $CLUSTER stop -m fast
            echo "    PostgreSQL $CLUSTER stopped"
            sleep 10
            # shellcheck disable=SC2086
            pg_ctlcluster $CLUSTER start
            STOPPED=""
            echo "    PostgreSQL $CLUSTER started"
        }
        round restart 18 restart
    else
        echo "  restart: skipped (pg_ctlcluster cannot stop this server from here; the outage round stands in)"
    fi
else
    echo "backend: sqlite"
    lock() {
        sleep 2
        python3 - "${DATABASE_URL#sqlite://}" <<'PY' &
import sqlite3, sys, time
path = sys.argv[1].split("?")[0]
db = sqlite3.connect(path, timeout=20, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
time.sleep(33)
db.execute("ROLLBACK")
PY
        LOCKER=$!
        echo "    another process takes the write lock and holds it 33 s"
        if ! wait "$LOCKER"; then
            echo "  FAIL lock: the other process could not take the lock" >&2
            FAILED=1
        fi
        LOCKER=""
    }
    round lock 40 lock
fi

if [[ "$FAILED" != 0 ]]; then
    echo "database faults: FAILED; the 500s in the server log:" >&2
    grep "status=500" "$WORK/server.log" | head -5 >&2 || true
    cp "$WORK/server.log" "${TMPDIR:-/tmp}/db_faults-server.log" 2>/dev/null || true
    exit 1
fi
echo "database faults: no 500, every acknowledged write kept once, feed and reach consistent"
