#!/usr/bin/env bash
# Crash safety over real HTTP: a large `replace` batch is cut off by SIGKILL
# at varying moments, the server is restarted on the same database, and the
# public state must be exactly the old set or the new set, never a mix.
#
#   bash tests/ops/crash.sh                      # SQLite in a temp dir
#   bash tests/ops/crash.sh --postgres postgres://postgres@127.0.0.1:5432/postgres
#   FST_BIN=target/release/foraldraskapsstod bash tests/ops/crash.sh   # reuse a build
#
# Each round checks, after the restart:
#   1. municipality 1980's sessions are exactly the previous set or the batch
#      (external_id and provider, which every round changes);
#   2. the change feed followed from the start reproduces /v1/sessions, and
#      GET /v1/reach?group_by=municipality,year equals sums over the sessions
#      (the reach rollup is written in the batch's transaction);
#   3. resending the same Idempotency-Key and body either replays the answer
#      of a batch that IS in the database or processes it now. The answer is
#      stored in the batch's own transaction, so a kill leaves no claim
#      behind: a 409 ("still being processed") FAILS the round.
#   4. the audit trail agrees: one record of a committed batch, none of a
#      rolled-back one (check_audit_trail).
# Loopback only; bounded; stops what it started (trap). ROUNDS, N, PORT override.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/ops/lib.sh
source tests/ops/lib.sh

N=${N:-10000}
PORT=${PORT:-18291}
# Milliseconds after the request starts; "after" kills once it was answered.
ROUNDS=${ROUNDS:-"5 50 200 500 1000 2000 after"}
PG_ADMIN=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --postgres) PG_ADMIN="${2:?postgres admin URL}"; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

ops_binary
FST="python3 tests/ops/fst.py"
WORK=$(mktemp -d)
SERVER=""
DB=""
ops_database crash
stop_server() { # gently, then not: bounded either way
    [[ -n "$SERVER" ]] || return 0
    kill -TERM "$SERVER" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
}
cleanup() {
    stop_server
    [[ -n "${CURL:-}" ]] && kill "$CURL" 2>/dev/null || true
    ops_drop_database
    rm -rf "$WORK"
}
trap cleanup EXIT

URL="http://127.0.0.1:$PORT"
start_server() {
    WRITE_RATE_PER_MINUTE=0 READ_RATE_PER_MINUTE=0 RUST_LOG=warn \
        "$BIN" serve --no-demo --bind "127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 300); do
        curl -sf "$URL/health/ready" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.1
    done
    echo "the server did not start; its log:" >&2
    tail -20 "$WORK/server.log" >&2
    exit 1
}
crash_server() { # SIGKILL, reaped at once (quietly: the shell's "Killed" is expected)
    { kill -KILL "$SERVER"; wait "$SERVER"; } 2>/dev/null || true
    SERVER=""
}
post_batch() { # body_file idempotency_key response_file [request_id] -> prints the HTTP status
    curl -s -o "$3" -w '%{http_code}' --max-time 120 -X POST "$URL/v1/municipalities/1980/sessions/batch" \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -H "X-Request-Id: ${4:-retry-$2}" -H "Idempotency-Key: $2" --data-binary "@$1" || true
}

# The audit trail agrees with what committed: the round's first attempt (sent
# with X-Request-Id crash-N) has exactly one batch_replace record when the
# database holds the new set, and none when the kill rolled it back.
# Arguments: round number, "new" or "old" (what the database holds).
check_audit_trail() {
    local records
    records=$(curl -s --max-time 30 -H "Authorization: Bearer $ADMIN" \
        "$URL/v1/audit?municipality=1980&operation=batch_replace&limit=1000" |
        python3 -c 'import json,sys; rid=sys.argv[1]; print(sum(1 for r in json.load(sys.stdin)["data"] if r.get("request_id")==rid))' "crash-$1")
    local want=0
    [[ "$2" == new ]] && want=1
    if [[ "$records" != "$want" ]]; then
        echo "  FAIL round $1: the audit trail has $records record(s) of the first attempt; the database holds the $2 set" >&2
        return 1
    fi
    echo "  audit: $records record(s) of the first attempt, agreeing with the $2 set"
}

"$BIN" migrate >/dev/null
KEY=$("$BIN" keys create --municipality 1980 2>/dev/null)
KEY2=$("$BIN" keys create --municipality 1983 2>/dev/null)
ADMIN=$("$BIN" keys create --admin 2>/dev/null)
start_server
echo "backend: ${DATABASE_URL%%:*}, batch: replace of $N sessions, rounds (ms): $ROUNDS"

