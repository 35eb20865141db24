"""A validated register as N-Triples text (the register graph).

Written for speed (an import of ~2M triples spends most of its Python time here): predicate IRIs are formatted
once, each row's triples are one f-string, literals without characters to escape are quoted without a
replace pass, and each distinct reference is parsed once. Text beats building pyoxigraph ``Quad`` objects:
measured at ~0.75 us per triple against ~5 us per ``Quad`` (plus a slower ``bulk_extend``).
"""
from __future__ import annotations

from ..mappings.hubfiles import atom_iri
from ..refs import ONTOLOGY_NS, ORG_NS, parse_ref
from .records import records_ntriples
from .schema import BOOL, use_case_iri

XSD = "http://www.w3.org/2001/XMLSchema#"
A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
ROLE_IRI = {"provider": "Provider", "deployer": "Deployer", "importer": "Importer", "distributor": "Distributor",
            "authorised-representative": "AuthorisedRepresentative"}
#: boolean columns of systems.csv and the property each becomes (read by engine/queries/systems.rq)
SYSTEM_FLAGS = (("third_party_conformity", "thirdPartyConformity"), ("profiling", "profiling"),
                ("gpai_model", "gpaiModel"), ("public_body", "publicBody"), ("personal_data", "personalData"),
                ("bias_special_data", "biasSpecialData"), ("established_outside_eu", "establishedOutsideEu"),
                ("open_source", "openSource"), ("public_authority", "publicAuthority"),
                ("workplace", "workplace"), ("gpai_designated", "gpaiDesignated"))
TRUE = f'"true"^^<{XSD}boolean>'
FALSE = f'"false"^^<{XSD}boolean>'


def lit(v: str) -> str:
    """A plain literal in N-Triples."""
    if "\\" in v or '"' in v or "\n" in v or "\r" in v:
        v = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + v + '"'


def _p(name: str) -> str:
    return f"<{ONTOLOGY_NS}{name}>"


def _boolean(v: str) -> str:
    return TRUE if BOOL.get(v.lower(), False) else FALSE


def _date(v: str) -> str:
    return f'"{v}"^^<{XSD}date>'


def _id_list(cell: str) -> list[str]:
    if ";" not in cell:   # the common single id
        v = cell.strip()
        return [v] if v else []
    return sorted({x.strip() for x in cell.split(";") if x.strip()})


def to_ntriples(t: dict[str, list[dict[str, str]]], digests: dict[str, str | None]) -> str:
    """The register graph of validated rows ``t`` (with computed evidence digests)."""
    org = f"<{ORG_NS}organisation>"
    out = [f"{org} {A} <{ONTOLOGY_NS}Organisation> ."]
    in_reg, ident_p, name_p, owner_p = _p("inRegister"), _p("identifier"), _p("name"), _p("owner")
    iris: dict[str, str] = {}

    def ref_iri(text: str) -> str:
        """The IRI of what a control implements: a provision reference or a hub atom id (``hub:log.retain``)."""
        if text not in iris:
            iris[text] = atom_iri(text) if text.startswith("hub:") else parse_ref(text).iri
        return iris[text]

    def entity(kind: str, cls: str, ident: str, name: str | None = None) -> str:
        """Type, register membership, identifier (and name) of one register row's node."""
        n = f"<{ORG_NS}{kind}/{ident}>"
        head = f"{n} {A} <{ONTOLOGY_NS}{cls}> .\n{n} {in_reg} {org} .\n{n} {ident_p} {lit(ident)} ."
        out.append(head if name is None else f"{head}\n{n} {name_p} {lit(name)} .")
        return n

    _systems(t.get("systems", []), out, entity, owner_p)
    _controls(t.get("controls", []), out, entity, owner_p, ref_iri)
    _evidence(t.get("evidence", []), digests, out, entity)
    _risks(t.get("risks", []), out, entity, owner_p)
    _assessments(t.get("assessments", []), out, entity, owner_p)
    for d in t.get("applicability", []):
        ref = parse_ref(d["ref"])
        n = f"<{ORG_NS}soa/{ref.key}/{ref.id}>"
        out.append(f"{n} {A} <{ONTOLOGY_NS}ApplicabilityDecision> .\n{n} {in_reg} {org} .\n"
                   f"{n} {_p('decisionFor')} <{ref.iri}> .\n{n} {_p('applicable')} {_boolean(d['applicable'])} .\n"
                   f"{n} {_p('justificationText')} {lit(d['justification'])} .")
    out += records_ntriples(t, lit)
    return "\n".join(out) + "\n"


