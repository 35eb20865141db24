"""The web application: the web page (api/pages.py, templates and static files under api/web/), SPARQL 1.1
Protocol + Graph Store Protocol (api/sparql.py), JSON routes (api/rest.py), one error shape (api/errors.py), HTTP semantics every resource shares (api/middleware.py),
limits (api/worker.py) and settings (api/settings.py).

``create_app(store, settings)`` builds the app; ``serve(store, host, port, settings)`` runs it with uvicorn
until SIGINT/SIGTERM. Handlers that block are sync (thread pool); queries run in killable worker processes.
"""
from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from ..engine.facade import Clausegraph
from .backend import make_backend
from ..engine.store import Store
from . import errors as api_errors
from .middleware import Methods, SecurityHeaders
from .settings import Settings

__all__ = ["Settings", "create_app", "serve"]

access_log = logging.getLogger("clausegraph.access")


class AccessLog:
    """One log line per request (pure ASGI: no per-request task or body buffering)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), [500]

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            client = scope.get("client") or ("-", 0)
            qs = scope.get("query_string", b"").decode("latin-1")[:200]
            access_log.info('%s "%s %s%s" %d %.1fms', client[0], scope["method"], scope["path"],
                            f"?{qs}" if qs else "", status[0], (time.perf_counter() - start) * 1000)


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    """The FastAPI application over ``store`` (see docs/api.md)."""
    from . import oscal, pages, rest, sparql

    settings = settings or Settings()
    backend = make_backend(store, settings)
    facade = Clausegraph(backend.store)   # the embedded backend may serve a copy of an in-memory store
    if settings.register_path:
        facade.import_register(path=settings.register_path)
        backend.written()

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        backend.close()

    app = FastAPI(title="clausegraph", version="0.1.0", lifespan=lifespan,
                  description="AI governance frameworks as a knowledge graph: SPARQL 1.1 Protocol at `/sparql`, "
                              "Graph Store Protocol at `/store`, JSON routes under `/api`. Every error has one "
                              "shape: `{error, message, problems[, suggestions]}`.")
    app.state.settings = settings
    app.state.backend = backend
    app.state.facade = facade
    api_errors.install(app)

    app.add_middleware(sparql.DirectRoute)   # innermost: /sparql queries skip FastAPI's routing (api/sparql.py)
    app.add_middleware(Methods, router=app.router)   # OPTIONS, HEAD and a 405's Allow (api/middleware.py)
    app.add_middleware(AccessLog)

    if settings.cors_origins:
        # preflight (OPTIONS) is answered here, before any route: it never needs the token
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
                           allow_headers=["*"], allow_credentials=False,
                           expose_headers=["Location", "Content-Type"], max_age=600)

    app.add_middleware(SecurityHeaders)   # outermost: on every response, CORS preflights included

    app.include_router(sparql.router)
    app.include_router(rest.router)
    app.include_router(oscal.router)
    app.include_router(pages.router)   # the web page (HTML views, api/pages.py)
    app.mount("/static", StaticFiles(directory=str(pages.STATIC_DIR)), name="static")
    return app


def _server_class() -> type:
    import contextlib
    import signal
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, but a handled SIGTERM/SIGINT ends in a normal return (exit code 0) instead of
        uvicorn re-raising the signal after shutdown, so ``serve`` can flush the store."""

        @contextlib.contextmanager
        def capture_signals(self):  # type: ignore[override]
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {s: signal.signal(s, self.handle_exit) for s in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for s, h in previous.items():
                    signal.signal(s, h)

    return Server


def serve(store: Store, host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> int:
    """Serve the app with uvicorn until SIGINT/SIGTERM (graceful: in-flight requests finish, workers stop,
    the store is flushed); returns the exit code."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    access_log.setLevel(logging.INFO)
    app = create_app(store, settings)
    _Server = _server_class()
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False,
                            timeout_graceful_shutdown=10)
    server = _Server(config)
    try:
        server.run()   # SIGINT/SIGTERM: stop accepting, finish in-flight requests, lifespan shutdown
    finally:
        app.state.backend.close()
        store.close()
    return 0
