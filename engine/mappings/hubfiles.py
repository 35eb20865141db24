"""The requirement hub's files (mappings/hub/, format in docs/hub.md): atoms (one theme per file) and the
decomposition of each framework's provisions into the atoms they demand (SSSOM TSV, ``cg:demands``). Parse
with every problem located by file, line and column; convert to RDF."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Problem, UserInputError
from ..refs import ID_BASE, ONTOLOGY_NS, Ref
from .sssom import NO_TERM, _curie, _lit, read_table

HUB_NS = ID_BASE + "hub/"
HUB_SET_BASE = "https://w3id.org/clausegraph/mappings/hub/"
ATOM_COLUMNS = ["atom_id", "title", "theme", "actor", "statement", "author_id", "date", "comment"]
DEMAND_COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                  "mapping_justification", "source_location", "author_id", "mapping_date", "comment"]
ACTORS = ("organisation", "provider", "deployer", "importer", "distributor", "authorised-representative",
          "gpai-provider", "operator", "third-party")
ATOM_ID_RE = re.compile(r"^hub:([a-z0-9]+)\.([a-z0-9]+(?:-[a-z0-9]+)*)$")
MAX_TITLE = 80


def atom_iri(atom_id: str) -> str:
    """``hub:log.record-in-use`` -> its IRI."""
    return HUB_NS + atom_id.removeprefix("hub:")


def atom_id(iri: str) -> str:
    """An atom IRI -> ``hub:<theme>.<slug>``."""
    return "hub:" + iri.removeprefix(HUB_NS)


def is_atom_id(text: str) -> bool:
    return bool(ATOM_ID_RE.match(text.strip()))


@dataclass(frozen=True)
class Atom:
    """One atomic requirement: one demand, one actor, one test."""

    id: str
    title: str
    theme: str
    actor: str
    statement: str
    author: str
    date: str
    comment: str
    file: str = ""
    line: int = 0

    @property
    def iri(self) -> str:
        return atom_iri(self.id)


@dataclass(frozen=True)
class Demand:
    """One decomposition row: ``provision`` demands ``atom`` (None: it demands nothing assessable)."""

    provision: Ref
    atom: str | None
    label: str
    source_location: str
    author: str
    date: str
    comment: str
    file: str = ""
    line: int = 0


@dataclass
class HubFiles:
    """Everything read from the hub's files, and every problem found."""

    atoms: dict[str, Atom] = field(default_factory=dict)
    demands: list[Demand] = field(default_factory=list)
    sets: dict[str, dict] = field(default_factory=dict)      # framework key -> decomposition metadata
    problems: list[Problem] = field(default_factory=list)

    def atoms_of(self) -> dict[Ref, frozenset[str]]:
        """Provision -> the ids of the atoms it demands (empty set: demands nothing assessable)."""
        out: dict[Ref, set[str]] = {}
        for d in self.demands:
            out.setdefault(d.provision, set())
            if d.atom:
                out[d.provision].add(d.atom)
        return {r: frozenset(a) for r, a in out.items()}


def _locator(problems: list[Problem], filename: str):
    def bad(msg: str, line: int | None = None, col: str | None = None) -> None:
        problems.append(Problem(msg, filename, column=col, line=line))
    return bad