def _systems(rows, out, entity, owner_p) -> None:
    purpose, has_role, lifecycle = _p("purpose"), _p("hasRole"), _p("lifecycle")
    use_case, use_case_code, annex_i, exemption = _p("useCase"), _p("useCaseCode"), _p("annexIProduct"), \
        _p("art6Exemption")
    flops, provider_by = _p("trainingFlops"), _p("providerBy")
    flags = [(col, _p(prop)) for col, prop in SYSTEM_FLAGS]
    for s in rows:
        n = entity("system", "AISystem", s["id"], s["name"])
        lines = [f"{n} {owner_p} {lit(s['owner'])} ."]
        if s.get("purpose"):
            lines.append(f"{n} {purpose} {lit(s['purpose'])} .")
        for role in _id_list(s.get("role", "")):
            lines.append(f"{n} {has_role} <{ONTOLOGY_NS}{ROLE_IRI[role]}> .")
        if s.get("lifecycle"):
            lines.append(f"{n} {lifecycle} {lit(s['lifecycle'])} .")
        for code in _id_list(s.get("use_cases", "")):
            lines.append(f"{n} {use_case} <{use_case_iri(code)}> .\n{n} {use_case_code} {lit(code)} .")
        if s.get("annex_i_product"):
            lines.append(f"{n} {annex_i} {lit(s['annex_i_product'])} .")
        if s.get("art6_3_exemption"):
            lines.append(f"{n} {exemption} {lit(s['art6_3_exemption'])} .")
        if s.get("training_flops"):
            lines.append(f'{n} {flops} "{float(s["training_flops"]):e}"^^<{XSD}double> .')
        for reason in _id_list(s.get("provider_by", "")):
            lines.append(f"{n} {provider_by} {lit(reason)} .")
        for col, prop in flags:
            lines.append(f"{n} {prop} {_boolean(s.get(col, ''))} .")
        out.append("\n".join(lines))


def _controls(rows, out, entity, owner_p, ref_iri) -> None:
    status, description, implements, applies = _p("status"), _p("description"), _p("implements"), \
        _p("appliesToSystem")
    for c in rows:
        n = entity("control", "Control", c["id"], c["title"])
        lines = [f"{n} {owner_p} {lit(c['owner'])} .\n{n} {status} {lit(c['status'])} ."]
        if c.get("description"):
            lines.append(f"{n} {description} {lit(c['description'])} .")
        for ref in sorted({ref_iri(r.strip()) for r in c.get("implements", "").split(";") if r.strip()}):
            lines.append(f"{n} {implements} <{ref}> .")
        for sid in _id_list(c.get("systems", "")):
            lines.append(f"{n} {applies} <{ORG_NS}system/{sid}> .")
        out.append("\n".join(lines))


def _evidence(rows, digests, out, entity) -> None:
    location, collected, valid, kind_p = _p("location"), _p("collectedOn"), _p("validUntil"), _p("evidenceKind")
    sha, computed, supports = _p("sha256"), _p("computedSha256"), _p("supports")
    for e in rows:
        n = entity("evidence", "Evidence", e["id"], e["title"])
        lines = [f"{n} {location} {lit(e['location'])} .\n{n} {collected} {_date(e['collected_on'])} ."]
        if e.get("valid_until"):
            lines.append(f"{n} {valid} {_date(e['valid_until'])} .")
        if e.get("kind"):
            lines.append(f"{n} {kind_p} {lit(e['kind'])} .")
        if e.get("sha256"):
            lines.append(f"{n} {sha} {lit(e['sha256'].lower())} .")
        if digests.get(e["id"]):
            lines.append(f"{n} {computed} {lit(digests[e['id']] or '')} .")
        for cid in _id_list(e["supports"]):
            lines.append(f"{n} {supports} <{ORG_NS}control/{cid}> .")
        out.append("\n".join(lines))


def _risks(rows, out, entity, owner_p) -> None:
    about, treatment, treated_by = _p("aboutSystem"), _p("treatment"), _p("treatedBy")
    texts = [(col, _p(prop)) for col, prop in (("source", "riskSource"), ("status", "status"),
                                               ("acceptance_rationale", "acceptanceRationale"))]
    ints = [(col, _p(col)) for col in ("likelihood", "severity")]
    for r in rows:
        n = entity("risk", "Risk", r["id"], r["title"])
        lines = [f"{n} {about} <{ORG_NS}system/{r['system']}> .\n{n} {owner_p} {lit(r['owner'])} .\n"
                 f"{n} {treatment} {lit(r['treatment'])} ."]
        for col, prop in texts:
            if r.get(col):
                lines.append(f"{n} {prop} {lit(r[col])} .")
        for col, prop in ints:
            if r.get(col):
                lines.append(f'{n} {prop} "{int(r[col])}"^^<{XSD}integer> .')
        for cid in _id_list(r.get("controls", "")):
            lines.append(f"{n} {treated_by} <{ORG_NS}control/{cid}> .")
        out.append("\n".join(lines))


def _assessments(rows, out, entity, owner_p) -> None:
    about, kind_p, on, location, valid = _p("aboutSystem"), _p("assessmentKind"), _p("assessedOn"), \
        _p("location"), _p("validUntil")
    for s in rows:
        n = entity("assessment", "Assessment", s["id"])
        lines = [f"{n} {about} <{ORG_NS}system/{s['system']}> .\n{n} {kind_p} {lit(s['kind'])} .\n"
                 f"{n} {on} {_date(s['date'])} .\n{n} {owner_p} {lit(s['owner'])} ."]
        if s.get("location"):
            lines.append(f"{n} {location} {lit(s['location'])} .")
        if s.get("valid_until"):
            lines.append(f"{n} {valid} {_date(s['valid_until'])} .")
        out.append("\n".join(lines))
