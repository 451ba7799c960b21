"""Schemathesis hooks for tests/contract/fuzz.sh.

They change nothing the server is asked to accept, except in the ways the
OpenAPI document itself states as exceptions, and they make positive cases use
the live catalogue where the document says a value must name a catalogue
entry (programme slugs are data, not schema):

1. `cursor` / `after`: the document says a non-empty cursor that this API did
   not issue for the same filters is refused with 400. Schemathesis draws
   arbitrary strings for them; `positive_data_acceptance_documented` forgives
   exactly that 400, and only when the value was never issued by the server
   for that path and those filters (every `next_cursor` seen is recorded).
2. `/v1/reach`: `year` together with `from` or `to` is refused with 400
   naming `year` (a shorthand for both; the parameter's description says so).
3. A 422 naming only rules that no schema can state (stated in each write
   operation's description): the mass-delete guard, a body `external_id`
   differing from the path, cross-field counts and dates, a programme that
   is not in the catalogue, a co-host that is the municipality itself, and
   the rules between a session's details and its other fields.

Everything else the built-in `positive_data_acceptance` reports fails the run.

One more forgiveness, of schemathesis itself, in `negative_data_rejection_documented`:
in the stateful phase it can mark a case negative while the case's own
description says "Positive test case" and every part of the request conforms
to the document (seen: `null` for nullable counts). Only that contradiction is
forgiven; any negative case schemathesis describes as such must be refused.
"""

import json
import zlib
import os
import threading
import urllib.parse
import urllib.request

import schemathesis
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.adapter.responses import _build_response_validator
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

BASE = os.environ["FST_FUZZ_BASE"]
# A municipality key's run pins municipality paths to its own municipality,
# so its writes are tried for real instead of all being refused with 403.
OWN = os.environ.get("FST_FUZZ_MUNICIPALITY")

_lock = threading.Lock()
_issued = set()  # (path, filters, cursor)


def _programmes():
    with urllib.request.urlopen(f"{BASE}/v1/programmes?limit=1000") as r:
        return sorted(p["slug"] for p in json.load(r)["data"])


PROGRAMMES = _programmes()


def _known(slug):
    """A catalogue slug chosen by the drawn one, the same on every run."""
    return PROGRAMMES[zlib.crc32(slug.encode()) % len(PROGRAMMES)]

# Body fields whose 422 comes from a rule no schema can state.
CROSS_FIELD = {
    "/allow_mass_delete",  # the mass-delete guard (depends on stored data)
    "/external_id",  # the body's external_id differs from the path
    "/end_date",  # before start_date
    "/completed",  # more than enrolled
    "/women",
    "/men",  # women + men more than enrolled
    "/vulnerable_area",
    "/satisfaction_respondents",
    "/satisfied",  # more than respondents, or without them
    "/programme",  # not in the (dynamic) catalogue
    "/co_hosts",  # the municipality itself
    "/places_left",  # more than capacity
    "/schedule/weekday",  # neither weekday nor dates; no or too many meetings; past end_date
    "/schedule/dates",  # with weekday; outside the session; not `meetings` of them
    "/schedule/except_dates",  # without weekday, or not the rule's weekday
    "/schedule/end_time",  # not after start_time, or without it
    "/venue",  # a digital session has none
    "/venue/name",  # neither name nor street_address
    "/venue/longitude",  # without latitude, or latitude without it
    "/registration/url",  # no way to sign up at all
    "/registration/deadline",  # after end_date
    "/cost/amount_sek",  # a fee when free, or none when not
    "/accessibility/note",  # an object with nothing in it
    "/age_max",  # below age_min
    "/children",  # more than total, or without its age band
    "/children_age_from",
    "/children_age_to",
    "/verified",  # true without a source
    "/evidence/sources",  # none for a rated status
    "/scope",  # only with replace
    "/scope/start_to",  # before scope.start_from
    "",  # population: at least one of total and children
}


def _filters(query, *cursor_params):
    items = []
    for k, v in (query or {}).items():
        if k in cursor_params or k == "limit":
            continue
        vals = v if isinstance(v, list) else [v]
        items.append((k, tuple(str(x) for x in vals)))
    return tuple(sorted(items))


