"""EU AI Act obligations as data: addressees and applicability rules read from the catalogue."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import queries as q
from .store import Store


@dataclass
class Rule:
    """Matches when every required condition holds and no excluded condition holds."""

    requires: set[str] = field(default_factory=set)
    excludes: set[str] = field(default_factory=set)

    def matches(self, facts: set[str]) -> bool:
        return self.requires <= facts and not (self.excludes & facts)


@dataclass
class ObligationRules:
    iri: str
    addressees: set[str] = field(default_factory=set)
    rules: list[Rule] = field(default_factory=list)

    def applies(self, roles: set[str], facts: set[str]) -> bool:
        """Binds an organisation holding ``roles`` for a system with condition IRIs ``facts``."""
        return bool(self.addressees & roles) and any(r.matches(facts) for r in self.rules)


def obligation_rules(store: Store, only: list[str] | None = None) -> dict[str, ObligationRules]:
    """Every obligation's addressees and rules (conditions as IRIs), optionally for some obligations only."""
    flt = ""
    if only:
        flt = "VALUES ?p { " + " ".join(q.iri(i) for i in only) + " }"
    out: dict[str, ObligationRules] = {}
    rules: dict[tuple[str, str], Rule] = {}
    for row in store.select(q.render("obligation-rules", filter=flt)).rows:
        p = row["p"].value
        ob = out.setdefault(p, ObligationRules(p))
        if "role" in row:
            ob.addressees.add(row["role"].value)
        if "rule" in row:
            key = (p, row["rule"].value)
            rule = rules.get(key)
            if rule is None:
                rule = rules[key] = Rule()
                ob.rules.append(rule)
            (rule.requires if row["mode"].value == "requires" else rule.excludes).add(row["condition"].value)
    return out
