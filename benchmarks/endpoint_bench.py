"""/sparql throughput and latency: clausegraph's endpoint vs Oxigraph server on the same data and load.

Not run by the test suite. Usage::

    .venv/bin/python benchmarks/endpoint_bench.py [--requests 3000] [--concurrency 8] [--workers N]

Both servers run as subprocesses on free 127.0.0.1 ports, loaded with the bundled graph (Oxigraph through
its Graph Store endpoint, clausegraph from a persistent store built for the run); the same Python load
generator (keep-alive HTTP/1.1 clients in threads, form POSTs) drives each in turn with a trace-style query
(a provision, its ancestors and its mappings). Prints req/s, p50/p99 latency and the ratio.
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.load import run_load  # noqa: E402
from tests.conftest import free_port, oxigraph_binary  # noqa: E402

TRACE = """PREFIX cg: <https://w3id.org/clausegraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?p ?title ?ancestor ?atitle WHERE {
  ?p a cg:Provision ; skos:inScheme ?fw . ?fw cg:frameworkKey "euaiact" .
  FILTER(STRSTARTS(STR(?p), "https://w3id.org/clausegraph/id/euaiact/art-26"))
  OPTIONAL { ?p dcterms:title ?title }
  OPTIONAL { ?p skos:broader+ ?ancestor OPTIONAL { ?ancestor dcterms:title ?atitle } }
}"""

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

        results = {}
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
            run_load(f"http://127.0.0.1:{port}", "/query", TRACE, 200, args.concurrency)  # warm-up
            results["oxigraph"] = run_load(f"http://127.0.0.1:{port}", "/query", TRACE, args.requests,
                                           args.concurrency)
        finally:
            stop(ox)
        # --- clausegraph
        port = free_port()
        cg = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp / "cg"), str(port), str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", cg)
            run_load(f"http://127.0.0.1:{port}", "/sparql", TRACE, 200, args.concurrency)  # warm-up
            results["clausegraph"] = run_load(f"http://127.0.0.1:{port}", "/sparql", TRACE, args.requests,
                                              args.concurrency)
        finally:
            stop(cg)

        print(f"trace-style query, {args.requests} requests, {args.concurrency} concurrent clients, "
              f"{os.cpu_count()} cores, clausegraph workers={args.workers}")
        print(f"{'server':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} statuses")
        for name, r in results.items():
            print(f"{name:<12} {r.throughput:8.0f} {r.percentile(50) * 1000:8.1f} {r.percentile(99) * 1000:8.1f} "
                  f"{len(r.errors):7d} {r.statuses}")
        ratio = results["clausegraph"].throughput / results["oxigraph"].throughput
        print(f"ratio clausegraph/oxigraph: {ratio:.2f}x (target >= 0.5x)")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
