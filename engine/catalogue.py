"""Browsing the catalogues: frameworks and their counts on a date, reference resolution, provision details,
and application dates resolved for an as-of date (the text in force on that date, amendments included)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from . import queries as q
from .errors import UnknownReferenceError
from .refs import FRAMEWORK_KEYS, Ref, iri_to_ref, is_added_key, nearest, parse_ref, sort_key
from .store import Store

#: The kinds the reference lists (../shared/reference/*.csv) use; `frameworks` counts these.
REFERENCE_KINDS: dict[str, tuple[str, ...]] = {
    "iso42001": ("clause", "objective", "control"),
    "iso27001": ("clause", "theme", "control"),
    "euaiact": ("chapter", "section", "article", "annex", "annex_point"),
    "nist-ai-rmf": ("function", "category", "subcategory"),
}


@dataclass
class ProvisionInfo:
    iri: str
    ref: Ref
    title: str
    kind: str
    parent: str | None
    order: int


@dataclass
class DateStatement:
    """One statement of when a provision applies: from the base text or from an amendment's change."""

    provision: str
    source: str                      # "base" or "change"
    applies_from: dt.date | None = None
    conditional: dict[str, dt.date] = field(default_factory=dict)
    effective: dt.date | None = None
    change_type: str | None = None
    amendment: str | None = None


@lru_cache(maxsize=4096)
def _condition_name(iri: str) -> str:
    from .refs import CONDITION_NS

    if iri.startswith(CONDITION_NS):
        return iri[len(CONDITION_NS):]
    try:
        return str(iri_to_ref(iri))
    except Exception:  # noqa: BLE001 - fall back on the IRI itself
        return iri


