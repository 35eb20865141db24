"""The shapes: every shape has valid and invalid fixtures (tests/shapes/<shape>/{valid,invalid}); each invalid
fixture violates its shape and each valid one does not, on the fast validator and on pySHACL alike; the shapes
graph conforms to SHACL-SHACL; the catalogues conform to the catalogue shapes."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from clausegraph.engine.store import open_store
from clausegraph.engine.validate import (CATALOGUE_SHAPES, ORG_SHAPES, bundled_shapes, load_shapes_graph,
                                         validate_fast, validate_pyshacl)

HERE = Path(__file__).parent / "shapes"
ALL = ORG_SHAPES + CATALOGUE_SHAPES
SHAPES = {s.iri.rsplit("#", 1)[-1]: s for s in bundled_shapes(ALL)}
FIXTURES = sorted(HERE.glob("*/*/*.ttl"))


def test_every_shape_has_valid_and_invalid_fixtures():
    missing = [f"{name}/{kind}" for name in SHAPES for kind in ("valid", "invalid")
               if not list((HERE / name / kind).glob("*.ttl"))]
    assert missing == []
    assert {p.parent.parent.name for p in FIXTURES} <= set(SHAPES)


def findings_of(path: Path, engine: str):
    text = path.read_text(encoding="utf-8")
    shapes = bundled_shapes(ALL)
    if engine == "fast":
        store = open_store()
        store.replace_graph("https://w3id.org/clausegraph/graph/fixture", text, "turtle")
        return validate_fast(store, shapes).findings
    g = Graph()
    g.parse(data=text, format="turtle")
    return validate_pyshacl(g, load_shapes_graph(ALL), shapes).findings


def owned_by(shape_name: str, finding) -> bool:
    ns = SHAPES[shape_name]
    return finding.shape == ns.iri or finding.shape in {p.iri for p in ns.properties}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
def test_fixture(path):
    shape, kind = path.parent.parent.name, path.parent.name
    fast = findings_of(path, "fast")
    ref = findings_of(path, "pyshacl")
    assert sorted(map(repr, (f.key for f in fast))) == sorted(map(repr, (f.key for f in ref))), \
        "fast validator and pySHACL disagree"
    mine = [f for f in fast if owned_by(shape, f)]
    if kind == "invalid":
        assert mine, f"{path.name} should violate {shape}"
        assert all(f.enforces or shape.startswith(("Provision", "Obligation")) for f in mine)
    else:
        assert mine == [], [f.message for f in mine]


def test_shapes_graph_conforms_to_shacl_shacl():
    from pyshacl import validate

    conforms, _, text = validate(Graph(), shacl_graph=load_shapes_graph(ALL), meta_shacl=True)
    assert conforms, text


def test_every_organisation_shape_cites_a_provision():
    for ns in bundled_shapes(ORG_SHAPES):
        cited = set(ns.enforces) | {e for p in ns.properties for e in p.enforces} | \
            {e for c in ns.sparql for e in c.enforces}
        assert cited, ns.iri
        for p in ns.properties:
            assert p.enforces or ns.enforces, p.iri


def test_the_catalogues_conform_to_the_catalogue_shapes(embedded_store):
    report = validate_fast(embedded_store, bundled_shapes(CATALOGUE_SHAPES))
    assert report.findings == []
