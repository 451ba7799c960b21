"""The open-data feeds through independent parsers: the calendar feed with
`icalendar`, the catalogue with PyLD's JSON-LD expansion (offline: any remote
context would fail). Run by tests/browser/run.sh with the server's base URL."""

import datetime
import json
import sys
import urllib.request

import icalendar
from pyld import jsonld

BASE = sys.argv[1]


def get(path):
    with urllib.request.urlopen(BASE + path) as r:
        return r.headers.get("Content-Type"), r.read()


def check_calendar(path, at_least):
    content_type, body = get(path)
    assert content_type.startswith("text/calendar"), content_type
    cal = icalendar.Calendar.from_ical(body)
    assert str(cal["VERSION"]) == "2.0"
    events = list(cal.walk("VEVENT"))
    assert len(events) >= at_least, f"{path}: {len(events)} events"
    uids = set()
    for e in events:
        uid = str(e["UID"])
        assert uid.endswith("@foraldraskapsstod") and uid not in uids, uid
        uids.add(uid)
        start, end = e["DTSTART"].dt, e["DTEND"].dt
        assert type(start) is datetime.date and type(end) is datetime.date, (start, end)
        assert end > start
        assert isinstance(e["DTSTAMP"].dt, datetime.datetime)
        assert str(e["SUMMARY"]) and str(e["LOCATION"])
        assert str(e["URL"]).startswith(BASE + "/v1/sessions/")
        assert str(e.get("STATUS")) in ("CONFIRMED", "TENTATIVE", "CANCELLED")
    print(f"ok   {path}: {len(events)} events parse with icalendar {icalendar.__version__}")
    return events


def refuse_remote(url, options=None):
    raise RuntimeError(f"the catalogue needs a remote document: {url}")


def check_catalog():
    content_type, body = get("/v1/catalog")
    assert content_type.startswith("application/ld+json"), content_type
    expanded = jsonld.expand(json.loads(body), {"documentLoader": refuse_remote})
    assert len(expanded) == 1
    catalog = expanded[0]
    assert "http://www.w3.org/ns/dcat#Catalog" in catalog["@type"]
    datasets = catalog["http://www.w3.org/ns/dcat#dataset"]
    assert len(datasets) == 8, len(datasets)
    ids = {d["http://purl.org/dc/terms/identifier"][0]["@value"] for d in datasets}
    assert {"outcomes", "evaluation"} <= ids, ids
    licence = catalog["http://purl.org/dc/terms/license"][0]["@id"]
    assert licence == "http://creativecommons.org/publicdomain/zero/1.0/", licence
    for d in datasets:
        for dist in d["http://www.w3.org/ns/dcat#distribution"]:
            media = dist["http://www.w3.org/ns/dcat#mediaType"][0]["@id"]
            assert media.startswith("https://www.iana.org/assignments/media-types/"), media
    print(f"ok   /v1/catalog expands with PyLD: {len(datasets)} datasets")


events = check_calendar("/v1/sessions.ics", 1)
check_calendar(str(events[0]["URL"])[len(BASE):] + "/calendar.ics", 1)
check_calendar("/v1/sessions.ics?municipality=1980&delivery=digital", 0)
check_catalog()
