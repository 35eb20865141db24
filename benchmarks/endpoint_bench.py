"""/sparql throughput and latency: clausegraph's endpoint vs Oxigraph server on the same data and load.

Not run by the test suite. Usage::

    .venv/bin/python benchmarks/endpoint_bench.py [--requests 3000] [--concurrency 8] [--workers N]

Both servers run as subprocesses on free 127.0.0.1 ports, loaded with the bundled graph (Oxigraph through
its Graph Store endpoint, clausegraph from a persistent store built for the run); the same Python load
generator (keep-alive HTTP/1.1 clients in threads, form POSTs) drives each in turn with ``ASK {}`` (the fixed
cost of a request) and a trace-style query (the provisions under Art. 26 of the EU AI Act with their labels and
every ancestor's label: 38 rows). Both servers must give the same number of rows. Prints req/s, p50/p99 latency
and the ratios with their targets (trace >= 0.8x, ASK >= 0.5x).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.load import run_load  # noqa: E402
from tests.conftest import free_port, oxigraph_binary  # noqa: E402

# provisions carry skos:prefLabel (ontology/frameworks/*.ttl), not dcterms:title
TRACE = """PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?p ?label ?ancestor ?alabel WHERE {
  ?p a cg:Provision ; skos:inScheme ?fw . ?fw cg:frameworkKey "euaiact" .
  FILTER(STRSTARTS(STR(?p), "https://w3id.org/clausegraph/id/euaiact/art-26"))
  OPTIONAL { ?p skos:prefLabel ?label }
  OPTIONAL { ?p skos:broader+ ?ancestor OPTIONAL { ?ancestor skos:prefLabel ?alabel } }
}"""
QUERIES = {"ASK {}": ("ASK {}", 0.5), "trace": (TRACE, 0.8)}   # name: (query, target ratio)

SERVER = """
import sys
from clausegraph.api.app import Settings, serve
from clausegraph.engine.store import open_store
sys.exit(serve(open_store(sys.argv[1]), port=int(sys.argv[2]), settings=Settings(workers=int(sys.argv[3]))))
"""


def wait(url: str, proc: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def rows(url: str) -> int:
    """How many rows the trace query gives at this endpoint (both servers must agree)."""
    import json

    req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": TRACE}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return len(json.loads(r.read())["results"]["bindings"])


def measure(base: str, path: str, requests: int, concurrency: int) -> dict:
    """Each query of :data:`QUERIES` in turn (a warm-up of 200 requests first)."""
    out = {}
    for name, (query, _) in QUERIES.items():
        run_load(base, path, query, 200, concurrency)
        out[name] = run_load(base, path, query, requests, concurrency)
    return out


def stop(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    from clausegraph.engine.build import build
    from clausegraph.engine.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    try:
        store = open_store(tmp / "cg")
        build(store)
        nquads = store.oxigraph.dump(format=__import__("pyoxigraph").RdfFormat.N_QUADS)
        store.close()
        del store

        results: dict = {}
        counts: dict = {}
        # --- Oxigraph server
        port = free_port()
        ox = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp / "ox"), "--bind",
                               f"127.0.0.1:{port}", "--union-default-graph"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", ox)
            req = urllib.request.Request(f"http://127.0.0.1:{port}/store", data=nquads, method="POST",
                                         headers={"Content-Type": "application/n-quads"})
            urllib.request.urlopen(req, timeout=120).read()
            counts["oxigraph"] = rows(f"http://127.0.0.1:{port}/query")
            results["oxigraph"] = measure(f"http://127.0.0.1:{port}", "/query", args.requests, args.concurrency)
        finally:
            stop(ox)
        # --- clausegraph
        port = free_port()
        cg = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp / "cg"), str(port), str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", cg)
            counts["clausegraph"] = rows(f"http://127.0.0.1:{port}/sparql")
            results["clausegraph"] = measure(f"http://127.0.0.1:{port}", "/sparql", args.requests,
                                             args.concurrency)
        finally:
            stop(cg)

        print(f"{args.requests} requests per query, {args.concurrency} concurrent clients, {os.cpu_count()} cores, "
              f"clausegraph workers={args.workers}; trace rows: oxigraph {counts['oxigraph']}, "
              f"clausegraph {counts['clausegraph']}")
        print(f"{'query':<8} {'server':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} statuses")
        for name in QUERIES:
            for server, by_query in results.items():
                r = by_query[name]
                print(f"{name:<8} {server:<12} {r.throughput:8.0f} {r.percentile(50) * 1000:8.1f} "
                      f"{r.percentile(99) * 1000:8.1f} {len(r.errors):7d} {r.statuses}")
        for name, (_, target) in QUERIES.items():
            ratio = results["clausegraph"][name].throughput / results["oxigraph"][name].throughput
            print(f"ratio clausegraph/oxigraph, {name}: {ratio:.2f}x (target >= {target}x: "
                  f"{'PASS' if ratio >= target else 'FAIL'})")
        if counts["oxigraph"] != counts["clausegraph"]:
            print("the two servers gave different trace results: the figures do not compare")
            return 1
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
