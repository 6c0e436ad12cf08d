"""Hand-read gold of the real disclosures in ../shared/gold/real, and how an ExtractedDocument's facts map
onto its keys. Shared by tests/test_national_tables.py and by ad-hoc measurement."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from budget_etl.facts import ExtractedDocument

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOLD_DIR = SHARED / "gold" / "real"
PDF_DIR = SHARED / "real"

_SCALE = {"万元": Decimal(10000), "元": Decimal(1)}


def gold_by_file() -> dict[str, dict]:
    """PDF file name -> the gold JSON of the document it belongs to (a two-file document: both files)."""
    out = {}
    for path in sorted(GOLD_DIR.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        for name in gold["files"]:
            out[name] = gold
    return out


def gold_yuan(gold: dict) -> dict[str, set[Decimal]]:
    """Each money fact of a gold file as its accepted values in yuan (万元 × 10000 exactly)."""
    out = {}
    for key, value in gold["facts"].items():
        unit = gold["fact_units"].get(key)
        if unit not in _SCALE:  # counts (vehicles, projects) are no money
            continue
        values = [value, *gold.get("accepted_alternatives", {}).get(key, [])]
        out[key] = {Decimal(v) * _SCALE[unit] for v in values}
    return out


# gold count key -> StatedCount metric (counts are compared exactly, as integers)
COUNTS = {
    "performance_project_count": "performance_projects",
    "vehicles": "vehicles",
    "equipment_over_threshold": "equipment_over_threshold",
}


def gold_counts(gold: dict) -> dict[str, set[Decimal]]:
    """Each count fact of a gold file (unit ``count``) as its accepted values."""
    out = {}
    for key, value in gold["facts"].items():
        if gold["fact_units"].get(key) == "count":
            values = [value, *gold.get("accepted_alternatives", {}).get(key, [])]
            out[key] = {Decimal(v) for v in values}
    return out


def extracted_facts(out: ExtractedDocument) -> dict[str, Decimal]:
    """The gold keys an extraction claims, in yuan (counts: as stated); a fact the extraction does not state is
    absent."""
    facts: dict[str, Decimal] = {}
    totals = {
        "revenue_total": "revenue_total",
        "expenditure_total": "expenditure_total",
        "revenue_this_year": "revenue_this_year",
        "expenditure_this_year": "expenditure_this_year",
        "basic_expenditure": "basic_total",
        "three_public_total": "three_public_total",
        "meeting_fee": "meeting_fee",
        "training_fee": "training_fee",
        "agency_operating_expense": "operating_expense_total",
        "government_procurement_total": "procurement_total",
        "performance_funds": "performance_funds",
    }
    for key, metric in totals.items():
        if (value := out.total(metric)) is not None:
            facts[key] = value
    for key, source in (("general_public_budget_appropriation", "general_public_budget"),
                        ("government_fund_appropriation", "government_fund")):
        lines = [r.amount_yuan for r in out.revenue if r.revenue_source == source]
        if lines:
            facts[key] = sum(lines, Decimal(0))
    for key in ("personnel", "public_operating", "project"):
        lines = [e.amount_yuan for e in out.expenditure if e.expenditure_type == key]
        if lines:
            facts["project_expenditure" if key == "project" else key] = sum(lines, Decimal(0))
    for item in out.three_public_costs:
        facts.setdefault(item.category, item.amount_yuan)
    for key, metric in COUNTS.items():
        count = next((c.count for c in out.stated_counts if c.metric == metric), None)
        if count is not None:
            facts[key] = Decimal(count)
    return facts


def compare(gold: dict, got: dict[str, Decimal]) -> dict[str, list[str]]:
    """right / absent / wrong gold keys (wrong: stated with another value than every accepted one)."""
    result: dict[str, list[str]] = {"right": [], "absent": [], "wrong": []}
    for key, accepted in (gold_yuan(gold) | gold_counts(gold)).items():
        if key not in got:
            result["absent"].append(key)
        elif got[key] in accepted:
            result["right"].append(key)
        else:
            result["wrong"].append(f"{key}: got {got[key]}, gold {sorted(accepted)}")
    return result
