"""Queries answered in the server process, skipping the worker round trip, when they are cheap for certain.

A worker reports how long each query took. A query a worker answered within ``Settings.in_process_seconds``
(whole result in one message) is *known cheap* on that data: the same text, dataset, format and cap on the same
data does the same work. Asked again before any write, it runs in the server process on the primary store. Any
write (a new snapshot) forgets everything, so a query is never trusted on data it was not measured on; a first
run, a slow query, a large result and a query calling other endpoints (SERVICE: the remote side could hang)
always go to a killable worker.
"""
from __future__ import annotations

import threading
from typing import Any

from .job import NotSmall, execute

__all__ = ["KnownCheap"]


class KnownCheap:
    """Which queries are known cheap on which data version (a snapshot path), and their in-process run."""

    def __init__(self, seconds: float, size: int = 4096) -> None:
        self.seconds, self.size = seconds, size
        self._known: dict[tuple, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(job: dict) -> tuple:
        return (job["query"], job.get("accept"), job.get("base_iri"), tuple(job.get("default_graphs") or ()),
                tuple(job.get("named_graphs") or ()), int(job.get("max_rows") or 0))

    def learn(self, job: dict, version: str | None, reply: tuple) -> None:
        """Remember (or forget) ``job`` after a run on data ``version`` that gave ``reply``."""
        key = self.key(job)
        with self._lock:
            cheap = reply[0] == "ok" and reply[3] <= self.seconds and not job.get("calls_out")
            if cheap and version is not None:
                if len(self._known) >= self.size:
                    self._known.clear()
                self._known[key] = version
            else:
                self._known.pop(key, None)

    def run(self, store: Any, job: dict, version: str | None) -> tuple | None:
        """The reply of ``job`` run here on ``store`` if it is known cheap on ``version``, else ``None``."""
        if self.seconds <= 0 or version is None or self._known.get(self.key(job)) != version:
            return None
        try:
            reply = execute(store, job, None)
        except NotSmall:
            reply = None
        if reply is None or reply[0] != "ok" or reply[3] > self.seconds:
            with self._lock:
                self._known.pop(self.key(job), None)
        return reply if reply is not None and reply[0] == "ok" else None
