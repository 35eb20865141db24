"""What the SPARQL endpoint runs on: one :class:`Backend` interface with every protocol operation (query, update,
get/put/post/delete graph), implemented for the embedded store (a pool of killable query workers over
snapshots, writes serialised in this process) and for a remote SPARQL store (requests forwarded).

The protocol door (api/sparql.py) parses requests and calls these operations; it never asks which backend it
has. :func:`make_backend` picks the implementation by the store's ``kind``.
"""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..engine.errors import (ClausegraphError, ForbiddenError, InvalidQueryError, NotAcceptableError,
                             NotFoundError, QueryTimeoutError, ResultTooLargeError, StoreError,
                             UserInputError)
from ..engine.store import Store
from . import formats
from .fastpath import KnownCheap
from .settings import Settings
from .update import apply_using


@dataclass
class GraphRequest:
    """One Graph Store Protocol request: method, the request URL (the graph IRI under direct identification),
    its URL parameters, ``accept`` / ``content-type`` headers and body."""

    method: str
    endpoint: str
    direct: bool
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes = b""

    def target(self) -> tuple[str, str | None]:
        """``("default", None)``, ``("named", iri)`` or ``("none", None)`` (a POST then creates a graph)."""
        if self.direct:
            return "named", self.endpoint
        graphs = [v for k, v in self.params if k == "graph"]
        has_default = any(k == "default" for k, _ in self.params)
        if len(graphs) > 1 or (graphs and has_default):
            raise UserInputError("give one of ?graph=IRI or ?default")
        if has_default:
            return "default", None
        if graphs:
            return "named", formats.iri_list(graphs, "graph")[0]
        return "none", None


@dataclass
class GraphReply:
    status: int = 200
    body: bytes = b""
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _reply_error(kind: str, message: str) -> ClausegraphError:
    """The engine error for a worker's error reply (``kind``: invalid, not-acceptable, too-large, failed)."""
    if kind == "invalid":
        return InvalidQueryError(message)
    if kind == "not-acceptable":
        return NotAcceptableError(message)
    if kind == "too-large":
        return ResultTooLargeError(message)
    return ClausegraphError(message)


def _engine_error(exc: Exception) -> Exception:
    """The engine error for a failure of the worker pool (other exceptions unchanged)."""
    from .worker import Cancelled, PoolBusy, PoolTimeout, StreamFailed, WorkerDied

    if isinstance(exc, Cancelled):
        return QueryTimeoutError(f"{exc}; the query was stopped")
    if isinstance(exc, PoolTimeout):
        return QueryTimeoutError(f"{exc}; simplify it or add a LIMIT")
    if isinstance(exc, PoolBusy):
        return QueryTimeoutError(f"{exc}; try again later")
    if isinstance(exc, StreamFailed):
        return _reply_error(exc.kind, str(exc))
    if isinstance(exc, WorkerDied):
        return ClausegraphError(str(exc))
    return exc


class StreamedBody:
    """The body of a large query result, chunk by chunk from its worker, within the query's deadline. A
    failure part-way raises the engine error (the HTTP response then ends incomplete). Close it when done:
    that frees the worker."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    @property
    def seconds_left(self) -> float:
        return self.stream.deadline - time.monotonic()

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.stream
        except Exception as exc:  # noqa: BLE001 - pool failures become engine errors, others pass
            raise _engine_error(exc) from exc

    def read(self) -> bytes:
        """The whole body (then closed)."""
        try:
            return b"".join(self)
        finally:
            self.close()

    def close(self) -> None:
        self.stream.close()


class Backend(ABC):
    """The endpoint's operations over one store."""

    store: Store

    @abstractmethod
    def query(self, job: dict, timeout: float, *, cancelled: Callable[[], bool] | None = None
              ) -> tuple[str, bytes | StreamedBody]:
        """Run one protocol query job within ``timeout``: (media type, body). A large result's body is a
        :class:`StreamedBody` (close it when done). ``cancelled()`` says the client has gone: the query may then
        be stopped."""

    @abstractmethod
    def update(self, text: str, *, base_iri: str | None, using: list[str], using_named: list[str],
               timeout: float) -> None:
        """Run a SPARQL update (with the protocol's ``using-graph-uri`` / ``using-named-graph-uri``)."""

    @abstractmethod
    def get_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        """GET or HEAD one graph."""

    @abstractmethod
    def put_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        """Replace a graph (201 when new, 204 when it existed)."""

    @abstractmethod
    def post_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        """Merge into a graph (or create one: 201 with Location)."""

    @abstractmethod
    def delete_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        """Drop a graph (404 when absent)."""

    def written(self) -> None:
        """After a write made directly on the store: renew what depends on its content."""
        self.store.touched()

    def close(self) -> None:
        """Stop workers and remove temporary files."""


