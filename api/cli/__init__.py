"""The ``clausegraph`` command line (a door): it parses arguments, calls the engine facade
(:class:`clausegraph.engine.Clausegraph`), renders the answer and maps errors to exit codes (0 ok, 1 validate or
mappings check found problems, 2 user error, 3 internal error).

Modules: ``parser`` (arguments), ``graph`` (build, import, query, catalogue and crosswalk commands), ``org``
(questions about a register), ``server`` (serve, mcp). Heavy modules (pyoxigraph, rdflib, rich, FastAPI) are
imported inside the commands so ``--help`` is fast.
"""
from __future__ import annotations

import os
import sys
from typing import Sequence

from ...engine.errors import ClausegraphError, clip
from .parser import make_parser

__all__ = ["main", "make_parser"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return _run(args)
    except ClausegraphError as exc:
        print(f"clausegraph: error: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last resort: exit 3 without a traceback unless --debug
        if args.debug or os.environ.get("CLAUSEGRAPH_DEBUG"):
            raise
        what = clip(f"{type(exc).__name__}: {exc}")
        print(f"clausegraph: internal error: {what} (rerun with --debug for details)",
              file=sys.stderr)
        return 3


def _run(args) -> int:
    from .common import close_all

    try:
        return args.func(args)
    finally:
        close_all()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
