"""Checks of the crosswalk files, run in CI by ``clausegraph mappings check`` (exit 1 on any problem), and
the per-pair statistics (rows by relationship, share of provisions assessed)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import resources
from ..errors import Problem
from ..refs import Ref
from .chain import close
from .hubcheck import check_hub
from .hubfiles import HubFiles, bundled_hub
from .sssom import Mapping, MappingSet, parse_sssom

#: completeness rules: (file, what must be assessed) -> predicate over (ref, catalogue facts)
SECURITY_ARTICLES = {"10", "12", "15", "19", "73"}
SECURITY_PARAGRAPHS = {"Art. 26(5)", "Art. 26(6)", "Art. 55(1)(c)", "Art. 55(1)(d)"}


@dataclass
class CatalogueFacts:
    """What the checks need to know about provisions: which exist and which are assessable."""

    known: set[Ref]
    assessable: set[Ref]
    obligations: set[Ref]


def catalogue_facts(store) -> CatalogueFacts:
    from ..catalogue import Catalogue

    cat = Catalogue(store)
    from .. import queries as q

    rows = store.select(q.render("assessable-obligations")).rows
    known = {p.ref for p in cat.provisions.values()}
    by_iri = {p.iri: p.ref for p in cat.provisions.values()}
    assessable = {by_iri[r["p"].value] for r in rows if r["p"].value in by_iri}
    obligations = {by_iri[r["p"].value] for r in rows if r["p"].value in by_iri and r["ob"].py}
    return CatalogueFacts(known, assessable, obligations)


def required_subjects(name: str, facts: CatalogueFacts) -> set[Ref]:
    """The provisions a crosswalk file must assess (documented in docs/crosswalks.md)."""
    subj = name.split("--")[0]
    if name == "iso42001--iso27001":
        return {r for r in facts.assessable if r.key == "iso42001"}
    if name in ("nist-ai-rmf--iso42001", "nist-ai-rmf--iso27001"):
        return {r for r in facts.assessable if r.key == "nist-ai-rmf"}
    if name in ("euaiact--iso42001", "euaiact--nist-ai-rmf"):
        return set(facts.obligations)
    if name == "euaiact--iso27001":
        def security(r: Ref) -> bool:
            article = r.id.removeprefix("Art. ").split("(")[0]
            return article in SECURITY_ARTICLES or r.id in SECURITY_PARAGRAPHS
        return {r for r in facts.obligations if security(r)}
    return {r for r in facts.assessable if r.key == subj}


@dataclass
class CheckReport:
    sets: list[MappingSet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stats: list[dict] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    hub: dict = field(default_factory=dict)   # decomposition completeness and derived relations per pair

    @property
    def ok(self) -> bool:
        return not self.problems


def load_sets(files: list[tuple[str, str]] | None = None) -> tuple[list[MappingSet], list[Problem]]:
    """Parse the given (name, text) crosswalks, or the bundled ones."""
    if files is None:
        files = [(f.name, resources.read_text(f)) for f in resources.mapping_files()]
    sets, problems = [], []
    for name, text in files:
        mset, probs = parse_sssom(text, name)
        sets.append(mset)
        problems += probs
    return sets, problems


def check(facts: CatalogueFacts, files: list[tuple[str, str]] | None = None, hub: HubFiles | None = None) -> CheckReport:
    """Every check at once: format, references, headings, duplicates/conflicts, completeness, closure, and
    the requirement hub (its data, and curated rows that contradict it; ``hub`` defaults to the bundled one)."""
    sets, problems = load_sets(files)
    report = CheckReport(sets, problems)
    seen_pairs: dict[tuple[Ref, Ref | None, str], tuple[str, Mapping]] = {}
    for mset in sets:
        fname = f"{mset.name}.sssom.tsv"
        for m in mset.mappings:
            for side, ref in (("subject_id", m.subject), ("object_id", m.object)):
                if ref is None:
                    continue
                if ref not in facts.known:
                    report.problems.append(Problem(f"dangling reference: {ref} is not in the catalogues",
                                                   fname, column=side, line=m.line))
                elif ref not in facts.assessable:
                    report.problems.append(Problem(f"{ref} is a heading, not an assessable provision",
                                                   fname, column=side, line=m.line))
            # duplicates and conflicts, across files and in both orientations
            key = (m.subject, m.object or f"none:{m.target}", m.rationale)
            rev = (m.object, m.subject, m.rationale) if m.object else None
            for k, mm in ((key, m), (rev, m.inverted() if m.object else None)):
                if k is None or mm is None:
                    continue
                if k in seen_pairs:
                    other_file, other = seen_pairs[k]
                    kind = "conflicting" if other.relationship != mm.relationship else "duplicate"
                    report.problems.append(Problem(
                        f"{kind} row for {m.subject} / {m.object or 'NoTermFound'} ({m.rationale}); "
                        f"also at {other_file} line {other.line}", fname, line=m.line))
                    break
            else:
                seen_pairs[key] = (fname, m)
        subjects = {m.subject for m in mset.mappings}
        typed = {m.subject for m in mset.mappings if m.object is not None}
        none_found = {m.subject for m in mset.mappings if m.object is None}
        for r in sorted(typed & none_found):
            report.problems.append(Problem(f"{r} has both typed mappings and a NoTermFound row", fname))
        required = required_subjects(mset.name, facts)
        missing = sorted(required - subjects)
        if missing:
            shown = ", ".join(str(r) for r in missing[:10]) + (" ..." if len(missing) > 10 else "")
            report.problems.append(Problem(f"{len(missing)} provisions not assessed: {shown}", fname))
        by_rel: dict[str, int] = {}
        for m in mset.mappings:
            label = "no_counterpart" if m.object is None else m.relationship
            by_rel[label] = by_rel.get(label, 0) + 1
        report.stats.append({"pair": mset.name, "rows": len(mset.mappings), "by_relationship": by_rel,
                             "required": len(required), "assessed": len(required & subjects),
                             "assessed_share": round(100.0 * len(required & subjects) / len(required), 1)
                             if required else 100.0})
    closure = close([m for s in sets for m in s.mappings])
    for c in closure.contradictions:
        report.problems.append(Problem(c.describe(), "closure"))
    own_hub = hub is not None or files is None   # files checked on their own: only their rows against the hub
    hub = hub if hub is not None else bundled_hub()
    if hub.atoms or hub.demands:
        h = check_hub(hub, facts.known, facts.assessable, sets, data=own_hub)
        report.problems += h.problems
        report.warnings += h.warnings
        report.hub = {"decomposition": h.completeness, "derived": h.distribution}
    return report
