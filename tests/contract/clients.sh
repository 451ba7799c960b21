#!/usr/bin/env bash
# Generated clients, used for real: a Python client (openapi-python-client)
# and TypeScript types (openapi-typescript) with openapi-fetch are generated
# from the committed openapi/openapi.json (no warning allowed), and the
# programs in examples/python and examples/typescript run against a live
# server (SQLite in a temp dir, demo data, a municipality key).
#
#   bash tests/contract/clients.sh      # builds a debug binary if FST_BIN is unset
set -euo pipefail
cd "$(dirname "$0")/../.."

PYCLIENT_VERSION=0.29.1
OPENAPI_TYPESCRIPT_VERSION=7.13.0
OPENAPI_FETCH_VERSION=0.17.0
TSX_VERSION=4.23.15
TYPESCRIPT_VERSION=5.9.3
TYPES_NODE_VERSION=20.9.5
TOOLS=target/contract-tools

if [[ -n "${FST_BIN:-}" ]]; then
    BIN=$(realpath "$FST_BIN")
else
    cargo build -q
    BIN="${CARGO_TARGET_DIR:-target}/debug/foraldraskapsstod"
fi

WORK=$(mktemp -d)
SERVER=""
cleanup() {
    if [[ -n "$SERVER" ]]; then
        kill -TERM "$SERVER" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$WORK" examples/typescript/schema.d.ts
}
trap cleanup EXIT

# Python: a venv with the pinned generator; the client's own dependencies
# (httpx, attrs, python-dateutil) come with it.
if ! "$TOOLS/pyclient/bin/openapi-python-client" --version 2>/dev/null | grep -q "$PYCLIENT_VERSION"; then
    mkdir -p "$TOOLS"
    python3 -m venv "$TOOLS/pyclient"
    "$TOOLS/pyclient/bin/pip" install --quiet "openapi-python-client==${PYCLIENT_VERSION}"
fi
# The generator formats its output with ruff, which it installs beside
# itself and looks for on PATH: without the venv's bin there it warns.
log=$(PATH="$PWD/$TOOLS/pyclient/bin:$PATH" "$TOOLS/pyclient/bin/openapi-python-client" generate --path openapi/openapi.json \
    --meta none --output-path "$WORK/py/fst_client" 2>&1)
if grep -qiE "warning|unable to|cannot|error" <<<"$log"; then
    echo "$log" >&2
    echo "error: openapi-python-client dropped or warned about part of the document" >&2
    exit 1
fi

# TypeScript: pinned packages in their own folder.
TS="$TOOLS/ts"
mkdir -p "$TS"
if [[ ! -f "$TS/.versions" || "$(cat "$TS/.versions")" != "$OPENAPI_TYPESCRIPT_VERSION $OPENAPI_FETCH_VERSION $TSX_VERSION $TYPESCRIPT_VERSION $TYPES_NODE_VERSION" ]]; then
    (cd "$TS" && { [[ -f package.json ]] || npm init -y >/dev/null; } && \
        npm install --no-audit --no-fund --silent --save-exact \
            "openapi-typescript@${OPENAPI_TYPESCRIPT_VERSION}" "openapi-fetch@${OPENAPI_FETCH_VERSION}" \
            "tsx@${TSX_VERSION}" "typescript@${TYPESCRIPT_VERSION}" "@types/node@${TYPES_NODE_VERSION}")
    echo "$OPENAPI_TYPESCRIPT_VERSION $OPENAPI_FETCH_VERSION $TSX_VERSION $TYPESCRIPT_VERSION $TYPES_NODE_VERSION" > "$TS/.versions"
fi
log=$("$TS/node_modules/.bin/openapi-typescript" openapi/openapi.json -o examples/typescript/schema.d.ts 2>&1)
if grep -qiE "warn|error" <<<"$log"; then
    echo "$log" >&2
    echo "error: openapi-typescript warned about the document" >&2
    exit 1
fi
# The example type-checks against the generated types (strict), then runs.
ln -sfn "$PWD/$TS/node_modules" "$WORK/node_modules"
cp examples/typescript/example.ts examples/typescript/schema.d.ts examples/typescript/tsconfig.json "$WORK/"
(cd "$WORK" && node_modules/.bin/tsc -p tsconfig.json --noEmit)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$WORK/clients.db?mode=rwc"
"$BIN" migrate >/dev/null 2>&1
KEY=$("$BIN" keys create --municipality 1980 --label clients 2>/dev/null | tail -1)
READ_RATE_PER_MINUTE=0 WRITE_RATE_PER_MINUTE=0 RUST_LOG=warn \
    "$BIN" serve --bind "127.0.0.1:$PORT" --demo-sessions 2000 >"$WORK/server.log" 2>&1 &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 300); do
    curl -fsS "$BASE/health/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done

echo "== Python (openapi-python-client ${PYCLIENT_VERSION})"
PYTHONPATH="$WORK/py" "$TOOLS/pyclient/bin/python" examples/python/example.py "$BASE" "$KEY"
echo "== TypeScript (openapi-typescript ${OPENAPI_TYPESCRIPT_VERSION}, openapi-fetch ${OPENAPI_FETCH_VERSION}, tsx ${TSX_VERSION})"
(cd "$WORK" && node_modules/.bin/tsx example.ts "$BASE")
echo "clients: both programs passed"
