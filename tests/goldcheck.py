"""Compare an ExtractedDocument with a gold JSON (the hand-read Xiguan file or a generated one).

Every fact of the gold shape is checked with exact Decimal equality; failures are collected and
reported together so that one run shows every difference.
"""

from __future__ import annotations

from decimal import Decimal

from budget_etl.facts import ExtractedDocument


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _changes(doc: ExtractedDocument) -> dict:
    return {c.metric: c for c in doc.stated_changes}


def gold_differences(doc: ExtractedDocument, gold: dict) -> list[str]:
    diffs: list[str] = []

    def check(what: str, got, expected) -> None:
        if got != expected:
            diffs.append(f"{what}: got {got!r}, expected {expected!r}")

    g = gold["document"]
    info = doc.info
    for key, got in [
        ("kind", info.doc_kind),
        ("fiscal_year", info.fiscal_year),
        ("office_name", info.office_name),
        ("unit_code", info.unit_code),
        ("unit_full_name", info.unit_full_name),
        ("district", info.district),
        ("city", info.city),
        ("province", info.province),
        ("currency_unit", info.currency_unit),
    ]:
        if key in g:
            check(f"document.{key}", got, g[key])

    revenue = {r.revenue_source: r.amount_yuan for r in doc.revenue}
    check("revenue.total", doc.total("revenue_total"), _dec(gold["revenue"]["total"]))
    for source, amount in gold["revenue"].items():
        if source != "total":
            check(f"revenue.{source}", revenue.get(source), _dec(amount))

    spend = {e.expenditure_type: e.amount_yuan for e in doc.expenditure}
    exp = gold["expenditure"]
    check("expenditure.total", doc.total("expenditure_total"), _dec(exp["total"]))
    check("expenditure.basic", doc.total("basic_total"), _dec(exp["basic"]))
    for kind in ("personnel", "public_operating", "project"):
        check(f"expenditure.{kind}", spend.get(kind), _dec(exp[kind]))

    changes = _changes(doc)
    metric_of = {"total": "expenditure_total", "basic": "basic", "project": "project"}
    cvp = gold["change_vs_prior_year"]
    for key, metric in metric_of.items():
        change = changes.get(metric)
        check(f"change.{key}", change and change.change_yuan, _dec(cvp[key]))
        check(f"prior_year.{key}", change and change.prior_year_yuan, _dec(cvp["derived_prior_year"][key]))

    if "statement_project_example" in gold:
        example = gold["statement_project_example"]
        check("statement_project_example", doc.total("project_example"), _dec(example["amount"]))
        segment = example["equals_sum_of_project_code_segment"]
        segment_sum = sum(p.budget_yuan for p in doc.projects if p.project_code.split("-")[1] == segment)
        check("statement_project_example = project segment sum", segment_sum, _dec(example["amount"]))

    check(
        "operating_expense_total", doc.total("operating_expense_total"), _dec(gold["operating_expense_total"])
    )
    check(
        "operating_expense_items",
        [(o.item_name_zh, o.amount_yuan) for o in doc.operating_expenses],
        [(name, _dec(amount)) for name, amount in gold["operating_expense_items"]],
    )

    tp = gold["three_public"]
    check("three_public.total", doc.total("three_public_total"), _dec(tp["total"]))
    total_change = changes.get("three_public_total")
    check("three_public.total_change", total_change and total_change.change_yuan, _dec(tp["total_change"]))
    check(
        "three_public.derived_prior_total",
        total_change and total_change.prior_year_yuan,
        _dec(tp["derived_prior_total"]),
    )
    check(
        "three_public.items",
        [(c.category_zh, c.amount_yuan, c.change_yuan, c.change_reason_zh) for c in doc.three_public_costs],
        [(i["category"], _dec(i["amount"]), _dec(i["change"]), i["reason"]) for i in tp["items"]],
    )

    check("projects.count", len(doc.projects), len(gold["projects"]))
    indicators = {}
    for ind in doc.project_indicators:
        indicators.setdefault(ind.project_code, []).append(ind.level3_zh)
    for got, want in zip(doc.projects, gold["projects"], strict=False):
        where = f"project {want['code']}"
        check(f"{where}.code", got.project_code, want["code"])
        check(f"{where}.name", got.project_name_zh, want["name"])
        check(f"{where}.budget", got.budget_yuan, _dec(want["budget"]))
        check(f"{where}.fiscal_funds", got.fiscal_funds_yuan, _dec(want["fiscal_funds"]))
        check(f"{where}.other_funds", got.other_funds_yuan, _dec(want["other_funds"]))
        plan = {
            "03": got.spend_plan_pct_m03,
            "06": got.spend_plan_pct_m06,
            "10": got.spend_plan_pct_m10,
            "12": got.spend_plan_pct_m12,
        }
        check(f"{where}.spend_plan_pct", plan, {k: _dec(v) for k, v in want["spend_plan_pct"].items()})
        check(f"{where}.indicator_level3", indicators.get(got.project_code), want["indicator_level3"])
    check("project_indicator_rows", len(doc.project_indicators), gold["project_indicator_rows"])

    example = gold.get("project_indicator_example")
    if example:
        row = next(
            (
                i
                for i in doc.project_indicators
                if i.project_code == example["project_code"] and i.level3_zh == example["level3"]
            ),
            None,
        )
        got = row and (
            row.level1_zh,
            row.level2_zh,
            row.description_zh,
            row.target_raw,
            row.target_operator,
            row.target_value,
            row.target_unit,
            row.basis_zh,
        )
        check(
            "project_indicator_example",
            got,
            (
                example["level1"],
                example["level2"],
                example["description"],
                example["target_raw"],
                example["target_operator"],
                _dec(example["target_value"]),
                example["target_unit"],
                example["basis"],
            ),
        )

    procurement = gold["government_procurement"]
    check("procurement.rows", len(doc.procurement_items), procurement["rows"])
    section = next((s for s in doc.sections if s.section_key == "procurement"), None)
    check(
        "procurement.declared_empty",
        section is not None and section.status == "declared_empty",
        procurement["declared_empty"],
    )

    assets = gold["assets"]
    check("assets.total_value", doc.total("asset_total"), _dec(assets["total_value"]))
    check("assets.new_assets_budgeted", info.new_assets_budgeted, assets["new_assets_budgeted"])
    check(
        "assets.as_of",
        {a.as_of_date.isoformat() if a.as_of_date else None for a in doc.assets},
        {assets["as_of"]},
    )
    check(
        "assets.items",
        [(a.asset_class_zh, a.unit_zh, a.quantity, a.value_yuan) for a in doc.assets],
        [(i["class"], i["unit"], _dec(i["quantity"]), _dec(i["value"])) for i in assets["items"]],
    )

    check("duties", [d.duty_name_zh for d in doc.duties], gold["duties"])
    thresholds = {
        str(d.duty_no): [d.grade_excellent_pct, d.grade_good_pct, d.grade_fair_pct, d.grade_poor_pct]
        for d in doc.duties
    }
    expected = {
        k: [_dec(v) for v in vs]
        for k, vs in gold["duty_grading_thresholds_pct"].items()
        if not k.startswith("_")
    }
    check("duty_grading_thresholds_pct", thresholds, expected)
    check("glossary_terms", len(doc.glossary), gold["glossary_terms"])
    diffs += _generated_gold_differences(doc, gold)
    return diffs


