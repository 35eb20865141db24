"""Query workers: SPARQL queries run in separate processes so a runaway query can really be stopped.

Design (docs/api.md, "Limits"):

* The server keeps one read-write pyoxigraph store on disk (the ``--store`` directory, or a temporary copy of
  an in-memory store made at start-up). Writes (SPARQL Update, Graph Store) happen there, in the server
  process, one at a time.
* After every committed write (and at start-up) the server takes a *snapshot* with ``Store.backup``: on the
  same file system it hard-links RocksDB's immutable files, so it costs milliseconds, not a copy.
* ``workers`` processes (``python -m clausegraph.api.worker``: no fork of a threaded server) each open the newest snapshot
  with ``Store.read_only`` (safe: nothing ever writes a snapshot) and answer one job at a time over a pipe.
  A job carries the snapshot path; a worker reopens when it changes (~50 ms), so readers see every write
  that was acknowledged before they started.
* A query past ``query_timeout`` gets its worker killed (SIGKILL) and replaced; the client gets 503. The
  other workers keep serving. Old snapshots are deleted once no worker uses them.

The worker also negotiates the response format (only it knows the query form) and applies the row cap.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import pickle
import queue
import select
import struct
import subprocess
import sys
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

log = logging.getLogger("clausegraph.api")

# ----------------------------------------------------------------------------------------- negotiation
#: media types offered for SELECT results, preferred first (aliases map onto the same format)
RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
#: media types offered for ASK results (CSV/TSV define no boolean form)
BOOLEAN_TYPES: dict[str, str] = {k: v for k, v in RESULT_TYPES.items() if v in ("json", "xml")}
#: media types offered for CONSTRUCT / DESCRIBE results and RDF documents
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "turtle", "application/n-triples": "ntriples", "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld", "text/plain": "ntriples", "application/x-turtle": "turtle",
}


class NotAcceptable(Exception):
    pass


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` ranges with their q-values (malformed q counts as 0)."""
    out = []
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        qv = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    qv = max(0.0, min(1.0, float(v)))
                except ValueError:
                    qv = 0.0
        out.append((bits[0].lower(), qv))
    return out


def negotiate(header: str | None, offered: dict[str, str]) -> str:
    """The offered media type with the highest q-value (most specific range wins; ties keep server order).
    No header or an empty one accepts anything. Raises :class:`NotAcceptable`."""
    ranges = parse_accept(header)
    if not ranges:
        return next(iter(offered))
    best, best_q = None, 0.0
    for mt in offered:
        main = mt.split("/")[0]
        q, spec = None, -1
        for rng, rq in ranges:
            s = 2 if rng == mt else 1 if rng == main + "/*" else 0 if rng == "*/*" else -1
            if s > spec:
                q, spec = rq, s
        if q is not None and q > best_q:
            best, best_q = mt, q
    if best is None:
        raise NotAcceptable(f"none of the acceptable types ({header}) can be produced; offered: "
                            + ", ".join(offered))
    return best


# ----------------------------------------------------------------------------------------- serialisers
def _term_json(t: Any) -> dict:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["datatype"] = t.datatype.value
        return d
    return {"type": "triple", "value": {"subject": _term_json(t.subject), "predicate": _term_json(t.predicate),
                                        "object": _term_json(t.object)}}


def _term_xml(t: Any) -> str:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return (f"<triple><subject>{_term_xml(t.subject)}</subject><predicate>{_term_xml(t.predicate)}</predicate>"
            f"<object>{_term_xml(t.object)}</object></triple>")


def _term_csv(t: Any) -> str:
    import pyoxigraph as ox

    if isinstance(t, ox.BlankNode):
        return "_:" + t.value
    if isinstance(t, (ox.NamedNode, ox.Literal)):
        return t.value
    return str(t)


def serialize_solutions(variables: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    """SELECT results in one of the four SPARQL 1.1 result formats (rows are already capped)."""
    if fmt == "json":
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_term_xml(t)}</binding>"
                    for v, t in zip(variables, row) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        for row in rows:
            w.writerow(["" if t is None else _term_csv(t) for t in row])
        return buf.getvalue().encode("utf-8")
    # tsv: terms in their N-Triples form (pyoxigraph's str())
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()


