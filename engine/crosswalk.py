"""Crosswalk questions over the graph: the mappings between two frameworks (curated, and derived by sound
chaining), oriented from one framework to the other whichever way they are stored, and a provision's mappings
in every framework."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from . import queries as q
from .errors import UserInputError
from .mappings.chain import Closure, close
from .mappings.sssom import Mapping
from .refs import iri_to_ref, normalise_key, parse_ref
from .store import Store

def stored_mappings(store: Store) -> list[Mapping]:
    """Every curated mapping in the store."""
    out = []
    for r in store.select(q.render("mappings")).rows:
        out.append(Mapping(iri_to_ref(r["subject"].value),
                           iri_to_ref(r["object"].value) if "object" in r else None,
                           r["relationship"].value, r["rationale"].value, int(r["strength"].value),
                           r["comment"].value if "comment" in r else "",
                           r["author"].value if "author" in r else "",
                           r["source"].value if "source" in r else "",
                           target=r["target"].value if "target" in r else ""))
    return out


def mappings_and_closure(store: Store) -> tuple[list[Mapping], Closure]:
    """Curated mappings and their closure (cached until the store is next written)."""
    from .cache import per_store

    def compute() -> tuple[list[Mapping], Closure]:
        curated = stored_mappings(store)
        return curated, close(curated)

    return per_store(store, "closure", compute)


def invalidate(store: Store) -> None:
    """Drop the store's cached indexes after a write made directly on its underlying store."""
    store.touched()


def _orient(m: Mapping, from_key: str) -> Mapping | None:
    if m.subject.key == from_key:
        return m
    if m.object is not None and m.object.key == from_key:
        return m.inverted()
    return None


def crosswalk(store: Store, from_key: str, to_key: str, inferred: bool = False,
              min_strength: int = 1) -> list[Mapping]:
    """Mappings from ``from_key`` provisions to ``to_key`` provisions (no-counterpart rows included when the
    file's subject is ``from_key``), sorted by subject then object."""
    fk, tk = normalise_key(from_key), normalise_key(to_key)
    if fk == tk:
        raise UserInputError("--from and --to must name two different frameworks")
    curated, closure = mappings_and_closure(store)
    out = []
    pool = curated + (closure.derived if inferred else [])
    for m in pool:
        if m.strength < min_strength:
            continue
        if m.object is None:
            if m.subject.key == fk and m.target == tk:
                out.append(m)
            continue
        if {m.subject.key, m.object.key} != {fk, tk}:
            continue
        o = _orient(m, fk)
        if o is not None:
            out.append(o)
    from .refs import sort_key

    out.sort(key=lambda m: (sort_key(m.subject), sort_key(m.object) if m.object else ()))
    return out


def provision_mappings(store: Store, ref_text: str) -> list[Mapping]:
    """Every curated and derived mapping of one provision, oriented from it."""
    ref = parse_ref(ref_text)
    curated, closure = mappings_and_closure(store)
    out = []
    for m in curated + closure.derived:
        if m.subject == ref:
            out.append(m)
        elif m.object == ref:
            out.append(m.inverted())
    from .refs import sort_key

    out.sort(key=lambda m: (m.derived, sort_key(m.object) if m.object else (), m.rationale))
    return [replace(m) for m in out]


def sssom_metadata(from_key: str, to_key: str, *, inferred: bool, version: str, day: dt.date,
                   via_hub: bool = False) -> dict:
    """The SSSOM mapping-set metadata of an exported crosswalk from ``from_key`` to ``to_key`` made on ``day``
    (``via_hub``: computed from the requirement hub, said in the title and description)."""
    from .refs import ID_BASE, ONTOLOGY_NS, framework_base

    fk, tk = normalise_key(from_key), normalise_key(to_key)
    suffix = "-via-hub" if via_hub else ("-inferred" if inferred else "")
    hub = {"mapping_set_title": f"{fk} to {tk}, derived through the clausegraph requirement hub",
           "mapping_set_description": "Every row is computed from the atoms both provisions demand "
                                      "(mappings/hub): equal, subset_of, superset_of or intersects_with by their "
                                      "atom sets, not_related when a provision shares no atom with any provision "
                                      "of the other framework; the comment names the shared atoms and what each "
                                      "side adds. Justification semapv:MappingChaining: the chain runs "
                                      "provision -> atoms -> provision."} if via_hub else {}
    return {"curie_map": {"cg": ONTOLOGY_NS, "cgagent": ID_BASE + "agent/", fk: framework_base(fk),
                          tk: framework_base(tk), "semapv": "https://w3id.org/semapv/vocab/",
                          "skos": "http://www.w3.org/2004/02/skos/core#", "sssom": "https://w3id.org/sssom/"},
            "mapping_set_id": f"https://w3id.org/clausegraph/mappings/{fk}--{tk}{suffix}", **hub,
            "mapping_set_version": version, "license": "https://creativecommons.org/licenses/by/4.0/",
            "creator_label": ["clausegraph contributors"], "mapping_date": day.isoformat(),
            "subject_source": ID_BASE + fk, "object_source": ID_BASE + tk,
            "extension_definitions": [
                {"slot_name": "strm_relationship", "property": "cg:relationship", "type_hint": "xsd:string"},
                {"slot_name": "strm_rationale", "property": "cg:rationale", "type_hint": "xsd:string"},
                {"slot_name": "strm_strength", "property": "cg:strength", "type_hint": "xsd:integer"}]}
