"""W3C SPARQL 1.1 Protocol conformance: every test of shared/w3c/sparql11/protocol/manifest.ttl, replayed."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from .conftest import AUTH, close_client, make_client
from .w3c import PROTOCOL_MANIFEST, W3CTest, load_tests, status_ok

if not PROTOCOL_MANIFEST.exists():
    pytest.skip(f"W3C protocol manifests not found: expected {PROTOCOL_MANIFEST} (shared/w3c beside the repo)",
                allow_module_level=True)

ENTRIES, TESTS = load_tests(PROTOCOL_MANIFEST, "ProtocolTest")
RESULTS_JSON = ("application/sparql-results+json", "application/json")
RESULTS_XML = ("application/sparql-results+xml", "application/xml", "text/xml")
TABULAR = RESULTS_JSON + RESULTS_XML + ("text/csv", "text/tab-separated-values")
RDF = ("application/rdf+xml", "text/turtle", "application/n-triples", "text/plain", "application/xhtml+xml",
       "text/html")


@pytest.fixture(scope="module")
def w3c_client():
    from clausegraph.engine.store.embedded import EmbeddedStore

    c = make_client(EmbeddedStore(), update_token=AUTH["Authorization"].split()[1])
    yield c
    close_client(c)


def test_runner_covers_exactly_the_manifest():
    assert len(ENTRIES) == 34 and len(set(ENTRIES)) == 34
    assert set(TESTS) == set(ENTRIES)
    kinds = [e.rsplit("#", 1)[1].split("_")[0] for e in ENTRIES]
    assert (kinds.count("query"), kinds.count("update"), kinds.count("bad")) == (13, 7, 14)
    assert all(t.requests and all(r.expected_status for r in t.requests) for t in TESTS.values())


def setup_dataset(client, test: W3CTest) -> None:
    """Empty the store, then load each ut:graphData file into the named graph its rdfs:label gives."""
    r = client.post("/sparql", content=b"DROP ALL", headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert r.status_code == 204, r.text
    for path, label in test.graph_data:
        data = (PROTOCOL_MANIFEST.parent / path.name).read_bytes()
        r = client.put("/store", params={"graph": label}, content=data,
                       headers={**AUTH, "Content-Type": "application/n-triples"})
        assert r.status_code in (201, 204), r.text


def check_format(resp, fmt: str | None, boolean: bool | None) -> None:
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if fmt == "boolean" or boolean is not None:
        assert ctype in RESULTS_JSON + RESULTS_XML, ctype
        if ctype in RESULTS_JSON:
            value = json.loads(resp.content)["boolean"]
        else:
            el = ET.fromstring(resp.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
            value = el.text.strip() == "true"
        if boolean is not None:
            assert value is boolean
    elif fmt == "tabular":
        assert ctype in TABULAR, ctype
    elif fmt == "RDF":
        assert ctype in RDF, ctype


@pytest.mark.parametrize("iri", ENTRIES, ids=[e.rsplit("#", 1)[1] for e in ENTRIES])
def test_protocol(w3c_client, iri):
    test = TESTS[iri]
    setup_dataset(w3c_client, test)
    for i, req in enumerate(test.requests):
        path = req.path.replace("/sparql/", "/sparql", 1)
        resp = w3c_client.request(req.method, path, content=req.body, headers={**req.headers, **AUTH})
        assert status_ok(req.expected_status, resp.status_code), \
            f"{test.name}: request {i + 1} answered {resp.status_code}: {resp.text[:300]}"
        if resp.status_code < 300:
            check_format(resp, req.expected_format, req.expected_boolean)
        else:   # every refusal has the one error shape
            assert set(resp.json()) >= {"error", "message", "problems"}
