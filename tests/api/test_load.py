"""Behaviour under load: a bounded load test, and a runaway query that is killed while others are served."""
from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request

import pytest

from .conftest import LiveServer
from .load import run_load

TRACE = """PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?p ?title ?parent WHERE {
  ?p a cg:Provision ; skos:inScheme ?fw . ?fw cg:frameworkKey "nist-ai-rmf" .
  OPTIONAL { ?p skos:prefLabel ?title } OPTIONAL { ?p skos:broader ?parent }
} LIMIT 50"""
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def load_server(embedded_store):
    from clausegraph.api.app import Settings, create_app

    srv = LiveServer(create_app(embedded_store, Settings(workers=2, query_timeout=3.0)))
    yield srv
    srv.stop()


def test_2000_requests_8_clients_no_errors(load_server):
    res = run_load(load_server.url, "/sparql", TRACE, total=2000, concurrency=8)
    print(f"\n2000 requests, 8 clients: {res.throughput:.0f} req/s, p50 {res.percentile(50) * 1000:.1f} ms, "
          f"p99 {res.percentile(99) * 1000:.1f} ms")
    assert not res.errors, res.errors[:3]
    assert res.statuses == {200: 2000}


def test_runaway_query_is_killed_while_others_are_served(load_server):
    outcome: dict = {}

    def runaway() -> None:
        t0 = time.perf_counter()
        try:
            urllib.request.urlopen(f"{load_server.url}/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}),
                                   timeout=30).read()
            outcome["status"] = 200
        except urllib.error.HTTPError as exc:
            outcome["status"], outcome["body"] = exc.code, exc.read().decode()
        outcome["seconds"] = time.perf_counter() - t0

    t = threading.Thread(target=runaway)
    t.start()
    time.sleep(0.3)
    # while the runaway query holds one worker, other clients are answered promptly
    during = run_load(load_server.url, "/sparql", TRACE, total=100, concurrency=4)
    still_running = t.is_alive()
    t.join(30)
    assert still_running, "the runaway query should still have been running during the other requests"
    assert during.statuses == {200: 100} and not during.errors
    assert during.percentile(99) < 2.0
    assert outcome["status"] == 503 and "query-timeout" in outcome["body"]
    assert 2.5 < outcome["seconds"] < 10
    # the killed worker was replaced: the server keeps its full capacity
    again = run_load(load_server.url, "/sparql", TRACE, total=50, concurrency=4)
    assert again.statuses == {200: 50}
