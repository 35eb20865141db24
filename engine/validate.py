"""SHACL validation of the graph: a fast path that evaluates the shapes as SPARQL on the store, and pySHACL as
the reference for SHACL semantics (a differential test proves identical findings on generated registers).

The fast path supports the SHACL subset clausegraph's shapes use and refuses anything else (so a new shape
can never be silently ignored): node shapes with sh:targetClass (instances of subclasses included, as in SHACL),
property shapes with an IRI sh:path and sh:minCount, sh:maxCount, sh:datatype, sh:class, sh:in, sh:minLength,
sh:minInclusive, sh:maxInclusive, sh:pattern; and SPARQL-based constraints (sh:sparql with sh:select).

Longer than ~400 lines on purpose: the shapes parser, the SPARQL compiler of the fast path and the pySHACL
path share one finding model and must stay side by side for the differential test to mean anything.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import resources
from .errors import UserInputError
from .store import Store

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
CG = "https://w3id.org/clausegraph/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG_SHAPES = ("organisation.ttl",)
CATALOGUE_SHAPES = ("catalogue.ttl",)
SUPPORTED_PROPERTY = {"path", "minCount", "maxCount", "datatype", "class", "in", "minLength", "minInclusive",
                      "maxInclusive", "pattern", "flags", "message", "severity", "name", "description"}
SUPPORTED_NODE = {"targetClass", "property", "sparql", "message", "severity", "name", "description"}


@dataclass(frozen=True)
class Finding:
    """One validation result."""

    focus: str
    shape: str
    severity: str                  # Violation, Warning, Info
    message: str
    path: str | None = None
    value: str | None = None
    component: str | None = None
    enforces: tuple[str, ...] = ()
    blank: bool = False            # the focus node is a blank node (its label differs between engines)

    @property
    def key(self) -> tuple:
        """What the differential test compares: focus node, path, shape, severity (blank nodes as '_:')."""
        return ("_:" if self.blank else self.focus, self.path, self.shape, self.severity)

    def as_dict(self) -> dict:
        from .refs import iri_to_ref

        def name(iri: str | None) -> str | None:
            if not iri:
                return iri
            try:
                return str(iri_to_ref(iri))
            except Exception:  # noqa: BLE001 - not a provision IRI
                return iri.rsplit("/", 1)[-1] if "/id/org/" in iri else iri

        return {"focus": self.focus, "focus_label": name(self.focus), "shape": self.shape.rsplit("#", 1)[-1],
                "severity": self.severity, "message": self.message, "path": self.path, "value": self.value,
                "enforces": [name(e) for e in self.enforces]}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    focus_nodes: dict[str, list[str]] = field(default_factory=dict)   # shape -> focus nodes checked
    as_of: dt.date | None = None
    engine: str = "fast"

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)


# ---------------------------------------------------------------- shapes model

@dataclass
class PropertyShape:
    iri: str
    path: str
    params: dict[str, list]     # local name -> values (rdflib terms)
    message: str | None
    severity: str
    enforces: tuple[str, ...]


@dataclass
class SparqlConstraint:
    iri: str
    select: str
    message: str | None
    severity: str
    enforces: tuple[str, ...]


@dataclass
class NodeShape:
    iri: str
    target_classes: list[str]
    properties: list[PropertyShape]
    sparql: list[SparqlConstraint]
    enforces: tuple[str, ...]


def _local(iri: str) -> str:
    return iri.split("#")[-1]


def load_shapes_graph(names: tuple[str, ...]):
    import rdflib

    g = rdflib.Graph()
    for name in names:
        g.parse(data=resources.read_text(resources.shape_file(name)), format="turtle")
    return g


def parse_shapes(g) -> list[NodeShape]:
    """Read node shapes from an rdflib graph, refusing SHACL features the fast path does not implement."""
    from rdflib import RDF, URIRef
    from rdflib.collection import Collection

    sh = lambda n: URIRef(SH + n)  # noqa: E731
    enforces_p = URIRef(CG + "enforces")

    def severity(node) -> str:
        s = g.value(node, sh("severity"))
        return _local(str(s)) if s is not None else "Violation"

    def message(node) -> str | None:
        m = g.value(node, sh("message"))
        return str(m) if m is not None else None

    shapes = []
    for ns in sorted(set(g.subjects(RDF.type, sh("NodeShape"))), key=str):
        if not isinstance(ns, URIRef):
            raise UserInputError(f"node shapes need IRIs: {ns}")
        for p in set(g.predicates(ns, None)):
            if str(p).startswith(SH) and _local(str(p)) not in SUPPORTED_NODE:
                raise UserInputError(f"{ns}: sh:{_local(str(p))} is not supported by the fast validator")
        props = []
        for ps in sorted(g.objects(ns, sh("property")), key=str):
            if not isinstance(ps, URIRef):
                raise UserInputError(f"{ns}: property shapes need IRIs so findings can name them")
            path = g.value(ps, sh("path"))
            if not isinstance(path, URIRef):
                raise UserInputError(f"{ps}: only IRI paths are supported")
            params: dict[str, list] = {}
            for p, o in g.predicate_objects(ps):
                if not str(p).startswith(SH):
                    continue
                name = _local(str(p))
                if name not in SUPPORTED_PROPERTY:
                    raise UserInputError(f"{ps}: sh:{name} is not supported by the fast validator")
                if name == "in":
                    params[name] = list(Collection(g, o))
                else:
                    params.setdefault(name, []).append(o)
            props.append(PropertyShape(str(ps), str(path), params, message(ps), severity(ps),
                                       tuple(sorted(str(e) for e in g.objects(ps, enforces_p)))))
        sparqls = []
        for c in sorted(g.objects(ns, sh("sparql")), key=str):
            select = g.value(c, sh("select"))
            if select is None:
                raise UserInputError(f"{c}: only sh:select SPARQL constraints are supported")
            prefixes = ""
            for decl_holder in g.objects(c, sh("prefixes")):
                for d in g.objects(decl_holder, sh("declare")):
                    prefixes += f"PREFIX {g.value(d, sh('prefix'))}: <{g.value(d, sh('namespace'))}>\n"
            sparqls.append(SparqlConstraint(str(c), prefixes + str(select), message(c), severity(ns),
                                            tuple(sorted(str(e) for e in g.objects(c, enforces_p)))))
        targets = [str(t) for t in g.objects(ns, sh("targetClass"))]
        shapes.append(NodeShape(str(ns), sorted(targets), props, sparqls,
                                tuple(sorted(str(e) for e in g.objects(ns, enforces_p)))))
    return shapes


@lru_cache(maxsize=4)
def bundled_shapes(names: tuple[str, ...]) -> tuple[NodeShape, ...]:
    return tuple(parse_shapes(load_shapes_graph(names)))


# ---------------------------------------------------------------- fast path: shapes as SPARQL

def _term(t) -> str:
    from rdflib import Literal, URIRef

    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, Literal):
        return t.n3()
    raise UserInputError(f"unsupported term in a shape: {t!r}")


def _target(ns: NodeShape) -> str:
    if not ns.target_classes:
        return ""
    values = " ".join(f"<{c}>" for c in ns.target_classes)
    return (f"VALUES ?target {{ {values} }} ?this <{RDF_TYPE}> ?t . "
            f"?t <{SUBCLASS}>* ?target .")


def _property_queries(ns: NodeShape, ps: PropertyShape) -> list[tuple[str, str, bool]]:
    """(component, SPARQL selecting ?this [?value], per_value) for each constraint of a property shape."""
    tgt = _target(ns)
    p = f"<{ps.path}>"
    out = []
    prm = ps.params
    lo, hi = _count_bounds(ps)
    if lo is not None or hi is not None:
        # sh:minCount and sh:maxCount in one pass over the targets: ?n values per focus node, out of bounds
        # (validate_fast names the component from ?n)
        outside = " || ".join(([f"COUNT(DISTINCT ?v) < {lo}"] if lo is not None else [])
                              + ([f"COUNT(DISTINCT ?v) > {hi}"] if hi is not None else []))
        out.append(("Count", f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {{ SELECT DISTINCT ?this WHERE "
                             f"{{ {tgt} }} }} OPTIONAL {{ ?this {p} ?v }} }} GROUP BY ?this HAVING ({outside})", False))
    vals = f"{{ SELECT DISTINCT ?this WHERE {{ {tgt} }} }} ?this {p} ?value ."
    if "datatype" in prm:
        d = str(prm["datatype"][0])
        if d == XSD + "string":
            cond = f"!isLiteral(?value) || lang(?value) != '' || datatype(?value) != <{d}>"
            q = f"SELECT DISTINCT ?this ?value WHERE {{ {vals} FILTER({cond}) }}"
        else:
            # an ill-typed literal of the right datatype is a violation too (e.g. "2026-13-45"^^xsd:date):
            # the cast of its lexical form fails and leaves ?cast unbound
            q = (f"SELECT DISTINCT ?this ?value WHERE {{ {vals} BIND(<{d}>(STR(?value)) AS ?cast) "
                 f"FILTER(!isLiteral(?value) || datatype(?value) != <{d}> || !BOUND(?cast)) }}")
        out.append(("Datatype", q, True))
    if "class" in prm:
        c = str(prm["class"][0])
        out.append(("Class", f"SELECT DISTINCT ?this ?value WHERE {{ {vals} FILTER NOT EXISTS "
                             f"{{ ?value <{RDF_TYPE}>/<{SUBCLASS}>* <{c}> }} }}", True))
    if "in" in prm:
        allowed = ", ".join(_term(t) for t in prm["in"])
        out.append(("In", f"SELECT DISTINCT ?this ?value WHERE {{ {vals} FILTER(?value NOT IN ({allowed})) }}", True))
    if "minLength" in prm:
        n = int(prm["minLength"][0])
        out.append(("MinLength", f"SELECT DISTINCT ?this ?value WHERE {{ {vals} "
                                 f"FILTER(isBlank(?value) || STRLEN(STR(?value)) < {n}) }}", True))
    for name, op in (("minInclusive", "<"), ("maxInclusive", ">")):
        if name in prm:
            bound = _term(prm[name][0])
            comp = "MinInclusive" if name == "minInclusive" else "MaxInclusive"
            out.append((comp, f"SELECT DISTINCT ?this ?value WHERE {{ {vals} "
                              f"FILTER(!(?value {'>=' if op == '<' else '<='} {bound})) }}", True))
    if "pattern" in prm:
        pat = str(prm["pattern"][0]).replace("\\", "\\\\").replace('"', '\\"')
        flags = str(prm["flags"][0]) if "flags" in prm else ""
        out.append(("Pattern", f'SELECT DISTINCT ?this ?value WHERE {{ {vals} '
                               f'FILTER(isBlank(?value) || !REGEX(STR(?value), "{pat}", "{flags}")) }}', True))
    return out


def _count_bounds(ps: PropertyShape) -> tuple[int | None, int | None]:
    """The property shape's sh:minCount and sh:maxCount (None when absent)."""
    return tuple(int(ps.params[k][0]) if k in ps.params else None for k in ("minCount", "maxCount"))  # type: ignore


