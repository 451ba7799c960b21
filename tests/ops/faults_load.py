"""A bounded read and write load for tests/ops/db_faults.sh.

    python3 tests/ops/faults_load.py URL KEY SECONDS PREFIX OUT.json

Four readers GET a rotation of uncached and cached reads; two writers PUT new
sessions of municipality 1980 (external ids PREFIX-w-n), each under its own
Idempotency-Key, and retry a 503 or a lost connection with the same key after
`Retry-After`, as a client is told to, until it is acknowledged. Writes
the count of answers by status, and the acknowledged external ids, to
OUT.json, keyed "GET 200", "PUT 503" and so on. Never more than six
requests in flight."""

import json
import sys
import threading
import time
import urllib.error
import urllib.request

URL, KEY, SECONDS, PREFIX, OUT = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
READS = [
    "/v1/sessions?municipality=1980&limit=50",
    "/v1/programmes",
    "/v1/municipalities/1980",
    "/v1/reach?group_by=municipality",
    "/v1/indicators?county=19",
    "/v1/changes?limit=100",
    "/health/ready",
]

lock = threading.Lock()
statuses = {}
acknowledged = []
stop_at = time.monotonic() + SECONDS


def count(method, status):
    with lock:
        key = f"{method} {status}"
        statuses[key] = statuses.get(key, 0) + 1


def request(method, path, body=None, headers=None):
    req = urllib.request.Request(URL + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=90) as r:
            r.read()
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, dict(e.headers)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


def reader(n):
    i = n
    while time.monotonic() < stop_at:
        # Half the reads vary their query, so the response cache cannot answer them.
        path = READS[i % len(READS)] if i % 2 else f"/v1/sessions?limit={1 + i % 500}"
        status, _ = request("GET", path)
        count("GET", status)
        i += 1


def writer(n):
    i = 0
    while time.monotonic() < stop_at:
        external_id = f"{PREFIX}-{n}-{i}"
        body = json.dumps({
            "external_id": external_id, "programme": "abc", "status": "completed",
            "start_date": "2025-03-01", "delivery": "in_person", "languages": ["sv"],
            "enrolled": 12, "completed": 10, "women": 7, "men": 5, "vulnerable_area": 3,
            "satisfaction_respondents": 8, "satisfied": 7,
        }).encode()
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json",
                   "Idempotency-Key": f"{external_id}-key"}
        for attempt in range(60):
            status, answer = request("PUT", f"/v1/municipalities/1980/sessions/{external_id}", body, headers)
            count("PUT", status)
            if status in (200, 201):
                with lock:
                    acknowledged.append(external_id)
                break
            if status in (0, 503):
                time.sleep(float(answer.get("Retry-After", "1")))
                continue
            raise SystemExit(f"{external_id}: HTTP {status}")
        else:
            raise SystemExit(f"{external_id}: never acknowledged")
        i += 1


threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
threads += [threading.Thread(target=writer, args=(n,)) for n in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(OUT, "w") as f:
    json.dump({"statuses": statuses, "acknowledged": acknowledged}, f)
print(", ".join(f"{k} × {v}" for k, v in sorted(statuses.items())), f"({len(acknowledged)} writes acknowledged)")
