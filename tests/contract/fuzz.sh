#!/usr/bin/env bash
# The contract fuzzed against a live server: schemathesis (pinned) generates
# requests from the committed OpenAPI document, positive and negative, for
# every operation, reads and writes, and runs all of its checks on the
# answers. Two runs on one server (SQLite in a temp dir, demo data):
#   1. every operation with an admin key (admins write programmes, population
#      and any municipality's sessions);
#   2. the session writes with a municipality key (1980), its paths pinned to
#      its own municipality so the writes are tried for real.
# `positive_data_acceptance` is replaced by a version that forgives exactly the
# exceptions the document states (see tests/contract/fuzz_hooks.py).
#
#   bash tests/contract/fuzz.sh                   # builds a debug binary if FST_BIN is unset
#   FST_BIN=target/release/foraldraskapsstod bash tests/contract/fuzz.sh
#   EXAMPLES=25 SEEDS=20261127 bash tests/contract/fuzz.sh   # quicker (default: 50 examples, two seeds)
#
# Loopback only, bounded (examples per operation, a time limit), and the
# server is stopped by a trap.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${EXAMPLES:-50}
# Two seeds: one finds what the other's draws never reach.
SEEDS=${SEEDS:-20261127 20261205}
TOOLS=target/contract-tools

if [[ -n "${FST_BIN:-}" ]]; then
    BIN=$(realpath "$FST_BIN")
else
    cargo build -q
    BIN="${CARGO_TARGET_DIR:-target}/debug/foraldraskapsstod"
fi
[[ -x "$BIN" ]] || { echo "no binary at $BIN" >&2; exit 1; }

if ! "$TOOLS/venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    mkdir -p "$TOOLS"
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
fi
ST="$PWD/$TOOLS/venv/bin/schemathesis"

WORK=$(mktemp -d)
SERVER=""
cleanup() {
    if [[ -n "$SERVER" ]]; then
        kill -TERM "$SERVER" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$WORK/fuzz.db?mode=rwc"
"$BIN" migrate >/dev/null 2>&1
MUNICIPALITY_KEY=$("$BIN" keys create --municipality 1980 --label fuzz 2>/dev/null | tail -1)
ADMIN_KEY=$("$BIN" keys create --admin --label fuzz 2>/dev/null | tail -1)
READ_RATE_PER_MINUTE=0 WRITE_RATE_PER_MINUTE=0 RUST_LOG=warn \
    "$BIN" serve --bind "127.0.0.1:$PORT" --demo-sessions 2000 >"$WORK/server.log" 2>&1 &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 300); do
    curl -fsS "$BASE/health/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "$BASE/health/ready" >/dev/null

export PYTHONPATH="$PWD/tests/contract" SCHEMATHESIS_HOOKS=fuzz_hooks FST_FUZZ_BASE="$BASE"
# Schemathesis keeps its cache and crash files under `.schemathesis/` in the
# working directory: run it in the temp dir, so nothing lands in the checkout
# and every run starts from the same state.
mkdir -p "$WORK/st"
cd "$WORK/st"
# Every check, with positive_data_acceptance in its documented form, and
# every NDJSON line checked against the JSON representation's item schema
# (both in fuzz_hooks.py).
CHECKS=(--checks all --exclude-checks positive_data_acceptance,negative_data_rejection)
for SEED in $SEEDS; do
COMMON=(--max-examples "$EXAMPLES" --seed "$SEED" --workers 1 --generation-database none
        --request-timeout 30 --max-failures 50 --no-color --warnings off
        --suppress-health-check too_slow,filter_too_much)

status=0
echo "schemathesis ${SCHEMATHESIS_VERSION}: every operation, admin key, ${EXAMPLES} examples per operation, seed ${SEED}"
timeout 900 "$ST" run "$BASE/openapi.json" "${CHECKS[@]}" "${COMMON[@]}" \
    -H "Authorization: Bearer $ADMIN_KEY" >"$WORK/admin.txt" 2>&1 || status=$?
sed -n '/^====* SUMMARY/,$p' "$WORK/admin.txt"
if [[ $status -ne 0 ]]; then
    cat "$WORK/admin.txt" >&2
    echo "error: schemathesis (admin key) failed" >&2
    exit 1
fi

echo "schemathesis ${SCHEMATHESIS_VERSION}: session writes, municipality key (1980), ${EXAMPLES} examples per operation, seed ${SEED}"
FST_FUZZ_MUNICIPALITY=1980 timeout 900 "$ST" run "$BASE/openapi.json" "${CHECKS[@]}" "${COMMON[@]}" \
    --include-path-regex '^/v1/municipalities/\{code\}/sessions' \
    -H "Authorization: Bearer $MUNICIPALITY_KEY" >"$WORK/municipality.txt" 2>&1 || status=$?
sed -n '/^====* SUMMARY/,$p' "$WORK/municipality.txt"
if [[ $status -ne 0 ]]; then
    cat "$WORK/municipality.txt" >&2
    echo "error: schemathesis (municipality key) failed" >&2
    exit 1
fi
done
grep -q ' 5[0-9][0-9] ' "$WORK/server.log" && { echo "warning: the server logged a 5xx" >&2; }
echo "fuzz: both runs passed"
