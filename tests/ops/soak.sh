#!/usr/bin/env bash
# Soak: mixed reads and writes from many connections for a bounded time, then
# the same checks as after a crash, plus memory. Not in CI (minutes long).
#
#   bash tests/ops/soak.sh                       # SQLite, 3 minutes
#   bash tests/ops/soak.sh --minutes 10 --postgres postgres://postgres@127.0.0.1:5432/postgres
#   FST_BIN=target/release/foraldraskapsstod bash tests/ops/soak.sh   # reuse a build
#
# Load: wrk (installed with apt-get if missing) reading a mix of URLs from
# CONNECTIONS connections; one writer per municipality (upserts, replaces,
# PUTs, deletes, each with its own key); one change-feed follower.
# Checks: zero 5xx anywhere; every acknowledged write readable (each
# municipality ends exactly as its writer's model); the follower's state equal
# to /v1/sessions; reach equal to a recomputation; the resident set beside
# the response cache (bounded, fills to its cap by design; sampled from
# /metrics) grows by at most 50 % after warm-up. Loopback only; stops what it
# started.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/ops/lib.sh
source tests/ops/lib.sh

MINUTES=3
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18391}
MUNICIPALITIES=(1980 1981 1982 1983 1984)
PG_ADMIN=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --postgres) PG_ADMIN="${2:?postgres admin URL}"; shift 2 ;;
        --minutes) MINUTES="${2:?minutes}"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