# Municipality 1980's first set, and a neighbour whose data must never move.
$FST gen "$WORK/body-0.json" --municipality 1980 --prefix R0 --n "$N" --seed 0 >/dev/null
$FST gen "$WORK/other.json" --municipality 1983 --prefix N0 --n 500 --seed 99 --mode upsert >/dev/null
code=$(post_batch "$WORK/body-0.json" crash-0 "$WORK/resp-0.json")
[[ "$code" == 200 ]] || { echo "loading the first set: HTTP $code: $(cat "$WORK/resp-0.json")" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/v1/municipalities/1983/sessions/batch" \
    -H "Authorization: Bearer $KEY2" -H 'Content-Type: application/json' --data-binary "@$WORK/other.json")
[[ "$code" == 200 ]] || { echo "loading 1983: HTTP $code" >&2; exit 1; }
$FST consistent "$URL" >/dev/null || { echo "inconsistent before any crash" >&2; exit 1; }
$FST expected "$WORK/body-0.json" >"$WORK/current.json"

FAILED=0
RESULTS=()
round=0
for when in $ROUNDS; do
    round=$((round + 1))
    body="$WORK/body-$round.json"
    $FST gen "$body" --municipality 1980 --prefix "R$round" --n "$N" --seed "$round" \
        --keep "$WORK/body-$((round - 1)).json" >/dev/null
    $FST expected "$body" >"$WORK/new.json"
    started=$(date +%s%N)
    if [[ "$when" == after ]]; then
        answered=$(post_batch "$body" "crash-$round" "$WORK/resp-$round.json" "crash-$round")
        crash_server
    else
        post_batch "$body" "crash-$round" "$WORK/resp-$round.json" "crash-$round" >"$WORK/code-$round" &
        CURL=$!
        sleep "$(awk -v ms="$when" 'BEGIN { printf "%.3f", ms / 1000 }')"
        crash_server
        wait "$CURL" || true
        CURL=""
        answered=$(cat "$WORK/code-$round")
    fi
    killed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
    # 000: the connection died; 100: only "100 Continue" came (curl's large
    # upload): either way the client never saw an answer.
    [[ "$answered" == 000 || "$answered" == 100 ]] && answered=none
    start_server

    verdict=ok
    $FST state "$URL" 1980 >"$WORK/after.json"
    if cmp -s "$WORK/after.json" "$WORK/new.json"; then
        holds=new
    elif cmp -s "$WORK/after.json" "$WORK/current.json"; then
        holds=old
    else
        holds=MIXED
        verdict=FAIL
        echo "  FAIL round $round: 1980 holds neither the old nor the new set" >&2
    fi
    if [[ "$answered" == 200 && "$holds" != new ]]; then
        verdict=FAIL
        echo "  FAIL round $round: the batch was acknowledged (200) but the database holds the $holds set" >&2
    fi
    if ! $FST consistent "$URL" >"$WORK/consistent.txt"; then
        verdict=FAIL
        cat "$WORK/consistent.txt" >&2
    fi
    if ! cmp -s <($FST state "$URL" 1983) <($FST expected "$WORK/other.json"); then
        verdict=FAIL
        echo "  FAIL round $round: municipality 1983's sessions moved" >&2
    fi
    check_audit_trail "$round" "$holds" || verdict=FAIL

    # The same key and body again, as a client that never saw an answer would.
    retry=$(post_batch "$body" "crash-$round" "$WORK/retry-$round.json")
    case "$retry" in
        200)
            $FST state "$URL" 1980 >"$WORK/after-retry.json"
            if ! cmp -s "$WORK/after-retry.json" "$WORK/new.json"; then
                verdict=FAIL
                echo "  FAIL round $round: the retry answered 200 but the batch is not in the database" >&2
            fi
            if [[ "$answered" == 200 ]] && ! cmp -s "$WORK/resp-$round.json" "$WORK/retry-$round.json"; then
                verdict=FAIL
                echo "  FAIL round $round: the retry of an answered batch was not replayed" >&2
            fi
            if grep -q "\"unchanged\":$N" "$WORK/retry-$round.json"; then
                retry="200 processed"
                if [[ "$holds" == new ]]; then
                    verdict=FAIL
                    echo "  FAIL round $round: the batch committed without its stored answer (the retry ran it again)" >&2
                fi
            else retry="200 $( [[ $holds == new ]] && echo replayed || echo applied)"; fi
            holds_after=new
            ;;
        409)
            verdict=FAIL
            echo "  FAIL round $round: the retry was blocked (409) by the killed request: $(head -c 300 "$WORK/retry-$round.json")" >&2
            retry="409 pending"
            holds_after=$holds
            ;;
        *)
            verdict=FAIL
            echo "  FAIL round $round: the retry answered HTTP $retry: $(head -c 300 "$WORK/retry-$round.json")" >&2
            holds_after=$holds
            ;;
    esac
    if [[ "$holds_after" == new ]]; then
        cp "$WORK/new.json" "$WORK/current.json"
    else
        # The next round keeps half of what the database holds: the body of
        # the last round whose batch committed.
        cp "$WORK/body-$((round - 1)).json" "$body"
    fi
    $FST consistent "$URL" >"$WORK/consistent.txt" || { verdict=FAIL; cat "$WORK/consistent.txt" >&2; }
    [[ "$verdict" == ok ]] || FAILED=$((FAILED + 1))
    RESULTS+=("$(printf '%-3s %-6s %8s %8s   %-5s  %-14s %s' "$round" "$when" "$killed_ms" "$answered" "$holds" "$retry" "$verdict")")
done

echo
printf '%-3s %-6s %8s %8s   %-5s  %-14s %s\n' round kill-at killed-ms answer holds retry verdict
printf '%s\n' "${RESULTS[@]}"
echo
if ((FAILED > 0)); then
    echo "crash safety: $FAILED round(s) FAILED" >&2
    exit 1
fi
echo "crash safety: every round holds the old or the new set, the feed and the rollups agree"
