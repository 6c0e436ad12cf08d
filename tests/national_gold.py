"""Hand-read gold of the real disclosures in ../shared/gold/real, and how an ExtractedDocument's facts map
onto its keys. Shared by tests/test_national_tables.py and by ad-hoc measurement."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

from budget_etl.catalog import vocab
from budget_etl.facts import FACT_TABLES, ExtractedDocument

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


# gold key -> the stated total (TOTAL_METRICS code) that holds it
GOLD_TOTALS = {
    "revenue_total": "revenue_total",
    "expenditure_total": "expenditure_total",
    "revenue_this_year": "revenue_this_year",
    "expenditure_this_year": "expenditure_this_year",
    "basic_expenditure": "basic_total",
    "three_public_total": "three_public_total",
    "three_public_prior_year_total": "three_public_prior_year_total",
    "meeting_fee": "meeting_fee",
    "training_fee": "training_fee",
    "agency_operating_expense": "operating_expense_total",
    "government_procurement_total": "procurement_total",
    "performance_funds": "performance_funds",
}
# Totals a gold file holds whatever their measure: the funds of the projects with performance targets, which
# a 决算 states as their 预算金额 (measure budget) and has no 决算数 of.
ANY_MEASURE = ("performance_funds",)
# gold key -> the revenue source whose lines add up to it
GOLD_REVENUE = {
    "general_public_budget_appropriation": "general_public_budget",
    "government_fund_appropriation": "government_fund",
}
# gold key -> the expenditure type whose lines add up to it
GOLD_EXPENDITURE = {"personnel": "personnel", "public_operating": "public_operating",
                    "project_expenditure": "project"}


def extracted_facts(out: ExtractedDocument) -> dict[str, Decimal]:
    """The gold keys an extraction claims, in yuan (counts: as stated), of the document's main figure (the 决算数
    of final accounts: the budget figures a 决算 prints beside it are no gold fact); a fact the extraction
    does not state is absent."""
    out = main_measure(out)
    facts: dict[str, Decimal] = {}
    for key, metric in GOLD_TOTALS.items():
        if (value := out.total(metric)) is not None:
            facts[key] = value
    for key, source in GOLD_REVENUE.items():
        lines = [r.amount_yuan for r in out.revenue if r.revenue_source == source]
        if lines:
            facts[key] = sum(lines, Decimal(0))
    for key, kind in GOLD_EXPENDITURE.items():
        lines = [e.amount_yuan for e in out.expenditure if e.expenditure_type == kind]
        if lines:
            facts[key] = sum(lines, Decimal(0))
    for item in out.three_public_costs:
        facts.setdefault(item.category, item.amount_yuan)
    for key, metric in COUNTS.items():
        count = next((c.count for c in out.stated_counts if c.metric == metric), None)
        if count is not None:
            facts[key] = Decimal(count)
    return facts


def mart_facts(con) -> dict[str, dict[str, set[Decimal]]]:
    """The gold keys the marts hold, per file name of each loaded document (both files of a document in two),
    as the set of values the marts give (more than one value for a key is a contradiction)."""
    def values_in(sql: str, mapping: dict[str, str]) -> list[tuple]:
        where = ", ".join("?" for _ in mapping)
        return con.execute(sql.format(codes=where), list(mapping.values())).fetchall()

    by_code = {kind: {code: key for key, code in mapping.items()}
               for kind, mapping in (("total", GOLD_TOTALS), ("revenue", GOLD_REVENUE),
                                     ("expenditure", GOLD_EXPENDITURE), ("count", COUNTS))}
    rows = [("total", *r) for r in values_in(
        "select document_id, metric, amount_yuan from marts.fct_stated_total where metric in ({codes}) "
        f"and (is_main_measure or metric in ({', '.join(repr(m) for m in ANY_MEASURE)}))", GOLD_TOTALS)]
    rows += [("revenue", *r) for r in values_in(
        "select document_id, revenue_source, sum(amount_yuan) from marts.fct_revenue "
        "where revenue_source in ({codes}) group by all", GOLD_REVENUE)]
    rows += [("expenditure", *r) for r in values_in(
        "select document_id, expenditure_type, sum(amount_yuan) from marts.fct_expenditure "
        "where expenditure_type in ({codes}) group by all", GOLD_EXPENDITURE)]
    rows += [("three_public", *r) for r in con.execute(
        "select document_id, category, amount_yuan from marts.fct_three_public_cost").fetchall()]
    rows += [("count", *r) for r in values_in(
        "select document_id, metric, cast(count as decimal(18, 0)) from marts.fct_stated_count "
        "where metric in ({codes})", COUNTS)]
    files = con.execute("select document_id, file_name from marts.dim_document where is_latest_version").fetchall()
    names: dict[str, list[str]] = {}
    for document_id, file_name in files:
        names.setdefault(document_id, []).extend(gold_by_file().get(file_name, {}).get("files", [file_name]))
    out: dict[str, dict[str, set[Decimal]]] = {}
    for kind, document_id, code, value in rows:
        key = code if kind == "three_public" else by_code[kind][code]
        for name in names.get(document_id, []):
            out.setdefault(name, {}).setdefault(key, set()).add(value)
    return out


def main_measure(out: ExtractedDocument) -> ExtractedDocument:
    """A copy of ``out`` holding only the facts of its main measure (vocab.MAIN_MEASURES)."""
    main = vocab.MAIN_MEASURES[out.info.doc_kind]
    kept = {attr: [r for r in getattr(out, attr) if getattr(r, "measure", main) in (main, None)]
            for _table, (_cls, attr) in FACT_TABLES.items()}
    return dataclasses.replace(out, **kept)


def compare(gold: dict, got: dict[str, Decimal | set[Decimal]]) -> dict[str, list[str]]:
    """right / absent / wrong gold keys (wrong: stated with another value than every accepted one, or with
    several values)."""
    result: dict[str, list[str]] = {"right": [], "absent": [], "wrong": []}
    for key, accepted in (gold_yuan(gold) | gold_counts(gold)).items():
        value = got.get(key)
        if isinstance(value, set) and len(value) == 1:
            [value] = value
        if value is None:
            result["absent"].append(key)
        elif isinstance(value, set):
            result["wrong"].append(f"{key}: several values {sorted(value)}, gold {sorted(accepted)}")
        elif value in accepted:
            result["right"].append(key)
        else:
            result["wrong"].append(f"{key}: got {value}, gold {sorted(accepted)}")
    return result
