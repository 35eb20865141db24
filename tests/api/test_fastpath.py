"""The fixed cost of a request (issue 19, item 8), without weakening the limits: queries known cheap on the current
data are answered in the server process, everything else by a killable worker; /sparql skips FastAPI's routing
but keeps every header and the one error shape. (Throughput itself is measured by `make bench`, not here.)"""
from __future__ import annotations

from contextlib import contextmanager

from .conftest import AUTH, TOKEN, close_client, make_client

ABSENT = "ASK { <http://example.org/fast/s> <http://example.org/fast/p> ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@contextmanager
def counted(store, **settings):
    """A test client and the list of every query its worker pool runs (the real pool still runs them)."""
    c = make_client(store, **settings)
    backend = c.app.state.backend
    calls, run = [], backend.pool.run

    def wrapper(job, *args, **kwargs):
        calls.append(job["query"])
        return run(job, *args, **kwargs)
    backend.pool.run = wrapper
    try:
        yield c, calls
    finally:
        close_client(c)


def ask(client, query: str) -> bool:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def test_known_cheap_queries_skip_the_worker_and_see_every_write(embedded_store):
    with counted(embedded_store, update_token=TOKEN, workers=1) as (c, calls):
        assert ask(c, ABSENT) is False and ask(c, ABSENT) is False and ask(c, ABSENT) is False
        assert calls == [ABSENT]   # measured once by a worker, then answered in the server process
        r = c.post("/sparql", content="INSERT DATA { <http://example.org/fast/s> <http://example.org/fast/p> 1 }",
                   headers={"Content-Type": "application/sparql-update", **AUTH})
        assert r.status_code == 204
        assert ask(c, ABSENT) is True   # new data: not trusted, asked of a worker again
        assert ask(c, ABSENT) is True
        assert calls == [ABSENT, ABSENT]
        r = c.get("/sparql", params={"query": ABSENT}, headers={"Accept": "application/sparql-results+xml"})
        assert r.status_code == 200 and "<boolean>true</boolean>" in r.text
        assert calls == [ABSENT, ABSENT, ABSENT]   # another format is another job


def test_slow_and_large_results_always_go_to_a_worker(embedded_store):
    with counted(embedded_store, workers=1, query_timeout=1.0) as (c, calls):
        for _ in range(2):
            r = c.get("/sparql", params={"query": RUNAWAY})
            assert r.status_code == 503 and r.json()["error"] == "query-timeout"
        big = "SELECT * WHERE { ?s ?p ?o }"   # streamed: larger than one message
        for _ in range(2):
            r = c.get("/sparql", params={"query": big})
            assert r.status_code == 200 and len(r.json()["results"]["bindings"]) > 10000
        assert calls == [RUNAWAY, RUNAWAY, big, big]


def test_in_process_answers_can_be_turned_off(embedded_store):
    with counted(embedded_store, workers=1, in_process_seconds=0) as (c, calls):
        assert ask(c, ABSENT) is False and ask(c, ABSENT) is False
        assert calls == [ABSENT, ABSENT]


def test_direct_route_keeps_headers_and_error_shape(client):
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://yasgui.example"})
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.post("/sparql", content="SELEC nothing", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and r.json()["error"] == "invalid-query"
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400 and set(r.json()) >= {"error", "message", "problems"}
    r = client.put("/sparql", content=b"x")   # not a query: FastAPI answers, as before
    assert r.status_code == 405 and "POST" in r.headers["allow"]