def _pointer_base(p):
    # "/sessions/3/men" -> "/men"; "/co_hosts/0" -> "/co_hosts"
    parts = p.split("/")
    if len(parts) > 2 and parts[1] == "sessions" and parts[2].isdigit():
        parts = [""] + parts[3:]
    if len(parts) > 2 and parts[-1].isdigit():
        parts = parts[:-1]
    if len(parts) > 2 and parts[1] == "co_hosts":
        parts = parts[:2]
    return "/".join(parts) if len(parts) > 1 else ""


def _is_positive(case):
    return case.meta is not None and case.meta.generation.mode.is_positive


@schemathesis.deserializer("application/x-ndjson")
def ndjson_as_text(ctx, response):
    """The document declares the NDJSON stream as a binary string (one JSON
    object per line, described in words): schemathesis has no deserializer
    for `application/x-ndjson` (it is not in its JSON family), so it is
    handed over as text and checked as what the document says it is. Each
    line is checked against the JSON representation's item schema by
    `ndjson_lines_conform` below."""
    return response.content.decode("utf-8")


def _json_body(response):
    """The parsed body of a JSON answer, else None. Parsed here rather than
    with `response.json()`, which caches its result as the response's
    deserialized body: a one-line NDJSON stream is valid JSON, and the cached
    object was then validated against the stream's string schema."""
    ctype = (response.headers.get("content-type") or [""])
    ctype = (ctype[0] if isinstance(ctype, list) else ctype).split(";")[0].strip().lower()
    if not (ctype == "application/json" or ctype.endswith("+json")):
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if not _is_positive(case):
        return
    # Positive cases name catalogue entries that exist (a slug is data).
    if case.query and "programme" in case.query:
        vals = case.query["programme"]
        vals = vals if isinstance(vals, list) else [vals]
        case.query["programme"] = [
            ",".join(_known(s) for s in str(v).split(",") if s)
            for v in vals
        ]
    # A range given backwards is refused (400, stated in the descriptions): a
    # positive case asks for its range in order.
    q = case.query or {}
    for lo, hi in (("start_from", "start_to"), ("from", "to")):
        a, b = q.get(lo), q.get(hi)
        if isinstance(a, str) and isinstance(b, str) and a and b and a[:4].isdigit() and b[:4].isdigit():
            if lo == "from":
                # A year or a quarter's first day against a year or a quarter's last day.
                if a[:4] > b[:4]:
                    q[lo], q[hi] = b[:4], a[:4]
            elif a > b:
                q[lo], q[hi] = b, a
    # The evaluation's one area: a municipality outside the county given is
    # refused (400, stated in the description), so a positive case names the
    # municipality's own county (an SCB municipality code starts with it).
    m, c = q.get("municipality"), q.get("county")
    if case.path == "/v1/evaluation" and isinstance(m, str) and isinstance(c, str) and m and c:
        q["county"] = m[:2]
    # The indicators report one county and its municipalities (stated in the
    # parameters' descriptions): a positive case names municipalities of one
    # county, and that county when it names one.
    if case.path == "/v1/indicators" and q.get("municipality"):
        raw = q["municipality"] if isinstance(q["municipality"], list) else [q["municipality"]]
        codes = [c for v in raw if isinstance(v, str) for c in v.split(",") if c]
        if codes:
            county = codes[0][:2]
            q["municipality"] = ",".join(c for c in codes if c[:2] == county)
            if q.get("county"):
                q["county"] = county
    body = case.body if isinstance(case.body, dict) else None
    if body is not None:
        items = body.get("sessions") if isinstance(body.get("sessions"), list) else [body]
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("programme"), str):
                item["programme"] = _known(item["programme"])
    if OWN and case.path_parameters and "code" in case.path_parameters:
        if "/sessions" in case.path:
            case.path_parameters["code"] = OWN


@schemathesis.hook
def after_call(ctx, case, response):
    if response.status_code != 200:
        return
    data = _json_body(response)
    if not isinstance(data, dict) or not data.get("next_cursor"):
        return
    param = "after" if case.path == "/v1/changes" else "cursor"
    with _lock:
        _issued.add((case.path, _filters(case.query, param), data["next_cursor"]))