def _count_components(ps: PropertyShape, n: int) -> list[str]:
    """The count constraints ``n`` values of the path violate."""
    lo, hi = _count_bounds(ps)
    return ([] if lo is None or n >= lo else ["MinCount"]) + ([] if hi is None or n <= hi else ["MaxCount"])


_SELECT_RE = re.compile(r"^(?P<prologue>.*?)\bSELECT\b(?P<rest>.*)$", re.S | re.I)


def _sparql_query(ns: NodeShape, c: SparqlConstraint) -> str:
    m = _SELECT_RE.match(c.select)
    if not m:
        raise UserInputError(f"{c.iri}: sh:select must be a SELECT query")
    inner = "SELECT" + m.group("rest").replace("$this", "?this")
    return (f"{m.group('prologue')}SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {_target(ns)} }} }} "
            f"{{ {inner} }} }}")


def _fill(message: str | None, this: str, row: dict) -> str:
    if not message:
        return ""
    out = message.replace("{$this}", _short(this))
    for k, v in row.items():
        out = out.replace("{?" + k + "}", _short(v.value))
    return out


def _short(iri: str) -> str:
    if "/id/org/" in iri:
        return iri.rsplit("/", 1)[-1]
    try:
        from .refs import iri_to_ref

        return str(iri_to_ref(iri))
    except Exception:  # noqa: BLE001
        return iri


