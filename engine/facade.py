"""The engine's one entry point: :class:`Clausegraph` answers every question over one store.

Every door (the CLI, the REST routes, the web page, the MCP server) parses its input, calls one method here and
renders the typed answer (:mod:`clausegraph.engine.answers`). What every door needs is done here, once:

* the as-of date: ``as_of=None`` means today (:func:`as_of_or_today`, the only place that defaults a date);
  a date given as text is read by :func:`parse_date` (only ``YYYY-MM-DD``), the one parser every door uses;
* "exactly one of" argument checks, raising :class:`~clausegraph.engine.errors.UserInputError` (exit 2, 400);
* "is a register loaded?": questions about organisation data raise :class:`RegisterNotLoadedError` (404);
* register import: validate everything, then replace the register graph (all or nothing);
* the memo: answers are remembered for one store write generation (:mod:`clausegraph.engine.cache`);
* the store's lifetime: :meth:`Clausegraph.open` opens (and builds) it, :meth:`close` / ``with`` flush it.

Adding a question: write it as a function ``f(store, ...)`` in its own engine module, then add one keyword-only
method here that defaults the date, checks arguments and the register, and returns ``self._memo(...)``.

Longer than ~400 lines on purpose: it is the list of every question the engine answers, each method a few lines
that only default, check and delegate; splitting it would hide a question from the doors' one place to look.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

from . import cache
from .answers import (Citation, Classification, Coverage, CoverageMatrix, FrameworkInfo, Gaps, HubListing, Impact,
                      ImportResult, IncidentImpact, OpenFindings, OscalDocument, Plan, ProvisionAnswer, Readiness,
                      StatementOfApplicability, System, SystemClassification, Trace)
from .errors import ClausegraphError, NotFoundError, Problem, UserInputError
from .store import QueryResult, Store

T = TypeVar("T")
SOA_FRAMEWORKS = ("iso42001",)
SOA_FRAMEWORKS_WITH_27001 = ("iso42001", "iso27001")


def as_of_or_today(as_of: dt.date | None) -> dt.date:
    """The date a question is answered for: ``as_of``, or today when not given."""
    return as_of if as_of is not None else dt.date.today()


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ISO_DATE_PATTERN = f"^{ISO_DATE.pattern}$"


def parse_date(text: str, *, name: str = "as_of") -> dt.date:
    """``text`` as a calendar date written ``YYYY-MM-DD`` and nothing else (no timestamp, no ISO 8601 basic or
    week form, no spaces); a :class:`UserInputError` naming the parameter ``name`` otherwise."""
    if ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    message = f"{name} must be a date written YYYY-MM-DD, not {text!r}"
    raise UserInputError(message, [Problem(message, column=name)])


def exactly_one(**choices: object) -> str:
    """The name of the one given (truthy) choice; a clear error unless exactly one was given."""
    given = [name for name, value in choices.items() if value]
    if len(given) != 1:
        names = list(choices)
        raise UserInputError(f"give exactly one of {', '.join(names[:-1])} or {names[-1]}"
                             if len(names) > 2 else f"give either {names[0]} or {names[1]}")
    return given[0]


class RegisterNotLoadedError(NotFoundError):
    """A question about organisation data was asked of a store without a register."""

    def __init__(self) -> None:
        super().__init__("no register is loaded in the store: give --register PATH (a folder, .xlsx or .yaml), "
                         "start the server with one (e.g. 'clausegraph serve --register examples/acme'), or "
                         "'clausegraph import' one into the store")


class Clausegraph:
    """Every clausegraph question over one store. Methods are keyword-only and return typed answers."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------ lifetime
    @classmethod
    def open(cls, *, store_dir: str | Path | None = None, endpoint: str | None = None,
             update_endpoint: str | None = None, store_endpoint: str | None = None, user: str | None = None,
             password: str | None = None, token: str | None = None, timeout: float = 30.0,
             register: str | Path | None = None, build: str = "required",
             create_store: bool = False) -> "Clausegraph":
        """Open the chosen store: remote (``endpoint``), on disk (``store_dir``) or the bundled graph in memory.

        ``build`` says what to do about the graph: ``"required"`` builds the in-memory graph (with
        ``register``) and refuses a persistent or remote store holding none (a given ``register`` is then
        imported); ``"if-missing"`` also builds an on-disk store that holds none; ``"no"`` leaves the store as
        it is (the caller builds or imports).

        An on-disk store folder is created (with its parents) only when it is going to be built: with
        ``build="if-missing"`` or ``create_store=True``; otherwise a missing folder is refused and nothing is
        created.
        """
        from .store import open_store

        cg = cls(open_store(store_dir, endpoint, update_endpoint, store_endpoint, user, password, token, timeout,
                            create=create_store or build == "if-missing"))
        if store_dir is not None or endpoint is not None:
            from .catalogue import register_added_frameworks

            register_added_frameworks(cg.store)   # frameworks added earlier (framework add) parse as references
        if build == "no":
            return cg
        in_memory = store_dir is None and endpoint is None
        if in_memory or (build == "if-missing" and endpoint is None and not cg.is_built):
            cg.build(register=register)
            return cg
        if build == "required" and not cg.is_built:
            where = store_dir or endpoint
            raise UserInputError(f"no clausegraph graph in {where}; run 'clausegraph build "
                                 f"{'--store' if store_dir else '--endpoint'} {where}' first")
        if register is not None:
            cg.import_register(path=register)
        return cg

    def close(self) -> None:
        """Release the store (flushes an on-disk store) and what was remembered for it."""
        cache.forget(self.store)
        self.store.close()

    def __enter__(self) -> "Clausegraph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ shared rules
    @property
    def generation(self) -> int | None:
        """The store's write generation, or None when others may write it (nothing is remembered then)."""
        return self.store.generation if self.store.cacheable else None

    def _memo(self, key: tuple, compute: Callable[[], T]) -> T:
        return cache.memo(self.store, key, compute)

    @property
    def is_built(self) -> bool:
        from .build import is_built

        return is_built(self.store)

    @property
    def has_register(self) -> bool:
        from .build import REGISTER_GRAPH

        return self._memo(("register?",), lambda: REGISTER_GRAPH in self.store.graphs())

    def require_register(self) -> None:
        """Raise :class:`RegisterNotLoadedError` unless a register is loaded."""
        if not self.has_register:
            raise RegisterNotLoadedError()

    # ------------------------------------------------------------------ writing
    def build(self, *, register: str | Path | None = None, include_mappings: bool = True,
              keep_register: bool = True, progress: Callable[[str, int, int], None] | None = None):
        """Load ontology, catalogues, crosswalks (and a register) into the store; a ``BuildReport``. Without
        ``register``, a register already in the store is kept unless ``keep_register=False``."""
        from .build import build

        return build(self.store, register=register, progress=progress, include_mappings=include_mappings,
                     keep_register=keep_register)

    def import_register(self, *, path: str | Path) -> ImportResult:
        """Validate the register at ``path`` completely, then replace the store's register graph with it."""
        from .build import REGISTER_GRAPH
        from .register import load_register

        if not self.is_built:
            raise UserInputError("the store holds no clausegraph build; run 'clausegraph build' with the same store")
        data = load_register(path, known_provisions=self._known_provisions())   # all problems before any write
        self.store.replace_graph(REGISTER_GRAPH, data.ntriples, "ntriples")
        return ImportResult(source=data.source, rows={k: len(v) for k, v in data.tables.items()},
                            triples=len(data.ntriples.splitlines()))

    def _known_provisions(self) -> frozenset[str]:
        """Provisions a register may reference: the bundled ones and those of frameworks added to the store."""
        from .register.load import bundled_provisions

        return bundled_provisions() | frozenset(self.catalogue().provisions)

    # ------------------------------------------------------------------ catalogue questions
    def frameworks(self, *, as_of: dt.date | None = None) -> list[FrameworkInfo]:
        from .catalogue import frameworks

        day = as_of_or_today(as_of)
        return self._memo(("frameworks", day), lambda: frameworks(self.store, day))

    def show(self, *, ref: str, as_of: dt.date | None = None) -> ProvisionAnswer:
        from .catalogue import show

        day = as_of_or_today(as_of)
        return self._memo(("show", ref, day), lambda: show(self.store, ref, day))

    def resolve(self, *, ref: str) -> str:
        """The canonical reference of ``ref`` (aliases accepted); unknown: 404 with suggestions."""
        return str(self.catalogue().resolve(ref).ref)

    def cite(self, *, refs: Iterable[str]) -> list[Citation]:
        """The citations (reference, title, source link) of the known provisions among ``refs``, in order."""
        from . import queries as q

        cat, iris = self.catalogue(), {}
        for text in refs:
            try:
                info = cat.resolve(text)
            except (ClausegraphError, ValueError, KeyError):
                continue   # not a provision reference (an id, a condition): nothing to cite
            iris.setdefault(info.iri, str(info.ref))
        if not iris:
            return []
        key = ("cite", tuple(iris))

        def compute() -> list[Citation]:
            rows = self.store.select(q.render("provision-sources", targets=q.values("p", list(iris)))).rows
            found = {r["p"].value: r for r in rows}
            return [Citation(ref=ref, title=found[i]["title"].value if i in found and "title" in found[i] else "",
                             source=found[i]["source"].value if i in found and "source" in found[i] else None)
                    for i, ref in iris.items()]

        return self._memo(key, compute)

    def catalogue(self):
        """The indexed catalogue view (provisions, titles, hierarchy) of the store."""
        from .catalogue import Catalogue

        return Catalogue.of(self.store)

    def search(self, *, text: str) -> dict[str, Any]:
        """Provisions, controls and evidence matching ``text`` (see :mod:`clausegraph.engine.search`)."""
        from .search import search

        return self._memo(("search", text), lambda: search(self.catalogue(), self.controls() if self.has_register
                                                           else {}, text))

    def crosswalk(self, *, from_key: str, to_key: str, inferred: bool = False, min_strength: int = 1,
                  via_hub: bool = False) -> list:
        """Typed mappings from one framework to another (``Mapping`` dataclasses), oriented from ``from_key``;
        with ``via_hub``, the mappings computed from the requirement hub's atoms instead of the curated ones."""
        from .crosswalk import crosswalk
        from .hub import hub_crosswalk

        if via_hub and inferred:
            raise UserInputError("ask for the mappings derived through the hub (via hub) or for the chained ones (inferred), not both")
        if via_hub:
            return self._memo(("crosswalk-hub", from_key, to_key, min_strength),
                              lambda: hub_crosswalk(self.store, from_key, to_key, min_strength))
        return self._memo(("crosswalk", from_key, to_key, inferred, min_strength),
                          lambda: crosswalk(self.store, from_key, to_key, inferred, min_strength))

    def hub(self, *, atom: str | None = None, theme: str | None = None) -> HubListing:
        """The requirement hub: every atom (or one, or one theme's) with the provisions demanding it."""
        from .hub import hub_listing

        return self._memo(("hub", atom, theme), lambda: hub_listing(self.store, atom, theme))

    def crosswalk_metadata(self, *, from_key: str, to_key: str, inferred: bool = False,
                           via_hub: bool = False) -> dict[str, Any]:
        """SSSOM mapping-set metadata for an exported crosswalk (dated today)."""
        from .crosswalk import sssom_metadata
        from .resources import version

        return sssom_metadata(from_key, to_key, inferred=inferred, version=version(), day=as_of_or_today(None),
                              via_hub=via_hub)

    def query(self, *, sparql: str) -> QueryResult:
        """Run a SPARQL query over the graph (the endpoint adds timeouts and row caps: api/sparql.py)."""
        return self.store.query(sparql)

    @staticmethod
    def named_queries() -> list:
        """The named SPARQL queries (``NamedQuery``: name, title, description, text), sorted by name."""
        from .queries import all_queries

        return sorted(all_queries().values(), key=lambda n: n.name)

    @staticmethod
    def check_mappings(*, files: list[tuple[str, str]] | None = None):
        """Check crosswalk files (``(name, text)``; default: the bundled ones) against the catalogues: a
        ``CheckReport`` with problems and per-pair statistics."""
        from .mappings.checks import catalogue_facts, check
        from .store import open_store

        store = open_store()
        Clausegraph(store).build(include_mappings=False)
        return check(catalogue_facts(store), files)

    # ------------------------------------------------------------------ organisation questions
    def systems(self, *, as_of: dt.date | None = None) -> list[System]:
        """The register's AI systems with their EU AI Act tier on ``as_of``."""
        self.require_register()
        doc = self.classify(as_of=as_of)
        tiers = {s["id"]: s for s in doc["systems"]}
        return [System(id=s.id, name=s.name, roles=sorted(s.roles), use_cases=sorted(s.use_cases),
                       lifecycle=s.lifecycle, tier=tiers.get(s.id, {}).get("tier"),
                       gpai=tiers.get(s.id, {}).get("gpai")) for s in self.system_facts().values()]

    def system_facts(self) -> dict:
        """What the register says about each system (``SystemFacts`` by id)."""
        from .classify import read_systems

        self.require_register()
        return self._memo(("system-facts",), lambda: {s.id: s for s in read_systems(self.store)})

    def controls(self) -> dict:
        """The register's controls (``Control`` by id) with their evidence."""
        from .org import controls

        self.require_register()
        return self._memo(("controls",), lambda: controls(self.store))

    def classify(self, *, system: str | None = None,
                 as_of: dt.date | None = None) -> Classification | SystemClassification:
        """EU AI Act tier, basis and obligations of every system (or of ``system``)."""
        from .classify import classify, classify_one

        self.require_register()
        day = as_of_or_today(as_of)
        if system is not None:
            return self._memo(("classify-one", system, day), lambda: classify_one(self.store, system, day))
        return self._memo(("classify", day), lambda: classify(self.store, day))

    def validate(self, *, as_of: dt.date | None = None, engine: str = "fast", catalogue: bool = False,
                 focus_nodes: bool = False):
        """The organisation data (and optionally the catalogues) checked against the SHACL shapes: a ``Report``."""
        from .validate import validate

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("validate", day, engine, catalogue, focus_nodes),
                          lambda: validate(self.store, day, engine=engine, catalogue=catalogue,
                                           focus_nodes=focus_nodes))

    def soa(self, *, include_27001: bool = False, as_of: dt.date | None = None) -> StatementOfApplicability:
        """Statement of Applicability of the ISO/IEC 42001 (and optionally 27001) Annex A controls."""
        from .soa import statement_of_applicability

        self.require_register()
        day = as_of_or_today(as_of)
        fws = SOA_FRAMEWORKS_WITH_27001 if include_27001 else SOA_FRAMEWORKS
        return self._memo(("soa", day, fws), lambda: statement_of_applicability(self.store, day, fws))

    def coverage(self, *, framework: str | None = None, system: str | None = None, via_mappings: bool = False,
                 as_of: dt.date | None = None) -> Coverage:
        """Each assessable provision of ``framework`` (or ``system``'s obligations) covered, partial or not."""
        from .coverage import framework_coverage, system_coverage

        exactly_one(framework=framework, system=system)
        self.require_register()
        day = as_of_or_today(as_of)
        if system:
            return self._memo(("coverage-system", system, day, via_mappings),
                              lambda: system_coverage(self.store, system, day, via_mappings))
        return self._memo(("coverage", framework, day, via_mappings),
                          lambda: framework_coverage(self.store, framework, day, via_mappings))

    def coverage_matrix(self, *, as_of: dt.date | None = None) -> CoverageMatrix:
        """For each pair of frameworks: how much of the target a fully implemented source covers."""
        from .coverage import coverage_matrix

        day = as_of_or_today(as_of)
        return self._memo(("coverage-matrix", day), lambda: coverage_matrix(self.store, day))

    def gaps(self, *, target: str, from_key: str | None = None, system: str | None = None,
             assume_complete: bool = False, as_of: dt.date | None = None) -> Gaps:
        """What ``target`` still needs, most important first."""
        from .gaps import gaps

        if not assume_complete:
            self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("gaps", target, from_key, system, assume_complete, day),
                          lambda: gaps(self.store, target, day, from_key, system, assume_complete))

    def trace(self, *, ref: str | None = None, control: str | None = None, evidence: str | None = None,
              finding: str | None = None, action: str | None = None, decision: str | None = None,
              as_of: dt.date | None = None) -> Trace:
        """Forward from a provision (to mapped provisions, controls, evidence and the findings raised against
        it), or backward from a control, a piece of evidence, a finding, an action or a decision (give exactly
        one)."""
        from .records import trace_record
        from .trace import trace_control, trace_evidence, trace_provision

        kind = exactly_one(ref=ref, control=control, evidence=evidence, finding=finding, action=action,
                           decision=decision)
        day = as_of_or_today(as_of)
        if kind == "ref":
            return self._memo(("trace", ref, day), lambda: trace_provision(self.store, ref, day))
        self.require_register()
        record = {"finding": finding, "action": action, "decision": decision}.get(kind)
        if record is not None:
            return self._memo(("trace-record", kind, record, day),
                              lambda: trace_record(self.store, kind=kind, ident=record, as_of=day))
        if kind == "control":
            return self._memo(("trace-control", control, day), lambda: trace_control(self.store, control, day))
        return self._memo(("trace-evidence", evidence, day), lambda: trace_evidence(self.store, evidence, day))

    def impact(self, *, evidence: str | None = None, control: str | None = None, on: dt.date | None = None,
               via_mappings: bool = True, as_of: dt.date | None = None) -> Impact:
        """Provisions losing coverage if ``evidence`` is withdrawn, ``control`` fails, or ``on`` a later date."""
        from .impact import impact

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("impact", evidence, control, on, via_mappings, day),
                          lambda: impact(self.store, day, evidence, control, on, via_mappings))

    def plan(self, *, targets: Sequence[str], budget: int = 10, as_of: dt.date | None = None) -> Plan:
        """Which controls or provisions close the most open provisions of ``targets`` (greedy set cover)."""
        from .plan import plan

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("plan", tuple(targets), budget, day), lambda: plan(self.store, list(targets), day, budget))

    # ------------------------------------------------------------------ the management system's records
    def incidents(self, *, as_of: dt.date | None = None) -> list[dict[str, Any]]:
        """Every incident; serious ones with their Art. 73 deadline, days left or late, and whether Art. 73
        binds the organisation for the system on the deadline."""
        from .records import incidents

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("incidents", day), lambda: incidents(self.store, day))

    def open_findings(self, *, as_of: dt.date | None = None) -> OpenFindings:
        """Findings not closed (with their actions) and actions not done, overdue first."""
        from .records import open_findings

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("open-findings", day), lambda: open_findings(self.store, day))

    def decisions(self, *, system: str | None = None) -> list[dict[str, Any]]:
        """Gate decisions per system, oldest first (only ``system``'s when given)."""
        from .records import decision_history

        self.require_register()
        return self._memo(("decisions", system), lambda: decision_history(self.store, system))

    def incident_impact(self, *, incident: str, as_of: dt.date | None = None) -> IncidentImpact:
        """The systems, provisions and open findings an incident touches."""
        from .records import incident_impact

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("incident-impact", incident, day), lambda: incident_impact(self.store, incident, day))

    def readiness(self, *, as_of: dt.date | None = None) -> Readiness:
        """ISO/IEC 42001 audit readiness: per clause 4-10 and Annex A control, the records and what is missing."""
        from .readiness import readiness

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("readiness", day), lambda: readiness(self.store, day))

    # ------------------------------------------------------------------ OSCAL interchange
    def oscal_catalog(self, *, framework: str, as_of: dt.date | None = None) -> OscalDocument:
        """The framework's provisions in force on ``as_of`` as an OSCAL catalog (docs/oscal.md)."""
        from .oscal import export_catalog

        day = as_of_or_today(as_of)
        return self._memo(("oscal-catalog", framework, day),
                          lambda: export_catalog(self.store, framework=framework, as_of=day))

    def oscal_mapping(self, *, from_key: str, to_key: str, inferred: bool = False,
                      via_hub: bool = False) -> OscalDocument:
        """The crosswalk from ``from_key`` to ``to_key`` as an OSCAL mapping collection; with ``via_hub``, the
        relations computed from the requirement hub (each map lists the shared atoms)."""
        from .oscal import export_mapping

        return self._memo(("oscal-mapping", from_key, to_key, inferred, via_hub), lambda: export_mapping(
            self.crosswalk(from_key=from_key, to_key=to_key, inferred=inferred, via_hub=via_hub),
            from_key=from_key, to_key=to_key, via_hub=via_hub))

    def oscal_assessment_results(self, *, as_of: dt.date | None = None,
                                 via_mappings: bool = False) -> OscalDocument:
        """The register's coverage and validation findings on ``as_of`` as OSCAL assessment results."""
        from .oscal import export_assessment_results

        self.require_register()
        day = as_of_or_today(as_of)
        return self._memo(("oscal-ar", day, via_mappings), lambda: export_assessment_results(
            self.store, as_of=day, via_mappings=via_mappings))

    def add_framework(self, *, oscal: str | Path, key: str):
        """Read the OSCAL catalog file ``oscal`` and add it to the store as framework ``key`` (all or nothing);
        an ``AddedFramework`` (key, title, counts)."""
        from .oscal import add_framework

        if not self.is_built:
            raise UserInputError("the store holds no clausegraph build; run 'clausegraph build' with the same store")
        return add_framework(self.store, path=oscal, key=key)
