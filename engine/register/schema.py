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
}
FILES = tuple(SCHEMA)
#: single-valued id columns (a list is an error)
SINGLE_ID = {("risks", "system"), ("assessments", "system")}
MAX_CELL = 10_000
