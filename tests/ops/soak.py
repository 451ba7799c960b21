"""The soak test's clients (see soak.sh): a municipality's writer and a
change-feed follower, each running until a deadline and leaving a JSON
summary that soak.sh checks against the public state.

    python3 tests/ops/soak.py writer URL KEY MUNICIPALITY SECONDS OUT
    python3 tests/ops/soak.py follower URL SECONDS OUT
"""
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import fst  # noqa: E402


def request(method, url, key=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def writer(base, key, code, seconds, out):
    """Only this writer writes `code`, so after every acknowledged write the
    municipality must hold exactly `model`: {external_id: provider}."""
    rng = random.Random(int(code))
    model, stats, serial = {}, {"upsert": 0, "replace": 0, "put": 0, "delete": 0, "5xx": 0, "other": 0, "sessions_written": 0}, 0
    deadline = time.time() + seconds
    batch_url = f"{base}/v1/municipalities/{code}/sessions/batch"
    while time.time() < deadline:
        serial += 1
        tag = f"{code}-{serial}"
        op = rng.choices(["upsert", "replace", "put", "delete"], [5, 1, 3, 2])[0]
        if op == "upsert":
            ids = [f"S-{rng.randint(0, 1500)}" for _ in range(200)]
            ids = list(dict.fromkeys(ids))
            sessions = [fst.session(i, rng, tag) for i in ids]
            status, _ = request("POST", batch_url, key, {"mode": "upsert", "sessions": sessions})
            if status == 200:
                model.update({s["external_id"]: tag for s in sessions})
        elif op == "replace":
            keep = [i for i in model if rng.random() < 0.7]
            ids = keep + [f"S-{rng.randint(0, 1500)}" for _ in range(100)]
            ids = list(dict.fromkeys(ids))
            sessions = [fst.session(i, rng, tag) for i in ids]
            status, _ = request("POST", batch_url, key, {"mode": "replace", "allow_mass_delete": True, "sessions": sessions})
            if status == 200:
                model = {s["external_id"]: tag for s in sessions}
        elif op == "put":
            s = fst.session(f"S-{rng.randint(0, 1500)}", rng, tag)
            ext = s.pop("external_id")
            status, _ = request("PUT", f"{base}/v1/municipalities/{code}/sessions/{ext}", key, s)
            if status in (200, 201):
                model[ext] = tag
                status = 200
        else:
            if not model:
                continue
            ext = rng.choice(sorted(model))
            status, _ = request("DELETE", f"{base}/v1/municipalities/{code}/sessions/{ext}", key)
            if status == 204:
                model.pop(ext)
                status = 200
        if status == 200:
            stats[op] += 1
            stats["sessions_written"] += 1 if op in ("put", "delete") else len(sessions)
        elif status >= 500:
            stats["5xx"] += 1
        else:
            stats["other"] += 1
            print(f"writer {code}: {op} answered {status}", file=sys.stderr)
    json.dump({"code": code, "stats": stats, "model": model}, open(out, "w"))


def follower(base, seconds, out):
    """Follows GET /v1/changes like a nightly puller that never stops, then
    catches up once more after the deadline (soak.sh stops the writers first)."""
    seen, after, stats = {}, None, {"pages": 0, "changes": 0, "5xx": 0}
    deadline = time.time() + seconds
    caught_up_after_deadline = False
    while True:
        url = f"{base}/v1/changes?type=session&limit=1000" + (f"&after={after}" if after else "")
        status, raw = request("GET", url)
        if status >= 500:
            stats["5xx"] += 1
            time.sleep(0.5)
            continue
        page = json.loads(raw)
        stats["pages"] += 1
        for c in page["changes"]:
            stats["changes"] += 1
            if c["op"] == "delete":
                seen.pop(c["id"], None)
            else:
                seen[c["id"]] = c["data"]
        after = page["next_cursor"]
        if page["has_more"]:
            continue
        if caught_up_after_deadline:
            break
        if time.time() >= deadline:
            # One more pass from the saved cursor once the writers are done.
            for _ in range(600):  # bounded: at most 2 minutes
                if os.path.exists(out + ".go"):
                    break
                time.sleep(0.2)
            caught_up_after_deadline = True
            continue
        time.sleep(0.5)
    json.dump({"stats": stats, "state": seen}, open(out, "w"))


if __name__ == "__main__":
    if sys.argv[1] == "writer":
        writer(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6])
    elif sys.argv[1] == "follower":
        follower(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("usage: soak.py writer|follower ...")