def validate_fast(store: Store, shapes: tuple[NodeShape, ...]) -> Report:
    report = Report(shapes=[s.iri for s in shapes], engine="fast")
    for ns in shapes:
        for ps in ns.properties:
            for component, query, _ in _property_queries(ns, ps):
                for row in store.select(query).rows:
                    value = row["value"].value if "value" in row else None
                    names = _count_components(ps, int(row["n"].value)) if component == "Count" else [component]
                    report.findings += [Finding(row["this"].value, ps.iri, ps.severity, ps.message or "", ps.path,
                                                value, name, ps.enforces or ns.enforces, row["this"].kind == "bnode")
                                        for name in names]
        for c in ns.sparql:
            for row in store.select(_sparql_query(ns, c)).rows:
                this = row["this"].value
                report.findings.append(Finding(this, ns.iri, c.severity, _fill(c.message, this, row),
                                               row["path"].value if "path" in row else None,
                                               row["value"].value if "value" in row else None,
                                               "SPARQLConstraint", c.enforces or ns.enforces,
                                               row["this"].kind == "bnode"))
    report.findings = sorted(set(report.findings), key=lambda f: (f.shape, f.focus, f.path or "", f.value or ""))
    return report


# ---------------------------------------------------------------- reference path: pySHACL

def store_to_rdflib(store: Store):
    """The union of the store's graphs as one rdflib graph (what both validators see)."""
    import rdflib

    g = rdflib.Graph()
    from . import queries as q

    nt = store.query(q.render("all-triples"))
    g.parse(data=nt.ntriples, format="nt")  # type: ignore[union-attr]
    return g


