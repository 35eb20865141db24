"""A crosswalk as an OSCAL mapping collection (the OSCAL 1.2 control mapping model).

Relationships use OSCAL's set-theory values (NIST IR 8477); a derived "overlaps" (some overlap guaranteed, the
exact relation unknown) has no OSCAL value and is written in our namespace. Rationale, strength, comment,
derivation path or shared hub atoms travel in ``matching-rationale``, ``props`` and ``remarks``; provisions
assessed as having no counterpart go to the source gap summary."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from ..errors import NotFoundError
from ..mappings.sssom import Mapping
from ..refs import normalise_key
from .common import CG_NS, control_id, document_uuid, metadata, prop, stable_uuid

#: Our relationship names -> OSCAL's set-theory relationship values.
RELATIONSHIP = {"equal": "equal-to", "subset_of": "subset-of", "superset_of": "superset-of",
                "intersects_with": "intersects-with", "not_related": "no-relationship"}


def _map(m: Mapping) -> dict:
    assert m.object is not None
    out: dict = {"uuid": stable_uuid("map", str(m.subject), str(m.object), m.rationale, m.relationship)}
    if m.relationship in RELATIONSHIP:
        out["relationship"] = RELATIONSHIP[m.relationship]
    else:
        out.update(ns=CG_NS, relationship=m.relationship)
    out["matching-rationale"] = m.rationale
    out["sources"] = [{"type": "control", "id-ref": control_id(m.subject)}]
    out["targets"] = [{"type": "control", "id-ref": control_id(m.object)}]
    props = [prop("source-reference", str(m.subject)), prop("target-reference", str(m.object)),
             prop("strength", m.strength), prop("derived", "true" if m.derived else "false")]
    if m.author:
        props.append(prop("author", m.author))
    props += [prop("path", str(r)) for r in m.path]
    props += [prop("via-atom", a) for a in getattr(m, "via", ())]
    out["props"] = props
    if m.source and m.source.startswith(("http://", "https://")):
        out["links"] = [{"href": m.source, "rel": "reference", "text": "Published crosswalk followed"}]
    if m.comment:
        out["remarks"] = m.comment
    return out


def export_mapping(mappings: Iterable[Mapping], *, from_key: str, to_key: str, via_hub: bool = False,
                   generated: dt.datetime | None = None) -> dict:
    """The mappings from ``from_key`` provisions to ``to_key`` provisions as an OSCAL mapping collection."""
    fk, tk = normalise_key(from_key), normalise_key(to_key)
    rows = list(mappings)
    related = [m for m in rows if m.object is not None]
    unmapped = sorted({control_id(m.subject) for m in rows if m.object is None})
    if not related:
        raise NotFoundError(f"no mapping between {fk} and {tk} to export")
    derived = any(m.derived for m in related)
    resources = {k: stable_uuid("catalog-resource", k) for k in (fk, tk)}
    mapping: dict = {
        "uuid": stable_uuid("mapping", fk, tk, "hub" if via_hub else "crosswalk"),
        "method": "hybrid" if derived else "human",
        "source-resource": {"type": "catalog", "href": f"#{resources[fk]}"},
        "target-resource": {"type": "catalog", "href": f"#{resources[tk]}"},
        "maps": [_map(m) for m in related],
    }
    if unmapped:
        mapping["source-gap-summary"] = {"uuid": stable_uuid("gap", fk, tk),
                                         "unmapped-controls": [{"with-ids": unmapped}]}
    how = ("computed from the hub: each provision's set of atomic requirements, compared as sets"
           if via_hub else "curated pairwise crosswalk rows" + (" and rows derived by sound chaining" if derived else ""))
    collection: dict = {
        "metadata": metadata(
            title=f"clausegraph crosswalk {fk} to {tk}", version="0.1.0", generated=generated,
            props=[prop("from", fk), prop("to", tk), prop("via-hub", "true" if via_hub else "false")],
            remarks="Relationships read subject (source) relative to object (target) as sets of requirements, "
                    "after NIST IR 8477; rationale, strength (1-10) and comments are the curators' own words."),
        "provenance": {
            "method": "hybrid" if (derived or via_hub) else "human",
            "matching-rationale": "semantic" if not via_hub else "functional",
            "status": "complete",
            "mapping-description": f"Every assessable provision of {fk} assessed against {tk}: {how}.",
        },
        "mappings": [mapping],
        "back-matter": {"resources": [
            {"uuid": resources[k], "title": f"clausegraph OSCAL catalog of {k}",
             "rlinks": [{"href": f"clausegraph-{k}-catalog.json"}]} for k in (fk, tk)]},
    }
    return {"mapping-collection": {"uuid": document_uuid("mapping-collection", collection), **collection}}
