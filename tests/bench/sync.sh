#!/usr/bin/env bash
# Write-path benchmark over real HTTP: how long a municipality's nightly sync
# takes, as ratios to a single-session PUT measured in the same run.
#
#   bash tests/bench/sync.sh                      # SQLite in a temp dir
#   bash tests/bench/sync.sh --postgres postgres://postgres@127.0.0.1:5432/postgres
#
# Loopback only; every step is bounded and the server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${N:-10000}
PORT=${PORT:-18181}
PG_ADMIN=""
[[ "${1:-}" == "--postgres" ]] && PG_ADMIN="${2:?postgres admin URL}"

command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
cargo build --release -q
BIN=target/release/foraldraskapsstod
WORK=$(mktemp -d)
if [[ -n "$PG_ADMIN" ]]; then
    DB="bench_sync_$$"
    psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
    export DATABASE_URL="${PG_ADMIN%/*}/$DB"
else
    export DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc"
fi
cleanup() {
    [[ -n "${SERVER:-}" ]] && kill "$SERVER" 2>/dev/null || true
    [[ -n "$PG_ADMIN" ]] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
    rm -rf "$WORK"
}
trap cleanup EXIT

$BIN migrate >/dev/null
KEY=$($BIN keys create --municipality 1980 2>/dev/null)
WRITE_RATE_PER_MINUTE=0 READ_RATE_PER_MINUTE=0 RUST_LOG=warn $BIN --no-demo --bind "127.0.0.1:$PORT" &
SERVER=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -sf "$URL/health/ready" >/dev/null && break; sleep 0.2; done

python3 - "$N" "$WORK" <<'PY'
import json, random, sys
n, work = int(sys.argv[1]), sys.argv[2]
random.seed(42)
def session(i, enrolled):
    return {"external_id": f"B-{i:06}", "programme": random.choice(["abc", "komet", "trygghetscirkeln", "icdp"]),
            "status": "completed", "start_date": f"20{random.randint(19, 25)}-{random.randint(1, 12):02}-{random.randint(1, 28):02}",
            "delivery": "in_person", "languages": ["sv"], "enrolled": enrolled, "completed": enrolled // 2,
            "women": enrolled // 2, "men": enrolled // 3}
base = [session(i, 12) for i in range(n)]
changed = [dict(s, enrolled=13) if i % 10 == 0 else s for i, s in enumerate(base)]
for name, sessions, mode in [("create", base, "upsert"), ("unchanged", base, "upsert"), ("tenth_changed", changed, "upsert"),
                             ("replace_drop_tenth", changed[: n - n // 10], "replace")]:
    json.dump({"mode": mode, "sessions": sessions}, open(f"{work}/{name}.json", "w"))
json.dump(session(999999, 10), open(f"{work}/one.json", "w"))
PY

time_ms() { curl -s -o /dev/null -w '%{time_total}\n' "$@" | awk '{printf "%.2f", $1 * 1000}'; }
mean_ms() { # mean of 20 runs of a request
    local total=0
    for i in $(seq 20); do total=$(echo "$total + $(time_ms "$@" )" | bc -l); done
    echo "$total / 20" | bc -l | awk '{printf "%.2f", $1}'
}

echo "backend: ${DATABASE_URL%%:*}, batch size: $N sessions"
REF=$(mean_ms -X PUT "$URL/v1/municipalities/1980/sessions/ONE" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "@$WORK/one.json")
LIVE=$(mean_ms "$URL/health/live")
printf '%-34s %10s ms\n' "reference: one PUT (mean of 20)" "$REF"
printf '%-34s %10s ms  (%.2fx the PUT)\n' "GET /health/live (mean of 20)" "$LIVE" "$(echo "$LIVE / $REF" | bc -l)"
for step in create unchanged tenth_changed replace_drop_tenth; do
    out=$(curl -s -w '\n%{time_total}' -X POST "$URL/v1/municipalities/1980/sessions/batch" \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "@$WORK/$step.json")
    ms=$(echo "$out" | tail -1 | awk '{printf "%.1f", $1 * 1000}')
    counts=$(echo "$out" | head -1)
    per=$(echo "$ms / $N" | bc -l)
    printf '%-34s %10s ms  %7.1fx one PUT; %6.3f ms/session = %.3fx a PUT per session  %s\n' \
        "batch $step" "$ms" "$(echo "$ms / $REF" | bc -l)" "$per" "$(echo "$per / $REF" | bc -l)" "$counts"
done
