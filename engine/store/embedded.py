"""Embedded store: pyoxigraph in-process, in memory or on disk."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..errors import InvalidQueryError, NotFoundError, StoreError, UserInputError
from .base import AskResult, GraphResult, LazyRow, QueryResult, SelectResult, Store, Term

_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}


def _named(t: ox.NamedNode) -> Term:
    return Term("uri", t.value)


def _literal(t: ox.Literal) -> Term:
    lang = t.language
    return Term("literal", t.value, None, lang) if lang else Term("literal", t.value, t.datatype.value)


def _blank(t: ox.BlankNode) -> Term:
    return Term("bnode", t.value)


_CONVERT = {ox.NamedNode: _named, ox.Literal: _literal, ox.BlankNode: _blank}


def term_from_ox(t: object) -> Term:
    """Convert a pyoxigraph term into a store-neutral Term."""
    f = _CONVERT.get(type(t))
    return f(t) if f else Term("triple", str(t))


STAGING_SUFFIX = "#staging"


def prepare_store_dir(path: Path, *, create: bool) -> None:
    """Make sure ``path`` can hold an on-disk store: create it with its parents when ``create``, otherwise
    refuse a missing one (nothing is created). A path that cannot be a store folder is a user error (exit 2)."""
    if path.exists() and not path.is_dir():
        raise UserInputError(f"store path {path} is a file, not a folder: give --store a folder (new or built)")
    if path.is_dir():
        return
    if not create:
        raise NotFoundError(f"no clausegraph store at {path}; run 'clausegraph build --store {path}' first")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot create the store folder {path}: {exc.strerror or exc}") from None


class EmbeddedStore(Store):
    """pyoxigraph store; ``path=None`` keeps everything in memory. A missing folder is created with its parents
    when ``create`` (the default), otherwise refused without creating anything."""

    kind = "embedded"

    def __init__(self, path: str | Path | None = None, *, create: bool = True) -> None:
        if path:
            prepare_store_dir(Path(path), create=create)
        try:
            self._store = ox.Store(str(path)) if path else ox.Store()
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise UserInputError(f"the store at {path} is in use by another process (a running 'clausegraph "
                                     "serve'?): stop it or use another --store") from None
            raise StoreError(f"cannot open store at {path}: {exc}") from exc
        for g in list(self._store.named_graphs()):   # staging left by a crash mid-replacement
            if isinstance(g, ox.NamedNode) and g.value.endswith(STAGING_SUFFIX):
                self._store.remove_graph(g)
        self.path = Path(path) if path else None
        self.cacheable = True
        self.description = f"embedded ({self.path})" if self.path else "embedded (memory)"

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store (for the SPARQL endpoint's native serialisers)."""
        return self._store

    def raw_query(self, sparql: str, **kwargs: object) -> object:
        kwargs.setdefault("use_default_graph_as_union", True)
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise InvalidQueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise InvalidQueryError(f"query failed: {exc}") from exc

    def query(self, sparql: str) -> QueryResult:
        res = self.raw_query(sparql)
        if isinstance(res, ox.QueryBoolean):
            return AskResult(bool(res))
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            index = {v: i for i, v in enumerate(variables)}
            return SelectResult(variables, [LazyRow(tuple(sol), index, term_from_ox) for sol in res])
        data = res.serialize(format=ox.RdfFormat.N_TRIPLES)
        return GraphResult((data or b"").decode("utf-8"))

    def select_values(self, sparql: str) -> tuple[list[str], list[tuple[str | None, ...]]]:
        res = self.raw_query(sparql)
        if not isinstance(res, ox.QuerySolutions):
            raise TypeError("expected a SELECT query")
        variables = [v.value for v in res.variables]
        return variables, [tuple(None if c is None else c.value for c in sol) for sol in res]

    def update(self, sparql: str) -> None:
        self.touched()
        try:
            self._store.update(sparql)
        except SyntaxError as exc:
            raise InvalidQueryError(f"SPARQL update syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"update failed: {exc}") from exc

    def replace_graph(self, graph: str, data: str | bytes, fmt: str = "turtle") -> None:
        if fmt not in _FORMATS:
            raise UserInputError(f"unsupported RDF format {fmt!r}")
        self.touched()
        g = ox.NamedNode(graph)
        exists = g in set(self._store.named_graphs())
        # A load is one transaction: a syntax error or a crash leaves nothing of it. A new graph is loaded in
        # place; an existing one is loaded under a staging name and MOVEd onto the target in one SPARQL
        # Update (one more transaction), so readers see the old graph or the new one, never a mix.
        if exists and fmt == "ntriples":
            # N-Triples is valid inside INSERT DATA: drop and insert in one update, one transaction (about half
            # the time of staging + MOVE on disk)
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            try:
                self._store.update(f"DROP SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> {{\n{text}\n}} }}")
            except SyntaxError as exc:
                raise UserInputError(f"RDF syntax error in graph {graph}: {exc}") from exc
            return
        target = ox.NamedNode(graph + STAGING_SUFFIX) if exists else g
        try:
            self._store.load(data, format=_FORMATS[fmt], to_graph=target)
        except SyntaxError as exc:
            raise UserInputError(f"RDF syntax error in graph {graph}: {exc}") from exc
        if exists:
            self._store.update(f"DROP SILENT GRAPH <{graph}> ; MOVE SILENT GRAPH <{target.value}> TO <{graph}>")

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def drop_graph(self, graph: str) -> None:
        self.touched()
        g = ox.NamedNode(graph)
        if g in set(self._store.named_graphs()):
            self._store.remove_graph(g)

    def clear(self) -> None:
        self.touched()
        self._store.clear()

    def close(self) -> None:
        if self.path:
            self._store.flush()
