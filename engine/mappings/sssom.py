"""SSSOM TSV crosswalk files (the profile in docs/crosswalks.md): parse with every problem located by file,
line and column; convert to RDF (reified cg:Mapping nodes plus SKOS mapping triples); write back to SSSOM
TSV and CSV."""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from typing import Iterable

from ..errors import Problem, UserInputError
from ..refs import ID_BASE, ONTOLOGY_NS, Ref, iri_to_ref, parse_ref
from .algebra import BY_NAME

SKOS = "http://www.w3.org/2004/02/skos/core#"
SEMAPV = "https://w3id.org/semapv/vocab/"
SSSOM_NS = "https://w3id.org/sssom/"
NO_TERM = "sssom:NoTermFound"
MAPPING_BASE = ID_BASE + "mapping/"

COLUMNS = ["subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id", "object_label",
           "mapping_justification", "strm_relationship", "strm_rationale", "strm_strength", "author_id",
           "mapping_source", "comment"]
REQUIRED_METADATA = ["curie_map", "mapping_set_id", "mapping_set_version", "license", "mapping_date",
                     "subject_source", "object_source", "extension_definitions"]
EXTENSIONS = {"strm_relationship", "strm_rationale", "strm_strength"}
PREDICATE = {"equal": "skos:exactMatch", "subset_of": "skos:broadMatch", "superset_of": "skos:narrowMatch",
             "intersects_with": "skos:relatedMatch", "not_related": "skos:relatedMatch"}
RATIONALES = ("syntactic", "semantic", "functional")
INVERSE_NAME = {"equal": "equal", "subset_of": "superset_of", "superset_of": "subset_of",
                "intersects_with": "intersects_with", "not_related": "not_related"}


@dataclass(frozen=True)
class Mapping:
    """One row: ``subject`` relates to ``object`` (None = no counterpart found)."""

    subject: Ref
    object: Ref | None
    relationship: str
    rationale: str
    strength: int
    comment: str
    author: str
    source: str = ""
    justification: str = "semapv:ManualMappingCuration"
    line: int = 0
    derived: bool = False
    path: tuple[Ref, ...] = ()
    target: str = ""   # framework key searched for a counterpart (the object's framework)
    via: tuple[str, ...] = ()   # for a mapping derived through the requirement hub: the shared atom ids

    def __post_init__(self) -> None:
        if not self.target and self.object is not None:
            object.__setattr__(self, "target", self.object.key)

    def inverted(self) -> "Mapping":
        """The same mapping read from the object's side."""
        assert self.object is not None
        return replace(self, subject=self.object, object=self.subject, target=self.subject.key,
                       relationship=INVERSE_NAME[self.relationship], path=tuple(reversed(self.path)))


@dataclass
class MappingSet:
    name: str
    metadata: dict
    mappings: list[Mapping] = field(default_factory=list)

    @property
    def subject_key(self) -> str:
        return self.name.split("--")[0]

    @property
    def object_key(self) -> str:
        return self.name.split("--")[1]

    @property
    def iri(self) -> str:
        return str(self.metadata.get("mapping_set_id") or f"https://w3id.org/clausegraph/mappings/{self.name}")


def set_name(filename: str) -> str:
    return filename.rsplit("/", 1)[-1].removesuffix(".sssom.tsv")


@dataclass
class Table:
    """An SSSOM-style TSV file: its YAML metadata block and its rows (each with its line number)."""

    metadata: dict
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    header_line: int


