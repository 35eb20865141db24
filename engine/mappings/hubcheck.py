"""Checks of the requirement hub's data, run by ``clausegraph mappings check`` with the crosswalk checks:
every assessable provision decomposed (counted against the catalogue), only assessable provisions decomposed,
every atom demanded, every row commented and cited, unknown or duplicate atoms (parse problems), curated
crosswalk rows that contradict the hub; near-duplicate atom titles are warnings (a person decides)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..errors import Problem
from ..refs import FRAMEWORK_KEYS, Ref, sort_key
from .hubfiles import HubFiles
from .hubrel import disagreements, distribution
from .sssom import MappingSet

NEAR_DUPLICATE = 0.9
_STOP = {"a", "an", "the", "of", "and", "or", "to", "for", "is", "are", "in", "on", "with", "by"}


@dataclass
class HubReport:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    completeness: list[dict] = field(default_factory=list)
    distribution: list[dict] = field(default_factory=list)


def _words(title: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _STOP)


def near_duplicates(hub: HubFiles) -> list[tuple[str, str]]:
    """Pairs of atoms whose titles are nearly the same (same words, or a similarity of 0.9 or more)."""
    atoms = sorted(hub.atoms.values(), key=lambda a: a.id)
    titles = [a.title.lower() for a in atoms]
    words = [_words(a.title) for a in atoms]
    out = []
    for i in range(len(atoms)):
        sm = difflib.SequenceMatcher(None, titles[i], autojunk=False)
        for j in range(i + 1, len(atoms)):
            if words[i] == words[j]:
                out.append((atoms[i].id, atoms[j].id))
                continue
            sm.set_seq1(titles[j])
            if sm.real_quick_ratio() >= NEAR_DUPLICATE and sm.quick_ratio() >= NEAR_DUPLICATE \
                    and sm.ratio() >= NEAR_DUPLICATE:
                out.append((atoms[i].id, atoms[j].id))
    return out


def check_hub(hub: HubFiles, known: set[Ref], assessable: set[Ref], sets: list[MappingSet],
              data: bool = True) -> HubReport:
    """Every hub check at once (see the module docstring); ``data=False`` checks only the given curated rows
    against the hub (for crosswalk files checked on their own)."""
    report = HubReport()
    atoms = hub.atoms_of()
    curated = [(f"{s.name}.sssom.tsv", m) for s in sets for m in s.mappings]
    for d in disagreements(curated, atoms):
        report.problems.append(Problem(d.describe(), d.file, line=d.mapping.line))
    if not data:
        return report
    report.problems[:0] = hub.problems
    subjects: dict[str, set[Ref]] = {}
    for d in hub.demands:
        subjects.setdefault(d.provision.key, set()).add(d.provision)
        if d.provision not in known:
            report.problems.append(Problem(f"dangling reference: {d.provision} is not in the catalogues", d.file,
                                           column="subject_id", line=d.line))
        elif d.provision not in assessable:
            report.problems.append(Problem(f"{d.provision} is a heading, not an assessable provision", d.file,
                                           column="subject_id", line=d.line))
    for key in FRAMEWORK_KEYS:
        required = {r for r in assessable if r.key == key}
        done = subjects.get(key, set()) & required
        missing = sorted(required - done, key=sort_key)
        report.completeness.append({"framework": key, "assessable": len(required), "decomposed": len(done),
                                    "missing": [str(r) for r in missing]})
        if missing:
            shown = ", ".join(str(r) for r in missing[:10]) + (" ..." if len(missing) > 10 else "")
            report.problems.append(Problem(f"{len(missing)} of {len(required)} assessable {key} provisions are not "
                                           f"decomposed into hub atoms: {shown}", f"hub/{key}.hub.sssom.tsv"))
    used = {d.atom for d in hub.demands if d.atom}
    for atom in sorted(hub.atoms.values(), key=lambda a: a.id):
        if atom.id not in used:
            report.problems.append(Problem(f"atom {atom.id} is demanded by no provision", atom.file,
                                           column="atom_id", line=atom.line))
    for a, b in near_duplicates(hub):
        x, y = hub.atoms[a], hub.atoms[b]
        report.warnings.append(Problem(f"near-duplicate atom titles: {a} {x.title!r} and {b} {y.title!r} "
                                       f"({y.file} line {y.line}); merge them if they demand the same",
                                       x.file, column="title", line=x.line))
    report.distribution = distribution(atoms, FRAMEWORK_KEYS)
    return report
