#!/usr/bin/env bash
# The Debian package as municipal IT meets it, on this machine:
#
#   bash tests/ops/deb.sh                      # builds the release binary first
#   FST_BIN=target/release/foraldraskapsstod bash tests/ops/deb.sh
#
# Builds the package (docs/deploy/debian/build.sh), installs it with dpkg -i,
# verifies the unit with systemd-analyze, checks that the environment file
# names every setting of `serve --help`, starts the installed binary as the
# package's user with the packaged environment file — under systemd where it
# runs as PID 1, directly (as the unit would: that user, that file, that
# working directory) where it does not, and the script says which — reads
# /health/ready, the page and /v1/api-info, writes a session, upgrades to a
# newer revision of the package and checks that the database and an edited
# environment file survived, then purges the package (the data directory is
# kept, as documented, and removed here afterwards).
# Needs root (dpkg). Refuses to run where the package is installed already.
set -euo pipefail
cd "$(dirname "$0")/../.."
NAME=foraldraskapsstod
[[ $(id -u) -eq 0 ]] || { echo "deb.sh needs root (dpkg -i)" >&2; exit 1; }
if dpkg -s "$NAME" >/dev/null 2>&1; then
    echo "the $NAME package is installed on this machine; this test would replace it" >&2
    exit 1
fi
if [[ -n "${FST_BIN:-}" ]]; then
    BIN=$(realpath "$FST_BIN")
else
    cargo build --release -q
    BIN="${CARGO_TARGET_DIR:-target}/release/$NAME"
fi
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER=""
MODE=direct
[[ -d /run/systemd/system ]] && MODE=systemd
cleanup() {
    stop_server
    dpkg --purge "$NAME" >/dev/null 2>&1 || true
    rm -rf /var/lib/$NAME "$WORK"
}
stop_server() {
    if [[ "$MODE" == systemd ]]; then
        systemctl stop $NAME 2>/dev/null || true
    elif [[ -n "$SERVER" ]]; then
        kill -TERM "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
        SERVER=""
    fi
}
trap cleanup EXIT
fail() { echo "  FAIL $*" >&2; [[ -f "$WORK/server.log" ]] && tail -20 "$WORK/server.log" >&2; exit 1; }
ok() { echo "  ok   $*"; }

DEB=$(bash docs/deploy/debian/build.sh --bin "$BIN" --out "$WORK")
ok "built $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"
dpkg -i "$DEB" >/dev/null
ok "dpkg -i"
getent passwd $NAME >/dev/null || fail "no system user $NAME"
[[ "$(stat -c %U /var/lib/$NAME)" == "$NAME" ]] || fail "/var/lib/$NAME is not the service user's"
systemd-analyze verify /lib/systemd/system/$NAME.service 2>"$WORK/verify.txt" || { cat "$WORK/verify.txt" >&2; fail "systemd-analyze verify"; }
[[ ! -s "$WORK/verify.txt" ]] || { cat "$WORK/verify.txt" >&2; fail "systemd-analyze verify printed warnings"; }
ok "systemd-analyze verify: clean"
missing=""
for var in $(/usr/bin/$NAME serve --help | grep -o '\[env: [A-Z_]*=' | sed 's/\[env: //; s/=//'); do
    grep -qE "^#?$var=" /etc/default/$NAME || missing+=" $var"
done
[[ -z "$missing" ]] || fail "/etc/default/$NAME lacks:$missing"
ok "/etc/default/$NAME names every setting of serve --help"
[[ -s /usr/share/doc/$NAME/serve-help.txt && -s /usr/share/doc/$NAME/DEPLOY.md ]] || fail "no documentation in /usr/share/doc/$NAME"

