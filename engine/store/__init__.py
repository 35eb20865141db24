"""Store interface and its embedded (pyoxigraph) and remote (SPARQL 1.1) implementations."""
from __future__ import annotations

from pathlib import Path

from .base import GRAPH_BASE, AskResult, GraphResult, QueryResult, SelectResult, Store, Term

__all__ = ["GRAPH_BASE", "AskResult", "GraphResult", "QueryResult", "SelectResult", "Store", "Term",
           "open_store"]


def open_store(store_dir: str | Path | None = None, endpoint: str | None = None,
               update_endpoint: str | None = None, store_endpoint: str | None = None,
               user: str | None = None, password: str | None = None, token: str | None = None,
               timeout: float = 30.0) -> Store:
    """Open the store the user chose: remote (``endpoint``), on disk (``store_dir``) or in memory."""
    if endpoint and store_dir:
        from ..errors import UserInputError

        raise UserInputError("choose either --store DIR or --endpoint URL, not both")
    store: Store
    if endpoint:
        from .remote import RemoteConfig, RemoteStore

        store = RemoteStore(RemoteConfig.from_endpoint(endpoint, update_endpoint, store_endpoint, user=user,
                                                       password=password, token=token, timeout=timeout))
    else:
        from .embedded import EmbeddedStore

        store = EmbeddedStore(store_dir)
    if endpoint or store_dir:
        register_added_frameworks(store)
    return store


def register_added_frameworks(store: Store) -> None:
    """Make the keys of frameworks added to this store (``framework add``) known to reference parsing."""
    from .. import queries as q
    from ..refs import KEY_ALIASES, register_framework_key

    for row in store.select(q.render("framework-keys")).rows:
        if row["key"].value not in KEY_ALIASES:
            register_framework_key(row["key"].value)
