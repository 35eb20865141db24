"""The store interface every engine module speaks to, and the plain result types it returns.

Two implementations: :class:`~clausegraph.engine.store.embedded.EmbeddedStore` (pyoxigraph, in memory or on
disk) and :class:`~clausegraph.engine.store.remote.RemoteStore` (any SPARQL 1.1 store over HTTP). Engine code
never imports either directly: it receives a ``Store`` from :func:`clausegraph.engine.store.open_store`.

The dataset model is the same on both: clausegraph loads each source into its own named graph under
``GRAPH_BASE`` and queries see the union of those graphs as their default graph.
"""
from __future__ import annotations

import datetime as _dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from collections.abc import Callable, Mapping
from typing import Any, Iterator, NamedTuple

GRAPH_BASE = "https://w3id.org/clausegraph/graph/"
XSD = "http://www.w3.org/2001/XMLSchema#"
_INT_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger",
                                 "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong")}


class Term(NamedTuple):
    """An RDF term in a query result: ``kind`` is ``uri``, ``literal``, ``bnode`` or ``triple``."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    @property
    def py(self) -> Any:
        """The term as a Python value (int, float, bool, date for typed literals; str otherwise)."""
        if self.kind != "literal" or not self.datatype:
            return self.value
        try:
            if self.datatype in _INT_TYPES:
                return int(self.value)
            if self.datatype in (XSD + "double", XSD + "float"):
                return float(self.value)
            if self.datatype == XSD + "decimal":
                return Decimal(self.value)
            if self.datatype == XSD + "boolean":
                return self.value in ("true", "1")
            if self.datatype == XSD + "date":
                return _dt.date.fromisoformat(self.value[:10])
        except ValueError:
            return self.value
        return self.value

    def to_json(self) -> dict:
        """The SPARQL 1.1 Query Results JSON form of the term."""
        if self.kind == "uri":
            return {"type": "uri", "value": self.value}
        if self.kind == "bnode":
            return {"type": "bnode", "value": self.value}
        if self.kind == "triple":
            return {"type": "triple", "value": self.value}
        d: dict = {"type": "literal", "value": self.value}
        if self.lang:
            d["xml:lang"] = self.lang
        elif self.datatype and self.datatype != XSD + "string":
            d["datatype"] = self.datatype
        return d

    def n3(self) -> str:
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        esc = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if self.lang:
            return f'"{esc}"@{self.lang}'
        if self.datatype and self.datatype != XSD + "string":
            return f'"{esc}"^^<{self.datatype}>'
        return f'"{esc}"'


class LazyRow(Mapping):
    """One solution whose cells are converted to Terms only when read (most code reads a few of them)."""

    __slots__ = ("_cells", "_index", "_convert")

    def __init__(self, cells: tuple, index: dict[str, int], convert: Callable[[Any], Term]) -> None:
        self._cells, self._index, self._convert = cells, index, convert

    def __getitem__(self, name: str) -> Term:
        i = self._index[name]
        cell = self._cells[i]
        if cell is None:
            raise KeyError(name)
        return self._convert(cell)

    def __contains__(self, name: object) -> bool:
        i = self._index.get(name)  # type: ignore[arg-type]
        return i is not None and self._cells[i] is not None

    def __iter__(self) -> Iterator[str]:
        return (n for n, i in self._index.items() if self._cells[i] is not None)

    def __len__(self) -> int:
        return sum(1 for c in self._cells if c is not None)


@dataclass
class SelectResult:
    """Rows of a SELECT query; each row maps a variable name to a Term (unbound variables are absent)."""

    variables: list[str]
    rows: list[Mapping[str, Term]] = field(default_factory=list)

    def __iter__(self) -> Iterator[Mapping[str, Term]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def values(self) -> list[dict[str, Any]]:
        """Rows as plain Python values (see :attr:`Term.py`)."""
        return [{k: v.py for k, v in row.items()} for row in self.rows]

    def to_json(self) -> dict:
        return {"head": {"vars": self.variables},
                "results": {"bindings": [{k: v.to_json() for k, v in row.items()} for row in self.rows]}}


@dataclass
class AskResult:
    value: bool

    def __bool__(self) -> bool:
        return self.value

    def to_json(self) -> dict:
        return {"head": {}, "boolean": self.value}


@dataclass
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE query, as N-Triples text."""

    ntriples: str

    def __len__(self) -> int:
        return sum(1 for line in self.ntriples.splitlines() if line.strip())


QueryResult = SelectResult | AskResult | GraphResult


class Store(ABC):
    """A SPARQL 1.1 dataset clausegraph can load into and query."""

    #: human-readable description, e.g. "embedded (memory)" or the endpoint URL
    description: str = ""
    #: which implementation this is ("embedded", "remote"): doors pick what serves it by this, not by its class
    kind: str = ""
    #: incremented by every write through this object; engine caches are valid for one generation
    generation: int = 0
    #: whether all writes go through this object (so caches keyed on ``generation`` stay correct); a remote
    #: store can be written by others, so nothing is cached for it
    cacheable: bool = False

    def touched(self) -> None:
        """Record a write (made through this object, or directly on the underlying store by its owner)."""
        self.generation += 1

    @abstractmethod
    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query over the union of clausegraph's graphs."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL update (atomic)."""

    @abstractmethod
    def replace_graph(self, graph: str, data: str | bytes, fmt: str = "turtle") -> None:
        """Replace the content of a named graph with RDF data (``turtle``, ``ntriples``, ``nquads``)."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The named graphs in the store."""

    @abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove a named graph (silently if absent)."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every graph."""

    def count(self) -> int:
        """Number of triples (over the union of graphs)."""
        from .. import queries as q

        res = self.query(q.render("triple-count"))
        assert isinstance(res, SelectResult)
        return int(res.rows[0]["n"].value) if res.rows else 0

    def select_values(self, sparql: str) -> tuple[list[str], list[tuple[str | None, ...]]]:
        """A SELECT's variables and rows of lexical values (None when unbound): the fast path for hot code
        that only needs strings (IRIs, plain literals, ISO dates)."""
        res = self.select(sparql)
        return res.variables, [tuple(row[v].value if v in row else None for v in res.variables) for row in res.rows]

    def select(self, sparql: str) -> SelectResult:
        """Run a query that must be a SELECT."""
        res = self.query(sparql)
        if not isinstance(res, SelectResult):
            raise TypeError("expected a SELECT query")
        return res

    def close(self) -> None:  # pragma: no cover - default no-op
        """Release resources (flushes an on-disk store)."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