def validate_pyshacl(data_graph, shapes_graph, shapes: tuple[NodeShape, ...]) -> Report:
    from pyshacl import validate
    from rdflib import RDF, BNode, URIRef

    _, results, _ = validate(data_graph, shacl_graph=shapes_graph, inference="none", advanced=False,
                             abort_on_first=False, allow_warnings=True, meta_shacl=False)
    sh = lambda n: URIRef(SH + n)  # noqa: E731
    by_iri = {s.iri: s for s in shapes}
    prop_owner = {p.iri: (s, p) for s in shapes for p in s.properties}
    report = Report(shapes=[s.iri for s in shapes], engine="pyshacl")
    for r in results.subjects(RDF.type, sh("ValidationResult")):
        focus_node = results.value(r, sh("focusNode"))
        focus = str(focus_node)
        shape = str(results.value(r, sh("sourceShape")))
        path = results.value(r, sh("resultPath"))
        value = results.value(r, sh("value"))
        sev = _local(str(results.value(r, sh("resultSeverity"))))
        msg = results.value(r, sh("resultMessage"))
        comp = _local(str(results.value(r, sh("sourceConstraintComponent")))).removesuffix("ConstraintComponent")
        enforces: tuple[str, ...] = ()
        if shape in prop_owner:
            ns, ps = prop_owner[shape]
            enforces = ps.enforces or ns.enforces
        elif shape in by_iri:
            c = results.value(r, sh("sourceConstraint"))
            enforces = next((x.enforces for x in by_iri[shape].sparql if x.iri == str(c)), by_iri[shape].enforces)
        report.findings.append(Finding(focus, shape, sev, str(msg) if msg is not None else "",
                                       str(path) if path is not None else None,
                                       str(value) if value is not None else None, comp, enforces,
                                       isinstance(focus_node, BNode)))
    report.findings = sorted(set(report.findings), key=lambda f: (f.shape, f.focus, f.path or "", f.value or ""))
    return report


# ---------------------------------------------------------------- the command's entry point

def prepare(store: Store, as_of: dt.date) -> None:
    """Write the classification and the as-of date into the store (the organisation shapes read them)."""
    from .build import GRAPH_BASE
    from .classify import classification_ntriples

    from .cache import recall, remember

    if recall(store, ("classified", as_of)):
        return   # nothing was written since this date's classification was stored
    store.replace_graph(GRAPH_BASE + "classification", classification_ntriples(store, as_of), "ntriples")
    remember(store, ("classified", as_of), True)


