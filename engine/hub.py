"""The requirement hub as questions over the graph: which atoms each provision demands, relations between
provisions computed from their atom sets (crosswalks "via the hub"), the hub listing, and which atoms of a
provision the organisation's controls meet on a date (the part of coverage that names what is left)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from . import queries as q
from .errors import UnknownReferenceError, UserInputError
from .mappings.hubfiles import atom_iri, is_atom_id
from .mappings.hubrel import derive
from .mappings.sssom import Mapping
from .refs import Ref, iri_to_ref, normalise_key, parse_ref, sort_key
from .store import Store


@dataclass(frozen=True)
class AtomInfo:
    iri: str
    id: str
    title: str
    theme: str
    actor: str
    statement: str
    comment: str = ""

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "theme": self.theme, "actor": self.actor,
                "statement": self.statement, "comment": self.comment}


@dataclass
class HubIndex:
    """The hub as loaded in a store (cached per store generation)."""

    atoms: dict[str, AtomInfo] = field(default_factory=dict)            # atom IRI -> atom
    demands: dict[str, frozenset[str]] = field(default_factory=dict)    # provision IRI -> atom IRIs (non-empty)
    nothing: frozenset[str] = frozenset()                               # provisions demanding nothing assessable
    demanded_by: dict[str, list[str]] = field(default_factory=dict)    # atom IRI -> provision IRIs

    def atoms_by_ref(self) -> dict[Ref, frozenset[str]]:
        """Provision -> atom ids, the input of the pure relation functions (mappings.hubrel)."""
        out = {iri_to_ref(p): frozenset(self.atoms[a].id for a in ats) for p, ats in self.demands.items()}
        out.update({iri_to_ref(p): frozenset() for p in self.nothing})
        return out


def hub_index(store: Store) -> HubIndex:
    from .cache import per_store

    return per_store(store, "hub", lambda: _hub_index(store))


def _hub_index(store: Store) -> HubIndex:
    cols, rows = store.select_values(q.render("hub-atoms"))
    ix = {c: i for i, c in enumerate(cols)}
    out = HubIndex()
    demands: dict[str, set[str]] = {}
    nothing = set()
    for row in rows:
        a, p = row[ix["a"]], row[ix["p"]]
        if a is None:
            nothing.add(p)
            continue
        if a not in out.atoms:
            out.atoms[a] = AtomInfo(a, row[ix["id"]], row[ix["title"]], row[ix["theme"]], row[ix["actor"]],
                                    row[ix["statement"]], row[ix["comment"]] or "")
            out.demanded_by[a] = []
        if p is not None:
            demands.setdefault(p, set()).add(a)
            out.demanded_by[a].append(p)
    out.demands = {p: frozenset(s) for p, s in demands.items()}
    out.nothing = frozenset(nothing - set(demands))
    for a, ps in out.demanded_by.items():
        ps.sort(key=lambda p: sort_key(iri_to_ref(p)))
    return out


def require_atom(index: HubIndex, text: str) -> AtomInfo:
    """The atom named ``hub:<theme>.<slug>`` (an unknown id is an error with suggestions)."""
    import difflib

    text = text.strip()
    if not text.startswith("hub:"):
        text = "hub:" + text
    info = index.atoms.get(atom_iri(text)) if is_atom_id(text) else None
    if info is None:
        ids = sorted(a.id for a in index.atoms.values())
        raise UnknownReferenceError(f"no atom {text!r} in the requirement hub",
                                    difflib.get_close_matches(text, ids, n=5, cutoff=0.6))
    return info


def provision_atoms(store: Store, ref: Ref) -> dict:
    """What the hub records for one provision: its atoms, or that it demands nothing, or nothing at all."""
    index = hub_index(store)
    if ref.iri in index.nothing:
        return {"decomposed": True, "atoms": []}
    ats = index.demands.get(ref.iri)
    if ats is None:
        return {"decomposed": False, "atoms": []}
    return {"decomposed": True,
            "atoms": [index.atoms[a].as_dict() for a in sorted(ats, key=lambda a: index.atoms[a].id)]}


def hub_listing(store: Store, atom: str | None = None, theme: str | None = None) -> dict:
    """Every atom (or one, or one theme's) with the provisions of every framework that demand it."""
    index = hub_index(store)
    if atom:
        chosen = [require_atom(index, atom)]
    else:
        chosen = sorted(index.atoms.values(), key=lambda a: a.id)
        if theme:
            chosen = [a for a in chosen if a.theme == theme]
            if not chosen:
                themes = sorted({a.theme for a in index.atoms.values()})
                raise UserInputError(f"no hub theme {theme!r}; expected one of {', '.join(themes)}")
    out = []
    for a in chosen:
        by_fw: dict[str, list[str]] = {}
        for p in index.demanded_by.get(a.iri, []):
            r = iri_to_ref(p)
            by_fw.setdefault(r.key, []).append(str(r))
        out.append({**a.as_dict(), "demanded_by": by_fw,
                    "frameworks": len(by_fw)})
    return {"atoms": out, "summary": {"atoms": len(out),
                                       "shared": sum(1 for a in out if a["frameworks"] >= 2)}}


def hub_crosswalk(store: Store, from_key: str, to_key: str, min_strength: int = 1) -> list[Mapping]:
    """Mappings from ``from_key`` to ``to_key`` computed from the hub (``derived``, with the shared atoms)."""
    fk, tk = normalise_key(from_key), normalise_key(to_key)
    if fk == tk:
        raise UserInputError("--from and --to must name two different frameworks")
    return [m for m in derive(hub_index(store).atoms_by_ref(), fk, tk) if m.strength >= min_strength]


# ---------------------------------------------------------------- coverage through the hub

@dataclass
class Met:
    """Who meets one atom of one provision: control id -> its evidence valid on the date (shared between the
    provisions demanding the atom: never mutated)."""

    by: dict[str, list[str]] = field(default_factory=dict)

    @cached_property
    def controls(self) -> list[str]:
        return sorted(self.by)

    @cached_property
    def pairs(self) -> list[tuple[str, str]]:
        """(control, evidence) for every piece of evidence, by control then evidence as listed."""
        return [(c, e) for c in self.controls for e in self.by[c]]

    @cached_property
    def evidence(self) -> frozenset[str]:
        return frozenset(e for evs in self.by.values() for e in evs)


def met_atoms(store: Store, targets: list[str], as_of: dt.date, via: bool, scope: str = "") -> dict[tuple[str, str], Met]:
    """(target provision IRI, atom IRI) -> the implemented controls with evidence valid on ``as_of`` that meet
    it: controls naming the atom, or implementing a provision demanding it (with ``via``: any provision, or a
    heading above one; without: the target or a heading above it). One grouped query for what effective
    controls implement, then a join with the cached hub index."""
    index = hub_index(store)
    cols, rows = store.select_values(q.render("hub-coverage", scope=scope, as_of=q.date(as_of)))
    ix, ic, ie = (cols.index(c) for c in ("x", "cid", "eids"))
    found: dict[str, dict[str, str]] = {}   # x -> control -> its evidence ids, space-separated
    for row in rows:
        found.setdefault(row[ix], {})[row[ic]] = row[ie] or ""
    lists: dict[str, dict[str, list[str]]] = {}

    def by_x(x: str) -> dict[str, list[str]]:
        """x -> control -> its evidence, sorted (made only for the x some target needs)."""
        got = lists.get(x)
        if got is None:
            got = lists[x] = {c: sorted(e.split()) for c, e in found.get(x, {}).items()}
        return got

    out: dict[tuple[str, str], Met] = {}
    if via:
        wanted = set().union(*(index.demands.get(r, ()) for r in targets))
        below = _atoms_below(store)
        meets: dict[str, dict[str, list[str]]] = {}   # atom IRI -> control -> evidence (from any provision)
        for x in found:
            for a in ((x,) if x in index.atoms else below.get(x, ())):
                if a in wanted:
                    meets.setdefault(a, {}).update(by_x(x))
        shared = {a: Met(by) for a, by in meets.items()}
        for r in targets:
            for a in index.demands.get(r, ()):
                if a in shared:
                    out[(r, a)] = shared[a]
        return out
    ancestors = _ancestors(store)
    for r in targets:
        direct: dict[str, list[str]] = {}
        for h in ancestors.get(r, (r,)):
            direct.update(by_x(h))
        for a in index.demands.get(r, ()):
            by = {**by_x(a), **direct}
            if by:
                out[(r, a)] = Met(by)
    return out


def _ancestors(store: Store) -> dict[str, tuple[str, ...]]:
    """Decomposed provision IRI -> itself and the headings above it."""
    from .catalogue import Catalogue

    cat = Catalogue.of(store)
    return {p: tuple(cat.ancestors(p)) if p in cat.provisions else (p,) for p in hub_index(store).demands}


def _atoms_below(store: Store) -> dict[str, frozenset[str]]:
    """Provision or heading IRI -> the atoms demanded by it and every provision below it (cached)."""
    from .cache import per_store

    def compute() -> dict[str, frozenset[str]]:
        index = hub_index(store)
        out: dict[str, set[str]] = {}
        for p, chain in _ancestors(store).items():
            for h in chain:
                out.setdefault(h, set()).update(index.demands[p])
        return {h: frozenset(a) for h, a in out.items()}

    return per_store(store, "hub-below", compute)


def requirements(index: HubIndex, iri: str, met: dict[tuple[str, str], Met]) -> list[dict]:
    """A decomposed provision's atoms, each with whether it is met and by which controls."""
    out = []
    for a in sorted(index.demands.get(iri, ()), key=lambda x: index.atoms[x].id):
        by = met.get((iri, a))
        info = index.atoms[a]
        out.append({"id": info.id, "title": info.title, "met": bool(by and by.by),
                    "by": list(by.controls) if by else []})
    return out