def parse_atoms(text: str, filename: str, hub: HubFiles) -> None:
    """Add one theme file's atoms to ``hub`` (problems included)."""
    bad = _locator(hub.problems, filename)
    theme = filename.rsplit("/", 1)[-1].removesuffix(".tsv")
    table = read_table(text, ATOM_COLUMNS, bad)
    for line, row in table.rows:
        row = {k: (v or "").strip() for k, v in row.items()}
        empty = [c for c in ATOM_COLUMNS if not row.get(c)]
        for c in empty:
            bad(f"{c} is required", line, c)
        m = ATOM_ID_RE.match(row["atom_id"])
        if not m:
            bad(f"atom_id must look like hub:{theme}.<kebab-slug>, got {row['atom_id']!r}", line, "atom_id")
            continue
        if m.group(1) != theme or row["theme"] != theme:
            bad(f"atom {row['atom_id']} (theme {row['theme']!r}) is in the file of theme {theme!r}", line, "theme")
        if row["actor"] and row["actor"] not in ACTORS:
            bad(f"actor must be one of {', '.join(ACTORS)}, got {row['actor']!r}", line, "actor")
        if len(row["title"]) > MAX_TITLE:
            bad(f"title is longer than {MAX_TITLE} characters", line, "title")
        if row["atom_id"] in hub.atoms:
            other = hub.atoms[row["atom_id"]]
            bad(f"duplicate atom id {row['atom_id']}; also at {other.file} line {other.line}", line, "atom_id")
            continue
        if empty:
            continue
        hub.atoms[row["atom_id"]] = Atom(row["atom_id"], row["title"], row["theme"], row["actor"],
                                         row["statement"], row["author_id"], row["date"], row["comment"],
                                         filename, line)


def parse_decomposition(text: str, filename: str, hub: HubFiles) -> None:
    """Add one ``<framework>.hub.sssom.tsv`` file's rows to ``hub``; atom ids are checked by ``check_atoms``."""
    bad = _locator(hub.problems, filename)
    key = filename.rsplit("/", 1)[-1].removesuffix(".hub.sssom.tsv")
    table = read_table(text, DEMAND_COLUMNS, bad)
    hub.sets[key] = table.metadata
    curie_map = table.metadata.get("curie_map") or {}
    seen: dict[tuple[Ref, str], int] = {}
    for line, row in table.rows:
        row = {k: (v or "").strip() for k, v in row.items()}
        obj = row["object_id"]
        for c in DEMAND_COLUMNS:
            if not row.get(c) and not (c == "object_label" and obj == NO_TERM):
                bad(f"{c} is required", line, c)
        ref = _curie(row["subject_id"], key, curie_map, line, "subject_id", bad)
        if row["predicate_id"] != "cg:demands":
            bad(f"predicate_id must be cg:demands, got {row['predicate_id']!r}", line, "predicate_id")
        if row["mapping_justification"] != "semapv:ManualMappingCuration":
            bad("mapping_justification must be semapv:ManualMappingCuration", line, "mapping_justification")
        if obj != NO_TERM and not ATOM_ID_RE.match(obj):
            bad(f"object_id must be an atom id (hub:<theme>.<slug>) or {NO_TERM}, got {obj!r}", line, "object_id")
            continue
        if ref is None:
            continue
        if row["subject_label"] and row["subject_label"] != str(ref):
            bad(f"subject_label must be the canonical reference {str(ref)!r}", line, "subject_label")
        if (ref, obj) in seen:
            bad(f"{ref} demands {obj} twice; also at line {seen[ref, obj]}", line, "object_id")
            continue
        seen[ref, obj] = line
        hub.demands.append(Demand(ref, None if obj == NO_TERM else obj, row["object_label"],
                                  row["source_location"], row["author_id"], row["mapping_date"], row["comment"],
                                  filename, line))


def check_atoms(hub: HubFiles) -> None:
    """Cross-file checks: demanded atoms exist and are labelled with their titles; NoTermFound stands alone."""
    kinds: dict[Ref, set[bool]] = {}
    files: dict[Ref, str] = {}
    for d in hub.demands:
        kinds.setdefault(d.provision, set()).add(d.atom is None)
        files[d.provision] = d.file
        if d.atom is None:
            continue
        atom = hub.atoms.get(d.atom)
        if atom is None:
            hub.problems.append(Problem(f"unknown atom {d.atom}", d.file, column="object_id", line=d.line))
        elif d.label != atom.title:
            hub.problems.append(Problem(f"object_label must be the title of {d.atom}: {atom.title!r}", d.file,
                                        column="object_label", line=d.line))
    for ref, k in kinds.items():
        if k == {True, False}:
            hub.problems.append(Problem(f"{ref} has both atoms and a {NO_TERM} row", files[ref]))


