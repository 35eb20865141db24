"""Whole answers or loud errors (issue 19, items 2 and 7): no silent row cap, an opt-in cap that refuses, a result
cut by its deadline never looks complete, and XML results always well-formed (real servers, real clients)."""
from __future__ import annotations

import csv
import http.client
import io
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.dom.minidom
import xml.etree.ElementTree as ET

import pytest

from .conftest import AUTH, TOKEN, serving

SPARQL_NS = "{http://www.w3.org/2005/sparql-results#}"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def get(url: str, query: str, accept: str, timeout: float = 60) -> tuple[int, str, bytes]:
    req = urllib.request.Request(f"{url}/sparql?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def count(url: str, where: str = "?s ?p ?o") -> int:
    _, _, body = get(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", "application/sparql-results+json")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_rdflib_sparqlstore_iterates_every_triple(live_server):
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = Graph(SPARQLStore(f"{live_server.url}/sparql"))
    n = len(g)   # rdflib asks COUNT(*)
    assert n > 10000
    assert sum(1 for _ in g) == n   # rdflib asks SELECT ?s ?p ?o and reads the XML results
    distinct = count(live_server.url, "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert len(g.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").graph) == distinct


def test_every_format_carries_every_row(live_server):
    n = count(live_server.url)
    status, ctype, body = get(live_server.url, ALL, "application/sparql-results+json")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == n
    status, ctype, body = get(live_server.url, ALL, "application/sparql-results+xml")
    assert status == 200 and len(ET.fromstring(body).findall(f"{SPARQL_NS}results/{SPARQL_NS}result")) == n
    status, ctype, body = get(live_server.url, ALL, "text/csv")
    assert status == 200 and len(list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))) == n + 1
    import pyoxigraph as ox

    status, ctype, body = get(live_server.url, ALL, "text/tab-separated-values")
    assert status == 200 and len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV))) == n
    status, ctype, body = get(live_server.url, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    distinct = count(live_server.url, "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert status == 200 and len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == distinct


@pytest.fixture(scope="module")
def capped_server(embedded_store):
    with serving(embedded_store, max_rows=7) as srv:
        yield srv


def test_opt_in_cap_refuses_whole_results_loudly(capped_server):
    url = capped_server.url
    for query, accept in [(ALL, "application/sparql-results+json"), (ALL, "text/csv"),
                          ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")]:
        status, ctype, body = get(url, query, accept)
        assert status == 403 and ctype == "application/json", (status, body[:200])
        err = json.loads(body)
        assert err["error"] == "result-too-large" and "more than 7 rows" in err["message"]
        assert set(err) >= {"error", "message", "problems"}
    status, _, body = get(url, ALL + " LIMIT 7", "application/sparql-results+json")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 7
    status, _, body = get(url, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 7", "application/n-triples")
    assert status == 200 and len(body.decode().strip().splitlines()) == 7
    from SPARQLWrapper import JSON, SPARQLWrapper

    sw = SPARQLWrapper(f"{url}/sparql")
    sw.setQuery(ALL)
    sw.setReturnFormat(JSON)
    with pytest.raises(urllib.error.HTTPError) as exc:
        sw.query().convert()
    assert exc.value.code == 403 and b"result-too-large" in exc.value.read()


def test_result_cut_by_its_deadline_never_looks_complete(embedded_store):
    with serving(embedded_store, query_timeout=2) as srv:
        endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"   # ~10^8 rows: streams until the deadline
        req = urllib.request.Request(f"{srv.url}/sparql?" + urllib.parse.urlencode({"query": endless}),
                                     headers={"Accept": "text/tab-separated-values"})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 200 and r.headers.get("Content-Length") is None   # chunked
            with pytest.raises(http.client.IncompleteRead):
                r.read()
        status, _, body = get(srv.url, "ASK {}", "application/sparql-results+json")   # the worker came back
        assert status == 200 and json.loads(body)["boolean"] is True


# ------------------------------------------------------------------------- XML 1.0 (item 7)
CONTROL = "a\u0001b"
TRICKY = "tab\there, line\nbreak, cr\rx, <tag> & \"quotes\" ']]>' \u00e9\u4e2d\U0001f600"


@pytest.fixture(scope="module")
def odd_literals(embedded_store):
    update = ('INSERT DATA { GRAPH <http://example.org/odd> { '
              '<http://example.org/ctl> <http://example.org/v> "a\\u0001b" . '
              '<http://example.org/ok> <http://example.org/v> ' + json.dumps(TRICKY, ensure_ascii=False) + ' } }')
    with serving(embedded_store, update_token=TOKEN) as srv:
        req = urllib.request.Request(f"{srv.url}/sparql", data=update.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-update", **AUTH})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 204
        yield srv


@pytest.mark.parametrize("query,accept", [
    ("SELECT ?v WHERE { <http://example.org/ctl> ?p ?v }", "application/sparql-results+xml"),
    ("CONSTRUCT WHERE { <http://example.org/ctl> ?p ?v }", "application/rdf+xml"),
])
def test_xml_refuses_characters_xml_cannot_carry(odd_literals, query, accept):
    status, ctype, body = get(odd_literals.url, query, accept)
    assert status == 406 and ctype == "application/json", body[:300]
    err = json.loads(body)
    assert err["error"] == "not-acceptable" and "U+0001" in err["message"]


def test_json_carries_control_characters(odd_literals):
    status, _, body = get(odd_literals.url, "SELECT ?v WHERE { <http://example.org/ctl> ?p ?v }",
                          "application/sparql-results+json")
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["v"]["value"] == CONTROL


def test_xml_results_parse_with_real_parsers(odd_literals):
    from SPARQLWrapper import XML, SPARQLWrapper

    query = "SELECT ?v WHERE { <http://example.org/ok> ?p ?v }"
    status, _, body = get(odd_literals.url, query, "application/sparql-results+xml")
    assert status == 200
    ET.fromstring(body)   # well-formed for expat
    sw = SPARQLWrapper(f"{odd_literals.url}/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    assert isinstance(doc, xml.dom.minidom.Document)
    text = "".join(n.data for n in doc.getElementsByTagName("literal")[0].childNodes)
    # every character comes back, the carriage return too (sent as &#13;: parsers turn a raw one into a LF)
    assert text == TRICKY
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    sw.setQuery("SELECT ?v WHERE { <http://example.org/ctl> ?p ?v }")
    with pytest.raises((urllib.error.HTTPError, SPARQLWrapperException)) as exc:
        sw.query().convert()
    assert "406" in str(exc.value) or getattr(exc.value, "code", 0) == 406