class Catalogue:
    """A read-only view of the catalogues in a store, indexed once."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def of(cls, store: Store) -> "Catalogue":
        """The catalogue view of a store, shared until the store is next written."""
        from .cache import per_store

        return per_store(store, "catalogue", lambda: cls(store))

    # ------------------------------------------------------------ index
    @cached_property
    def provisions(self) -> dict[str, ProvisionInfo]:
        out: dict[str, ProvisionInfo] = {}
        for row in self.store.select(q.render("provision-index")).rows:
            iri = row["p"].value
            try:
                ref = iri_to_ref(iri)
            except Exception:  # noqa: BLE001 - not a provision IRI we can name; skip
                continue
            out[iri] = ProvisionInfo(iri, ref, row["title"].value if "title" in row else "",
                                     row["kind"].value, row["parent"].value if "parent" in row else None,
                                     int(row["order"].value) if "order" in row else 0)
        return out

    @cached_property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.provisions.values():
            if p.parent:
                out.setdefault(p.parent, []).append(p.iri)
        for kids in out.values():
            kids.sort(key=lambda i: sort_key(self.provisions[i].ref))
        return out

    def ancestors(self, iri: str) -> list[str]:
        """The provision followed by its ancestors, nearest first."""
        chain, seen = [iri], {iri}
        while True:
            parent = self.provisions.get(chain[-1])
            if not parent or not parent.parent or parent.parent in seen:
                return chain
            chain.append(parent.parent)
            seen.add(parent.parent)

    def resolve(self, text: str) -> ProvisionInfo:
        """The provision a reference names (aliases accepted), or an error suggesting the nearest ones."""
        ref = parse_ref(text)
        info = self.provisions.get(ref.iri)
        if info is None and is_added_key(ref.key):   # added frameworks: case-insensitive when unambiguous
            same = [p for p in self.provisions.values() if p.ref.key == ref.key and p.ref.id.lower() == ref.id.lower()]
            info = same[0] if len(same) == 1 else None
        if info is None:
            known = [str(p.ref) for p in self.provisions.values() if p.ref.key == ref.key]
            hints = nearest(str(ref), known)
            msg = f"unknown provision {ref}"
            if hints:
                msg += f"; did you mean {', '.join(hints)}?"
            raise UnknownReferenceError(msg, hints)
        return info

    # ------------------------------------------------------------ dates
    @cached_property
    def _date_statements(self) -> dict[str, list[DateStatement]]:
        stmts: dict[tuple, DateStatement] = {}
        for row in self.store.select(q.render("application-dates")).rows:
            p = row["p"].value
            key = (p, row["source"].value, row["change"].value if "change" in row else None)
            st = stmts.get(key)
            if st is None:
                st = stmts[key] = DateStatement(
                    p, row["source"].value,
                    effective=row["effective"].py if "effective" in row else None,
                    change_type=row["changeType"].value if "changeType" in row else None,
                    amendment=row["amendment"].value if "amendment" in row else None)
            if "appliesFrom" in row:
                st.applies_from = row["appliesFrom"].py
            if "condition" in row and "condDate" in row:
                st.conditional[_condition_name(row["condition"].value)] = row["condDate"].py
        out: dict[str, list[DateStatement]] = {}
        for st in stmts.values():
            out.setdefault(st.provision, []).append(st)
        return out

    def application(self, iri: str, as_of: dt.date | None = None) -> dict:
        """When a provision applies, by the text in force on ``as_of`` (``None``: every known amendment).

        The base date is the nearest one stated along the provision's ancestors; an amendment's dated
        change on the provision or an ancestor replaces it (the most specific change wins, then the latest).
        """
        chain = self.ancestors(iri)
        base_default = base_cond = None
        for level in chain:
            for st in self._date_statements.get(level, []):
                if st.source != "base":
                    continue
                if base_default is None and st.applies_from:
                    base_default = st.applies_from
                if base_cond is None and st.conditional:
                    base_cond = dict(st.conditional)
        result = {"applies_from": base_default, "conditional": base_cond or {}, "amended_by": None}
        for level in chain:
            changes = [st for st in self._date_statements.get(level, [])
                       if st.source == "change" and (st.applies_from or st.conditional)
                       and (as_of is None or (st.effective and st.effective <= as_of))]
            if changes:
                latest = max(changes, key=lambda s: s.effective or dt.date.min)
                result = {"applies_from": latest.applies_from or base_default,
                          "conditional": dict(latest.conditional), "amended_by": latest.amendment,
                          "effective_from": latest.effective}
                break
        return result

    def in_force(self, iri: str, as_of: dt.date) -> bool:
        d = self.store.select(q.render("provision-detail", p=q.iri(iri))).rows
        if not d:
            return False
        row = d[0]
        for since in ("inForceFrom", "frameworkFrom"):   # the provision's own date, and its framework's
            if since in row and row[since].py > as_of:
                return False
        if "repealedFrom" in row and row["repealedFrom"].py <= as_of:
            return False
        for st in self._date_statements.get(iri, []):
            if st.change_type == "deleted" and st.effective and st.effective <= as_of:
                return False
        return True


def register_added_frameworks(store: Store) -> None:
    """Make the keys of frameworks added to ``store`` (``framework add``) known to reference parsing."""
    from .refs import KEY_ALIASES, register_framework_key

    for row in store.select(q.render("framework-keys")).rows:
        if row["key"].value not in KEY_ALIASES:
            register_framework_key(row["key"].value)


def frameworks(store: Store, as_of: dt.date) -> list[dict]:
    """Each framework with the count of provisions per reference kind in force on ``as_of``, and whether the
    framework itself exists then (``in_force``: published, or for a law entered into force, by ``as_of``)."""
    found: dict[str, dict] = {}
    for row in store.select(q.render("frameworks")).rows:
        key = row["key"].value
        since = row["inForceFrom"].py if "inForceFrom" in row else None
        found[key] = {"key": key, "title": row["title"].value,
                      "version": row["version"].value if "version" in row else None,
                      "counts": {k: 0 for k in REFERENCE_KINDS.get(key, ())},
                      "published": _iso(row["issued"].py) if "issued" in row else None,
                      "in_force": since is None or since <= as_of, "in_force_from": _iso(since),
                      "in_force_from_source": row["source"].value if "source" in row else None,
                      "in_force_from_status": row["status"].value if "status" in row else None}
    for row in store.select(q.render("framework-counts", as_of=q.date(as_of))).rows:
        fw = found.get(row["key"].value)
        kind = row["kind"].value
        if fw is not None and (kind in fw["counts"] or fw["key"] not in REFERENCE_KINDS):   # added: every kind
            fw["counts"][kind] = int(row["n"].value)
    return [found[k] for k in FRAMEWORK_KEYS if k in found] + [v for k, v in found.items()
                                                              if k not in FRAMEWORK_KEYS]


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _dates_json(app: dict) -> dict:
    out = {"applies_from": _iso(app["applies_from"]),
           "conditional": [{"condition": c, "applies_from": _iso(d)} for c, d in sorted(app["conditional"].items())]}
    if app.get("amended_by"):
        out["amended_by"] = app["amended_by"]
        out["effective_from"] = _iso(app.get("effective_from"))
    return out


def show(store: Store, text: str, as_of: dt.date) -> dict:
    """Everything about one provision: title, summary, parent, children, source, obligations and dates."""
    cat = Catalogue.of(store)
    info = cat.resolve(text)
    rows = store.select(q.render("provision-detail", p=q.iri(info.iri))).rows
    d = rows[0] if rows else {}

    def val(k: str) -> object:
        return d[k].py if k in d else None

    parent = cat.provisions.get(info.parent) if info.parent else None
    doc: dict = {
        "ref": str(info.ref), "iri": info.iri, "title": info.title, "kind": info.kind,
        "framework": info.ref.key, "summary": val("summary"),
        "parent": {"ref": str(parent.ref), "title": parent.title} if parent else None,
        "children": [{"ref": str(cat.provisions[c].ref), "title": cat.provisions[c].title,
                      "kind": cat.provisions[c].kind} for c in cat.children.get(info.iri, [])],
        "source": val("source"), "in_force": cat.in_force(info.iri, as_of), "as_of": as_of.isoformat(),
        "verification_status": val("status"), "note": val("comment"),
    }
    if info.ref.key == "euaiact":
        adopted, amended, on_date = (cat.application(info.iri, dt.date(2024, 8, 1)),
                                     cat.application(info.iri, None), cat.application(info.iri, as_of))
        doc["applies_from"] = {"as_adopted": _iso(adopted["applies_from"]),
                               "as_amended": _iso(amended["applies_from"]),
                               "as_of": _iso(on_date["applies_from"])}
        doc["application"] = {"as_adopted": _dates_json(adopted), "as_amended": _dates_json(amended),
                              "as_of": _dates_json(on_date)}
    if val("obligation"):
        from .obligations import obligation_rules

        rules = obligation_rules(store, [info.iri]).get(info.iri)
        doc["addressees"] = sorted(rules.addressees) if rules else []
        doc["applicability"] = [
            {"requires": sorted(_condition_name(c) for c in r.requires),
             "excludes": sorted(_condition_name(c) for c in r.excludes)} for r in (rules.rules if rules else [])]
    doc["changes"] = changes_of(store, info.iri)
    from .crosswalk import provision_mappings
    from .mappings.sssom import as_json

    doc["mappings"] = [{**as_json(m), "target": m.target} for m in provision_mappings(store, str(info.ref))]
    from .hub import provision_atoms

    doc["hub"] = provision_atoms(store, info.ref)
    return doc


def changes_of(store: Store, iri: str) -> list[dict]:
    """Amendment changes recorded for one provision."""
    text = q.render("provision-changes", p=q.iri(iri))
    return [{"type": r["type"].value, "effective_from": r["eff"].value,
             "summary": r["summary"].value if "summary" in r else None,
             "amendment": r["atitle"].value if "atitle" in r else (r["amendment"].value if "amendment" in r else None)}
            for r in store.select(text).rows]
