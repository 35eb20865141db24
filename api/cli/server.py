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
                        update_token=args.update_token or None,
                        cors_origins=[] if args.no_cors else (args.cors_origin or ["*"]))
    if args.workers:
        settings.workers = args.workers
    return serve(cg.store, host=args.host, port=args.port, settings=settings)


def cmd_mcp(args: argparse.Namespace) -> int:
    from ..mcp import serve_stdio
    from ..settings import Settings

    cg = open_facade(args)   # stdout belongs to the protocol: nothing else is printed there
    settings = Settings(query_timeout=args.query_timeout, max_rows=args.max_rows, workers=args.workers or 1)
    return serve_stdio(cg, settings)
