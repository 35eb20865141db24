"""One error shape for every HTTP error: ``ClausegraphError.as_dict()`` with its ``http_status``.

Every error is a class of the one hierarchy in ``clausegraph.engine.errors`` (405 and 413 included); FastAPI's
own errors (unknown route, validation) are translated into it here.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine.errors import (ClausegraphError, ForbiddenError, MethodNotAllowedError, NotFoundError,
                             PayloadTooLargeError, Problem, UnauthorizedError, UserInputError)

from .middleware import SECURITY_HEADERS

log = logging.getLogger("clausegraph.api")


__all__ = ["MethodNotAllowedError", "PayloadTooLargeError", "error_response", "install"]


def error_response(exc: ClausegraphError, headers: dict[str, str] | None = None) -> JSONResponse:
    hdrs = {**SECURITY_HEADERS, **(headers or {})}   # also on a 500, which is rendered outside the middleware
    if isinstance(exc, UnauthorizedError):
        hdrs.setdefault("WWW-Authenticate", 'Bearer realm="clausegraph"')
    return JSONResponse(exc.as_dict(), status_code=exc.http_status, headers=hdrs)


def _from_http(exc: StarletteHTTPException) -> ClausegraphError:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404:
        return NotFoundError(f"no such resource: {detail}" if detail and detail != "Not Found"
                             else "no such resource")
    if exc.status_code == 405:
        return MethodNotAllowedError(f"method not allowed: {detail}")
    if exc.status_code == 401:
        return UnauthorizedError(detail)
    if exc.status_code == 403:
        return ForbiddenError(detail)
    err = UserInputError(detail) if 400 <= exc.status_code < 500 else ClausegraphError(detail)
    err.http_status = exc.status_code  # type: ignore[misc]  # instance attribute: keeps the real status
    return err


def install(app: FastAPI) -> None:
    """Route every error through the one shape."""

    @app.exception_handler(ClausegraphError)
    def _clausegraph(_: Request, exc: ClausegraphError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        err = _from_http(exc)
        if exc.status_code == 404 and err.message == "no such resource":
            err.message = f"no such resource: {request.url.path}"
        return error_response(err, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ())]
            where = loc[0] if loc else None
            name = ".".join(loc[1:]) if len(loc) > 1 else None
            problems.append(Problem(e.get("msg", "invalid value"), file=where, column=name))
        n = len(problems)
        return error_response(UserInputError(f"invalid request: {n} problem{'s' if n != 1 else ''}", problems))

    @app.exception_handler(Exception)
    def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # a real failure: log it, say little
        log.exception("internal error")
        return error_response(ClausegraphError(f"internal error: {type(exc).__name__}"))
