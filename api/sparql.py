"""SPARQL 1.1 Protocol (``/sparql``: query, update, service description) and the SPARQL 1.1 Graph Store HTTP
Protocol (``/store``), with content negotiation, limits and bearer-token auth for writes.

Handlers are synchronous (FastAPI runs them in its thread pool); the only ``async`` code reads the request
body (a dependency), bounded by ``Settings.max_body``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import hmac
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..engine.errors import (ClausegraphError, ForbiddenError, InvalidQueryError, NotAcceptableError,
                             NotFoundError, QueryTimeoutError, StoreError, UnauthorizedError,
                             UnsupportedMediaTypeError, UserInputError)
from ..engine.store import Store
from .errors import PayloadTooLargeError
from .settings import Settings
from .worker import (GRAPH_TYPES, NotAcceptable, PoolBusy, PoolTimeout, QueryPool, WorkerDied, negotiate,
                     rdf_format, snapshot_root_for)

TRUNCATED_HEADER = "X-Clausegraph-Truncated"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


# ----------------------------------------------------------------------------------------- request helpers
def media_type(header: str | None) -> tuple[str | None, dict[str, str]]:
    """``(type, params)`` of a Content-Type header, lower-cased; ``(None, {})`` when absent."""
    if not header or not header.strip():
        return None, {}
    parts = [p.strip() for p in header.split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].lower(), params


def check_charset(params: dict[str, str]) -> None:
    cs = params.get("charset")
    if cs is not None and cs.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UserInputError(f"unsupported charset {cs!r}: requests must be UTF-8")


def decode_utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"the {what} is not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc


def parse_form(text: str) -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` string, decoded exactly once."""
    try:
        return urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError as exc:
        raise UserInputError("the form is not valid UTF-8 once percent-decoded") from exc


def url_params(request: Request) -> list[tuple[str, str]]:
    return parse_form(request.url.query)


