"""What every command shares: opening the facade over the store the options chose."""
from __future__ import annotations

import argparse

from ...engine.facade import Clausegraph


def open_facade(args: argparse.Namespace, build: str = "required", create_store: bool = False) -> Clausegraph:
    """The facade over the chosen store (see :meth:`Clausegraph.open` for ``build`` and ``create_store``);
    ``--register`` is built into the in-memory graph or imported into a persistent or remote store."""
    return Clausegraph.open(store_dir=args.store, endpoint=args.endpoint, update_endpoint=args.update_endpoint,
                            store_endpoint=args.store_endpoint, user=args.user, password=args.password,
                            token=args.token, timeout=args.timeout, register=getattr(args, "register", None),
                            build=build, create_store=create_store)
