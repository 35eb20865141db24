"""Embedded store: pyoxigraph in-process, in memory or on disk."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..errors import InvalidQueryError, StoreError, UserInputError
from .base import AskResult, GraphResult, QueryResult, SelectResult, Store, Term

_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}


def term_from_ox(t: object) -> Term:
    """Convert a pyoxigraph term into a store-neutral Term."""
    if isinstance(t, ox.NamedNode):
        return Term("uri", t.value)
    if isinstance(t, ox.Literal):
        lang = t.language
        return Term("literal", t.value, None if lang else t.datatype.value, lang)
    if isinstance(t, ox.BlankNode):
        return Term("bnode", t.value)
    return Term("triple", str(t))


STAGING_SUFFIX = "#staging"


class EmbeddedStore(Store):
    """pyoxigraph store; ``path=None`` keeps everything in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        try:
            self._store = ox.Store(str(path)) if path else ox.Store()
        except OSError as exc:
            raise StoreError(f"cannot open store at {path}: {exc}") from exc
        for g in list(self._store.named_graphs()):   # staging left by a crash mid-replacement
            if isinstance(g, ox.NamedNode) and g.value.endswith(STAGING_SUFFIX):
                self._store.remove_graph(g)
        self.path = Path(path) if path else None
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
            rows = []
            for sol in res:
                row = {}
                for v in variables:
                    t = sol[v]
                    if t is not None:
                        row[v] = term_from_ox(t)
                rows.append(row)
            return SelectResult(variables, rows)
        data = res.serialize(format=ox.RdfFormat.N_TRIPLES)
        return GraphResult((data or b"").decode("utf-8"))

    def update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except SyntaxError as exc:
            raise InvalidQueryError(f"SPARQL update syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"update failed: {exc}") from exc

    def replace_graph(self, graph: str, data: str | bytes, fmt: str = "turtle") -> None:
        if fmt not in _FORMATS:
            raise UserInputError(f"unsupported RDF format {fmt!r}")
        g = ox.NamedNode(graph)
        staging = ox.Store()
        try:
            staging.load(data, format=_FORMATS[fmt], to_graph=g)
        except SyntaxError as exc:
            raise UserInputError(f"RDF syntax error in graph {graph}: {exc}") from exc
        # parse first (above); then write the new triples under a staging graph (one transaction) and MOVE it
        # onto the target (one SPARQL Update, so one transaction): a crash leaves the old graph or the new one
        if g not in set(self._store.named_graphs()):   # a new graph: one transaction writes it whole
            self._store.extend(staging.quads_for_pattern(None, None, None, g))
            return
        tmp = ox.NamedNode(graph + STAGING_SUFFIX)
        self._store.extend(ox.Quad(q.subject, q.predicate, q.object, tmp)
                           for q in staging.quads_for_pattern(None, None, None, g))
        self._store.update(f"DROP SILENT GRAPH <{graph}> ; MOVE SILENT GRAPH <{tmp.value}> TO <{graph}>")

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def drop_graph(self, graph: str) -> None:
        g = ox.NamedNode(graph)
        if g in set(self._store.named_graphs()):
            self._store.remove_graph(g)

    def clear(self) -> None:
        self._store.clear()

    def close(self) -> None:
        if self.path:
            self._store.flush()