def getall(params: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def endpoint_iri(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


async def request_body(request: Request) -> bytes:
    """The request body, refused with 413 past ``max_body`` (checked on Content-Length and while streaming)."""
    limit = request.app.state.settings.max_body
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"request body of {declared} bytes exceeds the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body exceeds the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def require_write(request: Request, settings: Settings) -> None:
    """Writes need updates enabled (else 403) and ``Authorization: Bearer <token>`` (else 401)."""
    if not settings.update_token:
        raise ForbiddenError("updates are disabled on this endpoint (start the server with an update token)")
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(),
                                                             settings.update_token.encode()):
        raise UnauthorizedError("this write needs 'Authorization: Bearer <token>' with the server's update token")


def iri_list(values: list[str], name: str) -> list[str]:
    import pyoxigraph as ox

    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError as exc:
            raise UserInputError(f"{name}={v!r} is not an absolute IRI: {exc}") from exc
    return values


# ----------------------------------------------------------------------------------------- update rewriting
_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>\#[^\n]*) |
    (?P<str>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*") |
    (?P<iri><[^<>"{}|^`\\\x00-\x20]*>) | (?P<open>\{) | (?P<close>\}) |
    (?P<word>[A-Za-z_][A-Za-z0-9_\-]*) | (?P<other>.)""", re.X | re.S)


def _top_level_words(update: str) -> list[tuple[str, int]]:
    """Keywords at brace depth 0 (outside strings, IRIs and comments) with their offsets."""
    out, depth = [], 0
    for m in _TOKEN.finditer(update):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0:
            out.append((m.group().upper(), m.start()))
    return out


def apply_using(update: str, using: list[str], using_named: list[str]) -> str:
    """Apply ``using-graph-uri`` / ``using-named-graph-uri``: refuse them next to USING or WITH (400), else add
    the equivalent ``USING`` clauses to every DELETE/INSERT ... WHERE operation."""
    if not using and not using_named:
        return update
    words = _top_level_words(update)
    if any(w in ("USING", "WITH") for w, _ in words):
        raise InvalidQueryError("using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH "
                                "in the update")
    clause = "".join(f" USING <{g}>" for g in using) + "".join(f" USING NAMED <{g}>" for g in using_named) + " "
    inserts = [pos for i, (w, pos) in enumerate(words) if w == "WHERE" and not (i and words[i - 1][0] == "DELETE")]
    for pos in reversed(inserts):
        update = update[:pos] + clause + update[pos:]
    return update


# ----------------------------------------------------------------------------------------- backends
class Backend(ABC):
    """What the endpoint runs on: the embedded store (worker pool) or a remote SPARQL store (forwarding)."""

    store: Store

    @abstractmethod
    def query(self, job: dict, timeout: float) -> tuple[str, bytes, bool]:
        """Run one protocol query job within ``timeout``: (media type, body, truncated)."""

    def written(self) -> None:
        """After a write made directly on the store: renew what depends on its content."""
        self.store.touched()

    def close(self) -> None:
        pass


class EmbeddedBackend(Backend):
    """An on-disk pyoxigraph primary store (in-memory stores are copied to a temporary one) plus a pool of
    query worker processes over its snapshots. Writes are serialised by one lock and followed by a snapshot."""

    def __init__(self, store: Store, settings: Settings) -> None:
        import tempfile

        from ..engine.store.embedded import EmbeddedStore

        assert isinstance(store, EmbeddedStore)
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
                              size=settings.workers)
        self.pool.refresh()

    def query(self, job: dict, timeout: float) -> tuple[str, bytes, bool]:
        try:
            reply = self.pool.run(job, timeout)
        except PoolTimeout as exc:
            raise QueryTimeoutError(f"{exc}; simplify it or add a LIMIT") from exc
        except PoolBusy as exc:
            raise QueryTimeoutError(f"{exc}; try again later") from exc
        except WorkerDied as exc:
            raise ClausegraphError(str(exc)) from exc
        if reply[0] == "ok":
            return reply[1], reply[2], reply[3]
        kind, message = reply[1], reply[2]
        if kind == "invalid":
            raise InvalidQueryError(message)
        if kind == "not-acceptable":
            raise NotAcceptableError(message)
        raise ClausegraphError(message)

    def written(self) -> None:
        """After a committed write: new snapshot for the workers; engine caches dropped (store generation)."""
        self.pool.refresh()
        self.store.touched()

    def update(self, text: str, base_iri: str | None) -> None:
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

    def close(self) -> None:
        import shutil

        self.pool.close()
        if self._tmp:
            self.store = None  # type: ignore[assignment]
            self.ox = None
            shutil.rmtree(self._tmp, ignore_errors=True)


class RemoteBackend(Backend):
    """Forwards protocol requests to the remote store's query / update / Graph Store URLs."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.config = store.config  # type: ignore[attr-defined]

    def forward(self, method: str, url: str, params: list[tuple[str, str]], headers: dict[str, str],
                body: bytes | None, timeout: float) -> tuple[int, dict[str, str], bytes]:
        full = url + ("?" + urllib.parse.urlencode(params) if params else "")
        hdrs = {**self.store._auth_header(), **headers}  # type: ignore[attr-defined]
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

    def query(self, job: dict, timeout: float) -> tuple[str, bytes, bool]:
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
        return headers.get("Content-Type", "application/octet-stream"), body, False

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

    def update(self, text: str, params: list[tuple[str, str]], timeout: float) -> None:
        if not self.config.update_url:
            raise ForbiddenError("no update endpoint is configured for the remote store")
        status, _, body = self.forward("POST", self.config.update_url, params,
                                       {"Content-Type": "application/sparql-update"}, text.encode(), timeout)
        self.store._graphs = None  # type: ignore[attr-defined]
        self._raise(status, body)


def make_backend(store: Store, settings: Settings) -> Backend:
    from ..engine.store.embedded import EmbeddedStore

    return EmbeddedBackend(store, settings) if isinstance(store, EmbeddedStore) else RemoteBackend(store, settings)


# ----------------------------------------------------------------------------------------- service description
def service_description(endpoint: str, settings: Settings) -> str:
    fmts = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle",
            "N-Triples", "RDF_XML", "JSON-LD"]
    langs = ["sd:SPARQL11Query"] + (["sd:SPARQL11Update"] if settings.update_token else [])
    return f"""@prefix sd: <{SD}> .
@prefix dcterms: <http://purl.org/dc/terms/> .
[] a sd:Service ;
  sd:endpoint <{endpoint}> ;
  dcterms:title "clausegraph SPARQL endpoint" ;
  sd:supportedLanguage {", ".join(langs)} ;
  sd:resultFormat {", ".join(f"<{FORMATS_NS}{f}>" for f in fmts)} ;
  sd:feature sd:UnionDefaultGraph, sd:BasicFederatedQuery ;
  sd:defaultEntailmentRegime <http://www.w3.org/ns/entailment/Simple> .
"""


SD_TYPES = {k: v for k, v in GRAPH_TYPES.items()}


def rdf_response(turtle: str, accept: str | None, base: str | None = None) -> Response:
    import pyoxigraph as ox

    try:
        mt = negotiate(accept, SD_TYPES)
    except NotAcceptable as exc:
        raise NotAcceptableError(str(exc)) from exc
    triples = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE, base_iri=base))
    return Response(ox.serialize(triples, format=rdf_format(SD_TYPES[mt])) or b"", media_type=mt)


# ----------------------------------------------------------------------------------------- routes
router = APIRouter()
_PROTOCOL_DOC = ("SPARQL 1.1 Protocol endpoint: query by GET ?query=, POST form or POST "
                 "application/sparql-query; update by POST (form update= or application/sparql-update, "
                 "bearer token); GET without query returns the service description.")


def _state(request: Request) -> tuple[Backend, Settings]:
    return request.app.state.backend, request.app.state.settings


def _run_query(request: Request, query: str, params: list[tuple[str, str]]) -> Response:
    backend, settings = _state(request)
    job = {"query": query, "accept": request.headers.get("accept"), "base_iri": endpoint_iri(request),
           "default_graphs": iri_list(getall(params, "default-graph-uri"), "default-graph-uri"),
           "named_graphs": iri_list(getall(params, "named-graph-uri"), "named-graph-uri"),
           "max_rows": settings.max_rows}
    mt, body, truncated = backend.query(job, settings.query_timeout)
    headers = {TRUNCATED_HEADER: "true"} if truncated else {}
    headers["Vary"] = "Accept"
    return Response(body, media_type=mt, headers=headers)


def _run_update(request: Request, update: str, params: list[tuple[str, str]]) -> Response:
    backend, settings = _state(request)
    require_write(request, settings)
    using, using_named = (iri_list(getall(params, "using-graph-uri"), "using-graph-uri"),
                          iri_list(getall(params, "using-named-graph-uri"), "using-named-graph-uri"))
    if isinstance(backend, RemoteBackend):
        backend.update(update, [(k, v) for k, v in params if k.startswith("using-")], settings.query_timeout)
    else:
        backend.update(apply_using(update, using, using_named), endpoint_iri(request))  # type: ignore[attr-defined]
    return Response(status_code=204)


def _one(params: list[tuple[str, str]], name: str) -> str | None:
    vals = getall(params, name)
    if len(vals) > 1:
        raise InvalidQueryError(f"give exactly one '{name}' parameter (got {len(vals)})")
    return vals[0] if vals else None


@router.get("/sparql", summary="SPARQL query (GET) or service description", description=_PROTOCOL_DOC,
            tags=["sparql"])
def sparql_get(request: Request) -> Response:
    params = url_params(request)
    if getall(params, "update"):
        raise InvalidQueryError("updates are accepted only by POST")
    query = _one(params, "query")
    if query is None:
        _, settings = _state(request)
        return rdf_response(service_description(endpoint_iri(request), settings), request.headers.get("accept"))
    return _run_query(request, query, params)


@router.post("/sparql", summary="SPARQL query or update (POST)", description=_PROTOCOL_DOC, tags=["sparql"])
def sparql_post(request: Request, body: bytes = Depends(request_body)) -> Response:
    ctype, cparams = media_type(request.headers.get("content-type"))
    if ctype is None:
        raise UserInputError("a POST to /sparql needs a Content-Type: application/x-www-form-urlencoded, "
                             "application/sparql-query or application/sparql-update")
    check_charset(cparams)
    params = url_params(request)
    if ctype == "application/x-www-form-urlencoded":
        form = parse_form(decode_utf8(body, "form body"))
        params = params + form
        query, update = _one(form, "query"), _one(form, "update")
        if query is not None and update is not None:
            raise InvalidQueryError("give either 'query' or 'update', not both")
        if query is not None:
            return _run_query(request, query, params)
        if update is not None:
            return _run_update(request, update, params)
        raise InvalidQueryError("the form has neither a 'query' nor an 'update' parameter")
    if ctype == "application/sparql-query":
        if getall(params, "query") or getall(params, "update"):
            raise InvalidQueryError("a direct POST carries the query in the body, not in the URL")
        return _run_query(request, decode_utf8(body, "query"), params)
    if ctype == "application/sparql-update":
        if getall(params, "query") or getall(params, "update"):
            raise InvalidQueryError("a direct POST carries the update in the body, not in the URL")
        return _run_update(request, decode_utf8(body, "update"), params)
    raise UserInputError(f"unsupported Content-Type {ctype!r} for /sparql: use "
                         "application/x-www-form-urlencoded, application/sparql-query or application/sparql-update")


# ---------------------------------------------------------------------------- Graph Store HTTP Protocol
RDF_INPUT = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples",
             "text/plain": "ntriples", "application/rdf+xml": "rdfxml", "application/ld+json": "jsonld"}
