"""Assemble the clausegraph graph in a store: ontology, alignments, catalogues, crosswalks, the requirement hub
and (optionally) an organisation register, each in its own named graph, plus derived facts (which provisions
are assessable)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import queries as q
from . import resources
from .store import GRAPH_BASE, Store

ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
ALIGNMENTS_GRAPH = GRAPH_BASE + "alignments"
CATALOGUE_GRAPH = GRAPH_BASE + "catalogue/"
MAPPINGS_GRAPH = GRAPH_BASE + "mappings/"
REGISTER_GRAPH = GRAPH_BASE + "register"
DERIVED_GRAPH = GRAPH_BASE + "derived"
HUB_GRAPH = GRAPH_BASE + "hub"

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    graphs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    register: str = "none"   # loaded (given), kept (already in the store), dropped, or none

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def bundled_sources() -> list[tuple[str, str, str]]:
    """(graph IRI, format, text) for every bundled data file, in load order."""
    out = [(ONTOLOGY_GRAPH, "turtle", resources.read_text(resources.ontology_file()))]
    if resources.alignments_file().is_file():
        out.append((ALIGNMENTS_GRAPH, "turtle", resources.read_text(resources.alignments_file())))
    for f in resources.framework_files():
        out.append((CATALOGUE_GRAPH + f.name[:-4], "turtle", resources.read_text(f)))
    return out


def mapping_sources() -> list[tuple[str, str, str]]:
    """(graph IRI, format, N-Triples) for every bundled crosswalk, converted from SSSOM."""
    files = resources.mapping_files()
    if not files:
        return []
    from .mappings.chain import close
    from .mappings.sssom import MappingSet, mappings_to_ntriples, read_sssom

    out = []
    curated = []
    for f in files:
        mset = read_sssom(resources.read_text(f), f.name)
        curated += mset.mappings
        out.append((MAPPINGS_GRAPH + f.name[: -len(".sssom.tsv")], "ntriples", mappings_to_ntriples(mset)))
    derived = MappingSet("derived--chained", {"mapping_set_id": "https://w3id.org/clausegraph/mappings/derived",
                                              "mapping_set_title": "Mappings derived by sound chaining"},
                         close(curated).derived)
    out.append((MAPPINGS_GRAPH + "derived", "ntriples", mappings_to_ntriples(derived)))
    out += hub_sources()
    return out


def hub_sources() -> list[tuple[str, str, str]]:
    """(graph IRI, format, N-Triples) of the requirement hub: atoms and decompositions (docs/hub.md)."""
    from .mappings.hubfiles import bundled_hub, hub_to_ntriples, require_valid

    if not resources.hub_atom_files():
        return []
    return [(HUB_GRAPH, "ntriples", hub_to_ntriples(require_valid(bundled_hub())))]


def derive(store: Store) -> str:
    """N-Triples of facts computed from the loaded data (documented in docs/data-model.md)."""
    rows = store.select(q.render("derive-assessable")).rows
    t = "<https://w3id.org/clausegraph/ontology#assessable>"
    true = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    return "".join(f"<{r['p'].value}> {t} {true} .\n" for r in rows)


def build(store: Store, register: str | Path | None = None, progress: Progress | None = None,
          include_mappings: bool = True, keep_register: bool = True) -> BuildReport:
    """Load everything into ``store`` (replacing clausegraph's graphs there) and return what was loaded.

    A given ``register`` replaces the store's register; without one, a register already in the store is kept
    (``keep_register``) or dropped. ``BuildReport.register`` says which."""
    start = time.perf_counter()
    report = BuildReport()
    had_register = REGISTER_GRAPH in store.graphs()
    sources = bundled_sources() + (mapping_sources() if include_mappings else [])
    reg_data = None
    if register is not None:
        from .register import load_register  # validates the whole register before anything is written

        reg_data = load_register(register)
        sources.append((REGISTER_GRAPH, "ntriples", reg_data.ntriples))
    total = len(sources) + 1
    for i, (graph, fmt, text) in enumerate(sources, 1):
        if progress:
            progress(graph.removeprefix(GRAPH_BASE), i, total)
        store.replace_graph(graph, text, fmt)
    if reg_data is not None:
        report.register = "loaded"
    elif had_register and keep_register:
        report.register = "kept"
    elif had_register:
        store.drop_graph(REGISTER_GRAPH)
        report.register = "dropped"
    if progress:
        progress("derived", total, total)
    store.replace_graph(DERIVED_GRAPH, derive(store), "ntriples")
    counts = store.select(q.render("graph-sizes")).rows
    report.graphs = {r["g"].value.removeprefix(GRAPH_BASE): int(r["n"].value) for r in counts}
    report.seconds = time.perf_counter() - start
    return report


def is_built(store: Store) -> bool:
    """True when the store holds a clausegraph build (its ontology graph)."""
    return ONTOLOGY_GRAPH in store.graphs()
