"""HTTP semantics every resource shares, as pure ASGI middleware (no per-request task or body buffering).

* :class:`Methods`: ``OPTIONS`` answers 204 with ``Allow`` listing every method of the resource (all routes on
  the path, ``HEAD`` with ``GET``); ``HEAD`` on a ``GET`` resource answers like ``GET`` without a body; a 405 lists
  the same ``Allow``. CORS preflights never reach it (the CORS middleware answers them first).
* :class:`SecurityHeaders`: the headers every response carries (:data:`SECURITY_HEADERS`), the outermost layer.
"""
from __future__ import annotations

from typing import Any

from starlette.routing import Match, Mount, Router

__all__ = ["SECURITY_HEADERS", "Methods", "SecurityHeaders"]

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}
_SECURITY_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]


METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def _routes_answering(router: Router, scope: dict, method: str) -> list:
    """The routes that fully match the request's path with ``method``."""
    probe = {**scope, "method": method}
    return [route for route in router.routes if route.matches(probe)[0] is Match.FULL]


def allowed_methods(router: Router, scope: dict) -> set[str]:
    """Every method some route on the request's path answers (empty when no route has the path); a mount
    (static files) answers GET and HEAD."""
    methods = set()
    for method in METHODS:
        routes = _routes_answering(router, scope, method)
        if any(not isinstance(r, Mount) for r in routes) or (routes and method in ("GET", "HEAD")):
            methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return methods | {"OPTIONS"} if methods else methods


def _allow(methods: set[str]) -> bytes:
    return ", ".join(m for m in METHODS if m in methods).encode()


class Methods:
    """``OPTIONS``, ``HEAD`` and the ``Allow`` header of a 405, from the app's routes."""

    def __init__(self, app: Any, router: Router) -> None:
        self.app, self.router = app, router

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            methods = allowed_methods(self.router, scope)
            if methods:
                await send({"type": "http.response.start", "status": 204,
                            "headers": [(b"allow", _allow(methods))]})
                await send({"type": "http.response.body", "body": b""})
                return
        head = method == "HEAD" and self._head_as_get(scope)

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", _allow(allowed_methods(self.router, scope)))]}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, send_wrapper)

    def _head_as_get(self, scope: dict) -> bool:
        """Whether a HEAD request is answered by running GET: no route answers HEAD itself (a mount, i.e. the
        static files, does), one answers GET."""
        if _routes_answering(self.router, scope, "HEAD"):
            return False
        return any(not isinstance(r, Mount) for r in _routes_answering(self.router, scope, "GET"))


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response start."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        async def send_wrapper(message: dict) -> None:   # only HTTP has response starts
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _SECURITY_RAW if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_wrapper)
