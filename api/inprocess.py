"""One HTTP request run through the web application in this process (no socket, no server): what
``clausegraph serve --get PATH`` prints, for scripts and tests."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


@dataclass
class InProcessResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def get(app, path: str, headers: dict[str, str] | None = None) -> InProcessResponse:
    """``GET path`` (with its query string) on the ASGI ``app``; the whole response."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        from ..engine.errors import UserInputError

        raise UserInputError(f"--get takes a path starting with '/', such as /api/frameworks, not {path!r}")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": unquote(parts.path), "raw_path": parts.path.encode(), "root_path": "",
             "query_string": parts.query.encode(), "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 0),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
             + [(b"host", b"127.0.0.1")]}
    response = InProcessResponse(status=500)
    chunks: list[bytes] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            response.status = message["status"]
            response.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    response.body = b"".join(chunks)
    return response