class EmbeddedBackend(Backend):
    """An on-disk pyoxigraph primary store (in-memory stores are copied to a temporary one) plus a pool of
    query worker processes over its snapshots. Writes are serialised by one lock and followed by a snapshot."""

    def __init__(self, store: Any, settings: Settings) -> None:
        import tempfile

        from ..engine.store.embedded import EmbeddedStore
        from .worker import QueryPool, snapshot_root_for

        self._tmp = None
        if store.path is None:   # workers need the data on disk: copy the in-memory store once
            self._tmp = tempfile.mkdtemp(prefix="clausegraph-serve-")
            disk = EmbeddedStore(Path(self._tmp) / "store")
            disk.oxigraph.bulk_extend(store.oxigraph.quads_for_pattern(None, None, None, None))
            disk.oxigraph.flush()
            store = disk
        self.store = store
        self.ox = store.oxigraph
        self.write_lock = threading.Lock()
        self.pool = QueryPool(self.ox, snapshot_root_for(store.path if self._tmp is None else None),
                              size=settings.workers, long_slots=settings.long_queries,
                              short_seconds=settings.short_query_seconds)
        self.pool.refresh()
        self.cheap = KnownCheap(settings.in_process_seconds)

    def query(self, job: dict, timeout: float, *, cancelled: Callable[[], bool] | None = None
              ) -> tuple[str, bytes | StreamedBody]:
        from .worker import ResultStream

        version = self.pool.snapshot
        reply = self.cheap.run(self.ox, job, version)   # known cheap on this data: answered here
        if reply is not None:
            return reply[1], reply[2]
        try:
            reply = self.pool.run(job, timeout, cancelled)
        except Exception as exc:  # noqa: BLE001 - pool failures become engine errors, others pass
            raise _engine_error(exc) from exc
        if isinstance(reply, ResultStream):
            return reply.media, StreamedBody(reply)
        self.cheap.learn(job, version, reply)
        if reply[0] == "ok":
            return reply[1], reply[2]
        raise _reply_error(reply[1], reply[2])

    def written(self) -> None:
        """After a committed write: new snapshot for the workers; engine caches dropped (store generation)."""
        self.pool.refresh()
        self.store.touched()

    def update(self, text: str, *, base_iri: str | None, using: list[str], using_named: list[str],
               timeout: float) -> None:
        text = apply_using(text, using, using_named)
        with self.write_lock:
            try:
                self.ox.update(text, base_iri=base_iri)
            except SyntaxError as exc:
                raise InvalidQueryError(f"SPARQL update syntax error: {exc}") from exc
            except ValueError as exc:
                raise InvalidQueryError(f"invalid update: {exc}") from exc
            except OSError as exc:
                raise StoreError(f"update failed: {exc}") from exc
            finally:
                self.written()

    # ------------------------------------------------------------------ Graph Store Protocol
    def _exists(self, graph: str) -> bool:
        import pyoxigraph as ox

        return self.ox.contains_named_graph(ox.NamedNode(graph))

    def get_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        import pyoxigraph as ox

        kind, graph = req.target()
        if kind == "none":
            raise UserInputError("name a graph: ?graph=IRI or ?default")
        if kind == "named" and not self._exists(graph):  # type: ignore[arg-type]
            raise NotFoundError(f"no graph <{graph}> in the store")
        mt = formats.negotiate_or_406(req.headers.get("accept"), formats.GRAPH_TYPES)
        if req.method == "HEAD":
            return GraphReply(media_type=mt)
        gname = ox.DefaultGraph() if kind == "default" else ox.NamedNode(graph)  # type: ignore[arg-type]
        triples = [q.triple for q in self.ox.quads_for_pattern(None, None, None, gname)]
        return GraphReply(body=formats.serialize_triples(triples, mt), media_type=mt)

    def delete_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        kind, graph = req.target()
        with self.write_lock:
            if kind == "none":
                raise UserInputError("name a graph: ?graph=IRI or ?default")
            if kind == "named" and not self._exists(graph):  # type: ignore[arg-type]
                raise NotFoundError(f"no graph <{graph}> in the store")
            self._commit("CLEAR DEFAULT" if kind == "default" else f"DROP GRAPH <{graph}>")
        return GraphReply(status=204)

    def put_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        return self._write(req, replace=True)

    def post_graph(self, req: GraphRequest, timeout: float) -> GraphReply:
        return self._write(req, replace=False)

    def _write(self, req: GraphRequest, replace: bool) -> GraphReply:
        kind, graph = req.target()
        base = graph or req.endpoint
        with self.write_lock:
            if kind == "none":
                if replace:
                    raise UserInputError("name a graph: ?graph=IRI or ?default")
                graph = f"{req.endpoint.rstrip('/')}/{uuid.uuid4().hex}"
                kind, base = "named", graph
            triples = formats.parse_rdf(req.body, req.headers.get("content-type"), base)
            existed = kind == "default" or self._exists(graph)  # type: ignore[arg-type]
            ops = []
            if replace:
                ops.append("CLEAR DEFAULT" if kind == "default" else f"DROP SILENT GRAPH <{graph}>")
            if kind == "named":
                ops.append(f"CREATE SILENT GRAPH <{graph}>")
            ins = formats.insert_data(triples, graph if kind == "named" else None)
            if ins:
                ops.append(ins)
            self._commit(" ;\n".join(ops))
        status = 204 if existed else 201
        return GraphReply(status=status, headers={"Location": graph} if status == 201 and graph else {})

    def _commit(self, text: str) -> None:
        """One update = one transaction: a killed server never leaves half a PUT."""
        try:
            self.ox.update(text)
        except (SyntaxError, ValueError) as exc:
            raise UserInputError(f"cannot store the data: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"write failed: {exc}") from exc
        finally:
            self.written()

    def close(self) -> None:
        import shutil

        self.pool.close()
        if self._tmp:
            self.store = None  # type: ignore[assignment]
            self.ox = None
            shutil.rmtree(self._tmp, ignore_errors=True)


class RemoteBackend(Backend):
    """Forwards protocol requests to the remote store's query / update / Graph Store URLs."""

    def __init__(self, store: Any, settings: Settings) -> None:
        self.store = store
        self.config = store.config

    def forward(self, method: str, url: str, params: list[tuple[str, str]], headers: dict[str, str],
                body: bytes | None, timeout: float) -> tuple[int, dict[str, str], bytes]:
        full = url + ("?" + urllib.parse.urlencode(params) if params else "")
        hdrs = {**self.store.auth_header(), **headers}
        req = urllib.request.Request(full, data=body, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()
        except TimeoutError as exc:
            raise QueryTimeoutError(f"the remote store did not answer within {timeout:g} s") from exc
        except (urllib.error.URLError, OSError) as exc:
            if "timed out" in str(exc):
                raise QueryTimeoutError(f"the remote store did not answer within {timeout:g} s") from exc
            raise StoreError(f"cannot reach {url}: {exc}") from exc

    def query(self, job: dict, timeout: float, *, cancelled: Callable[[], bool] | None = None
              ) -> tuple[str, bytes, bool]:
        params = [("query", job["query"])]
        dg, ng = job.get("default_graphs") or [], job.get("named_graphs") or []
        if not dg and not ng:
            dg = ng = self.store.graphs()
        params += [("default-graph-uri", g) for g in dg] + [("named-graph-uri", g) for g in ng]
        status, headers, body = self.forward(
            "POST", self.config.query_url, [],
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": job.get("accept") or "*/*"},
            urllib.parse.urlencode(params).encode(), timeout)
        self._raise(status, body)
        return headers.get("Content-Type", "application/octet-stream"), body

    @staticmethod
    def _raise(status: int, body: bytes) -> None:
        if status < 300:
            return
        text = body[:500].decode("utf-8", "replace")
        if status == 406:
            raise NotAcceptableError(f"the remote store: {text}")
        if status in (400, 415):
            raise InvalidQueryError(f"the remote store rejected the request: {text}")
        raise StoreError(f"the remote store answered HTTP {status}: {text}")

    def update(self, text: str, *, base_iri: str | None, using: list[str], using_named: list[str],
               timeout: float) -> None:
        if not self.config.update_url:
            raise ForbiddenError("no update endpoint is configured for the remote store")
        params = [("using-graph-uri", g) for g in using] + [("using-named-graph-uri", g) for g in using_named]
        status, _, body = self.forward("POST", self.config.update_url, params,
                                       {"Content-Type": "application/sparql-update"}, text.encode(), timeout)
        self.written()
        self._raise(status, body)

    def _graph_store(self, req: GraphRequest, timeout: float) -> GraphReply:
        if not self.config.store_url:
            raise NotFoundError("the remote store has no Graph Store endpoint configured")
        status, rh, data = self.forward(req.method, self.config.store_url, req.params, req.headers,
                                        req.body or None, timeout)
        if status == 404:
            raise NotFoundError("no such graph in the remote store")
        if status >= 400:
            self._raise(status, data)
        out = {k: v for k, v in rh.items() if k.lower() in ("content-type", "location")}
        return GraphReply(status=status, body=data if req.method != "HEAD" else b"", headers=out)

    get_graph = put_graph = post_graph = delete_graph = _graph_store


BACKENDS: dict[str, type[Backend]] = {"embedded": EmbeddedBackend, "remote": RemoteBackend}


def make_backend(store: Store, settings: Settings) -> Backend:
    """The backend for ``store`` (by its ``kind``)."""
    return BACKENDS[store.kind](store, settings)
