"""Small measurement helpers shared by the benchmark workers: timed repetitions under a time budget, hard
per-call time limits (SIGALRM), a recorder of the SPARQL the engine sends to its store, memory figures and a
description of the machine."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import resource
import signal
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable


class Timeout(Exception):
    """A measured call ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise Timeout in the main thread after ``seconds`` (Python code is interrupted between bytecodes;
    a single long call into Rust is interrupted as soon as it returns)."""
    if not seconds or seconds <= 0:
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise Timeout(f"exceeded {seconds:.0f} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Timing:
    """Wall-clock seconds of each run; ``timed_out`` when a run hit the limit (then ``runs`` holds only the
    completed ones and ``limit`` is a lower bound of the time the call needs)."""

    runs: list[float] = field(default_factory=list)
    timed_out: bool = False
    limit: float | None = None
    error: str | None = None
    result: Any = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    def as_dict(self) -> dict:
        return {"runs": [round(r, 6) for r in self.runs], "median": self.median, "timed_out": self.timed_out,
                "limit": self.limit, "error": self.error}


def measure(fn: Callable[[], Any], reps: int = 5, budget: float = 30.0, limit: float | None = None,
            min_reps: int = 1, warmup: bool = False) -> Timing:
    """Run ``fn`` up to ``reps`` times, stopping once ``budget`` seconds have been spent (after at least
    ``min_reps`` runs); each run is cut at ``limit`` seconds."""
    t = Timing(limit=limit)
    if warmup:
        try:
            with time_limit(limit):
                fn()
        except Timeout:
            t.timed_out = True
            return t
        except Exception as exc:  # noqa: BLE001 - reported, not fatal to the benchmark run
            t.error = f"{type(exc).__name__}: {exc}"[:300]
            return t
    spent = 0.0
    for i in range(reps):
        start = time.perf_counter()
        try:
            with time_limit(limit):
                t.result = fn()
        except Timeout:
            t.timed_out = True
            break
        except Exception as exc:  # noqa: BLE001
            t.error = f"{type(exc).__name__}: {exc}"[:300]
            break
        el = time.perf_counter() - start
        t.runs.append(el)
        spent += el
        if i + 1 >= min_reps and spent + el > budget:
            break
    return t


class QueryRecorder:
    """Records (and times) every SPARQL query an EmbeddedStore evaluates while active (through ``query`` and
    the ``select_values`` fast path).

    The time of a query is measured around its evaluation *and* the consumption of its solutions by the
    engine (pyoxigraph evaluates lazily), so it is recorded by the store's ``query`` method.
    """

    def __init__(self) -> None:
        self.queries: list[tuple[str, float, int]] = []
        self.active = False
        self._orig = None

    def install(self) -> "QueryRecorder":
        from clausegraph.engine.store.embedded import EmbeddedStore

        rec = self
        orig = EmbeddedStore.query
        self._orig = orig

        def query(store, sparql):
            start = time.perf_counter()
            res = orig(store, sparql)
            if rec.active:
                n = len(getattr(res, "rows", []) or [])
                rec.queries.append((sparql, time.perf_counter() - start, n))
            return res

        orig_values = EmbeddedStore.select_values

        def select_values(store, sparql):   # the engine's fast path for hot queries (rows of strings)
            start = time.perf_counter()
            res = orig_values(store, sparql)
            if rec.active:
                rec.queries.append((sparql, time.perf_counter() - start, len(res[1])))
            return res

        EmbeddedStore.query = query
        EmbeddedStore.select_values = select_values
        return self

    @contextlib.contextmanager
    def recording(self):
        self.queries = []
        self.active = True
        try:
            yield self
        finally:
            self.active = False


def rss_mb() -> float:
    """Current resident set size (MB) from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MB; ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    mem_kb = 0
    with contextlib.suppress(OSError):
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
                    break
    versions = {}
    for mod in ("pyoxigraph", "rdflib", "pyshacl"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:  # noqa: BLE001
            versions[mod] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions,
            "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}
