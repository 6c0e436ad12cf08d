"""Section 五 (绩效预算信息): the overall goal, and one performance table per project (项目编码, 预算数, spend
plan by month, the indicator grid), wherever the project tables stand."""

from __future__ import annotations

import re
from decimal import Decimal

from budget_etl.extract.numbers import cell_amount, cell_number, parse_target
from budget_etl.extract.sections import Section
from budget_etl.extract.templates.notes_budget.common import cell_src, right_cells, right_of
from budget_etl.facts import ExtractedDocument, Project, ProjectIndicator, Source
from budget_etl.readers.blocks import Cell, Paragraph, Table


def read_overall_goal(section: Section, out: ExtractedDocument) -> None:
    paragraphs = section.paragraphs()
    for i, p in enumerate(paragraphs):
        if re.search(r"总体绩效目标", p.text) and i + 1 < len(paragraphs):
            inline = re.split(r"总体绩效目标[:：]?", p.text, maxsplit=1)[1].strip()
            out.info.overall_goal_zh = inline or paragraphs[i + 1].text
            return


def read_project_table(table: Table, title: Paragraph | None, unit: str, out: ExtractedDocument) -> None:
    rights = right_cells(table)
    code, name, budget = rights.get("项目编码"), rights.get("项目名称"), rights.get("预算数")
    fiscal = right_of(rights, r"(?:其中[:：])?财政资金")
    other = rights.get("其他资金")
    rows = table.rows
    purpose = None
    for r, row in enumerate(rows):
        if any(c.text == "预算数" for c in row) and r + 1 < len(rows):
            texts = [c.text for c in rows[r + 1] if c.text]
            purpose = texts[-1] if texts and not _is_label_row(rows[r + 1]) else None
    plan = _spend_plan(table)
    goals = rights.get("绩效目标")
    number = re.match(r"^(\d+)", title.text) if title else None
    project = Project(
        project_no=int(number[1]) if number else len(out.projects) + 1,
        project_code=code.text if code else "",
        project_name_zh=name.text if name else "",
        budget_yuan=cell_amount(budget.text, unit) if budget else None,
        fiscal_funds_yuan=cell_amount(fiscal.text, unit) if fiscal else None,
        other_funds_yuan=cell_amount(other.text, unit) if other else None,
        purpose_zh=purpose,
        spend_plan_pct_m03=plan.get("03"),
        spend_plan_pct_m06=plan.get("06"),
        spend_plan_pct_m10=plan.get("10"),
        spend_plan_pct_m12=plan.get("12"),
        goals_zh=goals.text if goals else None,
        src=cell_src(table, code) if code else Source(line=table.line, table=table.index),
    )
    out.projects.append(project)
    out.project_indicators.extend(_indicators(table, project.project_code))


def _is_label_row(row: list[Cell]) -> bool:
    return any(c.text in ("资金支出计划（%）", "绩效目标", "一级指标") for c in row)


_MONTH = re.compile(r"^(\d{1,2})月底?$")


def _spend_plan(table: Table) -> dict[str, Decimal | None]:
    """Cumulative spend by month end: the header row names the months, the next row holds the values."""
    for r, row in enumerate(table.rows[:-1]):
        months = {c.col: _MONTH.match(c.text) for c in row}
        months = {col: m[1].zfill(2) for col, m in months.items() if m}
        if months:
            values = {c.col: c.text for c in table.rows[r + 1]}
            return {month: cell_number(values.get(col, "")) for col, month in months.items()}
    return {}


def _indicators(table: Table, project_code: str) -> list[ProjectIndicator]:
    """The grid under 一级指标 | 二级指标 | 三级指标 | 描述 | 指标值 | 依据. The level-1 (产出/效果/效益/满意度
    指标), level-2 and level-3 cells may be merged down: a reader gives the merged text on the first row and
    "" below (txt, this docx reader) or repeats it on every row (other docx readers); both read the same."""
    rows = table.rows
    header = next((r for r, row in enumerate(rows) if row and row[0].text == "一级指标"), None)
    if header is None:
        return []
    indicators = []
    level1 = level2 = level3 = ""
    for row in rows[header + 1 :]:
        cells = [c.text for c in row]
        if len(cells) < 6:
            continue
        l1, l2, l3, description, target, basis = cells[-6:]
        if not (l3 or description or target or basis):  # no indicator on this row
            continue
        level1 = l1 or level1
        level2 = l2 or level2
        level3 = l3 or level3
        operator, value, unit = parse_target(target)
        indicators.append(
            ProjectIndicator(
                project_code=project_code,
                indicator_no=len(indicators) + 1,
                level1_zh=level1,
                level2_zh=level2,
                level3_zh=level3,
                description_zh=description or None,
                target_raw=target or None,
                target_operator=operator,
                target_value=value,
                target_unit=unit,
                basis_zh=basis or None,
                src=cell_src(table, row[-6]),
            )
        )
    return indicators