def read_hub(atom_files: list[tuple[str, str]], decomposition_files: list[tuple[str, str]]) -> HubFiles:
    """Parse every (name, text) file; the result carries every problem (never raises)."""
    hub = HubFiles()
    for name, text in atom_files:
        parse_atoms(text, name, hub)
    for name, text in decomposition_files:
        parse_decomposition(text, name, hub)
    check_atoms(hub)
    return hub


def bundled_hub() -> HubFiles:
    """The hub files shipped in the package."""
    from .. import resources

    return read_hub([(f"hub/atoms/{f.name}", resources.read_text(f)) for f in resources.hub_atom_files()],
                    [(f"hub/{f.name}", resources.read_text(f)) for f in resources.hub_decomposition_files()])


def require_valid(hub: HubFiles) -> HubFiles:
    if hub.problems:
        raise UserInputError(f"malformed requirement hub ({len(hub.problems)} problems)", hub.problems)
    return hub


# ---------------------------------------------------------------- RDF

def hub_to_ntriples(hub: HubFiles) -> str:
    """Atoms (cg:AtomicRequirement), ``provision cg:demands atom`` triples, provisions that demand nothing
    (``cg:demandsNothing``) and one reified cg:Demand node per row carrying its provenance."""
    import hashlib

    cg, xsd = ONTOLOGY_NS, "http://www.w3.org/2001/XMLSchema#"
    a = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    skos, dct, rdfs = ("http://www.w3.org/2004/02/skos/core#", "http://purl.org/dc/terms/",
                       "http://www.w3.org/2000/01/rdf-schema#")
    out: list[str] = []
    for atom in hub.atoms.values():
        n = f"<{atom.iri}>"
        out += [f"{n} {a} <{cg}AtomicRequirement> .",
                f"{n} <{skos}notation> {_lit(atom.id)} .",
                f"{n} <{skos}prefLabel> {_lit(atom.title)}@en .",
                f"{n} <{cg}theme> {_lit(atom.theme)} .",
                f"{n} <{cg}actor> {_lit(atom.actor)} .",
                f"{n} <{skos}definition> {_lit(atom.statement)}@en .",
                f"{n} <{rdfs}comment> {_lit(atom.comment)}@en .",
                f"{n} <{dct}creator> {_lit(atom.author)} ."]
    for d in hub.demands:
        key = f"{d.provision}|{d.atom or NO_TERM}"
        n = f"<{ID_BASE}demand/{hashlib.sha1(key.encode()).hexdigest()[:16]}>"
        out += [f"{n} {a} <{cg}Demand> .",
                f"{n} <{cg}demandOf> <{d.provision.iri}> .",
                f"{n} <{cg}inMappingSet> <{HUB_SET_BASE}{d.provision.key}> .",
                f"{n} <{cg}sourceLocation> {_lit(d.source_location)} .",
                f"{n} <{rdfs}comment> {_lit(d.comment)}@en .",
                f"{n} <{dct}creator> {_lit(d.author)} ."]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.date):
            out.append(f'{n} <{dct}date> "{d.date}"^^<{xsd}date> .')
        if d.atom:
            out += [f"{n} <{cg}demandedAtom> <{atom_iri(d.atom)}> .",
                    f"<{d.provision.iri}> <{cg}demands> <{atom_iri(d.atom)}> ."]
        else:
            out.append(f'<{d.provision.iri}> <{cg}demandsNothing> "true"^^<{xsd}boolean> .')
    for key, meta in hub.sets.items():
        s = f"<{HUB_SET_BASE}{key}>"
        out.append(f"{s} {a} <{cg}MappingSet> .")
        if meta.get("mapping_set_title"):
            out.append(f"{s} <{dct}title> {_lit(str(meta['mapping_set_title']))} .")
    return "\n".join(out) + "\n"
