"""SPARQL 1.1 Protocol behaviour beyond the W3C suite: negotiation, auth, CORS, limits, error shape."""
from __future__ import annotations

import pytest

from clausegraph.api.formats import NotAcceptable, negotiate

from .conftest import AUTH, close_client, make_client

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
OFFERED = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml", "text/csv": "csv"}


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) >= {"error", "message", "problems"}
    if code:
        assert body["error"] == code
    return body


@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("application/sparql-results+json,*/*;q=0.9", "application/sparql-results+json"),   # YASGUI
    ("application/sparql-results+xml, application/rdf+xml", "application/sparql-results+xml"),   # rdflib
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
    ("text/*;q=0.9, application/sparql-results+json;q=0.1", "text/csv"),
    ("*/*;q=0.1, text/csv;q=0", "application/sparql-results+json"),
])
def test_negotiation(accept, expected):
    assert negotiate(accept, OFFERED) == expected


def test_negotiation_refuses():
    with pytest.raises(NotAcceptable):
        negotiate("text/html, text/csv;q=0", OFFERED)


def test_select_formats(client):
    for accept, ctype in [("application/sparql-results+json", "application/sparql-results+json"),
                          ("application/sparql-results+xml", "application/sparql-results+xml"),
                          ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values")]:
        r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)


def test_construct_formats_and_406(client):
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
    for accept in ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"):
        r = client.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query", "Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert_error(client.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"}), 406, "not-acceptable")


def test_service_description(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    from rdflib import Graph, Namespace, URIRef

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    g = Graph().parse(data=r.text, format="turtle")
    svc = next(g.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), sd.Service))
    assert g.value(svc, sd.endpoint) == URIRef("http://testserver/sparql")
    assert set(g.objects(svc, sd.supportedLanguage)) == {sd.SPARQL11Query, sd.SPARQL11Update}
    assert len(set(g.objects(svc, sd.resultFormat))) == 8 and sd.UnionDefaultGraph in set(g.objects(svc, sd.feature))
    assert client.get("/sparql", headers={"Accept": "application/ld+json"}).headers["content-type"] \
        .startswith("application/ld+json")
    assert_error(client.get("/sparql", headers={"Accept": "image/png"}), 406)


def test_bad_requests(client):
    assert_error(client.get("/sparql", params={"query": "SELECT * {"}), 400, "invalid-query")
    assert_error(client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]), 400)
    assert_error(client.get("/sparql", params={"update": "CLEAR ALL"}), 400)
    assert_error(client.post("/sparql", content="ASK {}"), 400)
    assert_error(client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}), 400)
    assert_error(client.post("/sparql", content="ASK {}".encode("latin-1"),
                             headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"}), 400)
    assert_error(client.post("/sparql", content=b"ASK { FILTER(\xff) }",
                             headers={"Content-Type": "application/sparql-query"}), 400)
    assert_error(client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}, headers=AUTH), 400)
    assert_error(client.put("/sparql", params={"query": "ASK {}"}), 405, "method-not-allowed")
    assert_error(client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"}), 400)
    assert_error(client.get("/no/such/route"), 404, "not-found")


def test_form_body_decoded_once(client):
    r = client.post("/sparql", data={"query": 'SELECT ?x WHERE { BIND("100%25" AS ?x) }'})
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "100%25"


def test_union_default_graph_and_dataset_params(client):
    n = int(client.get("/sparql", params={"query": COUNT}).json()["results"]["bindings"][0]["n"]["value"])
    assert n > 10000
    g = "https://w3id.org/clausegraph/graph/ontology"
    r = client.get("/sparql", params={"query": COUNT, "default-graph-uri": g})
    m = int(r.json()["results"]["bindings"][0]["n"]["value"])
    assert 0 < m < n


def test_updates_need_token(client, readonly_client):
    upd = {"update": "INSERT DATA { GRAPH <http://example.org/t> { <http://example.org/s> <http://example.org/p> 1 } }"}
    assert_error(readonly_client.post("/sparql", data=upd), 403, "forbidden")
    assert_error(readonly_client.post("/sparql", data=upd, headers=AUTH), 403, "forbidden")
    r = client.post("/sparql", data=upd)
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_error(client.post("/sparql", data=upd, headers={"Authorization": "Bearer wrong"}), 401)
    assert client.post("/sparql", data=upd, headers=AUTH).status_code == 204
    ask = client.get("/sparql", params={"query": "ASK { <http://example.org/s> ?p 1 }"})
    assert ask.json()["boolean"] is True
    assert_error(readonly_client.put("/store", params={"graph": "http://example.org/x"}, content=b"",
                                     headers={"Content-Type": "text/turtle"}), 403)
    assert_error(client.delete("/store", params={"graph": "http://example.org/x"}), 401)


def test_graph_store_basics(client):
    g = {"graph": "http://example.org/gsp-basics"}
    ttl = {"Content-Type": "text/turtle", **AUTH}
    assert_error(client.get("/store", params=g), 404)
    assert client.put("/store", params=g, content=b"<http://e/a> <http://e/b> 1 .", headers=ttl).status_code == 201
    assert client.put("/store", params=g, content=b"<http://e/a> <http://e/b> 2 .", headers=ttl).status_code == 204
    assert client.post("/store", params=g, content=b"<http://e/a> <http://e/b> 3 .", headers=ttl).status_code == 204
    r = client.get("/store", params=g, headers={"Accept": "application/n-triples"})
    assert sorted(r.text.split()) == sorted("<http://e/a> <http://e/b> \"2\"^^<http://www.w3.org/2001/XMLSchema#integer> . "
                                            "<http://e/a> <http://e/b> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .".split())
    assert client.head("/store", params=g).status_code == 200
    assert_error(client.put("/store", params=g, content=b"<a> <b", headers=ttl), 400)
    assert_error(client.put("/store", params=g, content=b"x", headers={"Content-Type": "application/pdf", **AUTH}), 415)
    assert client.delete("/store", params=g, headers=AUTH).status_code == 204
    assert_error(client.delete("/store", params=g, headers=AUTH), 404)


def test_cors_preflight_needs_no_auth(client):
    r = client.options("/sparql", headers={"Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "http://yasgui.example")
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://yasgui.example"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_row_cap_refuses_and_body_limit(embedded_store):
    c = make_client(embedded_store, max_rows=7, max_body=2048, workers=1)
    try:
        body = assert_error(c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}), 403, "result-too-large")
        assert "more than 7 rows" in body["message"]
        r = c.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
        assert_error(r, 403, "result-too-large")
        r = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 7"})
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 7
        big = "ASK {} #" + "x" * 4000
        assert_error(c.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"}),
                     413, "payload-too-large")

        def chunks():
            yield big.encode()
        assert_error(c.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"}), 413)
    finally:
        close_client(c)


def test_using_graph_uri_rewrite():
    from clausegraph.api.update import apply_using
    from clausegraph.engine.errors import InvalidQueryError

    u = 'INSERT { GRAPH <g> { ?s a "WHERE {" } } WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }'
    out = apply_using(u, ["http://a"], ["http://b"])
    assert out.count("USING <http://a>") == 1 and out.count("USING NAMED <http://b>") == 1
    assert out.index("USING") > out.index('"WHERE {"')
    with pytest.raises(InvalidQueryError):
        apply_using("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://a"], [])
    assert apply_using("# USING\nINSERT DATA { <a> <b> 'WITH' }", [], []).startswith("# USING")
