"""W3C SPARQL 1.1 Graph Store HTTP Protocol conformance: the direct and indirect manifests, replayed."""
from __future__ import annotations

import pytest

from .conftest import AUTH, close_client, make_client
from .w3c import GSP_MANIFESTS, load_tests, status_ok

if not all(p.exists() for p in GSP_MANIFESTS):
    pytest.skip(f"W3C Graph Store manifests not found: expected {', '.join(map(str, GSP_MANIFESTS))}",
                allow_module_level=True)

ENTRIES: list[str] = []
TESTS: dict = {}
for _m in GSP_MANIFESTS:
    _e, _t = load_tests(_m, "GraphStoreProtocolTest")
    ENTRIES += _e
    TESTS.update(_t)
#: defined in manifest-direct.ttl but missing from its mf:entries list; replayed too
UNLISTED = sorted(set(TESTS) - set(ENTRIES))


@pytest.fixture(scope="module")
def gsp_client():
    from clausegraph.engine.store.embedded import EmbeddedStore

    c = make_client(EmbeddedStore(), update_token=AUTH["Authorization"].split()[1])
    yield c
    close_client(c)


def test_runner_covers_exactly_the_manifests():
    assert len(ENTRIES) == 13 and set(ENTRIES) <= set(TESTS)
    assert [u.rsplit("#", 1)[1] for u in UNLISTED] == ["head_non_existing_direct"]


def isomorphic(turtle_a: str, turtle_b: str, base: str) -> bool:
    from rdflib import Graph
    from rdflib.compare import isomorphic as iso

    return iso(Graph().parse(data=turtle_a, format="turtle", publicID=base),
               Graph().parse(data=turtle_b, format="turtle", publicID=base))


@pytest.mark.parametrize("iri", ENTRIES + UNLISTED, ids=[e.rsplit("#", 1)[1] for e in ENTRIES + UNLISTED])
def test_graph_store(gsp_client, iri):
    test = TESTS[iri]
    r = gsp_client.post("/sparql", content=b"DROP ALL", headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert r.status_code == 204
    vars_: dict[str, str] = {}
    for i, req in enumerate(test.requests):
        path, body = req.path, req.body
        for k, v in vars_.items():
            path = path.replace(k, v)
            body = body.replace(k.encode(), v.encode()) if body else body
        path = "/store" + path[len("/gsp"):]
        resp = gsp_client.request(req.method, path, content=body, headers={**req.headers, **AUTH})
        where = f"{test.name}: request {i + 1} ({req.method} {path})"
        assert status_ok(req.expected_status, resp.status_code), f"{where} answered {resp.status_code}: {resp.text[:300]}"
        if req.expected_location:
            assert resp.headers.get("location"), where
            vars_[req.expected_location] = resp.headers["location"]
        for name, value in req.expected_headers.items():
            got = resp.headers.get(name, "")
            assert got.replace(" ", "").lower() == value.replace(" ", "").lower(), f"{where}: {name}: {got}"
        if req.expected_body is not None:
            assert isomorphic(resp.text, req.expected_body, "http://testserver" + path.split("?")[0]), \
                f"{where}: graph differs:\n{resp.text}"