def _generated_gold_differences(doc: ExtractedDocument, gold: dict) -> list[str]:
    """Keys only the generated gold files have (budget_etl.synth); each is checked when present."""
    diffs: list[str] = []

    def check(what: str, got, expected) -> None:
        if got != expected:
            diffs.append(f"{what}: got {got!r}, expected {expected!r}")

    if "is_synthetic" in gold:
        check("is_synthetic", doc.info.is_synthetic, gold["is_synthetic"])
    if "overall_goal" in gold:
        check("overall_goal", doc.info.overall_goal_zh, gold["overall_goal"])
    rows = {}
    for ind in doc.project_indicators:
        rows.setdefault(ind.project_code, []).append(
            (ind.level1_zh, ind.level2_zh, ind.level3_zh, ind.description_zh, ind.target_raw,
             ind.target_operator, ind.target_value, ind.target_unit, ind.basis_zh))
    for got, want in zip(doc.projects, gold["projects"], strict=False):
        where = f"project {want['code']}"
        if "purpose" in want:
            check(f"{where}.purpose", got.purpose_zh, want["purpose"])
        if "goals" in want:
            check(f"{where}.goals", got.goals_zh, want["goals"])
        if "indicators" in want:
            check(f"{where}.indicators", rows.get(got.project_code), [
                (i["level1"], i["level2"], i["level3"], i["description"], i["target_raw"],
                 i["target_operator"], _dec(i["target_value"]), i["target_unit"], i["basis"])
                for i in want["indicators"]])
    items = gold["government_procurement"].get("items")
    if items is not None:
        check("procurement.items",
              [(p.project_name_zh, p.item_name_zh, p.catalog_no, p.unit_zh, p.quantity, p.unit_price_yuan,
                p.amount_yuan) for p in doc.procurement_items],
              [(i["project_name"], i["item_name"], i["catalog_no"], i["unit"], _dec(i["quantity"]),
                _dec(i["unit_price"]), _dec(i["amount"])) for i in items])
    return diffs


def assert_matches_gold(doc: ExtractedDocument, gold: dict) -> None:
    diffs = gold_differences(doc, gold)
    assert not diffs, "extracted facts differ from gold:\n" + "\n".join(diffs)
