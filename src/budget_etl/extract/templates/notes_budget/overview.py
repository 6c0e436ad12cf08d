"""Section 二 (预算安排的总体情况): the revenue and expenditure totals, their parts and changes on last year."""

from __future__ import annotations

import re

from budget_etl.extract.changes import PRIOR, change_after, prior_year
from budget_etl.extract.numbers import AMOUNT
from budget_etl.extract.sections import Section
from budget_etl.extract.templates.notes_budget.common import amount_after, yuan_of
from budget_etl.facts import (
    ExpenditureLine,
    ExtractedDocument,
    RevenueLine,
    Source,
    StatedChange,
    StatedTotal,
)
from budget_etl.readers.blocks import Paragraph

REVENUE_SOURCES = [  # (pattern of the label, revenue_source)
    (r"一般公共预算(?:财政)?(?:拨款)?收入|一般公共预算(?:财政)?拨款", "general_public_budget"),
    (r"(?:政府性)?基金预算(?:财政)?(?:拨款)?收入|(?:政府性)?基金预算(?:财政)?拨款", "government_fund"),
    (r"财政专户(?:核拨|管理资金)?收入|财政专户(?:核拨|管理资金)", "fiscal_special_account"),
    (r"事业收入", "public_institution_income"),
    (r"上级补助收入", "higher_level_subsidy"),
    (r"上年结转(?:结余)?(?:收入|资金)?", "prior_year_carryover"),
    (r"其他(?:来源)?收入", "other"),
]

# Headline totals. The look-behind keeps a part's label from reading as the total: 一般公共预算收入 (共),
# 基金预算收入 (金), 项目支出预算 (目), 基本支出预算 (本), 人员/公用支出预算 (员/用). 收支总预算 states both
# totals at once.
_REVENUE_TOTAL = r"(?<![共金目本])(?:预算收入|收入预算)|收支总预算"
_EXPENDITURE_TOTAL = r"(?<![共金目本员用])(?:预算支出|支出预算)|收支总预算"


def read_overview(section: Section, out: ExtractedDocument) -> None:
    # The first statement of each total wins: the changes paragraph (二.3) repeats the expenditure total.
    for p in section.paragraphs():
        src = Source(line=p.line, page=p.page)
        total = amount_after(_REVENUE_TOTAL, p.text)
        if total:
            if out.total("revenue_total") is None:
                out.stated_totals.append(StatedTotal("revenue_total", "预算收入", yuan_of(total), src))
            if not out.revenue:
                _revenue_sources(p.text[total.end() :], src, out)
        total = amount_after(_EXPENDITURE_TOTAL, p.text)
        if total:
            if out.total("expenditure_total") is None:
                out.stated_totals.append(StatedTotal("expenditure_total", "预算支出", yuan_of(total), src))
            if not out.expenditure:
                _expenditure_parts(p, src, out)
        if re.search(PRIOR, p.text):
            _stated_changes(p, src, out)


def _revenue_sources(text: str, src: Source, out: ExtractedDocument) -> None:
    for pattern, source in REVENUE_SOURCES:
        m = re.search(rf"(?P<label>{pattern})\s*(?:预算)?(?:为|安排)?\s*{AMOUNT}", text)
        if m:
            out.revenue.append(RevenueLine(source, m["label"], yuan_of(m), src))


def _expenditure_parts(p: Paragraph, src: Source, out: ExtractedDocument) -> None:
    basic = amount_after(r"基本支出", p.text)
    if basic and out.total("basic_total") is None:
        out.stated_totals.append(StatedTotal("basic_total", "基本支出", yuan_of(basic), src))
    for label, cls, kind in (
        (r"人员经费|人员支出", "basic", "personnel"),
        (r"日常公用经费|公用经费|公用支出", "basic", "public_operating"),
        (r"项目支出", "project", "project"),
    ):
        m = re.search(rf"(?P<label>{label})\s*(?:预算)?(?:为|安排)?\s*{AMOUNT}", p.text)
        if m:
            out.expenditure.append(ExpenditureLine(cls, kind, m["label"], yuan_of(m), src))
    example = re.search(rf"例如(?P<label>\S+?)安排\s*{AMOUNT}", p.text)
    if example:
        out.stated_totals.append(StatedTotal("project_example", example["label"], yuan_of(example), src))


def _stated_changes(p: Paragraph, src: Source, out: ExtractedDocument) -> None:
    current = {
        "expenditure_total": out.total("expenditure_total"),
        "basic": out.total("basic_total"),
        "project": next((e.amount_yuan for e in out.expenditure if e.expenditure_type == "project"), None),
    }
    labels = {
        # the total's change is the 比上年 not said of a part (基本支出比上年增加… is the basic change)
        "expenditure_total": rf"(?<!基本支出)(?<!项目支出)(?<!人员经费)(?<!公用经费){PRIOR}",
        "basic": rf"基本支出\s*(?:{PRIOR})?",
        "project": rf"项目支出\s*(?:{PRIOR})?",
    }
    for sentence in re.split(r"[。；;]", p.text):
        if "收入" in sentence and "支出" not in sentence:  # a change of the revenue, not of the spending
            continue
        for metric, label in labels.items():
            change = change_after(label, sentence)
            if change is not None and metric not in {c.metric for c in out.stated_changes}:
                out.stated_changes.append(
                    StatedChange(metric, change, current[metric], prior_year(current[metric], change), src)
                )