_GSP_DOC = ("SPARQL 1.1 Graph Store HTTP Protocol: ?graph=IRI or ?default (indirect), or /store/<path> "
            "(direct: the graph IRI is the request URL). PUT replaces (201 new, 204 existing), POST merges "
            "(POST /store without a graph creates one: 201 + Location), DELETE drops; GET/HEAD/DELETE of a "
            "missing graph: 404. Writes need the update token.")


def _target(request: Request, direct: bool) -> tuple[str, str | None]:
    """``("default", None)``, ``("named", iri)`` or ``("none", None)`` (POST creates a graph)."""
    if direct:
        return "named", endpoint_iri(request)
    params = url_params(request)
    graphs = getall(params, "graph")
    has_default = any(k == "default" for k, _ in params)
    if len(graphs) > 1 or (graphs and has_default):
        raise UserInputError("give one of ?graph=IRI or ?default")
    if has_default:
        return "default", None
    if graphs:
        return "named", iri_list(graphs, "graph")[0]
    return "none", None


def _parse_rdf(body: bytes, ctype: str | None, cparams: dict[str, str], base: str) -> list:
    import pyoxigraph as ox

    if ctype is None:
        raise UserInputError("a Graph Store write needs a Content-Type naming the RDF format")
    check_charset(cparams)
    if ctype == "multipart/form-data":
        raw = (f"Content-Type: multipart/form-data; boundary={cparams.get('boundary', '')}\r\n\r\n").encode() + body
        msg = BytesParser(policy=HTTP).parsebytes(raw)
        if not msg.is_multipart():
            raise UserInputError("malformed multipart/form-data body")
        out = []
        for part in msg.iter_parts():
            pt, pp = media_type(part.get("content-type"))
            out += _parse_rdf(part.get_payload(decode=True) or b"", pt, pp, base)
        return out
    fmt = RDF_INPUT.get(ctype)
    if fmt is None:
        raise UnsupportedMediaTypeError(f"unsupported RDF media type {ctype!r}; use one of: "
                                        + ", ".join(RDF_INPUT))
    try:
        return list(ox.parse(body, format=rdf_format(fmt), base_iri=base))
    except SyntaxError as exc:
        raise UserInputError(f"RDF syntax error in the {ctype} body: {exc}") from exc
    except (ValueError, OSError) as exc:
        raise UserInputError(f"cannot read the {ctype} body: {exc}") from exc