def validate(store: Store, as_of: dt.date, engine: str = "fast", catalogue: bool = False,
             focus_nodes: bool = False) -> Report:
    """Validate the organisation data (and optionally the catalogues) on ``as_of``."""
    names = ORG_SHAPES + (CATALOGUE_SHAPES if catalogue else ())
    prepare(store, as_of)
    shapes = bundled_shapes(names)
    if engine == "pyshacl":
        report = validate_pyshacl(store_to_rdflib(store), load_shapes_graph(names), shapes)
    elif engine == "fast":
        report = validate_fast(store, shapes)
    else:
        raise UserInputError(f"unknown validation engine {engine!r}; use fast or pyshacl")
    report.as_of = as_of
    if focus_nodes:   # every checked node, for JUnit's one test case per shape and focus node
        report.focus_nodes = _focus_nodes(store, shapes)
    return report


def _focus_nodes(store: Store, shapes: tuple[NodeShape, ...]) -> dict[str, list[str]]:
    out = {}
    for ns in shapes:
        rows = store.select(f"SELECT DISTINCT ?this WHERE {{ {_target(ns)} }}").rows if ns.target_classes else []
        out[ns.iri] = sorted(r["this"].value for r in rows)
    return out


# ---------------------------------------------------------------- renderers

def to_json(report: Report) -> dict:
    counts = {"Violation": 0, "Warning": 0, "Info": 0}
    for f in report.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return {"conforms": report.conforms, "as_of": report.as_of.isoformat() if report.as_of else None,
            "engine": report.engine, "summary": {"violations": counts["Violation"], "warnings": counts["Warning"],
                                                 "infos": counts["Info"]},
            "findings": [f.as_dict() for f in report.findings]}


def to_text(report: Report) -> str:
    lines = []
    for f in report.findings:
        d = f.as_dict()
        cite = f" [{', '.join(d['enforces'])}]" if d["enforces"] else ""
        lines.append(f"{f.severity.upper():9} {d['focus_label']}: {f.message or d['shape']}{cite}")
    j = to_json(report)["summary"]
    lines.append(f"{'conforms' if report.conforms else 'does not conform'}: {j['violations']} violations, "
                 f"{j['warnings']} warnings (as of {report.as_of})")
    return "\n".join(lines) + "\n"


def to_junit(report: Report) -> str:
    """JUnit XML: one test case per shape and focus node, failing on violations (warnings as system-out)."""
    from xml.sax.saxutils import escape, quoteattr

    by_case: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        by_case.setdefault((_owner_shape(report, f.shape), f.focus), []).append(f)
    cases = []
    for shape in report.shapes:
        for focus in report.focus_nodes.get(shape, []) or sorted({k[1] for k in by_case if k[0] == shape}):
            found = by_case.get((shape, focus), [])
            name = quoteattr(_short(focus))
            cls = quoteattr("clausegraph." + shape.rsplit("#", 1)[-1])
            body = ""
            failures = [f for f in found if f.severity == "Violation"]
            if failures:
                msg = "; ".join(f.message for f in failures)
                cites = ", ".join(sorted({e for f in failures for e in f.as_dict()["enforces"]}))
                body += (f"<failure message={quoteattr(msg)} type=\"SHACLViolation\">"
                         f"{escape(msg)}\nEnforces: {escape(cites)}</failure>")
            warnings = [f for f in found if f.severity != "Violation"]
            if warnings:
                body += f"<system-out>{escape('; '.join(f.message for f in warnings))}</system-out>"
            cases.append(f"  <testcase classname={cls} name={name}>{body}</testcase>")
    failures = sum(1 for c in cases if "<failure" in c)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<testsuites name=\"clausegraph validate\" tests=\"{len(cases)}\" failures=\"{failures}\">\n"
            f"<testsuite name=\"clausegraph.shacl\" tests=\"{len(cases)}\" failures=\"{failures}\" errors=\"0\">\n"
            + "\n".join(cases) + "\n</testsuite>\n</testsuites>\n")


def _owner_shape(report: Report, shape: str) -> str:
    for ns in bundled_shapes(ORG_SHAPES + CATALOGUE_SHAPES):
        if shape == ns.iri or any(p.iri == shape for p in ns.properties):
            return ns.iri
    return shape
