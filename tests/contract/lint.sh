#!/usr/bin/env bash
# The committed OpenAPI document as integrators meet it: Spectral's `spectral:oas`
# ruleset must find no error and no warning, and openapi-python-client must
# generate a client from it without dropping anything or warning.
#
#   bash tests/contract/lint.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

SPECTRAL_VERSION=6.16.3
PYCLIENT_VERSION=0.29.1
TOOLS=target/contract-tools
mkdir -p "$TOOLS"

if [[ ! -x "$TOOLS/node_modules/.bin/spectral" ]]; then
    (cd "$TOOLS" && npm init -y >/dev/null && \
        npm install --no-audit --no-fund --silent "@stoplight/spectral-cli@${SPECTRAL_VERSION}")
fi
# One rule off, on purpose: the document's server is the relative root `/`
# (the origin it is served from, so "Try it out" works on every deployment),
# which `oas3-server-trailing-slash` reads as a trailing slash.
printf 'extends: ["spectral:oas"]\nrules:\n  oas3-server-trailing-slash: off\n' > "$TOOLS/.spectral.yaml"
"$TOOLS/node_modules/.bin/spectral" lint openapi/openapi.yaml \
    --ruleset "$TOOLS/.spectral.yaml" --fail-severity=warn

if ! python3 -m openapi_python_client --version 2>/dev/null | grep -q "$PYCLIENT_VERSION"; then
    python3 -m pip install --quiet "openapi-python-client==${PYCLIENT_VERSION}"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log=$(cd "$out" && python3 -m openapi_python_client generate --path "$OLDPWD/openapi/openapi.json" --meta none 2>&1)
if grep -qiE "warning|unable to|cannot|error" <<<"$log"; then
    echo "$log" >&2
    echo "error: openapi-python-client dropped or warned about part of the document" >&2
    exit 1
fi
echo "openapi-python-client: generated without a warning"
