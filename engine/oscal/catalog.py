"""A framework as an OSCAL catalog: headings become groups, provisions controls, our own-words summaries
statement parts, official links ``links``, dates and verification status ``props`` in our namespace.

The structure rule: a provision that is assessable, or has no children, is a control (its descendants become
nested controls); any other provision (a heading with children) is a group. OSCAL lets a group hold groups or
controls, not both: where a heading's children would mix them, its sub-headings become controls with nested
controls (their ``assessable`` property still says they are headings). ISO texts stay summaries only."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import queries as q
from ..catalogue import Catalogue
from ..errors import NotFoundError
from ..refs import Ref, framework_iri, iri_to_ref, normalise_key, sort_key
from ..store import Store
from .common import control_id, document_uuid, metadata, prop


@dataclass
class _Node:
    iri: str
    ref: Ref
    title: str
    kind: str
    summary: str | None
    source: str | None
    in_force_from: dt.date | None
    status: str | None
    assessable: bool
    order: int
    children: list["_Node"] = field(default_factory=list)


def _nodes(store: Store, key: str, as_of: dt.date) -> list[_Node]:
    rows = store.select(q.render("framework-provisions", framework=q.iri(framework_iri(key)),
                                 as_of=q.date(as_of))).rows
    nodes: dict[str, _Node] = {}
    parents: dict[str, str] = {}
    for r in rows:
        iri = r["p"].value
        nodes[iri] = _Node(iri, iri_to_ref(iri), r["title"].value if "title" in r else "", r["kind"].value,
                           r["summary"].value if "summary" in r else None,
                           r["source"].value if "source" in r else None,
                           r["inForceFrom"].py if "inForceFrom" in r else None,
                           r["status"].value if "status" in r else None,
                           r["assessable"].py is True, int(r["order"].value) if "order" in r else 0)
        if "parent" in r:
            parents[iri] = r["parent"].value
    roots = []
    for iri, node in nodes.items():
        parent = nodes.get(parents.get(iri, ""))
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: sort_key(n.ref))
    roots.sort(key=lambda n: sort_key(n.ref))
    return roots


def _props(node: _Node, cat: Catalogue, as_of: dt.date) -> list[dict]:
    out = [prop("label", node.ref.id, ns=None), prop("sort-id", f"{node.order:06d}", ns=None),
           prop("reference", str(node.ref)), prop("iri", node.iri), prop("kind", node.kind),
           prop("assessable", "true" if node.assessable else "false")]
    if node.in_force_from:
        out.append(prop("in-force-from", node.in_force_from.isoformat()))
    if node.ref.key == "euaiact":
        app = cat.application(node.iri, as_of)
        if app["applies_from"]:
            out.append(prop("applies-from", app["applies_from"].isoformat()))
        for condition, day in sorted(app["conditional"].items()):
            out.append(prop("applies-from-if", f"{condition}={day.isoformat()}"))
        if app.get("amended_by"):
            out.append(prop("dates-amended-by", app["amended_by"]))
    if node.status:
        out.append(prop("verification-status", node.status))
    return out


def _common(node: _Node, cat: Catalogue, as_of: dt.date) -> dict:
    cid = control_id(node.ref)
    out: dict = {"id": cid, "title": node.title or node.ref.id, "props": _props(node, cat, as_of)}
    if node.source:
        out["links"] = [{"href": node.source, "rel": "reference", "text": "Official source"}]
    if node.summary:
        out["parts"] = [{"id": f"{cid}_smt", "name": "statement", "prose": node.summary}]
    return out


def _control(node: _Node, cat: Catalogue, as_of: dt.date) -> dict:
    out = {**_common(node, cat, as_of), "class": node.kind}
    if node.children:
        out["controls"] = [_control(c, cat, as_of) for c in node.children]
    return out


def _group_or_control(node: _Node, cat: Catalogue, as_of: dt.date) -> tuple[str, dict]:
    if node.assessable or not node.children:
        return "controls", _control(node, cat, as_of)
    group = {**_common(node, cat, as_of), "class": node.kind}
    placed = [_group_or_control(child, cat, as_of) for child in node.children]
    if len({where for where, _ in placed}) > 1:
        group["controls"] = [_control(child, cat, as_of) for child in node.children]
    else:
        group[placed[0][0]] = [item for _, item in placed]
    return "groups", group


def export_catalog(store: Store, *, framework: str, as_of: dt.date, generated: dt.datetime | None = None) -> dict:
    """The framework's provisions in force on ``as_of`` as an OSCAL catalog document (a JSON-ready dict)."""
    key = normalise_key(framework)
    info = store.select(q.render("framework-info", framework=q.iri(framework_iri(key)))).rows
    if not info:
        raise NotFoundError(f"framework {key} is not in the graph")
    fw = info[0]
    cat = Catalogue.of(store)
    roots = _nodes(store, key, as_of)
    placed = [_group_or_control(root, cat, as_of) for root in roots]
    if len({where for where, _ in placed}) > 1:     # the catalog itself may hold both; kept in document order
        body = {"groups": [i for w, i in placed if w == "groups"], "controls": [i for w, i in placed if w == "controls"]}
    else:
        body = {placed[0][0]: [item for _, item in placed]} if placed else {}
    links = [{"href": fw["source"].value, "rel": "canonical"}] if "source" in fw else None
    props = [prop("framework-key", key), prop("as-of", as_of.isoformat())]
    if "publisher" in fw:
        props.append(prop("publisher", fw["publisher"].value))
    version = fw["version"].value if "version" in fw else "unversioned"
    meta = metadata(title=fw["title"].value, version=f"{version} (as of {as_of.isoformat()})", generated=generated,
                    props=props, links=links,
                    remarks=fw["licence"].value if "licence" in fw else None)
    catalog = {"metadata": meta, **body}
    return {"catalog": {"uuid": document_uuid("catalog", catalog), **catalog}}
