"""SPARQL 1.1 Protocol (``/sparql``: query, update, service description) and the SPARQL 1.1 Graph Store HTTP
Protocol (``/store``), with content negotiation, limits and bearer-token auth for writes.

A handler parses the request and calls one operation of the :class:`~clausegraph.api.backend.Backend`
(query, update, get/put/post/delete graph); negotiation and serialisation are in api/formats.py. Handlers
are synchronous (FastAPI runs them in its thread pool); the only ``async`` code reads the request body (a
dependency), bounded by ``Settings.max_body``.
"""
from __future__ import annotations

import hmac
import logging
import urllib.parse
from typing import Any, Callable

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..engine.errors import ClausegraphError, ForbiddenError, InvalidQueryError, UnauthorizedError, UserInputError
from . import formats
from .backend import Backend, GraphRequest, StreamedBody
from .errors import PayloadTooLargeError, error_response
from .federation import check_services
from .formats import check_charset, iri_list, media_type
from .settings import Settings

__all__ = ["DirectRoute", "router"]

log = logging.getLogger("clausegraph.api")
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


# ----------------------------------------------------------------------------------------- request helpers
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


# ----------------------------------------------------------------------------------------- service description
def service_description(endpoint: str, settings: Settings) -> str:
    fmts = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle",
            "N-Triples", "RDF_XML", "JSON-LD"]
    langs = ["sd:SPARQL11Query"] + (["sd:SPARQL11Update"] if settings.update_token else [])
    features = ["sd:UnionDefaultGraph"] + (["sd:BasicFederatedQuery"] if settings.federated_endpoints else [])
    return f"""@prefix sd: <{SD}> .
@prefix dcterms: <http://purl.org/dc/terms/> .
[] a sd:Service ;
  sd:endpoint <{endpoint}> ;
  dcterms:title "clausegraph SPARQL endpoint" ;
  sd:supportedLanguage {", ".join(langs)} ;
  sd:resultFormat {", ".join(f"<{FORMATS_NS}{f}>" for f in fmts)} ;
  sd:feature {", ".join(features)} ;
  sd:defaultEntailmentRegime <http://www.w3.org/ns/entailment/Simple> .
"""


def rdf_response(turtle: str, accept: str | None, base: str | None = None) -> Response:
    import pyoxigraph as ox

    mt = formats.negotiate_or_406(accept, formats.GRAPH_TYPES)
    triples = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE, base_iri=base))
    return Response(formats.serialize_triples(triples, mt), media_type=mt)


# ----------------------------------------------------------------------------------------- routes
router = APIRouter()
_PROTOCOL_DOC = ("SPARQL 1.1 Protocol endpoint: query by GET ?query=, POST form or POST "
                 "application/sparql-query; update by POST (form update= or application/sparql-update, "
                 "bearer token); GET without query returns the service description.")


def _state(request: Request) -> tuple[Backend, Settings]:
    return request.app.state.backend, request.app.state.settings


def _hung_up(request: Request) -> Callable[[], bool]:
    """``() -> True`` once the client has disconnected (asked from the handler's worker thread)."""
    import anyio.from_thread

    def check() -> bool:
        try:
            return anyio.from_thread.run(request.is_disconnected)
        except RuntimeError:   # not inside a server's thread pool (e.g. a direct call)
            return False
    return check


class StreamedResult(Response):
    """A large query result relayed chunk by chunk from its worker, within the query's deadline. A failure
    part-way (the deadline, a client that stops reading, a character XML cannot carry, a dead worker) ends the
    response without its last chunk, so the client sees an incomplete transfer, never a complete-looking
    partial answer."""

    def __init__(self, body: StreamedBody, media_type: str, headers: dict[str, str]) -> None:
        self.result, self.status_code, self.media_type, self.background = body, 200, media_type, None
        self.init_headers(headers)   # no Content-Length: chunked

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        chunks = iter(self.result)
        try:
            while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
                with anyio.fail_after(max(0.0, self.result.seconds_left)):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (ClausegraphError, TimeoutError) as exc:
            log.warning("a streamed query result stopped part-way: %s", exc or "the client stopped reading")
            return   # no final chunk: the server closes the connection
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.result.close)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _run_query(request: Request, query: str, params: list[tuple[str, str]]) -> Response:
    backend, settings = _state(request)
    services = check_services(query, settings.federated_endpoints)
    job = {"query": query, "calls_out": bool(services), "accept": request.headers.get("accept"),
           "base_iri": endpoint_iri(request),
           "default_graphs": iri_list(getall(params, "default-graph-uri"), "default-graph-uri"),
           "named_graphs": iri_list(getall(params, "named-graph-uri"), "named-graph-uri"),
           "max_rows": settings.max_rows}
    mt, body = backend.query(job, settings.query_timeout, cancelled=_hung_up(request))
    if isinstance(body, StreamedBody):
        return StreamedResult(body, mt, {"Vary": "Accept"})
    return Response(body, media_type=mt, headers={"Vary": "Accept"})


def _run_update(request: Request, update: str, params: list[tuple[str, str]]) -> Response:
    backend, settings = _state(request)
    require_write(request, settings)
    check_services(update, settings.federated_endpoints)
    backend.update(update, base_iri=endpoint_iri(request),
                   using=iri_list(getall(params, "using-graph-uri"), "using-graph-uri"),
                   using_named=iri_list(getall(params, "using-named-graph-uri"), "using-named-graph-uri"),
                   timeout=settings.query_timeout)
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


class DirectRoute:
    """``GET`` and ``POST /sparql`` handed straight to the very handlers above (pure ASGI, the innermost
    middleware): FastAPI's routing, dependency solving and exception middleware cost more than a small query,
    so the busiest path skips them. Every other request goes on to the app; errors get the one shape
    (api/errors.py) as they would there."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/sparql" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            if scope["method"] == "GET":
                response = await anyio.to_thread.run_sync(sparql_get, request)
            else:
                body = await request_body(request)
                response = await anyio.to_thread.run_sync(sparql_post, request, body)
        except ClausegraphError as exc:
            response = error_response(exc)
        await response(scope, receive, send)


# ---------------------------------------------------------------------------- Graph Store HTTP Protocol
_GSP_DOC = ("SPARQL 1.1 Graph Store HTTP Protocol: ?graph=IRI or ?default (indirect), or /store/<path> "
            "(direct: the graph IRI is the request URL). PUT replaces (201 new, 204 existing), POST merges "
            "(POST /store without a graph creates one: 201 + Location), DELETE drops; GET/HEAD/DELETE of a "
            "missing graph: 404. Writes need the update token.")


def _gsp(request: Request, body: bytes, direct: bool) -> Response:
    backend, settings = _state(request)
    method = request.method
    if method not in ("GET", "HEAD"):
        require_write(request, settings)
    req = GraphRequest(method=method, endpoint=endpoint_iri(request), direct=direct, params=url_params(request),
                       headers={k.lower(): v for k, v in request.headers.items()
                                if k.lower() in ("accept", "content-type")}, body=body)
    operation = {"GET": backend.get_graph, "HEAD": backend.get_graph, "PUT": backend.put_graph,
                 "POST": backend.post_graph, "DELETE": backend.delete_graph}[method]
    reply = operation(req, settings.query_timeout)
    return Response(reply.body, status_code=reply.status, headers=reply.headers, media_type=reply.media_type)


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
