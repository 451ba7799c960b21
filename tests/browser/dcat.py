"""The catalogue as a portal harvests it: `/v1/catalog` parsed as JSON-LD
(offline), validated with pyshacl against the EU's DCAT-AP 3.0.0 shapes
(vendored in tests/fixtures/dcat-ap-3.0.0), checked for DCAT-AP-SE's mandatory
and recommended properties (diggsweden/DCAT-AP-SE, `exempel/obligatoriskt.ttl`
and `exempel/rekommenderat.ttl`), and every distribution fetched: it answers
200 in its stated media type with what its dataset describes. Run by
tests/browser/run.sh with the server's base URL (the server has a contact
e-mail and URL configured)."""

import csv
import io
import json
import pathlib
import sys
import urllib.request

import pyshacl
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")

BASE = sys.argv[1]
SHAPES = pathlib.Path(__file__).parent.parent / "fixtures/dcat-ap-3.0.0/dcat-ap-SHACL.ttl"
ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")


def get(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()


def graph():
    _, content_type, body = get(BASE + "/v1/catalog")
    assert content_type.startswith("application/ld+json"), content_type
    g = rdflib.Graph()
    # The @context is inline: parsing needs nothing from the network.
    g.parse(data=body, format="json-ld", base=BASE)
    return g


def check_shapes(g):
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes, inference="none", advanced=True)
    assert conforms, text
    print(f"ok   /v1/catalog conforms to DCAT-AP 3.0.0 (pyshacl {pyshacl.__version__}, {len(g)} triples)")


def one(g, s, p):
    values = list(g.objects(s, p))
    assert values, f"{s} has no {p}"
    return values


def literal_languages(g, s, p):
    return {o.language for o in g.objects(s, p) if isinstance(o, rdflib.Literal)}


def check_swedish_profile(g):
    """DCAT-AP-SE: the mandatory properties of its 'obligatoriskt' example and
    the recommended ones of 'rekommenderat', on the catalogue and every
    dataset, distribution and data service."""
    catalogs = list(g.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1, catalogs
    cat = catalogs[0]
    for p in (DCTERMS.title, DCTERMS.description):
        assert {"sv", "en"} <= literal_languages(g, cat, p), (cat, p)
    for p in (DCTERMS.publisher, DCTERMS.license, DCAT.dataset, DCTERMS.modified,
              DCTERMS.issued, DCTERMS.language, FOAF.homepage, DCAT.themeTaxonomy):
        one(g, cat, p)
    for publisher in g.objects(cat, DCTERMS.publisher):
        one(g, publisher, FOAF.name)
        one(g, publisher, DCTERMS.type)
    datasets = list(g.objects(cat, DCAT.dataset))
    assert len(datasets) >= 8, len(datasets)
    for d in datasets:
        for p in (DCTERMS.title, DCTERMS.description):
            assert {"sv", "en"} <= literal_languages(g, d, p), (d, p)
        assert {"sv", "en"} <= literal_languages(g, d, DCAT.keyword), (d, "keyword")
        for p in (DCTERMS.publisher, DCAT.distribution, DCAT.contactPoint, DCAT.theme,
                  DCTERMS.issued, DCTERMS.modified, DCTERMS.accessRights, DCTERMS.spatial):
            one(g, d, p)
        for contact in g.objects(d, DCAT.contactPoint):
            one(g, contact, VCARD.fn)
            email = one(g, contact, VCARD.hasEmail)[0]
            assert str(email).startswith("mailto:"), email
            one(g, contact, VCARD.hasURL)
        for dist in g.objects(d, DCAT.distribution):
            for p in (DCAT.accessURL, DCTERMS.license, DCTERMS.format, DCTERMS.description,
                      DCAT.accessService):
                one(g, dist, p)
    services = list(g.subjects(RDF.type, DCAT.DataService))
    assert services, "a data service describes the API"
    for s in services:
        for p in (DCTERMS.title, DCAT.endpointURL, DCAT.endpointDescription, DCAT.contactPoint,
                  DCAT.keyword, DCTERMS.license, DCTERMS.accessRights):
            one(g, s, p)
    print(f"ok   DCAT-AP-SE mandatory and recommended properties on {len(datasets)} datasets")


def check_temporal(g):
    """Each time series states the years it holds, and they are the years its data has."""
    for d in g.subjects(RDF.type, DCAT.Dataset):
        ident = str(one(g, d, DCTERMS.identifier)[0])
        periods = list(g.objects(d, DCTERMS.temporal))
        if ident in ("programmes", "municipalities"):
            continue
        assert len(periods) == 1, (ident, periods)
        start = str(one(g, periods[0], DCAT.startDate)[0])
        end = str(one(g, periods[0], DCAT.endDate)[0])
        assert start <= end, (ident, start, end)
    print("ok   every time series states its period")


def check_distributions(g):
    """Every download answers 200 in its stated media type; the population
    series has every year with children, reach is per municipality and year."""
    count = 0
    for d in g.subjects(RDF.type, DCAT.Dataset):
        ident = str(one(g, d, DCTERMS.identifier)[0])
        for dist in g.objects(d, DCAT.distribution):
            media = str(one(g, dist, DCAT.mediaType)[0]).rsplit("media-types/", 1)[1]
            # JSON is the API, page by page (an access URL); every other
            # format downloads the whole dataset.
            downloads = list(g.objects(dist, DCAT.downloadURL))
            assert (media == "application/json") == (not downloads), (dist, media)
            url = str((downloads or one(g, dist, DCAT.accessURL))[0])
            status, content_type, body = get(url)
            assert status == 200 and content_type.startswith(media), (url, status, content_type)
            count += 1
            if media != "text/csv":
                continue
            rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
            assert rows, url
            if ident == "population":
                assert {"municipality_code", "year", "total", "children"} <= rows[0].keys(), rows[0]
                years = {r["year"] for r in rows}
                assert len(years) >= 2, years
                assert any(r["children"] for r in rows), "children in the population series"
                assert len({r["municipality_code"] for r in rows}) == 290
            if ident == "reach":
                assert {"municipality", "year"} <= rows[0].keys(), rows[0]
                assert len({(r["municipality"], r["year"]) for r in rows}) == len(rows) > 1
    print(f"ok   {count} distributions answer in their media type")


g = graph()
check_shapes(g)
check_swedish_profile(g)
check_temporal(g)
check_distributions(g)
