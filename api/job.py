"""What a query worker process runs (api/worker.py starts and stops them): one job at a time from a pipe, on a
read-only snapshot of the store, the result serialised by pyoxigraph and sent back whole (small) or in chunks.

The worker negotiates the response format (only it knows the query form), checks XML output for characters
XML 1.0 cannot carry, and applies the opt-in row cap by refusing, never by cutting.
"""
from __future__ import annotations

import os
import time
from typing import Any

from . import formats

#: a result up to this size travels in one message (and one HTTP body); a larger one is streamed in chunks of it
CHUNK = 256 * 1024


class ResultTooLarge(Exception):
    """More rows than the server's opt-in cap."""


class NotSmall(Exception):
    """A result run in the server process (no ``conn``) outgrew one message: run it in a worker instead."""


class _Sink:
    """What pyoxigraph serialises into: the first :data:`CHUNK` bytes are kept (a small result is one reply), a
    larger result is sent to the server as ``("stream", media, chunk)``, ``("chunk", bytes)``... XML output goes
    through :func:`formats.xml_safe` (a character XML 1.0 cannot carry stops it)."""

    def __init__(self, conn: Any, media: str) -> None:
        self.conn, self.media, self.xml = conn, media, formats.is_xml(media)
        self.buf, self.started, self.tail = bytearray(), False, b""

    def write(self, data: bytes) -> int:
        size = len(data)
        if self.xml:
            data, self.tail = formats.xml_safe(self.tail, data)
        self.buf += data
        if len(self.buf) >= CHUNK:
            self.send()
        return size

    def flush(self) -> None:
        pass

    def send(self) -> None:
        if self.conn is None:
            raise NotSmall()
        self.conn.send(("chunk", bytes(self.buf)) if self.started else ("stream", self.media, bytes(self.buf)))
        self.started = True
        self.buf.clear()

    def finish(self) -> tuple | None:
        """The whole reply for a small result; ``None`` once a stream was ended with ``("end",)``."""
        if not self.started:
            return ("ok", self.media, bytes(self.buf))
        if self.buf:
            self.send()
        self.conn.send(("end",))
        return None


def _capped(rows: Any, cap: int) -> list:
    """At most ``cap`` items of ``rows`` (``0`` = no cap), raising :class:`ResultTooLarge` past it."""
    out = []
    for row in rows:
        if len(out) == cap:
            raise ResultTooLarge(f"the result has more than {cap} rows, this server's cap (max_rows): add a "
                                 "LIMIT, or page through it with LIMIT and OFFSET")
        out.append(row)
    return out


def execute(store: Any, job: dict, conn: Any) -> tuple | None:
    """Run one query job on a pyoxigraph store, serialised by pyoxigraph, and answer on ``conn``.

    Returns the reply of a small result, ``("ok", media_type, body, seconds)`` (seconds: the whole run), or an
    error ``("error", kind, message)`` (kind ``invalid`` / ``not-acceptable`` / ``too-large`` / ``failed``);
    returns ``None`` when it streamed the result on ``conn`` itself (``("stream", media_type, chunk)``, ``("chunk", bytes)``..., then ``("end",)``, or
    ``("fail", kind, message)`` if it failed part-way). With ``max_rows`` set, the rows are counted before any
    byte is sent, so a result over the cap is an error, never a cut answer.

    Without ``conn`` (a run in the server process) a result larger than one message raises :class:`NotSmall`."""
    import pyoxigraph as ox

    t0 = time.perf_counter()
    kwargs: dict = {"base_iri": job.get("base_iri")}
    dg, ng = job.get("default_graphs") or [], job.get("named_graphs") or []
    if dg or ng:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in dg]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in ng]
    else:
        kwargs["use_default_graph_as_union"] = True
    cap = int(job.get("max_rows") or 0)
    sink = None
    try:
        res = store.query(job["query"], **kwargs)
        if isinstance(res, ox.QueryBoolean):
            sink = _Sink(conn, formats.negotiate(job.get("accept"), formats.BOOLEAN_TYPES))
            res.serialize(sink, format=formats.results_format(sink.media))
        elif isinstance(res, ox.QuerySolutions):
            sink = _Sink(conn, formats.negotiate(job.get("accept"), formats.RESULT_TYPES))
            if cap:
                res = formats.solutions(res.variables, _capped(res, cap))
            formats.serialize_solutions(res, sink.media, sink)
        else:
            sink = _Sink(conn, formats.negotiate(job.get("accept"), formats.GRAPH_TYPES))
            ox.serialize(_capped(res, cap) if cap else res, sink, format=formats.rdf_format(sink.media))
        reply = sink.finish()
        return reply and reply + (time.perf_counter() - t0,)
    except formats.NotAcceptable as exc:
        reply = ("error", "not-acceptable", str(exc))
    except ResultTooLarge as exc:
        reply = ("error", "too-large", str(exc))
    except SyntaxError as exc:
        reply = ("error", "invalid", f"SPARQL syntax error: {exc}")
    except ValueError as exc:
        reply = ("error", "invalid", f"invalid request: {exc}")
    except OSError as exc:
        reply = ("error", "failed", f"query failed: {exc}")
    if sink is not None and sink.started:
        return ("fail",) + reply[1:]
    return reply


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
            reply = execute(store, job, conn)
        except (OSError, BrokenPipeError):   # the server went away while we streamed
            return
        except Exception as exc:  # noqa: BLE001 - reported to the server as an engine failure
            reply = ("error", "failed", f"{type(exc).__name__}: {exc}")
        if reply is None:
            continue
        try:
            conn.send(reply)
        except (OSError, BrokenPipeError):
            return
