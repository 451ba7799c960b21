"""The mixed read set of tests/bench/run.sh: tens of thousands of distinct URLs
as the long tail of real traffic asks them (filtered lists, single sessions,
municipalities and their population, deep cursors, reach and indicators with
varied parameters), printed one path per line in a fixed shuffled order.

    python3 tests/bench/urls.py http://127.0.0.1:8080 > urls.txt
"""
import itertools
import json
import random
import sys
import urllib.request

base = sys.argv[1]
rng = random.Random(42)


def get(path):
    with urllib.request.urlopen(base + path) as r:
        return json.load(r)


munis = [m["code"] for m in get("/v1/municipalities?limit=1000")["data"]]
counties = sorted({c[:2] for c in munis})
progs = [p["slug"] for p in get("/v1/programmes?limit=1000")["data"]]
statuses = ["planned", "open", "ongoing", "completed", "cancelled"]
deliveries = ["in_person", "digital", "hybrid"]
languages = ["sv", "ar", "so", "en"]
urls = set()

# Single sessions: ids from a few full pages.
page = get("/v1/sessions?limit=1000")
for _ in range(12):
    for s in page["data"]:
        urls.add(f"/v1/sessions/{s['id']}")
    if not page.get("next"):
        break
    page = get(page["next"].replace(base, ""))

# Deep cursors: pages far into a municipality's list.
for code in rng.sample(munis, 12):
    path = f"/v1/sessions?municipality={code}&limit=25"
    for depth in range(40):
        page = get(path)
        if not page.get("next"):
            break
        path = page["next"].replace(base, "")
        urls.add(path)

for code in munis:
    urls.add(f"/v1/municipalities/{code}")
    urls.add(f"/v1/municipalities/{code}/population")
for slug in progs:
    urls.add(f"/v1/programmes/{slug}")

# Filtered lists: the combinations a finder or an app asks for.
for _ in range(30000):
    q = {"municipality": rng.choice(munis)}
    if rng.random() < 0.5:
        q["programme"] = rng.choice(progs)
    if rng.random() < 0.4:
        q["status"] = rng.choice(statuses)
    if rng.random() < 0.3:
        y = rng.randint(2019, 2026)
        q["start_from"] = f"{y}-{rng.randint(1, 12):02}-01"
    if rng.random() < 0.2:
        q["delivery"] = rng.choice(deliveries)
    if rng.random() < 0.1:
        q["language"] = rng.choice(languages)
    q["limit"] = rng.choice([10, 20, 50, 100])
    urls.add("/v1/sessions?" + "&".join(f"{k}={v}" for k, v in q.items()))

# Reach and indicators with varied grouping and filters.
fields = ["municipality", "programme", "year", "quarter", "prevention_level"]
groupings = [",".join(c) for n in range(0, 3) for c in itertools.combinations(fields, n)]
for _ in range(3000):
    q = {"group_by": rng.choice(groupings)}
    r = rng.random()
    if r < 0.4:
        q["county"] = rng.choice(counties)
    elif r < 0.7:
        q["municipality"] = rng.choice(munis)
    if rng.random() < 0.3:
        q["programme"] = rng.choice(progs)
    if rng.random() < 0.3:
        y = rng.randint(2019, 2025)
        q["from"], q["to"] = y, y + rng.randint(0, 1)
    urls.add("/v1/reach?" + "&".join(f"{k}={v}" for k, v in q.items()))
for y in range(2019, 2026):
    for c in counties:
        urls.add(f"/v1/indicators?year={y}&county={c}")

out = sorted(urls)
rng.shuffle(out)
print("\n".join(out))
