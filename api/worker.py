"""Query workers: SPARQL queries run in separate processes so a runaway query can really be stopped.

Design (docs/api.md, "Limits"):

* The server keeps one read-write pyoxigraph store on disk (the ``--store`` directory, or a temporary copy of
  an in-memory store made at start-up). Writes (SPARQL Update, Graph Store) happen there, in the server
  process, one at a time.
* After every committed write (and at start-up) the server takes a *snapshot* with ``Store.backup``: on the
  same file system it hard-links RocksDB's immutable files, so it costs milliseconds, not a copy.
* ``workers`` processes (``multiprocessing`` with the *spawn* start method: no fork of a threaded server) each
  open the newest snapshot with ``Store.read_only`` (safe: nothing ever writes a snapshot) and answer one job at
  a time over a ``multiprocessing.Pipe``.
  A job carries the snapshot path; a worker reopens when it changes (~50 ms), so readers see every write
  that was acknowledged before they started.
* A query past ``query_timeout`` gets its worker killed (``Process.kill()``: SIGKILL) and replaced; the client
  gets 503. The
  other workers keep serving. Old snapshots are deleted once no worker uses them.

The worker also negotiates the response format (only it knows the query form; api/formats.py) and applies the
row cap.
"""
from __future__ import annotations

import logging
import os
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import formats

log = logging.getLogger("clausegraph.api")


# ----------------------------------------------------------------------------------------- the job
def execute(store: Any, job: dict) -> tuple:
    """Run one query job on a pyoxigraph store: ``("ok", media_type, body, truncated)`` or
    ``("error", kind, message)`` with kind ``invalid`` / ``not-acceptable`` / ``failed``."""
    import pyoxigraph as ox

    kwargs: dict = {"base_iri": job.get("base_iri")}
    dg, ng = job.get("default_graphs") or [], job.get("named_graphs") or []
    if dg or ng:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in dg]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in ng]
    else:
        kwargs["use_default_graph_as_union"] = True
    max_rows = int(job.get("max_rows") or 0)
    try:
        res = store.query(job["query"], **kwargs)
        if isinstance(res, ox.QueryBoolean):
            mt = formats.negotiate(job.get("accept"), formats.BOOLEAN_TYPES)
            return ("ok", mt, formats.serialize_boolean(res, mt), False)
        if isinstance(res, ox.QuerySolutions):
            mt = formats.negotiate(job.get("accept"), formats.RESULT_TYPES)
            variables = [v.value for v in res.variables]
            rows, truncated = [], False
            for sol in res:
                if max_rows and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([sol[v] for v in variables])
            return ("ok", mt, formats.serialize_solutions(variables, rows, mt), truncated)
        mt = formats.negotiate(job.get("accept"), formats.GRAPH_TYPES)
        triples, truncated = [], False
        for t in res:
            if max_rows and len(triples) >= max_rows:
                truncated = True
                break
            triples.append(t)
        return ("ok", mt, formats.serialize_triples(triples, mt), truncated)
    except formats.NotAcceptable as exc:
        return ("error", "not-acceptable", str(exc))
    except SyntaxError as exc:
        return ("error", "invalid", f"SPARQL syntax error: {exc}")
    except ValueError as exc:
        return ("error", "invalid", f"invalid request: {exc}")
    except OSError as exc:
        return ("error", "failed", f"query failed: {exc}")


