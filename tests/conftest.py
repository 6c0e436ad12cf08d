"""Shared fixtures: the bundled seed and its hand-read gold facts (copied into the repo).

``gold_facts()`` / the ``gold_doc`` fixture: the gold facts as an ExtractedDocument built by hand, so that
tests of validation and loading do not depend on the reader or the extractor.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from budget_etl.facts import (
    Asset,
    DocumentInfo,
    Duty,
    ExpenditureLine,
    ExtractedDocument,
    GlossaryTerm,
    OperatingExpense,
    Project,
    ProjectIndicator,
    RevenueLine,
    Section,
    Source,
    StatedChange,
    StatedTotal,
    ThreePublicCost,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "ingest" / "documents" / "xiguan_2020_budget.txt"
GOLD = ROOT / "tests" / "gold" / "xiguan_2020_budget.json"
SHARED = ROOT.parent / "shared"

sys.path.insert(0, str(Path(__file__).parent))  # tests/goldcheck.py


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def gold() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8"))


_THREE_PUBLIC = {
    "因公出国（境）费": "overseas_travel",
    "公务用车购置费": "vehicle_purchase",
    "公务用车运行维护费": "vehicle_operation",
    "公务接待费": "official_reception",
}


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def gold_facts() -> ExtractedDocument:
    facts = _gold_facts()
    facts.fill_main_measure()  # as extract() does: the budget's own figures
    return facts


def _gold_facts() -> ExtractedDocument:
    """The gold file's facts as the extractor should produce them (sources are the seed's real lines)."""
    g = json.loads(GOLD.read_text(encoding="utf-8"))
    d = g["document"]
    info = DocumentInfo(
        title="山海关区西关街道办事处部门2020年部门预算公开说明", doc_kind=d["kind"],
        fiscal_year=d["fiscal_year"], office_name=d["office_name"], unit_code=d["unit_code"],
        unit_full_name=d["unit_full_name"], district=d["district"], city=d["city"], province=d["province"],
        currency_unit=d["currency_unit"], overall_goal_zh=None,
        new_assets_budgeted=g["assets"]["new_assets_budgeted"], is_synthetic=False, src=Source(line=1),
    )
    rev, exp, tp, chg = g["revenue"], g["expenditure"], g["three_public"], g["change_vs_prior_year"]
    totals = [
        ("revenue_total", "预算收入", rev["total"], 91),
        ("expenditure_total", "预算支出", exp["total"], 94),
        ("basic_total", "基本支出", exp["basic"], 94),
        ("operating_expense_total", "机关运行经费", g["operating_expense_total"], 102),
        ("three_public_total", "“三公”经费", tp["total"], 105),
        ("asset_total", "固定资产总额", g["assets"]["total_value"], 1044),
    ]
    sources = ["general_public_budget", "government_fund", "fiscal_special_account", "other"]
    derived = chg["derived_prior_year"]
    return ExtractedDocument(
        info=info,
        sections=[
            Section(key, None, status, note, Source(line=line))
            for key, status, note, line in [
                ("duties", "present", None, 5), ("overview", "present", None, 86),
                ("operating_expense", "present", None, 102),
                ("three_public", "present", None, 105),
                ("procurement", "declared_empty", g["government_procurement"]["note"], 1030),
                ("assets", "present", None, 1044), ("glossary", "present", None, 1080),
            ]
        ],
        stated_totals=[StatedTotal(m, label, Decimal(v), Source(line=line)) for m, label, v, line in totals],
        revenue=[RevenueLine(s, s, Decimal(rev[s]), Source(line=91)) for s in sources],
        expenditure=[
            ExpenditureLine("basic", "personnel", "人员经费", Decimal(exp["personnel"]), Source(line=94)),
            ExpenditureLine("basic", "public_operating", "日常公用经费", Decimal(exp["public_operating"]),
                            Source(line=94)),
            ExpenditureLine("project", "project", "项目支出", Decimal(exp["project"]), Source(line=94)),
        ],
        stated_changes=[
            StatedChange("expenditure_total", Decimal(chg["total"]), Decimal(exp["total"]),
                         Decimal(derived["total"]), Source(line=98)),
            StatedChange("basic", Decimal(chg["basic"]), Decimal(exp["basic"]), Decimal(derived["basic"]),
                         Source(line=98)),
            StatedChange("project", Decimal(chg["project"]), Decimal(exp["project"]),
                         Decimal(derived["project"]), Source(line=98)),
            StatedChange("three_public_total", Decimal(tp["total_change"]), Decimal(tp["total"]),
                         Decimal(tp["derived_prior_total"]), Source(line=105)),
        ],
        operating_expenses=[
            OperatingExpense(i, name, Decimal(v), Source(line=102))
            for i, (name, v) in enumerate(g["operating_expense_items"], start=1)
        ],
        three_public_costs=[
            ThreePublicCost(_THREE_PUBLIC[it["category"]], it["category"], Decimal(it["amount"]),
                            Decimal(it["change"]), Decimal(it["amount"]) - Decimal(it["change"]),
                            it["reason"], Source(line=105))
            for it in tp["items"]
        ],
        duties=[
            Duty(i, name, None, None, None, None, None,
                 *(Decimal(p) for p in g["duty_grading_thresholds_pct"][str(i)]), Source(line=10 + i))
            for i, name in enumerate(g["duties"], start=1)
        ],
        projects=[
            Project(i, p["code"], p["name"], _d(p["budget"]), _d(p["fiscal_funds"]), _d(p["other_funds"]),
                    None,
                    *(Decimal(p["spend_plan_pct"][m]) for m in ("03", "06", "10", "12")), None,
                    Source(table=i, row=3, col=2))
            for i, p in enumerate(g["projects"], start=1)
        ],
        project_indicators=[_indicator(g["project_indicator_example"])],
        assets=[
            Asset(i, a["class"], a["unit"], _d(a["quantity"]), _d(a["value"]), date(2019, 12, 31),
                  Source(table=30, row=i + 1, col=2))
            for i, a in enumerate(g["assets"]["items"], start=1)
        ],
        glossary=[
            GlossaryTerm(4, "基本支出", "指为保障机构正常运转、完成日常工作任务而发生的人员支出和公用支出。",
                         Source(line=1088)),
            GlossaryTerm(5, "项目支出", "指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。",
                         Source(line=1090)),
        ],
    )


def _indicator(e: dict) -> ProjectIndicator:
    return ProjectIndicator(
        e["project_code"], 1, e["level1"], e["level2"], e["level3"], e["description"], e["target_raw"],
        e["target_operator"], Decimal(e["target_value"]), e["target_unit"], e["basis"],
        Source(table=14, row=8, col=3),
    )


@pytest.fixture
def gold_doc() -> ExtractedDocument:
    """A fresh copy per test, so tests may break it on purpose."""
    return gold_facts()


@pytest.fixture(scope="session")
def bundled_warehouse(tmp_path_factory) -> Path:
    """A warehouse built by the real pipeline from the bundled sample (Xiguan + the demo corpus)."""
    from budget_etl.ops.pipeline import ingest
    from budget_etl.paths import bundled_sample
    from budget_etl.transform import build

    warehouse = tmp_path_factory.mktemp("bundled") / "budget.duckdb"
    summary = ingest([bundled_sample()], warehouse, progress=False)
    assert summary.quarantined == [] and summary.loaded == 33  # Xiguan, 24 demo budgets, 8 demo 决算 of 2023
    result = build(warehouse)
    assert result.ok, result.describe()
    return warehouse


@pytest.fixture(scope="session")
def real_warehouse(tmp_path_factory) -> Path:
    """A warehouse built by the real pipeline from the real documents of ../shared/real (skipped without
    them); the blank template is quarantined, every other document loads and dbt builds without errors."""
    from budget_etl.ops.pipeline import ingest
    from budget_etl.transform import build

    real = SHARED / "real"
    if not real.is_dir():
        pytest.skip("../shared/real not present")
    warehouse = tmp_path_factory.mktemp("real") / "budget.duckdb"
    summary = ingest([real], warehouse, progress=False)
    assert summary.loaded > 0, summary.describe()
    assert {q.reason_code for q in summary.quarantined} <= {"template_without_amounts"}, summary.quarantined
    result = build(warehouse)
    assert result.ok, result.describe()
    return warehouse
