"""The store interface behaves the same on the embedded store and on a real Oxigraph server."""
from __future__ import annotations

import pytest

from clausegraph.engine.build import CATALOGUE_GRAPH, ONTOLOGY_GRAPH, is_built
from clausegraph.engine.errors import InvalidQueryError, StoreError
from clausegraph.engine.store import AskResult, GraphResult, SelectResult, open_store

G = "https://w3id.org/clausegraph/graph/test-scratch"


def test_build_loads_every_source_graph(store):
    graphs = store.graphs()
    assert ONTOLOGY_GRAPH in graphs and is_built(store)
    for key in ("iso42001", "iso27001", "euaiact", "nist-ai-rmf"):
        assert CATALOGUE_GRAPH + key in graphs


def test_same_answers_on_both_stores(embedded_store, remote_store):
    q = ("PREFIX cg: <https://w3id.org/clausegraph/ontology#> SELECT ?k (COUNT(DISTINCT ?p) AS ?n) WHERE "
         "{ ?p a cg:Provision ; cg:kind ?k } GROUP BY ?k ORDER BY ?k")
    assert embedded_store.select(q).values() == remote_store.select(q).values()
    assert embedded_store.count() == remote_store.count()


def test_select_ask_construct(store):
    res = store.query("SELECT ?s WHERE { ?s a <https://w3id.org/clausegraph/ontology#Framework> }")
    assert isinstance(res, SelectResult) and len(res) == 4
    assert store.query("ASK { ?s a <https://w3id.org/clausegraph/ontology#Framework> }").value is True
    g = store.query("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t ; <https://w3id.org/clausegraph/ontology#frameworkKey> ?k }")
    assert isinstance(g, GraphResult) and len(g) == 4


def test_replace_update_and_drop_graph(store):
    store.replace_graph(G, "<urn:a> <urn:p> 1 . <urn:b> <urn:p> 2 .", "turtle")
    assert store.select(f"SELECT * WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").values().__len__() == 2
    store.replace_graph(G, '<urn:c> <urn:p> "3" .', "ntriples")
    assert [r["s"] for r in store.select(f"SELECT ?s WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").values()] == ["urn:c"]
    store.update(f"INSERT DATA {{ GRAPH <{G}> {{ <urn:d> <urn:p> 4 }} }}")
    assert isinstance(store.query(f"ASK {{ GRAPH <{G}> {{ <urn:d> <urn:p> 4 }} }}"), AskResult)
    assert store.query(f"ASK {{ GRAPH <{G}> {{ <urn:d> <urn:p> 4 }} }}").value
    store.drop_graph(G)
    assert G not in store.graphs()


def test_bad_query_is_a_user_error(store):
    with pytest.raises(InvalidQueryError):
        store.query("SELEKT nothing")


def test_embedded_failed_load_leaves_graph_untouched(embedded_store):
    embedded_store.replace_graph(G, '<urn:a> <urn:p> "1" .', "ntriples")
    with pytest.raises(Exception):
        embedded_store.replace_graph(G, "<urn:a> <urn:p> <broken", "turtle")
    assert embedded_store.select(f"SELECT * WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").values()[0]["s"] == "urn:a"
    embedded_store.drop_graph(G)


def test_persistent_store_survives_reopening(tmp_path):
    from clausegraph.engine.build import build

    s = open_store(tmp_path / "store")
    build(s)
    n = s.count()
    s.close()
    del s
    s2 = open_store(tmp_path / "store")
    assert is_built(s2) and s2.count() == n


def test_unreachable_remote_store_is_a_store_error():
    from .conftest import free_port

    s = open_store(endpoint=f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(StoreError):
        s.query("ASK {}")


def test_remote_urls_are_derived_from_the_query_endpoint():
    from clausegraph.engine.store.remote import RemoteConfig

    c = RemoteConfig.from_endpoint("http://h:7878/query")
    assert (c.update_url, c.store_url) == ("http://h:7878/update", "http://h:7878/store")
    c = RemoteConfig.from_endpoint("http://h/ds/sparql", update="http://h/ds/up")
    assert (c.update_url, c.store_url) == ("http://h/ds/up", "http://h/ds/store")


def test_replacing_a_graph_is_atomic_and_staging_is_cleaned_on_open(tmp_path):
    """Replacement writes a staging graph and MOVEs it in one update; a staging graph left by a crash
    between the two steps is removed when the store is next opened, and the old graph is intact."""
    import pyoxigraph as ox

    path = tmp_path / "s"
    s = open_store(path)
    s.replace_graph(G, '<urn:a> <urn:p> "old" .', "ntriples")
    s.replace_graph(G, '<urn:a> <urn:p> "new" .', "ntriples")
    assert [r["o"] for r in s.select(f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").values()] == ["new"]
    assert not [g for g in s.graphs() if g.endswith("#staging")]
    # simulate a crash after the staging write, before the MOVE
    s.oxigraph.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("half"),
                           ox.NamedNode(G + "#staging")))
    s.close()
    del s
    again = open_store(path)
    assert not [g for g in again.graphs() if g.endswith("#staging")]
    assert [r["o"] for r in again.select(f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").values()] == ["new"]
