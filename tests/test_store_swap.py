"""Bulk replacement of graphs (import, build): all or nothing, also when the process is killed (SIGKILL) at any
step of switching the new store directory in, and the same graphs as the graph-by-graph path."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from clausegraph.engine.errors import UserInputError
from clausegraph.engine.store import open_store

G = "https://w3id.org/clausegraph/graph/test"
KEEP = "https://w3id.org/clausegraph/graph/keep"


def triples(n: int, tag: str) -> str:
    return "".join(f'<urn:s{i}> <urn:p> "{tag} {i}" .\n' for i in range(n))


def graph_counts(store) -> dict[str, int]:
    rows = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
    return {r["g"].value: int(r["n"].value) for r in rows}


def leftovers(store_dir: Path) -> list[str]:
    return sorted(p.name for p in store_dir.parent.iterdir() if p.name.startswith(f".{store_dir.name}."))


def make_store(path: Path) -> None:
    s = open_store(path)
    s.replace_graph(KEEP, triples(3, "keep"), "ntriples")
    s.replace_graph(G, triples(5, "old"), "ntriples")
    s.oxigraph.add(ox.Quad(ox.NamedNode("urn:d"), ox.NamedNode("urn:p"), ox.Literal("default graph")))
    s.close()


@pytest.mark.parametrize("on_disk", [True, False])
def test_bulk_replacement_keeps_other_graphs_and_equals_graph_by_graph(tmp_path, on_disk):
    path = tmp_path / "s"
    if on_disk:
        make_store(path)
        fast = open_store(path)
    else:
        fast = open_store()
        fast.replace_graph(KEEP, triples(3, "keep"), "ntriples")
        fast.replace_graph(G, triples(5, "old"), "ntriples")
    slow = open_store()
    slow.replace_graph(KEEP, triples(3, "keep"), "ntriples")
    slow.replace_graph(G, triples(5, "old"), "ntriples")
    hold = slow.oxigraph   # a second reference (as a server holds): the graph-by-graph path
    sources = [(G, "ntriples", triples(7, "new")), (G + "/ttl", "turtle", "<urn:a> <urn:p> <urn:b> .")]
    for s in (fast, slow):
        s.replace_graphs(graphs=[G, G + "/gone"], sources=sources)
    assert graph_counts(fast) == graph_counts(slow) == {KEEP: 3, G: 7, G + "/ttl": 1}
    q = f'SELECT ?o WHERE {{ GRAPH <{G}> {{ <urn:s6> ?p ?o }} }}'
    assert fast.select(q).values() == slow.select(q).values() == [{"o": "new 6"}]
    if on_disk:
        assert fast.query("ASK { <urn:d> ?p ?o }").value is True                # the default graph is kept
        assert fast.query("ASK { GRAPH ?g { <urn:d> ?p ?o } }").value is False   # ... as the default graph
        fast.close()
        del fast
        again = open_store(path)
        assert graph_counts(again)[G] == 7 and leftovers(path) == []
    del hold


def test_bulk_replacement_with_bad_data_changes_nothing(tmp_path):
    path = tmp_path / "s"
    make_store(path)
    s = open_store(path)
    with pytest.raises(UserInputError, match="syntax error"):
        s.replace_graphs(graphs=[G], sources=[(G, "ntriples", triples(3, "new") + "<urn:broken\n")])
    assert graph_counts(s) == {KEEP: 3, G: 5} and leftovers(path) == []


CRASHER = """
import os, signal, sys
from clausegraph.engine.store import open_store, swap

step, calls = int(sys.argv[2]), []
real_rename, real_commit = os.rename, swap.commit


def rename(a, b):   # the renames: .building -> .ready (the commit), DIR -> .retired, .ready -> DIR
    calls.append(a)
    if len(calls) == step:                  # steps 1-3: just before that rename
        os.kill(os.getpid(), signal.SIGKILL)
    real_rename(a, b)
    if step == 4 and len(calls) == 3:       # step 4: after the last one, before .retired is deleted
        os.kill(os.getpid(), signal.SIGKILL)


def commit(d):
    if step == 0:                           # step 0: while the new store is written, before the commit
        os.kill(os.getpid(), signal.SIGKILL)
    real_commit(d)


os.rename, swap.commit = rename, commit
s = open_store(sys.argv[1])
s.replace_graphs(graphs=[sys.argv[3]], sources=[(sys.argv[3], "ntriples", sys.stdin.read())])
"""


@pytest.mark.parametrize("step,expect", [(0, "old"), (1, "old"), (2, "new"), (3, "new"), (4, "new")])
def test_sigkill_at_each_step_of_the_switch_leaves_old_or_new(tmp_path, step, expect):
    """A real SIGKILL before the commit leaves the old graph; after it, the next open completes the switch."""
    path = tmp_path / "s"
    make_store(path)
    p = subprocess.run([sys.executable, "-c", CRASHER, str(path), str(step), G], input=triples(9, "new"),
                       text=True, capture_output=True, timeout=120)
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert leftovers(path), "the crash should have left work beside the store"
    s = open_store(path)
    assert graph_counts(s) == {KEEP: 3, G: 5 if expect == "old" else 9}
    assert s.query("ASK { <urn:d> ?p ?o }").value is True
    assert leftovers(path) == []


@pytest.mark.slow
def test_sigkill_during_cli_import_leaves_the_old_or_the_new_register(tmp_path):
    """`clausegraph import` killed at several moments of a large import: the store holds the previous register
    or the new one, complete, and opens cleanly."""
    from clausegraph.engine.build import REGISTER_GRAPH
    from clausegraph.engine.facade import Clausegraph
    from clausegraph.engine.synthetic import generate

    small, big, store = tmp_path / "small", tmp_path / "big", tmp_path / "store"
    generate(small, systems=5, seed=1)
    generate(big, systems=800, seed=2)
    cli = [sys.executable, "-m", "clausegraph.api.cli"]
    assert subprocess.run(cli + ["build", "--store", str(store), "--register", str(small)],
                          capture_output=True, timeout=300).returncode == 0

    def register_size() -> int:
        with Clausegraph.open(store_dir=store, build="no") as cg:
            return graph_counts(cg.store).get(REGISTER_GRAPH, 0)

    before = register_size()
    t0 = time.monotonic()
    assert subprocess.run(cli + ["import", "--store", str(store), "--register", str(big)], capture_output=True,
                          timeout=300).returncode == 0
    full = time.monotonic() - t0
    after = register_size()
    assert before < after
    seen = set()
    for fraction in (0.3, 0.6, 0.8, 0.9, 0.95):
        assert subprocess.run(cli + ["import", "--store", str(store), "--register", str(small)], capture_output=True,
                              timeout=300).returncode == 0
        proc = subprocess.Popen(cli + ["import", "--store", str(store), "--register", str(big)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        n = register_size()
        assert n in (before, after), f"half an import: {n} register triples (before {before}, after {after})"
        seen.add(n)
        assert leftovers(store) == []
    print(f"\nregister sizes seen after the kills: {sorted(seen)} (before {before}, after {after})")
