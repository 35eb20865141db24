"""Server settings (one dataclass; the CLI maps its flags onto it, docs/api.md documents every field)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class Settings:
    """How the web application behaves. Every field has a safe default: read-only, loopback, bounded."""

    #: seconds a SPARQL query may run before its worker process is killed and the client gets 503
    query_timeout: float = 30.0
    #: ``0``: whole results, streamed (bounded by ``query_timeout``). ``N``: a SELECT with more than N rows (or a
    #: CONSTRUCT/DESCRIBE with more than N triples) is refused with 403 ``result-too-large``, never cut (for
    #: untrusted deployments). The MCP query tool cuts at N instead and says ``"truncated": true``.
    max_rows: int = 0
    #: largest request body accepted, in bytes (413 beyond)
    max_body: int = 1024 * 1024
    #: bearer token for SPARQL Update and Graph Store writes; ``None`` disables writes (403)
    update_token: str | None = None
    #: origins allowed by CORS (``[]`` turns CORS off); preflight requests never need the token
    cors_origins: list[str] = field(default_factory=lambda: ["*"])
    #: SPARQL endpoints a query may call with SERVICE (exact IRIs); ``[]`` turns federation off: a query or
    #: update using SERVICE is refused (403) and the server makes no outbound call
    federated_endpoints: list[str] = field(default_factory=list)
    #: register (folder, .xlsx or .yaml) loaded into the store at start-up for the /api/systems routes
    register_path: str | None = None
    #: number of query worker processes (each one holds a read-only view of the store)
    workers: int = field(default_factory=_default_workers)
    #: queries that may run longer than ``short_query_seconds`` at the same time (``0`` = ``workers``); more
    #: wait for a slot, while ``workers`` processes always stay free for short queries
    long_queries: int = 0
    #: a query still running after this many seconds is long (moves to the long lane)
    short_query_seconds: float = 0.5
    #: a query a worker answered within this many seconds is answered in the server process when asked again
    #: on the same data (api/fastpath.py); ``0`` sends every query to a worker
    in_process_seconds: float = 0.02
