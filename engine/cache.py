"""The one memo: values remembered for one store write generation.

Every write through a Store object bumps its ``generation`` and so forgets everything remembered for it: the
derived indexes (provision index, mapping relations, closure), the facade's answers and markers such as "this
date's classification is in the store". Stores that others can write (remote SPARQL stores, ``cacheable`` is
False) remember nothing. Each store keeps at most ``SIZE`` values, least recently used dropped first.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, TypeVar

from .store import Store

T = TypeVar("T")
SIZE = 512

_lock = threading.Lock()
_memos: "weakref.WeakKeyDictionary[Store, tuple[int, OrderedDict[Any, Any]]]" = weakref.WeakKeyDictionary()


def _values(store: Store) -> "OrderedDict[Any, Any]":
    """The store's values for its current generation (callers hold ``_lock``)."""
    gen, values = _memos.get(store, (-1, OrderedDict()))
    if gen != store.generation:
        values = OrderedDict()
        _memos[store] = (store.generation, values)
    return values


_MISSING = object()


def recall(store: Store, key: Any) -> Any:
    """The value remembered under ``key`` for the store's current generation, or None."""
    if not store.cacheable:
        return None
    with _lock:
        values = _values(store)
        if key in values:
            values.move_to_end(key)
            return values[key]
    return None


def remember(store: Store, key: Any, value: Any) -> None:
    """Remember ``value`` under ``key`` for the store's current generation."""
    if not store.cacheable:
        return
    with _lock:
        values = _values(store)
        values[key] = value
        while len(values) > SIZE:
            values.popitem(last=False)


def memo(store: Store, key: Any, compute: Callable[[], T]) -> T:
    """``compute()`` once per store generation (every time, for stores that are not cacheable). A value computed
    while the store was written is returned but not remembered."""
    if not store.cacheable:
        return compute()
    with _lock:
        values = _values(store)
        found = values.get(key, _MISSING)
        if found is not _MISSING:
            values.move_to_end(key)
            return found
        generation = store.generation
    value = compute()
    if store.generation == generation:
        remember(store, key, value)
    return value


def forget(store: Store) -> None:
    """Drop everything remembered for ``store`` (when it is closed: remembered values may refer to it)."""
    with _lock:
        _memos.pop(store, None)


def per_store(store: Store, name: str, compute: Callable[[], T]) -> T:
    """A derived index of the store, computed once per generation (the same memo as the facade's answers)."""
    return memo(store, ("index", name), compute)