def worker_main(conn: Any) -> None:
    """Worker process loop: one job at a time, store reopened when the snapshot changes."""
    import sys

    import pyoxigraph as ox

    os.dup2(2, 1)   # stdout may be a protocol stream (MCP over stdio): anything printed here goes to stderr
    sys.stdout = sys.stderr
    path, store = None, None
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        try:
            if job["snapshot"] != path:
                store = None
                store = ox.Store.read_only(job["snapshot"])
                path = job["snapshot"]
            reply = execute(store, job)
        except Exception as exc:  # noqa: BLE001 - reported to the server as an engine failure
            reply = ("error", "failed", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (OSError, BrokenPipeError):
            return


# ----------------------------------------------------------------------------------------- the pool
class PoolTimeout(Exception):
    pass


class PoolBusy(Exception):
    pass


class WorkerDied(Exception):
    pass


class Cancelled(Exception):
    pass


#: seconds between checks that the client is still connected
CANCEL_POLL = 0.1


@dataclass
class _Worker:
    proc: Any                     # multiprocessing Process
    conn: Any                     # our end of its Pipe
    snapshot: str | None = None


def _context() -> Any:
    import multiprocessing

    return multiprocessing.get_context("spawn")


@dataclass
class QueryPool:
    """Worker processes over snapshots of one on-disk primary store."""

    primary: Any                  # pyoxigraph.Store, read-write, on disk
    snapshot_root: Path
    size: int = 2
    #: queries that may run past ``short_seconds`` at once (the long lane; 0 = ``size``)
    long_slots: int = 0
    #: a query still running after this many seconds is long
    short_seconds: float = 0.5
    _idle: "queue.Queue[_Worker]" = field(default_factory=queue.Queue, init=False)
    _all: list = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _gen: int = field(default=0, init=False)
    _snapshot: str | None = field(default=None, init=False)
    _snapshots: list = field(default_factory=list, init=False)
    _started: bool = field(default=False, init=False)
    _closed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.snapshot_root.mkdir(parents=True, exist_ok=True)
        self._long = threading.BoundedSemaphore(self.long_slots or self.size)

    # ---- snapshots
    def refresh(self) -> str:
        """Take a snapshot of the primary store (call after every committed write)."""
        with self._lock:
            self._gen += 1
            target = self.snapshot_root / f"snap-{self._gen:06d}-{os.getpid()}"
            self.primary.backup(str(target))
            self._snapshot = str(target)
            self._snapshots.append(self._snapshot)
            self._collect()
            return self._snapshot

    def _collect(self) -> None:
        in_use = {w.snapshot for w in self._all} | {self._snapshot}
        for s in list(self._snapshots):
            if s not in in_use:
                shutil.rmtree(s, ignore_errors=True)
                self._snapshots.remove(s)

    # ---- workers
    def _spawn(self) -> _Worker:
        ctx = _context()
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=worker_main, args=(theirs,), name="clausegraph-query-worker", daemon=True)
        proc.start()
        theirs.close()   # the worker holds its end: EOF reaches us if it dies
        w = _Worker(proc, ours)
        with self._lock:
            self._all.append(w)
        return w

    def start(self) -> None:
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        if self._snapshot is None:
            self.refresh()
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def _retire(self, w: _Worker) -> None:
        try:
            w.proc.kill()
            w.proc.join(5)
        except Exception:  # noqa: BLE001 - already gone
            pass
        _close(w)
        with self._lock:
            if w in self._all:
                self._all.remove(w)

    def _put_back(self, w: _Worker) -> None:
        """An idle worker back in the pool (retired when the pool already has ``size`` idle workers)."""
        if self._closed or self._idle.qsize() >= self.size:
            self._retire(w)
        else:
            self._idle.put(w)

    def _replenish(self) -> None:
        """A fresh idle worker, spawned in the background (keeps the short lane at ``size`` workers)."""
        if not self._closed:
            threading.Thread(target=lambda: self._put_back(self._spawn()), daemon=True).start()

    def run(self, job: dict, timeout: float, cancelled: Callable[[], bool] | None = None) -> tuple:
        """Run a job within ``timeout`` seconds (raises :class:`PoolTimeout` / :class:`PoolBusy`).

        Lanes: every job starts on an idle worker. One still running after ``short_seconds`` becomes *long*: it
        takes one of ``long_slots`` and a replacement worker is spawned, so ``size`` workers stay free for short
        queries however many long ones run. With every long slot taken, the job's worker is killed (and
        replaced) and the job waits for a slot, then reruns; its deadline never moves. ``cancelled()`` (the
        client hung up) stops the job and its worker at once (raises :class:`Cancelled`)."""
        self.start()
        deadline = time.monotonic() + timeout
        long = False
        while True:
            if long and not self._long.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise PoolBusy(f"every long-query slot stayed busy for {timeout:g} s")
            try:
                w = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                if long:
                    self._long.release()
                raise PoolBusy(f"every query worker stayed busy for {timeout:g} s") from None
            if long:
                self._replenish()
            outcome = self._wait(w, job, deadline, long, cancelled, limit=timeout)
            if outcome != "demoted":
                return outcome
            long = True

    def _wait(self, w: _Worker, job: dict, deadline: float, long: bool,
              cancelled: Callable[[], bool] | None, *, limit: float) -> Any:
        """Send ``job`` to ``w`` and wait: the reply, or ``"demoted"`` (killed to wait for a long slot)."""
        short_end = time.monotonic() + self.short_seconds
        done = False
        try:
            with self._lock:
                job = {**job, "snapshot": self._snapshot}
            w.snapshot = job["snapshot"]
            w.conn.send(job)
            while True:
                now = time.monotonic()
                if now >= deadline:
                    raise PoolTimeout(f"the query ran past the {limit:g} s limit and was stopped")
                if w.conn.poll(min(deadline - now, CANCEL_POLL)):
                    reply = w.conn.recv()
                    done = True
                    return reply
                if cancelled is not None and cancelled():
                    raise Cancelled("the client hung up")
                if not long and time.monotonic() >= short_end:
                    if self._long.acquire(blocking=False):
                        long = True
                        self._replenish()
                    else:
                        return "demoted"
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise WorkerDied(f"the query worker failed: {exc or type(exc).__name__}") from exc
        finally:
            if long:
                self._long.release()
            if done:
                self._put_back(w)
            else:   # still busy (timeout, hang-up, demotion) or dead: stop it, keep the short lane full
                self._retire(w)
                if not long:
                    self._replenish()
            with self._lock:
                self._collect()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._all)
        for w in workers:
            try:
                w.conn.send(None)
            except Exception:  # noqa: BLE001
                pass
        for w in workers:
            w.proc.join(1)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(2)
            _close(w)
        shutil.rmtree(self.snapshot_root, ignore_errors=True)


def snapshot_root_for(store_path: Path | None) -> Path:
    """Where snapshots of a store live: beside an on-disk store (same file system: hard links), else tmp."""
    if store_path is None:
        return Path(tempfile.mkdtemp(prefix="clausegraph-snapshots-"))
    root = store_path.resolve().parent / f".{store_path.name}.snapshots"
    shutil.rmtree(root, ignore_errors=True)   # stale ones from a killed server (the store lock is ours now)
    return root


def _close(w: _Worker) -> None:
    try:
        w.conn.close()
        w.proc.close()
    except Exception:  # noqa: BLE001 - still running or already closed
        pass
