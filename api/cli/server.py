"""Commands that serve the graph: ``serve`` (web page, REST, SPARQL endpoint) and ``mcp`` (Model Context Protocol
on stdio)."""
from __future__ import annotations

import argparse

from .common import open_facade


def cmd_serve(args: argparse.Namespace) -> int:
    from ..app import serve
    from ..settings import Settings

    # the register is loaded once, here: built into a new graph or imported into an existing one
    if args.endpoint is None:
        cg = open_facade(args, build="if-missing")
    else:   # a remote store is served as it is
        cg = open_facade(args, build="no")
        if args.register:
            cg.import_register(path=args.register)
    settings = Settings(query_timeout=args.query_timeout, max_rows=args.max_rows, max_body=args.max_body,
                        update_token=args.update_token or None, federated_endpoints=list(args.allow_service),
                        cors_origins=[] if args.no_cors else (args.cors_origin or ["*"]))
    if args.workers:
        settings.workers = args.workers
    if args.get:
        return _get_once(cg, settings, args.get)
    return serve(cg.store, host=args.host, port=args.port, settings=settings)


def _get_once(cg, settings, path: str) -> int:
    """``serve --get PATH``: one GET through the app in this process; the body on stdout. Exit 0 for 2xx/3xx,
    2 for 4xx (a user error), 3 for 5xx."""
    import sys

    from ..app import create_app
    from ..inprocess import get

    app = create_app(cg.store, settings)
    try:
        response = get(app, path)
    finally:
        app.state.backend.close()
        cg.close()
    binary = getattr(sys.stdout, "buffer", None)   # a text stream without one (captured output) gets text
    if binary is not None:
        sys.stdout.flush()
        binary.write(response.body)
        binary.flush()
    else:
        sys.stdout.write(response.body.decode("utf-8", "replace"))
    if response.status >= 400:
        print(f"clausegraph: error: GET {path} answered HTTP {response.status}", file=sys.stderr)
    return 0 if response.status < 400 else 2 if response.status < 500 else 3


def cmd_mcp(args: argparse.Namespace) -> int:
    from ..mcp import serve_stdio
    from ..settings import Settings

    cg = open_facade(args)   # stdout belongs to the protocol: nothing else is printed there
    settings = Settings(query_timeout=args.query_timeout, max_rows=args.max_rows, workers=args.workers or 1)
    return serve_stdio(cg, settings)