def _documented_exception(case, response):
    problem = _json_body(response)
    if not isinstance(problem, dict):
        return False
    errors = problem.get("errors") or []
    if response.status_code == 400 and errors:
        params = {e.get("parameter") for e in errors}
        if params <= {"cursor", "after"}:
            for p in params:
                value = (case.query or {}).get(p)
                if value in (None, ""):
                    return False
                with _lock:
                    if (case.path, _filters(case.query, p), value) in _issued:
                        return False  # a cursor the API issued must work
            return True
    if response.status_code == 400 and errors and case.path == "/v1/reach":
        # `year` is a shorthand for from/to; the document says not both.
        query = case.query or {}
        if {e.get("parameter") for e in errors} == {"year"} and (
            query.get("from") not in (None, "") or query.get("to") not in (None, "")
        ):
            return True
    if response.status_code == 422 and errors:
        return all(
            (e.get("pointer") is not None and _pointer_base(e["pointer"]) in CROSS_FIELD)
            # an Idempotency-Key reused with another request (depends on history)
            or e.get("parameter") == "Idempotency-Key"
            for e in errors
        )
    return False


@schemathesis.check
def positive_data_acceptance_documented(ctx, response, case):
    """`positive_data_acceptance`, except for the exceptions the document states."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        if _documented_exception(case, response):
            return None
        raise


_ndjson_validators = {}


def _ndjson_item_validator(case):
    """A validator for one NDJSON line: the item schema of `data` in the
    operation's JSON representation (the document says each line is "the
    same object as in `data` of the JSON form")."""
    key = (case.method, case.path)
    with _lock:
        if key in _ndjson_validators:
            return _ndjson_validators[key]
    definition = case.operation.responses.find_by_status_code(200)
    validator = None
    if definition is not None:
        resolved = definition.get_schema("application/json; charset=utf-8").schema
        if isinstance(resolved, dict):
            bundled = resolved.get("x-bundled", {})
            root = resolved
            if "$ref" in root:
                root = bundled[root["$ref"].rsplit("/", 1)[-1]]
            items = root["properties"]["data"]["items"]
            validator = _build_response_validator(
                {"type": "array", "items": items, "x-bundled": bundled},
                case.operation.schema.adapter.jsonschema_validator_cls,
                True,
            )
    with _lock:
        _ndjson_validators[key] = validator
    return validator


@schemathesis.check
def ndjson_lines_conform(ctx, response, case):
    """Every line of a 200 NDJSON answer is a JSON object that conforms to the
    item schema of the JSON representation's `data`."""
    if response.status_code != 200:
        return None
    ctype = response.headers.get("content-type") or [""]
    if not ctype[0].lower().startswith("application/x-ndjson"):
        return None
    validator = _ndjson_item_validator(case)
    if validator is None:
        raise Failure(
            operation=case.operation.label,
            title="NDJSON without a JSON representation",
            message="The operation answers NDJSON but documents no JSON `data` items to check its lines against.",
        )
    text = response.content.decode("utf-8")
    if text and not text.endswith("\n"):
        raise Failure(operation=case.operation.label, title="NDJSON line not terminated",
                      message="The last line has no newline.")
    try:
        lines = [json.loads(line) for line in text.splitlines()]
    except ValueError as exc:
        raise Failure(operation=case.operation.label, title="NDJSON line is not JSON", message=str(exc))
    errors = list(validator.iter_errors(lines))
    if errors:
        raise Failure(
            operation=case.operation.label,
            title="NDJSON line violates the item schema",
            message="\n".join(f"line {list(e.instance_path)[:1]}: {e.message}" for e in errors[:5]),
        )
    return None


@schemathesis.check
def negative_data_rejection_documented(ctx, response, case):
    """`negative_data_rejection`, except where schemathesis describes the case as positive."""
    try:
        return negative_data_rejection(ctx, response, case)
    except Failure:
        meta = case.meta
        description = getattr(getattr(getattr(meta, "phase", None), "data", None), "description", None)
        if description == "Positive test case":
            return None
        raise
