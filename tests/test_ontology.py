"""The core ontology: OWL 2 consistency with HermiT, and a lint that every term we use is declared."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from clausegraph.engine import resources
from clausegraph.engine.refs import ONTOLOGY_NS

ROOT = Path(__file__).resolve().parent.parent
DECLARING_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                   OWL.NamedIndividual}


def core() -> Graph:
    g = Graph()
    g.parse(data=resources.read_text(resources.ontology_file()), format="turtle")
    return g


def test_ontology_has_stable_namespace_and_version_iri():
    g = core()
    onto = URIRef("https://w3id.org/clausegraph/ontology")
    assert (onto, RDF.type, OWL.Ontology) in g
    version = g.value(onto, OWL.versionIRI)
    assert version is not None and str(version).startswith(str(onto) + "/")


def test_every_class_and_property_has_label_and_comment():
    g = core()
    terms = {s for t in DECLARING_TYPES for s in g.subjects(RDF.type, t) if str(s).startswith(ONTOLOGY_NS)}
    assert len(terms) > 60
    missing = [str(t) for t in terms if g.value(t, RDFS.label) is None or g.value(t, RDFS.comment) is None]
    assert missing == []


def declared_terms() -> set[str]:
    g = core()
    declared = set()
    for s, _, o in g.triples((None, RDF.type, None)):
        if str(s).startswith(ONTOLOGY_NS) and (o in DECLARING_TYPES or str(o).startswith(ONTOLOGY_NS)):
            declared.add(str(s))
    return declared


def used_terms() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for folder in ("ontology", "shapes", "mappings"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix == ".ttl":
                g = Graph()
                g.parse(path, format="turtle")
                for triple in g:
                    for term in triple:
                        if isinstance(term, URIRef) and str(term).startswith(ONTOLOGY_NS):
                            used.setdefault(str(term), set()).add(path.name)
            elif path.suffix == ".tsv":
                for m in re.finditer(r"\bcg:([A-Za-z_][\w-]*)", path.read_text(encoding="utf-8")):
                    used.setdefault(ONTOLOGY_NS + m.group(1), set()).add(path.name)
    return used


def test_every_term_used_in_our_namespace_is_declared():
    used = used_terms()
    assert len(used) > 30
    undeclared = {t: sorted(files) for t, files in used.items() if t not in declared_terms()}
    assert undeclared == {}


def test_lint_catches_an_undeclared_term(tmp_path):
    """The lint is real: a made-up term is reported."""
    g = Graph()
    g.parse(data=f"<urn:x> <{ONTOLOGY_NS}madeUpProperty> 1 .", format="turtle")
    used = {str(t) for tr in g for t in tr if str(t).startswith(ONTOLOGY_NS)}
    assert used - declared_terms() == {ONTOLOGY_NS + "madeUpProperty"}


def merged_for_reasoner(include_catalogues: bool) -> Graph:
    g = core()
    g.parse(data=resources.read_text(resources.alignments_file()), format="turtle")
    if include_catalogues:
        for f in resources.framework_files():
            g.parse(data=resources.read_text(f), format="turtle")
    g.remove((None, OWL.imports, None))  # everything is merged locally: nothing is fetched
    # HermiT supports only the OWL 2 datatype map, which has no xsd:date; dates are checked by SHACL instead
    for s, p, o in list(g):
        if isinstance(o, Literal) and o.datatype == XSD.date:
            g.remove((s, p, o))
    return g


def run_hermit(g: Graph):
    owlready2 = pytest.importorskip("owlready2")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "merged.owl"
        g.serialize(path, format="xml")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        return list(world.inconsistent_classes())


def test_hermit_ontology_with_alignments_is_consistent_and_satisfiable():
    assert run_hermit(merged_for_reasoner(include_catalogues=False)) == []


def test_hermit_catalogues_are_consistent_with_the_ontology():
    assert run_hermit(merged_for_reasoner(include_catalogues=True)) == []


def test_hermit_detects_an_inconsistency():
    """The reasoning check can fail: an individual in two disjoint classes is reported."""
    owlready2 = pytest.importorskip("owlready2")
    g = merged_for_reasoner(include_catalogues=False)
    g.parse(data=f"<urn:x:bad> a <{ONTOLOGY_NS}Control> , <{ONTOLOGY_NS}Evidence> .", format="turtle")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        run_hermit(g)
