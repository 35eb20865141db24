"""clausegraph engine: stores, references, build, the questions and their facade (:class:`Clausegraph`).

The engine imports no door (CLI, REST, pages, MCP: ``clausegraph.api``); doors call :class:`Clausegraph`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Clausegraph"]

if TYPE_CHECKING:  # pragma: no cover
    from .facade import Clausegraph


def __getattr__(name: str) -> Any:   # lazy, so importing any engine module stays cheap
    if name == "Clausegraph":
        from .facade import Clausegraph

        return Clausegraph
    raise AttributeError(name)