SECONDS_TOTAL=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60 }')
((SECONDS_TOTAL >= 30 && SECONDS_TOTAL <= 3600)) || { echo "--minutes: 0.5 to 60" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
    echo "installing wrk"
    apt-get install -y wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
fi
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

ops_binary
WORK=$(mktemp -d)
SERVER=""
DB=""
PIDS=()
ops_database soak
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
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
declare -A KEYS
for code in "${MUNICIPALITIES[@]}"; do KEYS[$code]=$("$BIN" keys create --municipality "$code" 2>/dev/null); done
# Demo data gives the reads something to chew on from the first second.
"$BIN" demo-data --sessions 20000 --seed 7 >/dev/null
WRITE_RATE_PER_MINUTE=0 READ_RATE_PER_MINUTE=0 RUST_LOG=warn \
    "$BIN" serve --no-demo --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do curl -sf "$URL/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$URL/health/ready" >/dev/null || { echo "the server did not start" >&2; tail "$WORK/server.log" >&2; exit 1; }
echo "backend: ${DATABASE_URL%%:*}; ${MINUTES} min; wrk ${CONNECTIONS} connections; ${#MUNICIPALITIES[@]} writers; 1 follower"

# Reads: a rotation of what apps and dashboards ask for; 5xx counted per thread.
cat >"$WORK/reads.lua" <<'LUA'
local paths = {
  "/v1/sessions?municipality=1980&limit=100",
  "/v1/sessions?municipality=1981&status=completed",
  "/v1/sessions?child_age=4&limit=50",
  "/v1/reach?group_by=municipality,year",
  "/v1/reach?group_by=programme,quarter&municipality=1980",
  "/v1/indicators?year=2024",
  "/v1/municipalities/1980",
  "/v1/programmes",
  "/v1/changes?limit=100",
  "/v1/sessions?municipality=1984&format=ndjson",
  "/health/ready",
}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) i = math.random(#paths); c5xx = 0; c4xx = 0 end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
function response(status, headers, body)
  if status >= 500 then c5xx = c5xx + 1 elseif status >= 400 then c4xx = c4xx + 1 end
end
function done(summary, latency, requests)
  local s5, s4 = 0, 0
  for _, t in ipairs(threads) do s5 = s5 + t:get("c5xx"); s4 = s4 + t:get("c4xx") end
  io.write(string.format("RESULT %d %.1f %.1f %.1f %.1f %d %d %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, s5, s4,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

# Memory: the server's resident set (kB) and its response cache's bytes
# (/metrics: bounded, grows to its cap by design) every 5 s.
(
    for _ in $(seq $((SECONDS_TOTAL / 5 + 10))); do
        rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER/status" 2>/dev/null) || exit 0
        [[ -n "$rss" ]] || exit 0
        cache=$(curl -s --max-time 5 "$URL/metrics" | awk '/^response_cache_bytes / { print $2 }')
        echo "$rss ${cache:-0}"
        sleep 5
    done
) >"$WORK/rss.txt" &
PIDS+=($!)
for code in "${MUNICIPALITIES[@]}"; do
    python3 tests/ops/soak.py writer "$URL" "${KEYS[$code]}" "$code" "$SECONDS_TOTAL" "$WORK/writer-$code.json" 2>>"$WORK/writers.log" &
    PIDS+=($!)
    WRITERS+=($!)
done
python3 tests/ops/soak.py follower "$URL" "$SECONDS_TOTAL" "$WORK/follower.json" &
FOLLOWER=$!
PIDS+=("$FOLLOWER")
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TOTAL}s" --timeout 30s -s "$WORK/reads.lua" "$URL" >"$WORK/wrk.txt"
for pid in "${WRITERS[@]}"; do wait "$pid"; done
touch "$WORK/follower.json.go"
wait "$FOLLOWER"

python3 - "$URL" "$WORK" "${MUNICIPALITIES[@]}" <<'PY'
import json, sys
sys.path.insert(0, "tests/ops")
import fst
url, work, codes = sys.argv[1], sys.argv[2], sys.argv[3:]
fail = []
r = open(f"{work}/wrk.txt").read().split("RESULT")[1].split()
reqs, rps, p50, p99, pmax, r5, r4, sockerr = int(r[0]), float(r[1]), float(r[2]), float(r[3]), float(r[4]), int(r[5]), int(r[6]), int(r[7])
if r5: fail.append(f"{r5} reads answered 5xx")
if sockerr: fail.append(f"{sockerr} read socket errors/timeouts")
ops = {"upsert": 0, "replace": 0, "put": 0, "delete": 0}; w5 = other = written = 0
for code in codes:
    w = json.load(open(f"{work}/writer-{code}.json"))
    for k in ops: ops[k] += w["stats"][k]
    w5 += w["stats"]["5xx"]; other += w["stats"]["other"]; written += w["stats"]["sessions_written"]
    got = fst.state(url, code)
    if got != w["model"]:
        fail.append(f"{code}: {len(set(w['model']) ^ set(got))} external_ids differ, "
                    f"{sum(1 for k in got if k in w['model'] and got[k] != w['model'][k])} providers differ from the acknowledged writes")
if w5: fail.append(f"{w5} writes answered 5xx")
if other: fail.append(f"{other} writes answered neither success nor 5xx (see writers.log)")
f = json.load(open(f"{work}/follower.json"))
public = {s["id"]: s for s in fst.ndjson(f"{url}/v1/sessions?format=ndjson")}
if f["state"] != public:
    fail.append(f"the follower holds {len(f['state'])} sessions, /v1/sessions {len(public)}; equal: False")
if f["stats"]["5xx"]: fail.append(f"{f['stats']['5xx']} feed pages answered 5xx")
fail += fst.reach_problems(url, list(public.values()))
samples = [line.split() for line in open(f"{work}/rss.txt") if line.strip()]
rss = [int(r) for r, _ in samples]
cache = [int(float(c)) // 1024 for _, c in samples]  # kB, as RSS
w = min(len(rss) - 1, max(2, len(rss) // 5))  # warm-up: the first fifth (at least 10 s)
growth = rss[-1] / rss[w] - 1
# The response cache fills up to its cap by design; what else grows is the question.
beside = [r - c for r, c in zip(rss, cache)]
growth_beside = beside[-1] / beside[w] - 1
if growth_beside > 0.5: fail.append(f"RSS beside the response cache grew {growth_beside:.0%} after warm-up")
mb = lambda kb: f"{kb / 1024:.0f} MB"
rows = [
    ("reads (wrk)", f"{reqs} requests, {rps:.0f}/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {pmax:.0f} ms; 5xx {r5}, 4xx {r4}, socket errors {sockerr}"),
    ("writes acknowledged", f"{sum(ops.values())}: upsert batches {ops['upsert']}, replaces {ops['replace']}, PUTs {ops['put']}, DELETEs {ops['delete']}; {written} session writes; 5xx {w5}, other {other}"),
    ("feed follower", f"{f['stats']['pages']} pages, {f['stats']['changes']} changes; 5xx {f['stats']['5xx']}; final state {len(f['state'])} sessions vs {len(public)} public"),
    ("RSS", f"first {mb(rss[0])}, after warm-up {mb(rss[w])}, last {mb(rss[-1])}, max {mb(max(rss))}; growth after warm-up {growth:+.0%} ({len(rss)} samples)"),
    ("response cache", f"first {mb(cache[0])}, after warm-up {mb(cache[w])}, last {mb(cache[-1])}; RSS beside it {mb(beside[w])} -> {mb(beside[-1])}, {growth_beside:+.0%}"),
    ("checks", "all passed" if not fail else f"{len(fail)} FAILED"),
]
rows.append(("RSS every 30 s", " ".join(f"{r // 1024}" for r in rss[::6]) + " MB"))
for k, v in rows: print(f"{k:<20} {v}")
for x in fail[:20]: print("  FAIL", x)
sys.exit(1 if fail else 0)
PY
