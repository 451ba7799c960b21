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
        start = e["DTSTART"].dt
        if isinstance(start, datetime.datetime):
            # A timed meeting: local time in Stockholm, never floating.
            assert start.tzinfo is not None, start
            assert start.utcoffset() in (datetime.timedelta(hours=1), datetime.timedelta(hours=2)), start
        if "DTEND" in e:  # a meeting without an end time is an instant
            end = e["DTEND"].dt
            assert type(end) is type(start) and end > start, (start, end)
        else:
            assert isinstance(start, datetime.datetime), "an all-day event has an end"
        assert isinstance(e["DTSTAMP"].dt, datetime.datetime)
        assert str(e["SUMMARY"]) and str(e["LOCATION"])
        assert str(e["URL"]).startswith(BASE + "/kurs/"), e["URL"]
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


def check_weekly_session():
    """A session with a weekly rule and times yields one timed event per meeting, on its weekday."""
    _, body = get("/v1/sessions?status=open&limit=1000")
    weekly = [
        s for s in json.loads(body)["data"]
        if s["schedule"] and s["schedule"]["weekday"] and s["schedule"]["start_time"] and s["meetings"]
    ]
    assert weekly, "the demo has weekly sessions with times"
    s = max(weekly, key=lambda s: s["meetings"])
    events = check_calendar(f"/v1/sessions/{s['id']}/calendar.ics", s["meetings"])
    assert len(events) == s["meetings"], (len(events), s["meetings"])
    days = {e["DTSTART"].dt.strftime("%A").lower() for e in events}
    assert days == {s["schedule"]["weekday"]}, days
    hhmm = {e["DTSTART"].dt.strftime("%H:%M") for e in events}
    assert hhmm == {s["schedule"]["start_time"]}, hhmm
    print(f"ok   a weekly session of {s['meetings']} meetings is {len(events)} timed events")


events = check_calendar("/v1/sessions.ics", 1)
one = str(events[0]["URL"]).rsplit("/", 1)[1]
check_calendar(f"/v1/sessions/{one}/calendar.ics", 1)
check_weekly_session()
check_calendar("/v1/sessions.ics?municipality=1980&delivery=digital", 0)
check_catalog()
