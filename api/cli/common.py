"""What every command shares: opening the facade over the store the options chose."""
from __future__ import annotations

import argparse

from ...engine.facade import Clausegraph


_opened: list[Clausegraph] = []


def open_facade(args: argparse.Namespace, build: str = "required", create_store: bool = False) -> Clausegraph:
    """The facade over the chosen store (see :meth:`Clausegraph.open` for ``build`` and ``create_store``);
    ``--register`` is built into the in-memory graph or imported into a persistent or remote store. ``main``
    closes it when the command ends (:func:`close_all`)."""
    cg = Clausegraph.open(store_dir=args.store, endpoint=args.endpoint, update_endpoint=args.update_endpoint,
                          store_endpoint=args.store_endpoint, user=args.user, password=args.password,
                          token=args.token, timeout=args.timeout, register=getattr(args, "register", None),
                          build=build, create_store=create_store)
    _opened.append(cg)
    return cg


def close_all() -> None:
    """Close every facade the command opened (so its store is flushed and released, also in process)."""
    while _opened:
        _opened.pop().close()
