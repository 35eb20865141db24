"""The web application: a minimal home page and the SPARQL 1.1 query endpoint over a clausegraph store.

This is the foundation's server; the full REST API, Graph Store Protocol and web page grow from here.
Handlers are synchronous (run in the thread pool) so a long query never blocks the event loop.
"""
from __future__ import annotations

import html
import signal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ..engine.errors import ClausegraphError, InvalidQueryError, NotAcceptableError
from ..engine.store import Store

RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "ntriples", "application/rdf+xml": "rdfxml",
               "application/ld+json": "jsonld", "text/plain": "ntriples"}


def _accept(header: str | None, offered: dict[str, str]) -> str:
    """Pick the best offered media type for an Accept header (q-values, wildcards)."""
    if not header:
        return next(iter(offered))
    best, best_q = None, 0.0
    for i, part in enumerate(header.split(",")):
        bits = [b.strip() for b in part.split(";")]
        mt, qv = bits[0].lower(), 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    qv = float(b[2:])
                except ValueError:
                    qv = 0.0
        cands = [mt] if mt in offered else [o for o in offered if mt in ("*/*", o.split("/")[0] + "/*")]
        for c in cands[:1]:
            if qv > best_q:
                best, best_q = c, qv
    if best is None:
        raise NotAcceptableError(f"none of the acceptable types ({header}) can be produced; offered: "
                                 + ", ".join(offered))
    return best


def create_app(store: Store) -> FastAPI:
    import pyoxigraph as ox

    from ..engine.store.embedded import EmbeddedStore

    app = FastAPI(title="clausegraph", version="0.1.0")

    @app.exception_handler(ClausegraphError)
    def _error(_: Request, exc: ClausegraphError) -> JSONResponse:
        return JSONResponse(exc.as_dict(), status_code=exc.http_status)

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        rows = store.select("PREFIX cg: <https://w3id.org/clausegraph/ontology#> "
                            "PREFIX dcterms: <http://purl.org/dc/terms/> "
                            "SELECT ?key ?title WHERE { ?f a cg:Framework ; cg:frameworkKey ?key ; "
                            "dcterms:title ?title } ORDER BY ?key").rows
        items = "".join(f"<li><code>{html.escape(r['key'].value)}</code> {html.escape(r['title'].value)}</li>"
                        for r in rows)
        return (f"<!doctype html><html lang=en><meta charset=utf-8><title>clausegraph</title>"
                f"<h1>clausegraph</h1><p>Store: {html.escape(store.description)}</p><ul>{items}</ul>"
                f"<p>SPARQL 1.1 endpoint: <a href='/sparql'>/sparql</a></p></html>")

    def run(query: str, accept: str | None) -> Response:
        if isinstance(store, EmbeddedStore):
            res = store.raw_query(query)
            if isinstance(res, (ox.QuerySolutions, ox.QueryBoolean)):
                mt = _accept(accept, RESULT_TYPES)
                fmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                       "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[RESULT_TYPES[mt]]
                return Response(res.serialize(format=fmt), media_type=mt)
            mt = _accept(accept, GRAPH_TYPES)
            fmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                   "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}[GRAPH_TYPES[mt]]
            return Response(res.serialize(format=fmt), media_type=mt)
        result = store.query(query)
        if hasattr(result, "to_json"):
            return JSONResponse(result.to_json(), media_type="application/sparql-results+json")
        return Response(result.ntriples, media_type="application/n-triples")

    @app.get("/sparql")
    def sparql_get(request: Request) -> Response:
        qs = request.query_params.getlist("query")
        if len(qs) != 1:
            raise InvalidQueryError("give exactly one 'query' parameter")
        return run(qs[0], request.headers.get("accept"))

    @app.post("/sparql")
    def sparql_post(request: Request, body: Any = None) -> Response:
        raise InvalidQueryError("POST queries arrive with the full SPARQL endpoint; use GET ?query=")

    return app


def serve(store: Store, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Serve the app with uvicorn until SIGINT/SIGTERM; returns the exit code."""
    import uvicorn

    config = uvicorn.Config(create_app(store), host=host, port=port, log_level="info", access_log=True)
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    server.run()
    store.close()
    return 0