start_server() {
    if [[ "$MODE" == systemd ]]; then
        mkdir -p /etc/systemd/system/$NAME.service.d
        printf '[Service]\nEnvironment=BIND=127.0.0.1:%s\n' "$PORT" >/etc/systemd/system/$NAME.service.d/port.conf
        systemctl daemon-reload
        systemctl restart $NAME
    else
        # As the unit runs it: its user, its environment file, its working directory.
        (cd /var/lib/$NAME && exec runuser -u $NAME -- env -i PATH=/usr/bin:/bin bash -c \
            "set -a; . /etc/default/$NAME; set +a; BIND=127.0.0.1:$PORT exec /usr/bin/$NAME serve") \
            >>"$WORK/server.log" 2>&1 &
        SERVER=$!
    fi
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "the installed service did not become ready"
}
start_server
ok "started ($MODE) on 127.0.0.1:$PORT; /health/ready 200"
page=$(curl -sf "http://127.0.0.1:$PORT/")
[[ "$page" == *"<h1>"* ]] || fail "the page"
ok "the page answers"
curl -sf "http://127.0.0.1:$PORT/v1/api-info" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["data"]["synthetic"] is False, d["data"]' \
    || fail "a packaged server must start without demo data (NO_DEMO=true)"
ok "no demo data: NO_DEMO from the environment file"
[[ -f /var/lib/$NAME/$NAME.db ]] || fail "the database is not in /var/lib/$NAME"
[[ "$(stat -c %U /var/lib/$NAME/$NAME.db)" == "$NAME" ]] || fail "the database is not the service user's"

KEY=$(cd /var/lib/$NAME && runuser -u $NAME -- env -i PATH=/usr/bin:/bin bash -c \
    "set -a; . /etc/default/$NAME; set +a; RUST_LOG=warn /usr/bin/$NAME keys create --municipality 1980" 2>/dev/null)
body='{"external_id":"deb-1","programme":"abc","status":"completed","start_date":"2025-03-01","delivery":"in_person","languages":["sv"],"enrolled":12,"completed":10,"women":7,"men":5,"vulnerable_area":3,"satisfaction_respondents":8,"satisfied":7}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data "$body" "http://127.0.0.1:$PORT/v1/municipalities/1980/sessions/deb-1")
[[ "$code" == 201 ]] || fail "a write: $code"
ok "a session written"
stop_server

# Upgrade: an edited environment file and the database survive.
echo "SUPPRESSION_THRESHOLD=6   # edited by the operator" >>/etc/default/$NAME
VERSION=$(dpkg-query -W -f '${Version}' $NAME)
NEWER=$(bash docs/deploy/debian/build.sh --bin "$BIN" --out "$WORK" --version "${VERSION%-*}-99")
dpkg -i --force-confold "$NEWER" >/dev/null
[[ "$(dpkg-query -W -f '${Version}' $NAME)" == "${VERSION%-*}-99" ]] || fail "the upgrade did not install"
grep -q "edited by the operator" /etc/default/$NAME || fail "the upgrade replaced the edited environment file"
start_server
ids=$(curl -sf "http://127.0.0.1:$PORT/v1/sessions?format=ndjson" | python3 -c 'import json,sys; print(",".join(json.loads(l)["external_id"] for l in sys.stdin if l.strip()))')
[[ "$ids" == "deb-1" ]] || fail "after the upgrade the sessions are '$ids'"
threshold=$(curl -sf "http://127.0.0.1:$PORT/v1/api-info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["disclosure_control"]["threshold"])')
[[ "$threshold" == 6 ]] || fail "the edited setting is not in force: threshold $threshold"
ok "upgraded $VERSION -> ${VERSION%-*}-99: the session and the edited setting kept"
stop_server

dpkg --purge $NAME >/dev/null
[[ ! -e /usr/bin/$NAME && ! -e /lib/systemd/system/$NAME.service && ! -e /etc/default/$NAME ]] || fail "purge left files"
getent passwd $NAME >/dev/null && fail "purge left the system user"
[[ -f /var/lib/$NAME/$NAME.db ]] || fail "purge deleted the data (it must keep it)"
ok "purged: binary, unit, configuration and user gone; the database kept in /var/lib/$NAME"
echo "deb: built, installed, verified, started ($MODE), upgraded and removed"
