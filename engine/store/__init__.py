"""Store interface and its embedded (pyoxigraph) and remote (SPARQL 1.1) implementations."""
from __future__ import annotations

from pathlib import Path

from .base import GRAPH_BASE, AskResult, GraphResult, QueryResult, SelectResult, Store, Term

__all__ = ["GRAPH_BASE", "AskResult", "GraphResult", "QueryResult", "SelectResult", "Store", "Term",
           "open_store"]


def open_store(store_dir: str | Path | None = None, endpoint: str | None = None,
               update_endpoint: str | None = None, store_endpoint: str | None = None,
               user: str | None = None, password: str | None = None, token: str | None = None,
               timeout: float = 30.0, *, create: bool = True) -> Store:
    """Open the store the user chose: remote (``endpoint``), on disk (``store_dir``) or in memory.

    ``create=False`` refuses an on-disk store folder that does not exist yet (and creates nothing)."""
    if endpoint and store_dir:
        from ..errors import UserInputError

        raise UserInputError("choose either --store DIR or --endpoint URL, not both")
    if endpoint:
        from .remote import RemoteConfig, RemoteStore

        return RemoteStore(RemoteConfig.from_endpoint(endpoint, update_endpoint, store_endpoint, user=user,
                                                      password=password, token=token, timeout=timeout))
    from .embedded import EmbeddedStore

    return EmbeddedStore(store_dir, create=create)
