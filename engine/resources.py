"""The one place that locates clausegraph's packaged data files (through importlib.resources)."""
from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Iterator

ONTOLOGY_PACKAGE = "clausegraph.ontology"
FRAMEWORKS_PACKAGE = "clausegraph.ontology.frameworks"
MAPPINGS_PACKAGE = "clausegraph.mappings"
SHAPES_PACKAGE = "clausegraph.shapes"
QUERIES_PACKAGE = "clausegraph.engine"


def _files(package: str, suffix: str, sub: str | None = None) -> Iterator[Traversable]:
    root = resources.files(package)
    if sub:
        root = root / sub
    if not root.is_dir():
        return iter(())
    return iter(sorted((p for p in root.iterdir() if p.name.endswith(suffix)), key=lambda p: p.name))


def ontology_file() -> Traversable:
    """The core ontology, clausegraph.ttl."""
    return resources.files(ONTOLOGY_PACKAGE) / "clausegraph.ttl"


def alignments_file() -> Traversable:
    """Alignments of the core ontology to AIRO and DPV."""
    return resources.files(ONTOLOGY_PACKAGE) / "alignments.ttl"


def framework_files() -> list[Traversable]:
    """Catalogue files (one per framework, plus EU AI Act obligations, conditions and amendments)."""
    return list(_files(FRAMEWORKS_PACKAGE, ".ttl"))


def mapping_files() -> list[Traversable]:
    """SSSOM crosswalk files, one per framework pair."""
    return list(_files(MAPPINGS_PACKAGE, ".sssom.tsv"))


def hub_atom_files() -> list[Traversable]:
    """The requirement hub's atoms, one file per theme (mappings/hub/atoms/*.tsv)."""
    return list(_files(MAPPINGS_PACKAGE, ".tsv", "hub/atoms"))


def hub_decomposition_files() -> list[Traversable]:
    """The decomposition of each framework's provisions into hub atoms (mappings/hub/*.hub.sssom.tsv)."""
    return list(_files(MAPPINGS_PACKAGE, ".hub.sssom.tsv", "hub"))


def shape_files() -> list[Traversable]:
    """SHACL shapes files."""
    return list(_files(SHAPES_PACKAGE, ".ttl"))


def shape_file(name: str) -> Traversable:
    return resources.files(SHAPES_PACKAGE) / name


def query_files() -> list[Traversable]:
    """Named SPARQL queries (engine/queries/*.rq)."""
    return list(_files(QUERIES_PACKAGE, ".rq", "queries"))


def read_text(item: Traversable) -> str:
    return item.read_text(encoding="utf-8")


def version() -> str:
    """The installed clausegraph version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("clausegraph")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0+unknown"
