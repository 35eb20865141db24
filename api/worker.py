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

What a worker runs (format negotiation, pyoxigraph serialisation, the opt-in row cap) is api/job.py. A large
result streams: :class:`ResultStream` relays its chunks and holds the worker (and a long-lane slot) until the
response ends.
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
from typing import Any, Callable, Iterator

from .job import worker_main

log = logging.getLogger("clausegraph.api")


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
    @property
    def snapshot(self) -> str | None:
        """The newest snapshot's path (it names the version of the data)."""
        return self._snapshot

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
        """Send ``job`` to ``w`` and wait: the reply, a :class:`ResultStream` (which then owns ``w``), or
        ``"demoted"`` (killed to wait for a long slot). A result that streams counts as long from its first
        chunk (nothing has reached the client yet, so it may still be demoted)."""
        short_end = time.monotonic() + self.short_seconds
        done, stream = False, None
        try:
            with self._lock:
                job = {**job, "snapshot": self._snapshot}
            w.snapshot = job["snapshot"]
            w.conn.send(job)
            while True:
                now = time.monotonic()
                if now >= deadline:
                    raise PoolTimeout(f"the query ran past the {limit:g} s limit and was stopped")
                reply = w.conn.recv() if w.conn.poll(min(deadline - now, CANCEL_POLL)) else None
                if reply is None and cancelled is not None and cancelled():
                    raise Cancelled("the client hung up")
                streams = reply is not None and reply[0] == "stream"
                if not long and (streams or reply is None and time.monotonic() >= short_end):
                    if not self._long.acquire(blocking=False):
                        return "demoted"
                    long = True
                    self._replenish()
                if reply is not None:
                    done = True
                    if reply[0] != "stream":
                        return reply
                    stream = ResultStream(self, w, reply[1], reply[2], deadline, limit)
                    return stream   # it puts back (or retires) the worker and frees the long slot
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise WorkerDied(f"the query worker failed: {exc or type(exc).__name__}") from exc
        finally:
            if stream is None:
                self.release(w, done=done, long=long)

    def release(self, w: _Worker, *, done: bool, long: bool) -> None:
        """A job is over: free its long slot; put ``w`` back if it finished, else stop it (and keep the short
        lane full)."""
        if long:
            self._long.release()
        if done:
            self._put_back(w)
        else:   # still busy (timeout, hang-up, demotion) or dead
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


class StreamFailed(Exception):
    """A streamed result failed part-way (``kind``, message): the response must end without completing."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class ResultStream:
    """A large result arriving from a worker in chunks; holds the worker (and a long slot) until closed.
    Iterating yields the body's chunks; it raises :class:`PoolTimeout` past the query's deadline,
    :class:`StreamFailed` if the worker reports a failure, :class:`WorkerDied` if it dies."""

    def __init__(self, pool: QueryPool, worker: _Worker, media: str, first: bytes, deadline: float,
                 limit: float) -> None:
        self.pool, self.worker, self.media, self.first = pool, worker, media, first
        self.deadline, self.limit = deadline, limit
        self.finished = self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        while not self.finished:
            chunk = self.next_chunk()
            if chunk is not None:
                yield chunk

    def next_chunk(self) -> bytes | None:
        """The next chunk, ``None`` at the end."""
        conn = self.worker.conn
        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0 or not conn.poll(remaining):
                raise PoolTimeout(f"the query ran past the {self.limit:g} s limit and was stopped")
            msg = conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise WorkerDied(f"the query worker failed: {exc or type(exc).__name__}") from exc
        if msg[0] == "chunk":
            return msg[1]
        if msg[0] == "end":
            self.finished = True
            return None
        self.finished = True   # ("fail", kind, message): the worker is idle again
        self.close()
        raise StreamFailed(msg[1], msg[2])

    def close(self) -> None:
        """Done (or abandoned): the worker goes back if it finished, else it is stopped."""
        if not self.closed:
            self.closed = True
            self.pool.release(self.worker, done=self.finished, long=True)


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
