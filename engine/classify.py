"""EU AI Act classification of register entries and the obligations that bind the organisation.

The rules are data (ontology/frameworks/euaiact-classification.ttl and the obligations' applicability rules),
each citing the provision it implements; this module only reads register facts, evaluates those rules and
resolves dates for the as-of date (the text in force on that date).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import networkx as nx

from . import queries as q
from .catalogue import Catalogue, _condition_name
from .obligations import Rule, obligation_rules
from .refs import CONDITION_NS, ONTOLOGY_NS, Ref, iri_to_ref, sort_key
from .store import Store

TIER_ORDER = ("prohibited", "high-risk", "limited-risk", "minimal-risk")
C = CONDITION_NS
ANNEX_III = Ref("euaiact", "Annex III").iri
ART_5_1 = Ref("euaiact", "Art. 5(1)").iri
SYSTEMIC_THRESHOLD = 1e25


@dataclass
class SystemFacts:
    """What the register says about one entry."""

    iri: str
    id: str
    name: str = ""
    roles: set[str] = field(default_factory=set)
    use_cases: set[str] = field(default_factory=set)
    product: str | None = None
    third_party: bool = False
    profiling: bool = False
    exemption: str | None = None
    gpai: bool = False
    flops: float | None = None
    public_body: bool = False
    personal_data: bool = False
    lifecycle: str | None = None
    provider_by: set[str] = field(default_factory=set)
    #: the other boolean register columns that hold (FLAG_COLUMNS), e.g. "open_source"
    flags: set[str] = field(default_factory=set)


#: boolean register columns read as plain facts (column name -> variable of engine/queries/systems.rq)
FLAG_COLUMNS = {"bias_special_data": "biasSpecialData", "established_outside_eu": "establishedOutsideEu",
                "open_source": "openSource", "public_authority": "publicAuthority", "workplace": "workplace",
                "gpai_designated": "gpaiDesignated"}


@lru_cache(maxsize=8192)
def _ref_order(ref: str) -> tuple:
    return sort_key(Ref("euaiact", ref.split(":", 1)[1]))


def read_systems(store: Store) -> list[SystemFacts]:
    """The register's AI systems. Rows are read as lexical values (one row per system and role / use case /
    provider: hot at a large register); the boolean columns hold xsd:boolean literals (the register writes
    "true" or "false"), read as true when "true" or "1"."""
    systems: dict[str, SystemFacts] = {}
    cols, rows = store.select_values(q.render("systems"))
    ix = {c: i for i, c in enumerate(cols)}
    i_s, i_id, i_name, i_role, i_use, i_product, i_exemption, i_flops, i_lifecycle, i_by = (
        ix[c] for c in ("s", "id", "name", "role", "useCase", "product", "exemption", "flops", "lifecycle",
                        "providerBy"))
    bools = [(ix[v], f) for v, f in (("thirdParty", "third_party"), ("profiling", "profiling"), ("gpai", "gpai"),
                                     ("publicBody", "public_body"), ("personalData", "personal_data"))]
    flags = [(ix[var], col) for col, var in FLAG_COLUMNS.items()]
    for r in rows:
        s = systems.get(r[i_s])
        if s is None:
            s = systems[r[i_s]] = SystemFacts(r[i_s], r[i_id])
        if r[i_name] is not None:
            s.name = r[i_name]
        if r[i_role] is not None:
            s.roles.add(r[i_role])
        if r[i_use] is not None:
            s.use_cases.add(r[i_use])
        if r[i_product] is not None:
            s.product = r[i_product]
        for i, attr in bools:
            if r[i] is not None:
                setattr(s, attr, r[i] in _TRUE)
        if r[i_exemption] is not None:
            s.exemption = r[i_exemption]
        if r[i_flops] is not None:
            s.flops = float(r[i_flops])
        if r[i_lifecycle] is not None:
            s.lifecycle = r[i_lifecycle]
        if r[i_by] is not None:
            s.provider_by.add(r[i_by])
        s.flags.update(col for i, col in flags if r[i] in _TRUE)
    return sorted(systems.values(), key=lambda s: s.id)


_TRUE = ("true", "1")


class Classifier:
    """Evaluates the classification and obligation rules in a store for an as-of date."""

    def __init__(self, store: Store, as_of: dt.date) -> None:
        self.store, self.as_of = store, as_of
        self.catalogue = Catalogue.of(store)

    @cached_property
    def in_force(self) -> set[str]:
        rows = self.store.select(q.render("provisions-in-force", as_of=q.date(self.as_of))).rows
        return {r["p"].value for r in rows}

    @cached_property
    def _rules(self) -> tuple[dict[str, str], dict[str, list[Rule]], dict[str, str]]:
        facts: dict[str, str] = {}
        derived: dict[str, dict[str, Rule]] = {}
        sources: dict[str, str] = {}
        for r in self.store.select(q.render("classification-rules")).rows:
            c = r["c"].value
            if r["kind"].value == "fact":
                facts[c] = r["fact"].value
                if "source" in r:
                    sources.setdefault(c, r["source"].value)
                continue
            rule = derived.setdefault(c, {}).setdefault(r["rule"].value, Rule())
            (rule.requires if r["mode"].value == "requires" else rule.excludes).add(r["other"].value)
        return facts, {c: list(rs.values()) for c, rs in derived.items()}, sources

    @cached_property
    def _order(self) -> list[str]:
        """Derived conditions in dependency order (a condition after everything its rules mention)."""
        _, derived, _ = self._rules
        g = nx.DiGraph()
        for c, rules in derived.items():
            g.add_node(c)
            for rule in rules:
                for other in rule.requires | rule.excludes:
                    if other in derived:
                        g.add_edge(other, c)
        return list(nx.topological_sort(g))

    @cached_property
    def _sections(self) -> dict[str, str]:
        rows = self.store.select(q.render("annex-i-sections")).rows
        best: dict[str, tuple[dt.date, str]] = {}
        for r in rows:
            eff = r["eff"].py
            if eff <= self.as_of and (r["code"].value not in best or eff > best[r["code"].value][0]):
                best[r["code"].value] = (eff, r["section"].value)
        return {k: v[1] for k, v in best.items()}

    @cached_property
    def _amendments_in_force(self) -> set[str]:
        rows = self.store.select(q.render("amendment-ids-in-force", as_of=q.date(self.as_of))).rows
        return {r["a"].value.rsplit("/", 1)[-1] for r in rows}

    def _prohibitions(self, uses) -> list[str]:
        """The Art. 5(1) points among ``uses`` that apply on the as-of date (not merely in force)."""
        out = []
        for u in uses:
            if ART_5_1 in self.catalogue.ancestors(u)[1:]:
                start = self._application(u)["applies_from"]
                if start is not None and start <= self.as_of:
                    out.append(u)
        return out

    @cached_property
    def _scope_limits(self) -> dict[str, tuple[str, set[str]]]:
        """Per condition, the scope limit in effect on the as-of date: (its source, the provisions still applying)."""
        rows = self.store.select(q.render("scope-limits")).rows
        found: dict[str, dict[str, tuple]] = {}
        for r in rows:
            eff = r["from"].py
            if eff > self.as_of:
                continue
            entry = found.setdefault(r["c"].value, {}).setdefault(
                r["limit"].value, (eff, r["source"].value if "source" in r else "", set()))
            entry[2].add(r["only"].value)
        return {c: max(limits.values(), key=lambda e: e[0])[1:] for c, limits in found.items()}

    def _in_scope(self, iri: str, facts: set[str]) -> bool:
        """False when a scope limit of a condition the system meets leaves the obligation out (Art. 2(2), 2(12))."""
        for c, (_, allowed) in self._scope_limits.items():
            if c in facts and not allowed & set(self.catalogue.ancestors(iri)):
                return False
        return True

    @cached_property
    def _permissions(self) -> set[str]:
        """Obligation nodes that an amendment in force on the as-of date turned into a mere permission."""
        rows = self.store.select(q.render("permissions-in-force", as_of=q.date(self.as_of))).rows
        return {r["p"].value for r in rows}

    @cached_property
    def _conferred_roles(self) -> dict[str, str]:
        rows = self.store.select(q.render("conferred-roles")).rows
        return {r["c"].value: r["role"].value for r in rows}

    @cached_property
    def _date_yields(self) -> dict[str, str]:
        rows = self.store.select(q.render("date-yields")).rows
        return {r["a"].value: r["b"].value for r in rows}

    def _fact(self, name: str, s: SystemFacts, uses: set[str]) -> bool:
        if name == "ai-system":
            return not s.gpai or bool(uses)
        if name in ("gpai_model", "profiling", "public_body", "personal_data", "third_party_conformity"):
            return {"gpai_model": s.gpai, "profiling": s.profiling, "public_body": s.public_body,
                    "personal_data": s.personal_data, "third_party_conformity": s.third_party}[name]
        if name in FLAG_COLUMNS:
            return name in s.flags
        if name.startswith("provider_by:"):
            return name.split(":", 1)[1] in s.provider_by
        if name.startswith("amendment:"):
            return name.split(":", 1)[1] in self._amendments_in_force
        if name.startswith("use_cases:art50-"):
            return C + name.split(":", 1)[1] in s.use_cases
        if name == "use_cases:annex-iii":
            return any(ANNEX_III in self.catalogue.ancestors(u)[1:] for u in uses)
        if name == "use_cases:art5":  # a prohibition counts from the date it applies (Art. 113), as its obligation
            return bool(self._prohibitions(uses))
        if name == "annex_i_product":
            return bool(s.product)
        if name in ("annex_i_product:section-a", "annex_i_product:section-b"):
            return bool(s.product) and self._sections.get(s.product) == name[-1].upper()
        if name.startswith("annex_i_product:in:"):
            return s.product in name.split(":", 2)[2].split(",")
        if name == "art6_3_exemption":
            return bool(s.exemption)
        if name == "training_flops>1e25":
            return s.flops is not None and s.flops > SYSTEMIC_THRESHOLD
        if name.startswith("role:"):
            return name.split(":", 1)[1] in s.roles
        raise ValueError(f"unknown register fact extractor {name!r} in the classification rules")

    def facts(self, s: SystemFacts) -> set[str]:
        """Every condition (IRI) that holds for the system on the as-of date (computed once per distinct set of
        register facts: a large register has many systems alike)."""
        sig = (frozenset(s.roles), frozenset(s.use_cases), s.product, s.third_party, s.profiling, s.exemption,
               s.gpai, s.flops, s.public_body, s.personal_data, frozenset(s.provider_by), frozenset(s.flags))
        memo = self.__dict__.setdefault("_facts_memo", {})
        if sig not in memo:
            memo[sig] = frozenset(self._facts(s))
        return set(memo[sig])

    def _facts(self, s: SystemFacts) -> set[str]:
        fact_names, derived, _ = self._rules
        uses = {u for u in s.use_cases if u in self.in_force or u.startswith(C)}
        held = {c for c, name in fact_names.items() if self._fact(name, s, uses)}
        for u in uses:  # the provisions a system falls under, and their parents (Annex III areas)
            if not u.startswith(C):
                held.update(self.catalogue.ancestors(u))
        for c in self._order:
            if any(rule.matches(held) for rule in derived.get(c, [])):
                held.add(c)
        return held

    def roles(self, s: SystemFacts, facts: set[str]) -> set[str]:
        roles = set(s.roles) | {r for c, r in self._conferred_roles.items() if c in facts}
        if "provider" in roles and C + "gpai" in facts:
            roles.add("gpai-model-provider")
        if "provider" in roles and s.product:
            roles.add("product-manufacturer")
        return roles

    def _application(self, iri: str) -> dict:
        cache = self.__dict__.setdefault("_app_cache", {})
        if iri not in cache:
            cache[iri] = self.catalogue.application(iri, self.as_of)
        return cache[iri]

    def applies_from(self, iri: str, facts: set[str], names: set[str] | None = None) -> dt.date | None:
        """The date the obligation applies for this system, by the text in force on the as-of date.

        A conditional date replaces the default for systems meeting its condition (the earliest if several);
        a condition that yields its date to another the system also meets (cg:yieldsDateTo: Art. 6(1) to Art. 6(2),
        reasoning in euaiact-classification.ttl) does not postpone the date that applies under the other."""
        app = self._application(iri)
        if names is None:
            names = {_condition_name(f) for f in facts}
        matched = {c: d for c, d in app["conditional"].items() if c in names}
        if not matched:
            return app["applies_from"]
        dates = list(matched.values())
        yielded = {c for c in matched if self._date_yields.get(c) in names}
        if yielded and yielded == set(matched) and app["applies_from"]:
            dates.append(app["applies_from"])
        return min(dates)

    def tier(self, s: SystemFacts, facts: set[str]) -> tuple[str | None, list[str]]:
        basis: list[str] = []
        used = sorted((u for u in s.use_cases if u in self.in_force), key=lambda u: sort_key(iri_to_ref(u)))
        _, _, sources = self._rules
        if C + "art6-3-exemption" in facts:
            basis.append("euaiact:Art. 6(3)")
        if C + "prohibited-practice" in facts:
            return "prohibited", [str(iri_to_ref(u)) for u in used if u in self._prohibitions(used)]
        if C + "high-risk" in facts:
            if C + "high-risk-art6-1" in facts:
                basis += ["euaiact:Art. 6(1)", "euaiact:Annex I"]
            if C + "high-risk-art6-2" in facts:
                basis += ["euaiact:Art. 6(2)"] + [str(iri_to_ref(u)) for u in used
                                                  if ANNEX_III in self.catalogue.ancestors(u)[1:]]
            return "high-risk", basis
        if C + "art6-3-exemption" in facts:
            basis += [str(iri_to_ref(u)) for u in used if ANNEX_III in self.catalogue.ancestors(u)[1:]]
        art50 = sorted({sources[c] for c in facts if c.startswith(C + "art50-") and c in sources},
                       key=lambda i: sort_key(iri_to_ref(i)))
        if art50:
            return "limited-risk", basis + [str(iri_to_ref(i)) for i in art50]
        if C + "ai-system" not in facts:
            return None, basis
        return "minimal-risk", basis

    def gpai(self, facts: set[str]) -> tuple[str | None, list[str]]:
        if C + "gpai-systemic-risk" in facts:
            return "gpai-systemic-risk", ((["euaiact:Art. 51(2)"] if C + "training-compute-above-threshold" in facts
                                           else []) + (["euaiact:Art. 51(1)(b)"] if C + "gpai-designated" in facts
                                                       else []))
        if C + "gpai" in facts:
            return "gpai", []
        return None, []

    @cached_property
    def obligations(self):
        return obligation_rules(self.store)

    def classify_system(self, s: SystemFacts, facts: set[str] | None = None) -> dict:
        facts = self.facts(s) if facts is None else facts
        # systems with the same facts, roles, use cases and product get the same answer: compute it once
        profile = (frozenset(facts), frozenset(s.roles), frozenset(s.use_cases), s.product)  # flags are in facts
        memo = self.__dict__.setdefault("_memo", {})
        if profile not in memo:
            memo[profile] = self._classify(s, facts)
        return {"id": s.id, **memo[profile]}

    def _classify(self, s: SystemFacts, facts: set[str]) -> dict:
        tier, basis = self.tier(s, facts)
        gpai, gbasis = self.gpai(facts)
        # a scope provision that removes obligations (Art. 2(2), Art. 2(12)) is part of the answer's basis
        basis += [str(iri_to_ref(src)) for c, (src, _) in sorted(self._scope_limits.items()) if c in facts and src]
        roles = self.roles(s, facts)
        fact_names, _, _ = self._rules
        role_conditions = {c: n.split(":", 1)[1] for c, n in fact_names.items() if n.startswith("role:")}
        names = {_condition_name(f) for f in facts}
        # rules are evaluated for one role at a time: a rule tied to the provider role must not make the same
        # obligation bind the organisation as deployer (Art. 50(5))
        base = facts - set(role_conditions)
        own = {role: base | {c for c, r in role_conditions.items() if r == role} for role in roles}
        out = []
        for iri, ob in self.obligations.items():
            if iri not in self.in_force or iri in self._permissions or not self._in_scope(iri, facts):
                continue
            start = None
            for role in sorted(ob.addressees & roles):
                if not any(rule.matches(own[role]) for rule in ob.rules):
                    continue
                start = start or self.applies_from(iri, facts, names)
                out.append({"ref": str(iri_to_ref(iri)), "addressee": role,
                            "applies_from": start.isoformat() if start else None,
                            "status": "applicable" if start and start <= self.as_of else "upcoming"})
        out.sort(key=lambda o: (_ref_order(o["ref"]), o["addressee"]))
        return {"tier": tier, "gpai": gpai, "basis": basis + [b for b in gbasis if b not in basis],
                "obligations": out}

    def act_version(self) -> str:
        rows = self.store.select(q.render("amendments-in-force", as_of=q.date(self.as_of))).rows
        if not rows:
            return "Regulation (EU) 2024/1689 as adopted (OJ L, 12.7.2024)"
        parts = [f"{r['title'].value} (in force {r['from'].value}"
                 + (", unverified against the Official Journal)" if r.get("status") and
                    r["status"].value == "unverified" else ")") for r in rows]
        return "Regulation (EU) 2024/1689 as amended by " + "; ".join(parts)


def classify_one(store: Store, system_id: str, as_of: dt.date) -> dict:
    """The classify contract for one register entry (404 for an unknown id)."""
    from .errors import NotFoundError

    systems = {s.id: s for s in read_systems(store)}
    if system_id not in systems:
        raise NotFoundError(f"no system {system_id!r} in the register; known: {', '.join(sorted(systems))}")
    c = Classifier(store, as_of)
    return {"as_of": as_of.isoformat(), "act_version": c.act_version(), **c.classify_system(systems[system_id])}


def classify(store: Store, as_of: dt.date) -> dict:
    """The classify contract (docs/cli.md): every register entry's tier, basis and obligations."""
    c = Classifier(store, as_of)
    return {"as_of": as_of.isoformat(), "act_version": c.act_version(),
            "systems": [c.classify_system(s) for s in read_systems(store)]}


