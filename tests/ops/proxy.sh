#!/usr/bin/env bash
# Two instances on one PostgreSQL behind nginx, as docs/DEPLOY.md sets them
# up, over real HTTP:
#
#   bash tests/ops/proxy.sh --postgres postgres://postgres@127.0.0.1:5432/postgres
#   FST_BIN=target/release/foraldraskapsstod bash tests/ops/proxy.sh --postgres URL
#
# Checks, through the proxy: reads answer from both instances; a write lands
# through each instance (nginx takes turns) and is read at once through the
# other; links carry PUBLIC_BASE_URL whatever Host the client sends; with
# TRUST_FORWARDED_FOR the read limit counts the address nginx added, so a
# client that invents an X-Forwarded-For gets no new quota; and with one
# instance stopped, reads still answer (nginx passes them to the other).
# The nginx configuration is docs/DEPLOY.md's, with only ports and paths set.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/ops/lib.sh
source tests/ops/lib.sh

PG_ADMIN=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --postgres) PG_ADMIN="${2:?postgres admin URL}"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[[ -n "$PG_ADMIN" ]] || { echo "--postgres URL is required (two instances share one database)" >&2; exit 2; }
ops_binary
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x "$NGINX" ]] || { echo "nginx is required (apt-get install nginx)" >&2; exit 1; }

WORK=$(mktemp -d)
chmod 755 "$WORK"
DB=""
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    sleep 0.3
    ops_drop_database
    rm -rf "$WORK"
}
trap cleanup EXIT
ops_database proxy

PROXY_PORT=$(free_port)
A_PORT=$(free_port)
B_PORT=$(free_port)
PUBLIC="http://data.example.org"
"$BIN" migrate >/dev/null
KEY=$("$BIN" keys create --municipality 1980 2>/dev/null)
start() { # port
    TRUST_FORWARDED_FOR=true PUBLIC_BASE_URL="$PUBLIC" READ_RATE_PER_MINUTE=40 \
        WRITE_RATE_PER_MINUTE=0 RUST_LOG=warn \
        "$BIN" serve --no-demo --bind "127.0.0.1:$1" >>"$WORK/server-$1.log" 2>&1 &
    PIDS+=($!)
}
start "$A_PORT"
start "$B_PORT"
for port in "$A_PORT" "$B_PORT"; do
    wait_ready "http://127.0.0.1:$port"
done

# docs/DEPLOY.md's server block, between its markers, with this run's ports.
sed -n '/# BEGIN nginx example/,/# END nginx example/p' docs/DEPLOY.md \
    | sed "s/127.0.0.1:8081/127.0.0.1:$A_PORT/; s/127.0.0.1:8082/127.0.0.1:$B_PORT/; s/listen 80;/listen 127.0.0.1:$PROXY_PORT;/; s/server_name data.example.org;/server_name _;/" \
    >"$WORK/site.conf"
grep -q "upstream" "$WORK/site.conf" || { echo "docs/DEPLOY.md has no nginx example between its markers" >&2; exit 1; }
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
    uwsgi_temp_path $WORK; scgi_temp_path $WORK;
    include $WORK/site.conf;
}
CONF
"$NGINX" -t -q -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"
URL="http://127.0.0.1:$PROXY_PORT"
for _ in $(seq 50); do curl -sf "$URL/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done

status=0
python3 - "$URL" "$KEY" "$A_PORT" "$B_PORT" "$PUBLIC" "${PIDS[0]}" <<'PY' || status=$?
import json, os, signal, sys, time, urllib.error, urllib.request

url, key, a_port, b_port, public, a_pid = sys.argv[1:7]
failures = []


def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        failures.append(what)


def call(method, path, body=None, headers=None, base=url):
    req = urllib.request.Request(base + path, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def requests_of(port, method):
    """Requests of `method` an instance has answered, from its own /metrics
    (loopback), leaving out /metrics and the health checks themselves."""
    _, _, text = call("GET", "/metrics", base=f"http://127.0.0.1:{port}")
    total = 0
    for line in text.decode().splitlines():
        if (line.startswith("http_requests_total{") and f'method="{method}"' in line
                and 'route="metrics"' not in line and 'route="health' not in line):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


# Reads answer through the proxy, from both instances in turn.
before = {p: requests_of(p, "GET") for p in (a_port, b_port)}
statuses = [call("GET", "/v1/programmes")[0] for _ in range(6)]
check(statuses == [200] * 6, f"6 reads through nginx: {statuses}")
after = {p: requests_of(p, "GET") for p in (a_port, b_port)}
check(all(after[p] - before[p] >= 3 for p in after), f"both instances answered reads: {before} -> {after}")

# A write through each instance, each read at once through the other.
written = []
for n in range(2):
    body = json.dumps({
        "external_id": f"proxy-{n}", "programme": "abc", "status": "completed",
        "start_date": "2025-03-0%d" % (n + 1), "delivery": "in_person", "languages": ["sv"],
        "enrolled": 12, "completed": 10, "women": 7, "men": 5, "vulnerable_area": 3,
        "satisfaction_respondents": 8, "satisfied": 7,
    }).encode()
    status, _, reply = call("PUT", f"/v1/municipalities/1980/sessions/proxy-{n}", body,
                            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    check(status == 201, f"write {n} through nginx: {status} {reply[:200]!r}")
    written.append(f"proxy-{n}")
    for _ in range(2):  # both instances, in turn
        _, _, listed = call("GET", "/v1/sessions?municipality=1980&format=ndjson")
        ids = [json.loads(l)["external_id"] for l in listed.decode().splitlines() if l]
        check(ids == written, f"read after write {n}: {ids}")
puts = {p: requests_of(p, "PUT") for p in (a_port, b_port)}
check(all(v >= 1 for v in puts.values()), f"a write went through each instance: {puts}")

# Links carry PUBLIC_BASE_URL, whatever Host the client sends.
status, headers, body = call("GET", "/v1/sessions?limit=1", headers={"Host": "evil.example"})
page = json.loads(body)
check(status == 200 and (page.get("next") or "").startswith(public + "/v1/sessions?"),
      f"next link from PUBLIC_BASE_URL: {page.get('next')}")
check("evil.example" not in body.decode() and "evil.example" not in headers.get("Link", ""),
      "the client's Host reaches no link")

# One instance stopped: nginx passes reads to the other.
os.kill(int(a_pid), signal.SIGTERM)
time.sleep(1)
statuses = [call("GET", "/v1/programmes")[0] for _ in range(6)]
check(statuses == [200] * 6, f"one instance stopped, reads through nginx: {statuses}")

# The read limit counts the address nginx added; an invented
# X-Forwarded-For buys no quota (40 a minute on the instance left).
codes = [call("GET", "/v1/municipalities/1980", headers={"X-Forwarded-For": f"198.51.100.{i}"})[0]
         for i in range(120)]
check(codes.count(429) >= 60, f"invented X-Forwarded-For: {codes.count(200)} x 200, {codes.count(429)} x 429")
sys.exit(1 if failures else 0)
PY

[[ "$status" == 0 ]] || { echo "proxy: FAILED" >&2; tail -5 "$WORK"/server-*.log "$WORK/nginx-error.log" >&2; exit 1; }
echo "proxy: two instances behind nginx on PostgreSQL: reads, writes through each, links, X-Forwarded-For, failover"
