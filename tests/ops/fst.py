"""Shared checks for the operations scripts (crash.sh, soak.sh): only the
public HTTP API and the standard library, so they test what a client sees.

    python3 tests/ops/fst.py gen OUT --municipality 1980 --prefix R1 --n 10000 --seed 1 [--keep PREV_BODY]
    python3 tests/ops/fst.py state URL MUNICIPALITY      # prints {external_id: provider} as JSON
    python3 tests/ops/fst.py consistent URL              # feed replay == public state; reach == recomputation
"""
import json
import random
import sys
import urllib.request

PROGRAMMES = ["abc", "komet", "trygghetscirkeln", "icdp"]
COUNTED = {"ongoing", "completed"}  # the statuses reach counts (README, "Reach")


def get(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def session(external_id, rng, provider):
    enrolled = rng.randint(5, 20)  # >= the suppression threshold: sums are never hidden
    year = rng.randint(2019, 2025)
    return {
        "external_id": external_id,
        "programme": rng.choice(PROGRAMMES),
        "status": rng.choice(["planned", "ongoing", "completed", "completed", "cancelled"]),
        "start_date": f"{year}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
        "delivery": rng.choice(["in_person", "digital", "hybrid"]),
        "provider": provider,
        "languages": ["sv"],
        "enrolled": enrolled,
        "completed": rng.randint(0, enrolled),
    }


def gen(out, municipality, prefix, n, seed, keep=None, mode="replace"):
    """A batch body of n sessions: with `keep`, half of the previous body's
    sessions stay (with a new provider, so every kept one is an update) and
    the rest are new, so a replace creates, updates and deletes at once."""
    rng = random.Random(seed)
    sessions = []
    if keep:
        prev = json.load(open(keep))["sessions"]
        for s in prev[::2][: n // 2]:
            sessions.append(dict(s, provider=prefix))
    i = 0
    while len(sessions) < n:
        sessions.append(session(f"{prefix}-{i:06}", rng, prefix))
        i += 1
    body = {"mode": mode, "allow_mass_delete": True, "sessions": sessions}
    if mode != "replace":
        del body["allow_mass_delete"]
    json.dump(body, open(out, "w"))
    print(municipality, len(sessions))


def ndjson(url):
    _, raw = get(url)
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def state(base, municipality):
    """The municipality's public sessions as {external_id: provider}."""
    rows = ndjson(f"{base}/v1/sessions?municipality={municipality}&format=ndjson")
    return {r["external_id"]: r.get("provider") for r in rows}


def expected(body_file):
    return {s["external_id"]: s.get("provider") for s in json.load(open(body_file))["sessions"]}


def follow_feed(base):
    """Every session change from the start, applied in order: the state a
    follower of GET /v1/changes ends with."""
    seen, after, pages = {}, None, 0
    while True:
        url = f"{base}/v1/changes?type=session&limit=1000" + (f"&after={after}" if after else "")
        _, raw = get(url)
        page = json.loads(raw)
        for c in page["changes"]:
            if c["op"] == "delete":
                seen.pop(c["id"], None)
            else:
                seen[c["id"]] = c["data"]
        after = page["next_cursor"]
        pages += 1
        if not page["has_more"]:
            return seen, after
        if pages > 100000:
            raise SystemExit("the change feed does not end")


def reach_problems(base, sessions):
    """GET /v1/reach by municipality and year against sums over the sessions."""
    want = {}
    for s in sessions:
        if s["status"] not in COUNTED:
            continue
        k = (s["municipality_code"], int(s["start_date"][:4]))
        w = want.setdefault(k, {"sessions": 0, "enrolled": 0, "completed": 0})
        w["sessions"] += 1
        w["enrolled"] += s.get("enrolled") or 0
        w["completed"] += s.get("completed") or 0
    _, raw = get(f"{base}/v1/reach?group_by=municipality,year")
    got = {}
    for row in json.loads(raw)["data"]:
        if row["sessions"]:
            got[(row["municipality"], row["year"])] = row
    problems = []
    for k in sorted(set(want) | set(got)):
        w, g = want.get(k), got.get(k)
        if w is None or g is None:
            problems.append(f"reach {k}: rollup {g and g['sessions']} sessions, recomputed {w}")
            continue
        for field in ("sessions", "enrolled", "completed"):
            # A suppressed figure (null) cannot be compared; the data the
            # scripts write keeps every sum above the threshold.
            if g[field] is not None and g[field] != w[field]:
                problems.append(f"reach {k} {field}: rollup {g[field]}, recomputed {w[field]}")
    return problems


def consistent(base):
    """The feed reproduces the public state and the rollup equals a recomputation."""
    public = ndjson(f"{base}/v1/sessions?format=ndjson")
    by_id = {s["id"]: s for s in public}
    followed, _ = follow_feed(base)
    problems = []
    if followed != by_id:
        missing = set(by_id) - set(followed)
        extra = set(followed) - set(by_id)
        differ = [i for i in set(by_id) & set(followed) if by_id[i] != followed[i]]
        problems.append(
            f"feed replay differs from /v1/sessions: {len(missing)} missing, {len(extra)} extra, {len(differ)} differ"
            + (f" (e.g. {differ[0]}: {followed[differ[0]]} vs {by_id[differ[0]]})" if differ else "")
        )
    problems += reach_problems(base, public)
    return problems, len(public)


def main(argv):
    cmd = argv[1]
    if cmd == "gen":
        import argparse
        p = argparse.ArgumentParser()
        p.add_argument("out")
        p.add_argument("--municipality", required=True)
        p.add_argument("--prefix", required=True)
        p.add_argument("--n", type=int, required=True)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--keep")
        p.add_argument("--mode", default="replace")
        a = p.parse_args(argv[2:])
        gen(a.out, a.municipality, a.prefix, a.n, a.seed, a.keep, a.mode)
    elif cmd == "state":
        print(json.dumps(state(argv[2], argv[3]), sort_keys=True))
    elif cmd == "expected":
        print(json.dumps(expected(argv[2]), sort_keys=True))
    elif cmd == "consistent":
        problems, n = consistent(argv[2])
        for p in problems[:20]:
            print("  FAIL", p)
        if problems:
            sys.exit(1)
        print(f"  ok: the feed followed from the start reproduces all {n} public sessions; reach by municipality,year equals the recomputation")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