def year_before(day: dt.date) -> dt.date:
    """The same calendar day a year earlier (28 February for 29 February): 'the last 12 months' start there."""
    if day.year == 1:
        return dt.date.min
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def classification_ntriples(store: Store, as_of: dt.date) -> str:
    """The classification as triples (tier, conditions met, obligations binding), for SHACL and SPARQL."""
    from .refs import ORG_NS

    c = Classifier(store, as_of)
    cg = ONTOLOGY_NS
    xsd_date = "http://www.w3.org/2001/XMLSchema#date"
    lines = [f'<{ORG_NS}classification> <{cg}asOf> "{as_of.isoformat()}"^^<{xsd_date}> .',
             f'<{ORG_NS}classification> <{cg}twelveMonthsBefore> "{year_before(as_of).isoformat()}"^^<{xsd_date}> .']
    incidents = _serious_incidents(store)
    for s in read_systems(store):
        facts = c.facts(s)
        result = c.classify_system(s, facts)
        if result["tier"]:
            lines.append(f'<{s.iri}> <{cg}riskTier> "{result["tier"]}" .')
        lines += [f"<{s.iri}> <{cg}meetsCondition> <{f}> ." for f in sorted(facts)]
        lines += [f"<{s.iri}> <{cg}boundBy> <{Ref('euaiact', o['ref'].split(':', 1)[1]).iri}> ."
                  for o in result["obligations"]]
        applicable = {Ref('euaiact', o['ref'].split(':', 1)[1]).iri: o["applies_from"]
                      for o in result["obligations"] if o["status"] == "applicable"}
        lines += [f"<{s.iri}> <{cg}applicableObligation> <{iri}> ." for iri in applicable]
        # cg:reportableUnder: the serious incident's Art. 73 paragraph applies on the as-of date and already
        # applied on the incident's deadline (an incident due before Art. 73 bound the system is not late under it)
        lines += [f"<{i}> <{cg}reportableUnder> <{para}> ." for i, due, para in incidents.get(s.iri, [])
                  if reportable_under(applicable, para, due)]
    return "\n".join(dict.fromkeys(lines)) + "\n"


def reportable_under(applicable: dict[str, str | None], paragraph: str, due: str) -> bool:
    """A serious incident due on ``due`` (ISO date) is reportable under the Art. 73 ``paragraph`` (IRI) when that
    paragraph binds the system on the as-of date (``applicable``: IRI -> applies-from) and already applied on the
    deadline."""
    return paragraph in applicable and (applicable[paragraph] or "") <= due


def _serious_incidents(store: Store) -> dict[str, list[tuple[str, str, str]]]:
    """system IRI -> (incident IRI, reporting deadline, Art. 73 paragraph setting it) for serious incidents."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r in store.select(q.render("serious-incidents")).rows:
        out.setdefault(r["s"].value, []).append((r["i"].value, r["due"].value, r["para"].value))
    return out