def rdf_format(name: str) -> Any:
    import pyoxigraph as ox

    return {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML,
            "jsonld": ox.RdfFormat.JSON_LD, "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}[name]


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
            mt = negotiate(job.get("accept"), BOOLEAN_TYPES)
            return ("ok", mt, serialize_boolean(bool(res), BOOLEAN_TYPES[mt]), False)
        if isinstance(res, ox.QuerySolutions):
            mt = negotiate(job.get("accept"), RESULT_TYPES)
            variables = [v.value for v in res.variables]
            rows, truncated = [], False
            for sol in res:
                if max_rows and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([sol[v] for v in variables])
            return ("ok", mt, serialize_solutions(variables, rows, RESULT_TYPES[mt]), truncated)
        mt = negotiate(job.get("accept"), GRAPH_TYPES)
        triples, truncated = [], False
        for t in res:
            if max_rows and len(triples) >= max_rows:
                truncated = True
                break
            triples.append(t)
        body = ox.serialize(triples, format=rdf_format(GRAPH_TYPES[mt])) or b""
        return ("ok", mt, body, truncated)
    except NotAcceptable as exc:
        return ("error", "not-acceptable", str(exc))
    except SyntaxError as exc:
        return ("error", "invalid", f"SPARQL syntax error: {exc}")
    except ValueError as exc:
        return ("error", "invalid", f"invalid request: {exc}")
    except OSError as exc:
        return ("error", "failed", f"query failed: {exc}")


class Conn:
    """Length-prefixed pickle frames over two pipe file descriptors (the worker's stdin/stdout)."""

    def __init__(self, rfd: int, wfd: int) -> None:
        self.rfd, self.wfd = rfd, wfd

    def send(self, obj: Any) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        buf = memoryview(struct.pack(">Q", len(data)) + data)
        while buf:
            n = os.write(self.wfd, buf)
            buf = buf[n:]

    def _read(self, n: int) -> bytes:
        chunks = []
        while n:
            chunk = os.read(self.rfd, min(n, 1 << 20))
            if not chunk:
                raise EOFError("the other end closed the pipe")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def recv(self) -> Any:
        (size,) = struct.unpack(">Q", self._read(8))
        return pickle.loads(self._read(size))

    def poll(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.rfd], [], [], timeout)
        return bool(ready)

    def close(self) -> None:
        for fd in (self.rfd, self.wfd):
            try:
                os.close(fd)
            except OSError:
                pass


def worker_main(conn: Any) -> None:
    """Worker process loop: one job at a time, store reopened when the snapshot changes."""
    import pyoxigraph as ox

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


@dataclass
class _Worker:
    proc: Any
    conn: Any
    snapshot: str | None = None


@dataclass
class QueryPool:
    """Worker processes over snapshots of one on-disk primary store."""

    primary: Any                  # pyoxigraph.Store, read-write, on disk
    snapshot_root: Path
    size: int = 2
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
        proc = subprocess.Popen([sys.executable, "-m", "clausegraph.api.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, bufsize=0, close_fds=True)
        w = _Worker(proc, Conn(proc.stdout.fileno(), proc.stdin.fileno()))
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
            w.proc.wait(5)
        except Exception:  # noqa: BLE001 - already gone
            pass
        for f in (w.proc.stdin, w.proc.stdout):
            try:
                f.close()
            except Exception:  # noqa: BLE001
                pass
        with self._lock:
            if w in self._all:
                self._all.remove(w)

    def run(self, job: dict, timeout: float) -> tuple:
        """Run a job on an idle worker; kill it past ``timeout`` seconds (raises :class:`PoolTimeout`)."""
        self.start()
        deadline = time.monotonic() + timeout
        try:
            w = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy(f"every query worker stayed busy for {timeout:g} s") from None
        try:
            with self._lock:
                job = {**job, "snapshot": self._snapshot}
            w.snapshot = job["snapshot"]
            w.conn.send(job)
            remaining = max(0.0, deadline - time.monotonic())
            if not w.conn.poll(remaining):
                self._retire(w)
                w = None
                raise PoolTimeout(f"the query ran past the {timeout:g} s limit and was stopped")
            return w.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            if w is not None:
                self._retire(w)
                w = None
            raise WorkerDied(f"the query worker failed: {exc or type(exc).__name__}") from exc
        finally:
            if w is not None:
                self._idle.put(w)
            elif not self._closed:
                self._idle.put(self._spawn())
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
            try:
                w.proc.wait(1)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait(2)
            for f in (w.proc.stdin, w.proc.stdout):
                try:
                    f.close()
                except Exception:  # noqa: BLE001
                    pass
        shutil.rmtree(self.snapshot_root, ignore_errors=True)


def snapshot_root_for(store_path: Path | None) -> Path:
    """Where snapshots of a store live: beside an on-disk store (same file system: hard links), else tmp."""
    if store_path is None:
        return Path(tempfile.mkdtemp(prefix="clausegraph-snapshots-"))
    root = store_path.resolve().parent / f".{store_path.name}.snapshots"
    shutil.rmtree(root, ignore_errors=True)   # stale ones from a killed server (the store lock is ours now)
    return root


if __name__ == "__main__":   # a worker process: frames on the original stdin/stdout, prints go to stderr
    _rfd, _wfd = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    worker_main(Conn(_rfd, _wfd))
