"""An OSCAL catalog read as a new framework: its groups become headings, its controls (and nested controls)
provisions, statement prose our summary, ``links`` the official source. Every problem is located by JSON path
and reported at once; nothing is returned (so nothing is written) unless the whole document is valid.

A provision's identifier is the control's ``label`` property when it has one (what the catalog prints, e.g.
``AC-2(1)``), else its ``id``. Controls are assessable unless our own ``assessable`` property says otherwise (so
a catalog clausegraph exported comes back with the same provisions, hierarchy and assessable set)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import Problem, UserInputError
from ..refs import ONTOLOGY_NS, Ref, framework_iri, normalise_id, register_framework_key
from ..store import GRAPH_BASE, Store
from .common import CG_NS

#: Named graph of an added framework (``build`` keeps it: it replaces only the bundled graphs).
ADDED_GRAPH = GRAPH_BASE + "framework/"
_TOKEN_RE = re.compile(r"^[_A-Za-z][_A-Za-z0-9.\-]*$")
_MAX_MESSAGE = 200
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class _Item:
    path: str
    id: str
    label: str
    title: str
    kind: str
    summary: str
    source: str | None
    assessable: bool
    parent: "_Item | None"
    order: int


@dataclass
class AddedFramework:
    """A validated catalog ready to be written: its key, title and provisions as N-Triples."""

    key: str
    title: str
    version: str
    provisions: int
    assessable: int
    ntriples: str
    graph: str
    warnings: list[str] = field(default_factory=list)


def _cut(text: object) -> str:
    s = str(text)
    return s if len(s) <= _MAX_MESSAGE else s[:_MAX_MESSAGE] + "…"


def _prose(parts: object) -> str:
    """The statement text of a control: the prose of its statement part and the parts inside it."""
    out: list[str] = []

    def walk(ps: object, inside: bool) -> None:
        if not isinstance(ps, list):
            return
        for p in ps:
            if not isinstance(p, dict):
                continue
            here = inside or p.get("name") == "statement"
            if here and isinstance(p.get("prose"), str):
                out.append(re.sub(r"\s+", " ", p["prose"]).strip())
            walk(p.get("parts"), here)

    walk(parts, False)
    return " ".join(x for x in out if x)


class _Reader:
    def __init__(self, file: str, key: str) -> None:
        self.file = file
        self.key = key
        self.problems: list[Problem] = []
        self.items: list[_Item] = []
        self.seen_ids: dict[str, str] = {}
        self.seen_labels: dict[str, str] = {}

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(_cut(message), file=self.file, path=path))

    def text(self, obj: dict, name: str, path: str, required: bool = True) -> str:
        v = obj.get(name)
        if v is None:
            if required:
                self.problem(f"{path}.{name}", f"missing '{name}': a non-empty string is required")
            return ""
        if not isinstance(v, str) or not v.strip():
            self.problem(f"{path}.{name}", f"'{name}' must be a non-empty string, found {_cut(json.dumps(v))}")
            return ""
        return v.strip()

    def props(self, obj: dict, path: str) -> dict[tuple[str | None, str], str]:
        out: dict[tuple[str | None, str], str] = {}
        ps = obj.get("props", [])
        if not isinstance(ps, list):
            self.problem(f"{path}.props", "'props' must be a list")
            return out
        for i, p in enumerate(ps):
            if not isinstance(p, dict) or not isinstance(p.get("name"), str) or not isinstance(p.get("value"), str):
                self.problem(f"{path}.props[{i}]", "a property needs a string 'name' and a string 'value'")
                continue
            out.setdefault((p.get("ns"), p["name"]), p["value"].strip())
        return out

    def source(self, obj: dict, path: str) -> str | None:
        links = obj.get("links", [])
        if not isinstance(links, list):
            self.problem(f"{path}.links", "'links' must be a list")
            return None
        for i, link in enumerate(links):
            href = link.get("href") if isinstance(link, dict) else None
            if not isinstance(href, str):
                self.problem(f"{path}.links[{i}].href", "a link needs a string 'href'")
                continue
            if href.startswith(("http://", "https://")) and not re.search(r"[<>\"{}|^`\\\s]", href):
                return href
        return None

    def node(self, obj: object, path: str, kind_default: str, parent: _Item | None, control: bool) -> None:
        if not isinstance(obj, dict):
            self.problem(path, f"expected an object, found {type(obj).__name__}")
            return
        ident = self.text(obj, "id", path)
        if ident and not _TOKEN_RE.match(ident):
            self.problem(f"{path}.id", f"{ident!r} is not an OSCAL token (a letter or '_' then letters, digits, "
                                       "'.', '-', '_')")
        if ident in self.seen_ids:
            self.problem(f"{path}.id", f"duplicate id {ident!r} (also at {self.seen_ids[ident]})")
        elif ident:
            self.seen_ids[ident] = path
        title = self.text(obj, "title", path)
        props = self.props(obj, path)
        label = normalise_id(self.key, props.get((None, "label")) or ident) or ""
        if label in self.seen_labels:
            self.problem(f"{path}.props", f"two provisions named {label!r} (also at {self.seen_labels[label]}): "
                                          "labels (or ids) must be unique")
        elif label:
            self.seen_labels[label] = path
        kind = props.get((CG_NS, "kind")) or (obj.get("class") if isinstance(obj.get("class"), str) else None) \
            or kind_default
        assessable = control and props.get((CG_NS, "assessable"), "true") != "false"
        item = _Item(path, ident, label, title, kind, _prose(obj.get("parts")), self.source(obj, path), assessable,
                     parent, len(self.items) + 1)
        if ident and title and label:
            self.items.append(item)
        for name, child_is_control in (("groups", False), ("controls", True)):
            kids = obj.get(name)
            if kids is None:
                continue
            if not isinstance(kids, list) or not kids:
                self.problem(f"{path}.{name}", f"'{name}' must be a non-empty list")
                continue
            if control and name == "groups":
                self.problem(f"{path}.groups", "a control cannot contain groups")
                continue
            for i, kid in enumerate(kids):
                self.node(kid, f"{path}.{name}[{i}]", "control" if child_is_control else "group", item,
                          child_is_control)


def read_catalog(document: object, *, key: str, file: str = "catalog") -> AddedFramework:
    """Validate an OSCAL catalog (parsed JSON) and turn it into the triples of framework ``key``."""
    k = register_framework_key(key) if isinstance(key, str) else key
    r = _Reader(file, k)
    if not isinstance(document, dict) or not isinstance(document.get("catalog"), dict):
        r.problem("$", "expected an OSCAL catalog: an object with a 'catalog' object")
        raise UserInputError(f"{file}: not an OSCAL catalog", r.problems)
    cat = document["catalog"]
    meta = cat.get("metadata")
    title = version = ""
    if not isinstance(meta, dict):
        r.problem("$.catalog.metadata", "missing 'metadata' object")
    else:
        title = r.text(meta, "title", "$.catalog.metadata")
        version = r.text(meta, "version", "$.catalog.metadata")
        r.text(meta, "oscal-version", "$.catalog.metadata")
    for name, is_control in (("groups", False), ("controls", True)):
        kids = cat.get(name)
        if kids is None:
            continue
        if not isinstance(kids, list):
            r.problem(f"$.catalog.{name}", f"'{name}' must be a list")
            continue
        for i, kid in enumerate(kids):
            r.node(kid, f"$.catalog.{name}[{i}]", "control" if is_control else "group", None, is_control)
    if not r.problems and not r.items:
        r.problem("$.catalog", "the catalog has no groups or controls")
    if r.problems:
        n = len(r.problems)
        raise UserInputError(f"{file}: {n} problem{'s' if n != 1 else ''} in the OSCAL catalog", r.problems)
    fw_source = None
    if isinstance(meta, dict):
        fw_source = r.source(meta, "$.catalog.metadata")
    return AddedFramework(k, title, version, len(r.items), sum(1 for i in r.items if i.assessable),
                          _ntriples(k, title, version, fw_source, file, r.items), ADDED_GRAPH + k)


def _ntriples(key: str, title: str, version: str, source: str | None, file: str, items: list[_Item]) -> str:
    cg = lambda local: ox.NamedNode(ONTOLOGY_NS + local)  # noqa: E731
    fw = ox.NamedNode(framework_iri(key))
    lit = ox.Literal
    en = lambda s: ox.Literal(s, language="en")  # noqa: E731
    t: list[ox.Triple] = [
        ox.Triple(fw, RDF_TYPE, cg("Framework")),
        ox.Triple(fw, RDF_TYPE, ox.NamedNode(SKOS + "ConceptScheme")),
        ox.Triple(fw, cg("frameworkKey"), lit(key)),
        ox.Triple(fw, ox.NamedNode(DCT + "title"), en(title)),
        ox.Triple(fw, ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo"), lit(version)),
        ox.Triple(fw, cg("verificationStatus"), lit("unverified")),
        ox.Triple(fw, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                  en(f"Added from the OSCAL catalog {Path(file).name}; not checked by clausegraph's curators.")),
    ]
    if source:
        t.append(ox.Triple(fw, ox.NamedNode(DCT + "source"), ox.NamedNode(source)))
    iri_of = {id(i): ox.NamedNode(Ref(key, i.label).iri) for i in items}
    for i in items:
        p = iri_of[id(i)]
        t += [ox.Triple(p, RDF_TYPE, cg("Provision")), ox.Triple(p, RDF_TYPE, ox.NamedNode(SKOS + "Concept")),
              ox.Triple(p, ox.NamedNode(SKOS + "inScheme"), fw), ox.Triple(p, ox.NamedNode(SKOS + "notation"), lit(i.label)),
              ox.Triple(p, ox.NamedNode(SKOS + "prefLabel"), en(i.title)), ox.Triple(p, cg("kind"), lit(i.kind)),
              ox.Triple(p, cg("order"), lit(str(i.order), datatype=ox.NamedNode(XSD + "integer"))),
              ox.Triple(p, cg("verificationStatus"), lit("unverified"))]
        if i.summary:
            t.append(ox.Triple(p, cg("summary"), en(i.summary)))
        if i.source:
            t.append(ox.Triple(p, ox.NamedNode(DCT + "source"), ox.NamedNode(i.source)))
        if i.parent is not None:
            t.append(ox.Triple(p, ox.NamedNode(SKOS + "broader"), iri_of[id(i.parent)]))
        if i.assessable:
            t.append(ox.Triple(p, cg("assessable"), lit("true", datatype=ox.NamedNode(XSD + "boolean"))))
    return ox.serialize(t, format=ox.RdfFormat.N_TRIPLES).decode()


class _Object(dict):
    """A JSON object as parsed, with the keys it gave more than once (JSON keeps the last value silently)."""

    twice: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, object]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) < len(pairs):
        names = [k for k, _ in pairs]
        obj.twice = tuple(dict.fromkeys(k for k in names if names.count(k) > 1))
    return obj


def _keys_given_twice(doc: object, file: str) -> list[Problem]:
    """A located problem for every key given twice in one object of ``doc`` (walked without recursion)."""
    problems, todo = [], [(doc, "$")]
    while todo:
        node, path = todo.pop()
        if isinstance(node, _Object):
            problems += [Problem(f"key '{_cut(k)}' given more than once in one object: each key may appear once",
                                 file=file, path=path) for k in node.twice]
            todo += [(v, f"{path}.{k}") for k, v in node.items()]
        elif isinstance(node, list):
            todo += [(v, f"{path}[{i}]") for i, v in enumerate(node)]
    return sorted(problems, key=lambda p: p.path or "")


def read_catalog_file(path: str | Path, *, key: str) -> AddedFramework:
    """Read and validate an OSCAL catalog JSON file (every problem located; nothing written)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UserInputError(f"{path}: cannot read the OSCAL catalog: {_cut(e)}") from None
    too_deep = f"{path}: nested too deeply to be an OSCAL catalog (objects and lists inside each other)"
    try:
        doc = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as e:
        raise UserInputError(f"{path}: not JSON", [Problem(_cut(e.msg), file=str(path), line=e.lineno,
                                                            column=str(e.colno))]) from None
    except RecursionError:
        raise UserInputError(too_deep) from None
    twice = _keys_given_twice(doc, str(path))
    if twice:
        raise UserInputError(f"{path}: keys given twice in the OSCAL catalog", twice)
    try:
        return read_catalog(doc, key=key, file=str(path))
    except RecursionError:
        raise UserInputError(too_deep) from None


def add_framework(store: Store, *, path: str | Path, key: str) -> AddedFramework:
    """Validate the OSCAL catalog at ``path`` and write it to ``store`` as framework ``key`` (one atomic graph
    replacement: re-adding a key replaces that framework; nothing is written when the catalog has problems)."""
    added = read_catalog_file(path, key=key)
    store.replace_graph(added.graph, added.ntriples, "ntriples")
    return added
