"""The endpoint over a remote store (a real Oxigraph server): queries are forwarded, union default graph."""
from __future__ import annotations

from .conftest import close_client, make_client


def test_remote_store_queries_are_forwarded(remote_store):
    c = make_client(remote_store)
    try:
        r = c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        assert r.status_code == 200, r.text
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 10000
        assert c.get("/sparql", params={"query": "SELECT * {"}).status_code == 400
        assert c.get("/api/frameworks").json()["total"] == 4
        assert c.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    finally:
        close_client(c)
