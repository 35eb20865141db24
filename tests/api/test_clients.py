"""Real clients against the app served by uvicorn on a free 127.0.0.1 port: SPARQLWrapper, rdflib's
SPARQLStore and SPARQLUpdateStore, and plain HTTP with a YASGUI-style CORS exchange."""
from __future__ import annotations

import urllib.request

from .conftest import TOKEN


def test_sparqlwrapper_select_ask_construct(live_server):
    from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(f"{live_server.url}/sparql")
    sw.setQuery("PREFIX cg: <https://w3id.org/clausegraph/ontology#> "
                "SELECT ?key WHERE { ?f a cg:Framework ; cg:frameworkKey ?key } ORDER BY ?key")
    sw.setReturnFormat(JSON)
    keys = [b["key"]["value"] for b in sw.query().convert()["results"]["bindings"]]
    assert keys == ["euaiact", "iso27001", "iso42001", "nist-ai-rmf"]
    sw.setMethod(POST)
    sw.setReturnFormat(XML)
    assert len(sw.query().convert().getElementsByTagName("result")) == 4
    sw.setQuery("ASK { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 10")
    sw.setReturnFormat(TURTLE)
    from rdflib import Graph

    assert len(Graph().parse(data=sw.query().convert(), format="turtle")) == 10


def test_sparqlwrapper_update_with_token(live_server):
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    sw = SPARQLWrapper(f"{live_server.url}/sparql")
    sw.setMethod(POST)
    sw.setQuery("INSERT DATA { GRAPH <http://example.org/sw> { <http://example.org/a> <http://example.org/b> 1 } }")
    try:
        sw.query()
        raise AssertionError("an update without the token must be refused")
    except (SPARQLWrapperException, urllib.error.HTTPError) as exc:
        assert "401" in str(exc) or "Unauthorized" in str(exc) or getattr(exc, "code", 0) == 401
    sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    sw.query()
    sw2 = SPARQLWrapper(f"{live_server.url}/sparql")
    sw2.setQuery("ASK { GRAPH <http://example.org/sw> { ?s ?p 1 } }")
    sw2.setReturnFormat("json")
    assert sw2.query().convert()["boolean"] is True


def test_rdflib_sparqlstore_and_updatestore(live_server):
    from rdflib import Graph, Literal, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore

    g = Graph(SPARQLStore(f"{live_server.url}/sparql"))
    rows = list(g.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert int(rows[0][0]) > 10000
    c = g.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3")
    assert len(c.graph) == 3
    upd = SPARQLUpdateStore(f"{live_server.url}/sparql", f"{live_server.url}/sparql",
                            headers={"Authorization": f"Bearer {TOKEN}"}, autocommit=True)
    ug = Graph(upd, identifier=URIRef("http://example.org/rdflib"))
    ug.add((URIRef("http://example.org/x"), URIRef("http://example.org/y"), Literal("z")))
    assert (URIRef("http://example.org/x"), URIRef("http://example.org/y"), Literal("z")) in ug
    ug.remove((URIRef("http://example.org/x"), None, None))
    assert len(list(ug.triples((URIRef("http://example.org/x"), None, None)))) == 0


def test_yasgui_style_cors(live_server):
    pre = urllib.request.Request(f"{live_server.url}/sparql", method="OPTIONS", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    with urllib.request.urlopen(pre, timeout=5) as r:
        assert r.status == 200 and r.headers["Access-Control-Allow-Origin"]
    body = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    req = urllib.request.Request(f"{live_server.url}/sparql", data=body, headers={
        "Origin": "http://localhost:3000", "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json,*/*;q=0.9"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.headers["Content-Type"].startswith("application/sparql-results+json")
        assert r.headers["Access-Control-Allow-Origin"] == "*"
