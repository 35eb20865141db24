"""No query starves the others (issue 19): a real `clausegraph serve` process, runaway clients and a trivial one."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ..conftest import free_port

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIMEOUT = 8.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    exe = Path(sys.executable).parent / "clausegraph"
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", "2",
                             "--query-timeout", str(TIMEOUT)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path_factory.mktemp("srv"),
                            env={**os.environ})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/sparql?query=ASK%7B%7D", timeout=5).read()
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("clausegraph serve exited")
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("clausegraph serve did not start")
    yield url, port, proc.pid
    proc.terminate()
    proc.wait(30)


def _query(url: str, query: str, timeout: float = 60) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{url}/sparql?" + urllib.parse.urlencode({"query": query}),
                                    timeout=timeout) as r:
            return r.status, r.read().decode(), time.perf_counter() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), time.perf_counter() - t0


def test_trivial_query_answers_while_runaway_queries_run(server):
    url, _, _ = server
    outcomes: list = []
    threads = [threading.Thread(target=lambda: outcomes.append(_query(url, RUNAWAY))) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(2.5)   # the runaways have taken whatever they can take
    times = []
    for _ in range(5):
        status, body, seconds = _query(url, "ASK {}")
        assert status == 200 and "true" in body
        times.append(seconds)
        time.sleep(0.3)
    still_running = all(t.is_alive() for t in threads)
    for t in threads:
        t.join(60)
    assert max(times) < 1.0, times
    assert still_running, "the runaway queries should still have been running"
    # each runaway query still gets its 503 at the timeout, not before it
    assert len(outcomes) == 5
    for status, body, seconds in outcomes:
        assert status == 503 and "query-timeout" in body, body
        assert TIMEOUT - 0.5 < seconds < TIMEOUT + 5, seconds


def _children_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by the live child processes of ``pid`` (the query workers), from /proc."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def test_client_that_hangs_up_frees_its_worker(server):
    url, port, pid = server
    conns = []
    for _ in range(2):   # as many runaways as there are workers, from clients that then hang up
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
        conns.append(c)
    time.sleep(1.0)
    for c in conns:
        c.sock.shutdown(2)
        c.close()
    time.sleep(1.5)
    # their workers were stopped: no worker keeps burning CPU for the rest of the timeout
    before = _children_cpu_seconds(pid)
    time.sleep(1.0)
    burnt = _children_cpu_seconds(pid) - before
    assert burnt < 0.3, f"query workers used {burnt:.2f} CPU s in 1 s after their clients hung up"
    status, body, seconds = _query(url, "ASK {}")
    assert status == 200 and seconds < 1.0
