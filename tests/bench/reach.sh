#!/usr/bin/env bash
# Benchmark of GET /v1/reach and GET /v1/indicators at national scale.
#
# Builds the release binary, fills a fresh database with 1,000,000 synthetic
# sessions (demo-data, seed 42), starts the server on loopback with rate limits
# off, and runs wrk against every group_by combination (32), a few filtered
# reach queries and the indicators. Figures are printed as ratios against two
# references measured in the same run on the same server:
#   live    GET /health/live             (pure HTTP overhead)
#   one-row GET /v1/municipalities/1980  (a one-row read from the database)
# so the numbers mean the same on a loaded laptop and on a quiet server.
#
# Usage: tests/bench/reach.sh [--postgres postgres://postgres@127.0.0.1:5432/postgres]
#                             [--sessions N] [--duration SECONDS] [--connections C]
# --postgres runs the same again against a new PostgreSQL database created on
# that server (dropped afterwards). Every run is bounded; the script stops by itself.

set -euo pipefail

SESSIONS=1000000
DURATION=2
CONNECTIONS=8
THREADS=2
PG_ADMIN_URL=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --postgres) PG_ADMIN_URL="$2"; shift 2 ;;
    --sessions) SESSIONS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 1; }

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
echo "== building the release binary"
cargo build --release --quiet
BIN="$ROOT/target/release/foraldraskapsstod"

TMP="$(mktemp -d)"
SERVER_PID=""
PG_DB=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -INT "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n "$PG_DB" ]]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# wrk reports: requests/s, mean and p99 latency (µs), non-2xx/3xx count, requests.
cat > "$TMP/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.1f %.1f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency.mean,
    latency:percentile(99), summary.errors.status, summary.requests))
end
LUA

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

measure() { # url -> "rps mean_us p99_us bad requests"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$TMP/report.lua" "$1" \
    | awk '/^RESULT/ { print $2, $3, $4, $5, $6 }'
}

run_backend() { # label database_url
  local label="$1" url="$2" port base
  echo
  echo "== $label: filling a fresh database with $SESSIONS sessions (seed 42)"
  local t0=$SECONDS
  DATABASE_URL="$url" "$BIN" demo-data --sessions "$SESSIONS" --seed 42
  echo "   ($((SECONDS - t0)) s wall clock)"

  port="$(free_port)"
  base="http://127.0.0.1:$port"
  DATABASE_URL="$url" READ_RATE_PER_MINUTE=0 RUST_LOG=warn \
    "$BIN" serve --no-demo --bind "127.0.0.1:$port" >"$TMP/server-$label.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -fs "$base/health/live" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "$base/health/live" >/dev/null || { cat "$TMP/server-$label.log"; exit 1; }
  local total
  total="$(curl -fs "$base/v1/reach" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["sessions"])')"
  echo "   server up on $base; counted sessions in the total row: $total"

  local fields=(municipality programme year quarter prevention_level)
  local -a names urls
  names+=("REF live"); urls+=("$base/health/live")
  names+=("REF one-row"); urls+=("$base/v1/municipalities/1980")
  for mask in $(seq 0 31); do
    local chosen=()
    for i in 0 1 2 3 4; do
      (( mask & (1 << i) )) && chosen+=("${fields[$i]}")
    done
    local g
    g="$(IFS=,; echo "${chosen[*]:-}")"
    names+=("reach group_by=${g:-(none)}")
    urls+=("$base/v1/reach?group_by=$g")
  done
  names+=("reach municipality,quarter county=19 2024..2025")
  urls+=("$base/v1/reach?group_by=municipality,quarter&county=19&from=2024&to=2025")
  names+=("reach programme prevention_level=selective")
  urls+=("$base/v1/reach?group_by=programme&prevention_level=selective")
  names+=("reach municipality,year CSV")
  urls+=("$base/v1/reach?group_by=municipality,year&format=csv")
  names+=("indicators year=2025")
  urls+=("$base/v1/indicators?year=2025")
  names+=("indicators year=2024 CSV")
  urls+=("$base/v1/indicators?year=2024&format=csv")

  # The first request of each answer is computed from the rollups (cold); the
  # load that follows is served from the response cache until a write (warm).
  local cold=()
  for u in "${urls[@]}"; do
    cold+=("$(curl -fs -o /dev/null -w '%{time_total}' "$u")") || { echo "failed: $u" >&2; exit 1; }
  done

  local live_rps="" live_mean="" one_rps="" one_mean=""
  printf '\n%-52s %9s | %10s %9s %9s | %8s %8s %8s\n' "$label: endpoint" "cold ms" "req/s" "mean ms" "p99 ms" \
    "rps/1row" "mean/1row" "mean/live"
  for idx in "${!urls[@]}"; do
    local r rps mean p99 bad reqs
    r="$(measure "${urls[$idx]}")"
    read -r rps mean p99 bad reqs <<<"$r"
    if [[ "${names[$idx]}" == "REF live" ]]; then live_rps=$rps; live_mean=$mean; fi
    if [[ "${names[$idx]}" == "REF one-row" ]]; then one_rps=$rps; one_mean=$mean; fi
    awk -v n="${names[$idx]}" -v cold="${cold[$idx]}" -v rps="$rps" -v mean="$mean" -v p99="$p99" -v bad="$bad" \
        -v orps="$one_rps" -v omean="$one_mean" -v lmean="$live_mean" 'BEGIN {
      r1 = (orps > 0) ? sprintf("%.2f", rps / orps) : "-";
      m1 = (omean > 0) ? sprintf("%.2f", mean / omean) : "-";
      ml = (lmean > 0) ? sprintf("%.2f", mean / lmean) : "-";
      printf "%-52s %9.2f | %10.0f %9.3f %9.3f | %8s %8s %8s%s\n", n, cold * 1000, rps, mean / 1000, p99 / 1000, r1, m1, ml,
        (bad > 0) ? sprintf("  (%d non-2xx!)", bad) : "";
    }'
  done

  kill -INT "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

echo "== $(nproc) CPUs; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s per endpoint"
run_backend sqlite "sqlite://$TMP/bench.db?mode=rwc"

if [[ -n "$PG_ADMIN_URL" ]]; then
  command -v psql >/dev/null || { echo "psql is needed for --postgres" >&2; exit 1; }
  PG_DB="fst_bench_$$"
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  run_backend postgres "${PG_ADMIN_URL%/*}/$PG_DB"
fi
echo
echo "Ratios: rps/1row = requests/s relative to the one-row read; mean/1row and"
echo "mean/live = mean latency relative to the one-row read and to /health/live."
