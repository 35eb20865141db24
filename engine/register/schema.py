"""The register format (docs/register.md): files, columns, required columns and value types."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    kind: str = "text"          # text, id, date, bool, int1_5, float, enum, enums, refs, ids, location, sha256
    choices: tuple[str, ...] = ()
    target: str | None = None   # for ids: the file whose ids are referenced


ROLES = ("provider", "deployer", "importer", "distributor", "authorised-representative")
LIFECYCLE = ("design", "development", "validation", "deployed", "retired")
#: Art. 25(1)(a)-(c): why an operator that was not the original provider became one
PROVIDER_BY = ("own-name", "substantial-modification", "changed-purpose")
EXEMPTIONS = ("narrow-procedural-task", "improves-human-activity", "detects-patterns", "preparatory-task")
CONTROL_STATUS = ("implemented", "partial", "planned", "not-implemented")
EVIDENCE_KINDS = ("policy", "procedure", "record", "report", "log", "test-result", "attestation", "other")
TREATMENTS = ("mitigate", "accept", "transfer", "avoid")
RISK_STATUS = ("open", "treated", "closed")
ASSESSMENT_KINDS = ("risk-assessment", "ai-impact-assessment", "fria", "dpia", "conformity-assessment",
                    "technical-documentation", "post-market-monitoring-plan")
# the management system's own records (register spec, "The management system's own records")
GATES = ("design", "pre-deployment", "change", "retirement")
DECISIONS = ("approved", "approved-with-conditions", "rejected", "deferred")
INCIDENT_KINDS = ("death", "health-harm", "critical-infrastructure", "fundamental-rights", "property-environment",
                  "other")
INCIDENT_STATUS = ("open", "investigating", "closed")
FINDING_KINDS = ("nonconformity", "observation", "opportunity")
FINDING_SOURCES = ("internal-audit", "external-audit", "management-review", "incident", "monitoring", "complaint")
FINDING_STATUS = ("open", "action-planned", "closed")
SUPPLIES = ("ai-system", "gpai-model", "component", "data", "service")
SUPPLIER_STATUS = ("approved", "conditional", "rejected")

SCHEMA: dict[str, list[Column]] = {
    "systems": [
        Column("id", True, "id"), Column("name", True), Column("purpose"), Column("owner", True),
        Column("role", True, "enums", ROLES), Column("lifecycle", False, "enum", LIFECYCLE),
        Column("use_cases", False, "usecases"), Column("annex_i_product", False, "product"),
        Column("third_party_conformity", False, "bool"), Column("profiling", False, "bool"),
        Column("art6_3_exemption", False, "enum", EXEMPTIONS), Column("gpai_model", False, "bool"),
        Column("training_flops", False, "float"), Column("public_body", False, "bool"),
        Column("personal_data", False, "bool"), Column("provider_by", False, "enums", PROVIDER_BY),
        Column("bias_special_data", False, "bool"), Column("established_outside_eu", False, "bool"),
        Column("open_source", False, "bool"), Column("public_authority", False, "bool"),
        Column("workplace", False, "bool"), Column("gpai_designated", False, "bool"),
    ],
    "controls": [
        Column("id", True, "id"), Column("title", True), Column("owner", True),
        Column("status", True, "enum", CONTROL_STATUS), Column("implements", False, "refs"),
        Column("systems", False, "ids", target="systems"), Column("description"),
    ],
    "evidence": [
        Column("id", True, "id"), Column("title", True), Column("supports", True, "ids", target="controls"),
        Column("location", True, "location"), Column("sha256", False, "sha256"),
        Column("collected_on", True, "date"), Column("valid_until", False, "date"),
        Column("kind", False, "enum", EVIDENCE_KINDS),
    ],
    "risks": [
        Column("id", True, "id"), Column("system", True, "ids", target="systems"), Column("title", True),
        Column("source"), Column("likelihood", False, "int1_5"), Column("severity", False, "int1_5"),
        Column("owner", True), Column("treatment", True, "enum", TREATMENTS),
        Column("controls", False, "ids", target="controls"), Column("status", False, "enum", RISK_STATUS),
        Column("acceptance_rationale"),
    ],
    "assessments": [
        Column("id", True, "id"), Column("system", True, "ids", target="systems"),
        Column("kind", True, "enum", ASSESSMENT_KINDS), Column("date", True, "date"), Column("owner", True),
        Column("location", False, "location"), Column("valid_until", False, "date"),
    ],
    "applicability": [
        Column("ref", True, "annexa"), Column("applicable", True, "bool"), Column("justification", True),
    ],
    "decisions": [
        Column("id", True, "id"), Column("system", True, "ids", target="systems"),
        Column("gate", True, "enum", GATES), Column("decision", True, "enum", DECISIONS),
        Column("date", True, "date"), Column("approver", True),
        Column("basis", False, "ids", target="assessments"), Column("conditions"),
    ],
    "incidents": [
        Column("id", True, "id"), Column("system", True, "ids", target="systems"), Column("title", True),
        Column("occurred_on", False, "date"), Column("aware_on", True, "date"), Column("serious", False, "bool"),
        Column("kind", False, "enum", INCIDENT_KINDS), Column("widespread", False, "bool"),
        Column("reported_on", False, "date"), Column("status", True, "enum", INCIDENT_STATUS),
    ],
    "findings": [
        Column("id", True, "id"), Column("kind", True, "enum", FINDING_KINDS),
        Column("source", True, "enum", FINDING_SOURCES), Column("raised_on", True, "date"),
        Column("description", True), Column("refs", False, "refs"),
        Column("systems", False, "ids", target="systems"), Column("audit", False, "ids", target="audits"),
        Column("incident", False, "ids", target="incidents"), Column("status", True, "enum", FINDING_STATUS),
        Column("closed_on", False, "date"),
    ],
    "actions": [
        Column("id", True, "id"), Column("findings", True, "ids", target="findings"), Column("title", True),
        Column("owner", True), Column("due", True, "date"), Column("done_on", False, "date"),
        Column("evidence", False, "ids", target="evidence"),
    ],
    "audits": [
        Column("id", True, "id"), Column("date", True, "date"), Column("scope", True, "refs"),
        Column("auditor", True), Column("independent", False, "bool"), Column("report", False, "location"),
    ],
    "reviews": [
        Column("id", True, "id"), Column("date", True, "date"), Column("chair", True),
        Column("inputs", False, "ids", target="audits|findings|incidents"), Column("minutes", False, "location"),
    ],
    "suppliers": [
        Column("id", True, "id"), Column("name", True), Column("supplies", True, "enum", SUPPLIES),
        Column("systems", False, "ids", target="systems"), Column("agreement_on", False, "date"),
        Column("assessed_on", False, "date"), Column("status", False, "enum", SUPPLIER_STATUS),
    ],
}
FILES = tuple(SCHEMA)
#: single-valued id columns (a list is an error)
SINGLE_ID = {("risks", "system"), ("assessments", "system"), ("decisions", "system"), ("incidents", "system"),
             ("findings", "audit"), ("findings", "incident")}
#: the optional files recording how the management system runs (ISO/IEC 42001 clauses 8-10, EU AI Act Art. 73)
RECORD_FILES = ("decisions", "incidents", "findings", "actions", "audits", "reviews", "suppliers")
MAX_CELL = 10_000
