"""The typed answers of the facade (:mod:`clausegraph.engine.facade`).

The question modules return JSON-ready documents; these ``TypedDict`` classes name their shape (they are plain
dicts at run time, so every door renders them as before). Answers that are not JSON documents are
dataclasses: :class:`~clausegraph.engine.mappings.sssom.Mapping`, :class:`~clausegraph.engine.validate.Report`,
:class:`~clausegraph.engine.store.SelectResult` and friends, :class:`ImportResult` and :class:`System` below.

Nested items are ``dict[str, Any]``; their keys are documented in docs/questions.md and docs/cli.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, TypedDict

Item = dict[str, Any]
#: An OSCAL JSON document (``{"catalog": ...}``, ``{"mapping-collection": ...}``, ``{"assessment-results": ...}``);
#: its shape is NIST's schema of the version in ``metadata.oscal-version`` (docs/oscal.md).
OscalDocument = dict[str, Any]


class FrameworkInfo(TypedDict):
    key: str
    title: str
    version: Optional[str]
    counts: dict[str, int]
    published: Optional[str]              # publication date, YYYY-MM-DD
    in_force: bool                        # the framework exists on the as-of date (published / entered into force)
    in_force_from: Optional[str]          # that date, YYYY-MM-DD
    in_force_from_source: Optional[str]   # where the date comes from
    in_force_from_status: Optional[str]   # verified, secondary-sources or unverified


class ProvisionAnswer(TypedDict, total=False):
    """``show``: one provision (EU AI Act provisions add ``applies_from``, ``application``, ``addressees``,
    ``applicability``)."""

    ref: str
    iri: str
    title: str
    kind: str
    hub: Item   # {"decomposed": bool, "atoms": [{"id", "title", "theme", "actor", "statement", "comment"}]}
    framework: str
    summary: Optional[str]
    parent: Optional[Item]
    children: list[Item]
    source: Optional[str]
    in_force: bool
    as_of: str
    verification_status: Optional[str]
    note: Optional[str]
    changes: list[Item]
    mappings: list[Item]
    applies_from: Item
    application: Item
    addressees: list[str]
    applicability: list[Item]


class Classification(TypedDict):
    as_of: str
    act_version: str
    systems: list[Item]


class SystemClassification(TypedDict, total=False):
    """``classify(system=...)``: one system's tier, basis and obligations, with the date and Act version."""

    as_of: str
    act_version: str
    id: str
    tier: Optional[str]
    gpai: Optional[str]
    basis: list[str]
    obligations: list[Item]


class StatementOfApplicability(TypedDict):
    as_of: str
    frameworks: list[str]
    summary: dict[str, int]
    controls: list[Item]


class Coverage(TypedDict, total=False):
    """``coverage``: ``framework`` or ``system`` (with ``obligations``), then the status of each provision."""

    framework: str
    system: str
    as_of: str
    via_mappings: bool
    summary: dict[str, int]
    provisions: list[Item]
    note: str   # present when the framework does not exist yet on the as-of date


class HubListing(TypedDict):
    """``hub``: atoms with the provisions of every framework demanding each."""

    atoms: list[Item]
    summary: dict[str, int]


class CoverageMatrix(TypedDict):
    as_of: str
    frameworks: list[str]
    totals: dict[str, int]
    cells: dict[str, Item]


class Gaps(TypedDict):
    target: str
    # "from" is a keyword: the key is present in the document, typed through __annotations__ below
    system: Optional[str]
    as_of: str
    assume_complete: bool
    summary: dict[str, int]
    gaps: list[Item]     # each with "left": the hub atoms it lacks (None when not decomposed)
    atoms: list[Item]    # the atoms left, grouped: gaps advanced and closed, other frameworks demanding them


Gaps.__annotations__["from"] = Optional[str]


class Trace(TypedDict, total=False):
    """``trace``: a tree of nodes (``kind``, ``id``, ``label``, ``children`` ...); backward traces add ``serves``."""

    direction: str
    as_of: str
    root: Item
    serves: dict[str, list[str]]


class Impact(TypedDict):
    as_of: str
    on: str
    evidence: Optional[str]
    control: Optional[str]
    via_mappings: bool
    summary: dict[str, int]
    frameworks: list[Item]
    systems: list[Item]


class Plan(TypedDict):
    targets: list[str]
    as_of: str
    open_before: int
    open_after: int
    atoms_open_before: int
    atoms_open_after: int
    weights: dict[str, float]
    costs: dict[str, float]
    picks: list[Item]


@dataclass(frozen=True)
class ImportResult:
    """A register imported into the store: where from, rows per table, triples written."""

    source: str
    rows: dict[str, int]
    triples: int


@dataclass(frozen=True)
class System:
    """One AI system of the register with its EU AI Act tier on the asked date."""

    id: str
    name: str
    roles: list[str]
    use_cases: list[str]
    lifecycle: str | None
    tier: str | None
    gpai: str | None

    def as_dict(self) -> Item:
        return {"id": self.id, "name": self.name, "roles": self.roles, "use_cases": self.use_cases,
                "lifecycle": self.lifecycle, "tier": self.tier, "gpai": self.gpai}


@dataclass(frozen=True)
class Citation:
    """A provision an answer rests on: its reference, title and the link to its official text."""

    ref: str
    title: str
    source: str | None

    def as_dict(self) -> Item:
        return {"ref": self.ref, "title": self.title, "source": self.source}


class OpenFindings(TypedDict):
    """``open_findings``: findings not closed (with their actions) and actions not done on the as-of date."""

    as_of: str
    findings: list[Item]
    actions: list[Item]
    summary: dict[str, int]


class IncidentImpact(TypedDict):
    """``incident_impact``: the incident (with its deadline), systems, provisions and open findings it touches."""

    as_of: str
    incident: Item
    systems: list[str]
    provisions: list[str]
    findings_from_incident: list[str]
    open_findings: list[Item]


class Readiness(TypedDict):
    """``readiness``: per ISO/IEC 42001 clause 4-10 and Annex A control, records and what is missing."""

    as_of: str
    window_from: str
    clauses: list[Item]
    controls: list[Item]
    summary: dict[str, int]
