"""The write workloads of tests/bench/run.sh, timed over HTTP; prints three
figures in seconds: a batch upsert of 10,000 new sessions; a one-year replace
of the municipality's sessions with nothing changed; the same with a tenth
changed, a tenth added and a tenth deleted.

    python3 tests/bench/writes.py http://127.0.0.1:8080 KEY 0180
"""
import json
from datetime import date, timedelta
import random
import sys
import time
import urllib.error
import urllib.request

base, key, code = sys.argv[1:4]


def explain(e):
    sys.exit(f"{e.code} from {e.url}: {e.read()[:2000].decode()}")

rng = random.Random(7)
WRITABLE = ["external_id", "programme", "provider", "status", "start_date", "end_date", "meetings",
            "languages", "delivery", "area", "co_hosts", "open_to_other_municipalities", "capacity",
            "enrolled", "completed"]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            out = json.load(r)
    except urllib.error.HTTPError as e:
        explain(e)
    return time.perf_counter() - t, out


def batch(body):
    return call("POST", f"/v1/municipalities/{code}/sessions/batch", body)


# 1. 10,000 new sessions, in the years the data set covers.
progs = [p["slug"] for p in call("GET", "/v1/programmes?limit=1000")[1]["data"]]
new = [{"external_id": f"BENCH-{i:06}", "programme": rng.choice(progs), "status": "completed",
        "start_date": f"20{rng.randint(19, 25)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
        "delivery": "in_person", "languages": ["sv"], "enrolled": 12, "completed": 9,
        "women": 7, "men": 5} for i in range(10000)]
t_upsert, result = batch({"mode": "upsert", "sessions": new})
assert result["created"] == 10000, result

# 2. The municipality's sessions of (most of) a year, as its own system holds
# them: 2024 from January, cut where a batch is full (10,000 sessions).
held, path = [], f"/v1/sessions?municipality={code}&start_from=2024-01-01&start_to=2024-12-31&limit=1000"
while path:
    _, page = call("GET", path)
    held += [{k: s[k] for k in WRITABLE if s.get(k) is not None} for s in page["data"]]
    path = page.get("next") and page["next"].replace(base, "")
end = "2024-12-31"
if len(held) > 10000:
    end = held[10000]["start_date"]
    held = [s for s in held if s["start_date"] < end]
    end = (date.fromisoformat(end) - timedelta(days=1)).isoformat()
scope = {"start_from": "2024-01-01", "start_to": end}
# The first nightly replace records the breakdowns the public read leaves out;
# from then on the set is the municipality's own, and a replace measures a night.
batch({"mode": "replace", "scope": scope, "sessions": held})
t_same, result = batch({"mode": "replace", "scope": scope, "sessions": held})
assert result["unchanged"] == len(held) and result["created"] + result["updated"] + result["deleted"] == 0, result

tenth = len(held) // 10
changed = [dict(s, provider="Familjecentralen Bench") if i < tenth else s for i, s in enumerate(held)]
changed = changed[: len(changed) - tenth]  # deleted
changed += [dict(s, external_id=f"BENCH-2024-{i:06}") for i, s in enumerate(held[:tenth])]
t_tenth, result = batch({"mode": "replace", "scope": scope, "sessions": changed})
assert (result["updated"], result["deleted"], result["created"]) == (tenth, tenth, tenth), result
history = call("GET", f"/v1/reach?municipality={code}")[1]["data"][0]["sessions"]
print(f"{t_upsert:.2f} {t_same:.2f} {t_tenth:.2f} # scope 2024-01-01..{end}: {len(held)} sessions, of a history of {history}+ counted")