def _insert_data(triples: list, graph: str | None) -> str:
    import pyoxigraph as ox

    if not triples:
        return ""
    nt = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{nt}\n}} }}" if graph else f"INSERT DATA {{\n{nt}\n}}"


def _gsp(request: Request, body: bytes, direct: bool) -> Response:
    import pyoxigraph as ox

    backend, settings = _state(request)
    method = request.method
    if isinstance(backend, RemoteBackend):
        return _gsp_remote(request, body, backend, settings, method)
    kind, graph = _target(request, direct)
    store = backend.ox  # type: ignore[attr-defined]
    if method in ("GET", "HEAD"):
        if kind == "none":
            raise UserInputError("name a graph: ?graph=IRI or ?default")
        gname = ox.DefaultGraph() if kind == "default" else ox.NamedNode(graph)
        if kind == "named" and not store.contains_named_graph(gname):
            raise NotFoundError(f"no graph <{graph}> in the store")
        try:
            mt = negotiate(request.headers.get("accept"), GRAPH_TYPES)
        except NotAcceptable as exc:
            raise NotAcceptableError(str(exc)) from exc
        if method == "HEAD":
            return Response(b"", media_type=mt)
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, gname)]
        return Response(ox.serialize(triples, format=rdf_format(GRAPH_TYPES[mt])) or b"", media_type=mt)

    require_write(request, settings)
    base = graph or endpoint_iri(request)
    with backend.write_lock:  # type: ignore[attr-defined]
        if method == "DELETE":
            if kind == "none":
                raise UserInputError("name a graph: ?graph=IRI or ?default")
            if kind == "named" and not store.contains_named_graph(ox.NamedNode(graph)):
                raise NotFoundError(f"no graph <{graph}> in the store")
            text = "CLEAR DEFAULT" if kind == "default" else f"DROP GRAPH <{graph}>"
            status, headers = 204, {}
        else:
            ctype, cparams = media_type(request.headers.get("content-type"))
            if kind == "none":
                if method != "POST":
                    raise UserInputError("name a graph: ?graph=IRI or ?default")
                graph = f"{endpoint_iri(request).rstrip('/')}/{uuid.uuid4().hex}"
                kind, base = "named", graph
            triples = _parse_rdf(body, ctype, cparams, base)
            existed = kind == "default" or store.contains_named_graph(ox.NamedNode(graph))
            ops = []
            if method == "PUT":
                ops.append("CLEAR DEFAULT" if kind == "default" else f"DROP SILENT GRAPH <{graph}>")
            if kind == "named":
                ops.append(f"CREATE SILENT GRAPH <{graph}>")
            ins = _insert_data(triples, graph if kind == "named" else None)
            if ins:
                ops.append(ins)
            text = " ;\n".join(ops)
            status = 204 if existed else 201
            headers = {"Location": graph} if status == 201 and graph else {}
        try:
            store.update(text)   # one update = one transaction: a killed server never leaves half a PUT
        except (SyntaxError, ValueError) as exc:
            raise UserInputError(f"cannot store the data: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"write failed: {exc}") from exc
        finally:
            backend.written()  # type: ignore[attr-defined]
    return Response(status_code=status, headers=headers)


def _gsp_remote(request: Request, body: bytes, backend: RemoteBackend, settings: Settings,
                method: str) -> Response:
    if method not in ("GET", "HEAD"):
        require_write(request, settings)
    if not backend.config.store_url:
        raise NotFoundError("the remote store has no Graph Store endpoint configured")
    headers = {k: v for k, v in request.headers.items() if k.lower() in ("accept", "content-type")}
    status, rh, data = backend.forward(method, backend.config.store_url, url_params(request), headers,
                                       body or None, settings.query_timeout)
    if status == 404:
        raise NotFoundError("no such graph in the remote store")
    if status >= 400:
        RemoteBackend._raise(status, data)
    out = {k: v for k, v in rh.items() if k.lower() in ("content-type", "location")}
    return Response(data if method != "HEAD" else b"", status_code=status, headers=out)


@router.api_route("/store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"], tags=["graph store"],
                  summary="Graph Store HTTP Protocol (indirect identification)", description=_GSP_DOC)
def graph_store(request: Request, body: bytes = Depends(request_body)) -> Response:
    return _gsp(request, body, direct=False)


@router.api_route("/store/{path:path}", methods=["GET", "HEAD", "PUT", "POST", "DELETE"], tags=["graph store"],
                  summary="Graph Store HTTP Protocol (direct identification)", description=_GSP_DOC)
def graph_store_direct(request: Request, path: str, body: bytes = Depends(request_body)) -> Response:
    return _gsp(request, body, direct=True)


def backend_of(app: Any) -> Backend:
    return app.state.backend