def read_table(text: str, columns: list[str], bad) -> Table:
    """Split a TSV file with a ``#`` YAML metadata block into metadata and rows; ``bad(msg, line, col)`` gets
    every problem (no rows when the header row is missing or lacks one of ``columns``)."""
    import yaml

    lines = text.splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    body_start = len(header)
    if any(ln.startswith("#") for ln in lines[body_start:]):
        bad("metadata lines ('#') must all come before the table")
    try:
        meta = yaml.safe_load("\n".join(ln[2:] if ln.startswith("# ") else ln[1:] for ln in header)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        bad(f"metadata block is not valid YAML: {getattr(exc, 'problem', exc)}", mark.line + 1 if mark else None)
        meta = {}
    if not isinstance(meta, dict):
        bad("metadata block must be a YAML mapping", 1)
        meta = {}
    if body_start >= len(lines):
        bad("no table after the metadata block")
        return Table(meta, [], [], body_start + 1)
    reader = csv.reader(io.StringIO("\n".join(lines[body_start:])), delimiter="\t", quoting=csv.QUOTE_NONE)
    found = next(reader, None)
    if found is None:
        bad("no header row", body_start + 1)
        return Table(meta, [], [], body_start + 1)
    missing = [c for c in columns if c not in found]
    if missing:
        bad(f"missing column(s): {', '.join(missing)}", body_start + 1)
        return Table(meta, found, [], body_start + 1)
    table = Table(meta, found, [], body_start + 1)
    for offset, cells in enumerate(reader):
        line = body_start + 2 + offset
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(found):
            bad(f"expected {len(found)} tab-separated cells, found {len(cells)}", line)
            continue
        table.rows.append((line, dict(zip(found, cells))))
    return table


def parse_sssom(text: str, filename: str) -> tuple[MappingSet, list[Problem]]:
    """Parse one SSSOM TSV file; returns the rows that parsed and every problem found (never raises)."""
    problems: list[Problem] = []
    name = set_name(filename)

    def bad(msg: str, line: int | None = None, col: str | None = None) -> None:
        problems.append(Problem(msg, filename, column=col, line=line))

    table = read_table(text, COLUMNS, bad)
    meta = table.metadata
    for key in REQUIRED_METADATA:
        if key not in meta:
            bad(f"metadata lacks required key {key!r}", 1)
    curie_map = meta.get("curie_map") or {}
    declared = {d.get("slot_name") for d in meta.get("extension_definitions") or [] if isinstance(d, dict)}
    if EXTENSIONS - declared:
        bad(f"extension_definitions must declare {', '.join(sorted(EXTENSIONS - declared))}", 1)
    if "--" not in name:
        bad("file name must be <subject>--<object>.sssom.tsv")
    mset = MappingSet(name, meta)
    subj_key, obj_key = (name.split("--") + ["", ""])[:2]
    for line, row in table.rows:
        m = _row(row, line, subj_key, obj_key, curie_map, bad)
        if m is not None:
            mset.mappings.append(m)
    return mset, problems


def _curie(value: str, expected_key: str, curie_map: dict, line: int, col: str, bad) -> Ref | None:
    prefix, sep, local = value.partition(":")
    if not sep or not local:
        bad(f"expected a CURIE like {expected_key}:<slug>, got {value!r}", line, col)
        return None
    if prefix not in curie_map:
        bad(f"prefix {prefix!r} is not declared in curie_map", line, col)
        return None
    if prefix != expected_key:
        bad(f"expected a {expected_key} provision, got {value!r}", line, col)
        return None
    expansion = str(curie_map[prefix])
    try:
        ref = iri_to_ref(expansion + local)
    except UserInputError:
        bad(f"{value!r} does not expand to a clausegraph provision IRI", line, col)
        return None
    if ref.key != expected_key:
        bad(f"{value!r} expands into {ref.key}, expected {expected_key}", line, col)
        return None
    return ref


def _row(row: dict, line: int, subj_key: str, obj_key: str, curie_map: dict, bad) -> Mapping | None:
    ok = True

    def fail(msg: str, col: str) -> None:
        nonlocal ok
        ok = False
        bad(msg, line, col)

    subject = _curie(row["subject_id"].strip(), subj_key, curie_map, line, "subject_id", bad)
    if subject is None:
        ok = False
    obj_text = row["object_id"].strip()
    obj = None
    if obj_text != NO_TERM:
        obj = _curie(obj_text, obj_key, curie_map, line, "object_id", bad)
        if obj is None:
            ok = False
    rel = row["strm_relationship"].strip()
    if rel not in BY_NAME:
        fail(f"strm_relationship must be one of {', '.join(BY_NAME)}, got {rel!r}", "strm_relationship")
    elif row["predicate_id"].strip() != PREDICATE[rel]:
        fail(f"predicate_id for {rel} must be {PREDICATE[rel]}, got {row['predicate_id']!r}", "predicate_id")
    modifier = row["predicate_modifier"].strip()
    if rel in BY_NAME and modifier != ("Not" if rel == "not_related" else ""):
        fail("predicate_modifier must be 'Not' exactly for not_related rows", "predicate_modifier")
    if obj_text == NO_TERM and rel != "not_related":
        fail("a sssom:NoTermFound row must be not_related", "strm_relationship")
    if row["strm_rationale"].strip() not in RATIONALES:
        fail(f"strm_rationale must be one of {', '.join(RATIONALES)}", "strm_rationale")
    try:
        strength = int(row["strm_strength"].strip())
        if not 1 <= strength <= 10:
            raise ValueError
    except ValueError:
        strength = 0
        fail(f"strm_strength must be an integer 1-10, got {row['strm_strength']!r}", "strm_strength")
    if row["mapping_justification"].strip() != "semapv:ManualMappingCuration":
        fail("mapping_justification must be semapv:ManualMappingCuration in curated files", "mapping_justification")
    if not row["comment"].strip():
        fail("comment is required: say why the relationship holds", "comment")
    if not row["author_id"].strip():
        fail("author_id is required: who asserted the mapping", "author_id")
    if subject is not None and row["subject_label"].strip() != str(subject):
        fail(f"subject_label must be the canonical reference {str(subject)!r}", "subject_label")
    if obj is not None and row["object_label"].strip() != str(obj):
        fail(f"object_label must be the canonical reference {str(obj)!r}", "object_label")
    if not ok or subject is None:
        return None
    return Mapping(subject, obj, rel, row["strm_rationale"].strip(), strength, row["comment"].strip(),
                   row["author_id"].strip(), row["mapping_source"].strip(), row["mapping_justification"].strip(),
                   line, target=obj_key)


def read_sssom(text: str, filename: str) -> MappingSet:
    """Parse a crosswalk, raising one error that lists every problem."""
    mset, problems = parse_sssom(text, filename)
    if problems:
        raise UserInputError(f"{filename}: malformed SSSOM ({len(problems)} problems)", problems)
    return mset


# ---------------------------------------------------------------- RDF

def _lit(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def mapping_iri(set_name_: str, m: Mapping) -> str:
    key = f"{m.subject}|{m.object or NO_TERM}|{m.rationale}"
    return f"{MAPPING_BASE}{set_name_}/{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def mappings_to_ntriples(mset: MappingSet) -> str:
    """Reified cg:Mapping nodes with provenance, the mapping set, and SKOS mapping triples."""
    cg = ONTOLOGY_NS
    xsd = "http://www.w3.org/2001/XMLSchema#"
    out: list[str] = []
    s = f"<{mset.iri}>"
    out.append(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{cg}MappingSet> .")
    for key, prop in (("mapping_set_title", "http://purl.org/dc/terms/title"),
                      ("mapping_set_version", "http://www.w3.org/2002/07/owl#versionInfo"),
                      ("mapping_date", "http://purl.org/dc/terms/date")):
        if mset.metadata.get(key):
            out.append(f"{s} <{prop}> {_lit(str(mset.metadata[key]))} .")
    if mset.metadata.get("license"):
        out.append(f"{s} <http://purl.org/dc/terms/license> <{mset.metadata['license']}> .")
    date = str(mset.metadata.get("mapping_date", ""))
    for m in mset.mappings:
        n = f"<{mapping_iri(mset.name, m)}>"
        out += [f"{n} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{cg}Mapping> .",
                f"{n} <{cg}inMappingSet> {s} .",
                f"{n} <{cg}mappingSubject> <{m.subject.iri}> .",
                f"{n} <{cg}targetFramework> <{ID_BASE}{m.target}> .",
                f"{n} <{cg}relationship> {_lit(m.relationship)} .",
                f"{n} <{cg}rationale> {_lit(m.rationale)} .",
                f'{n} <{cg}strength> "{m.strength}"^^<{xsd}integer> .',
                f"{n} <{cg}justification> <{SEMAPV}{m.justification.split(':', 1)[1]}> .",
                f"{n} <http://www.w3.org/2000/01/rdf-schema#comment> {_lit(m.comment)} .",
                f"{n} <http://purl.org/dc/terms/creator> {_lit(m.author)} ."]
        if date:
            out.append(f'{n} <http://purl.org/dc/terms/date> "{date}"^^<{xsd}date> .')
        if m.source:
            out.append(f"{n} <{cg}mappingSource> {_lit(m.source)} .")
        if m.derived:
            out.append(f"{n} <{cg}derivationPath> {_lit(' -> '.join(str(r) for r in m.path))} .")
        if m.object is None:
            out.append(f'{n} <{cg}noCounterpart> "true"^^<{xsd}boolean> .')
            continue
        out.append(f"{n} <{cg}mappingObject> <{m.object.iri}> .")
        if m.relationship in PREDICATE and m.relationship != "not_related":
            pred = PREDICATE[m.relationship].split(":", 1)[1]
            out.append(f"<{m.subject.iri}> <{SKOS}{pred}> <{m.object.iri}> .")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- writing

def _meta_block(meta: dict) -> str:
    import yaml

    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return "".join(f"# {ln}\n" for ln in dumped.splitlines())


def to_sssom(mappings: Iterable[Mapping], metadata: dict) -> str:
    """SSSOM TSV text (derived mappings carry semapv:MappingChaining and their path in the comment)."""
    buf = io.StringIO()
    buf.write(_meta_block(metadata))
    w = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    w.writerow(COLUMNS)
    for m in mappings:
        comment = m.comment
        if m.derived and m.path:
            comment = f"{comment} [chained via {' -> '.join(str(r) for r in m.path)}]".strip()
        elif m.via:
            comment = f"{comment} [shared atoms: {', '.join(m.via)}]"
        w.writerow([m.subject.curie, str(m.subject), PREDICATE[m.relationship] if m.relationship in PREDICATE else "",
                    "Not" if m.relationship == "not_related" else "",
                    m.object.curie if m.object else NO_TERM, str(m.object) if m.object else "",
                    "semapv:MappingChaining" if m.derived else m.justification, m.relationship, m.rationale,
                    m.strength, m.author, m.source, comment.replace("\t", " ").replace("\n", " ")])
    return buf.getvalue()


def parse_text_ref(text: str) -> Ref:
    """A reference or CURIE given on the command line."""
    return parse_ref(text)


def as_json(m: Mapping) -> dict:
    return {"subject": str(m.subject), "object": str(m.object) if m.object else None,
            "relationship": m.relationship, "rationale": m.rationale, "strength": m.strength,
            "derived": m.derived, "path": [str(r) for r in m.path], "via": list(m.via), "comment": m.comment,
            "source": m.source or "own analysis"}
