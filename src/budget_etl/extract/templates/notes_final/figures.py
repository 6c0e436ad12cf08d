"""The figures of a 决算 in prose: each clause names an item, then its figures by measure, e.g.
"支出决算数为950元，年初预算数为1000元，调整预算数为980元" or "其中：基本支出决算数为600元，年初预算数为620元".

A clause is the text between 。 ； and 其中; its item is the text before its first figure word; each figure
word followed by an amount gives one fact of that measure. The item names are matched with the patterns of
the budget form (revenue sources, 三公 categories), so both forms read the same items the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from budget_etl.catalog import vocab
from budget_etl.extract.numbers import AMOUNT, amount
from budget_etl.extract.sections import Section
from budget_etl.extract.templates.notes_budget.operating_expense import listed_items
from budget_etl.extract.templates.notes_budget.overview import REVENUE_SOURCES
from budget_etl.extract.templates.notes_budget.three_public import REASON, THREE_PUBLIC_CATEGORIES
from budget_etl.facts import (
    ExpenditureLine,
    ExtractedDocument,
    RevenueLine,
    Source,
    StatedTotal,
    ThreePublicCost,
)

# Figure words -> measure; 年初预算数 before 预算数 so that the longer word wins.
_MEASURES = {
    "调整预算数": vocab.MEASURES["adjusted_budget"],
    "年初预算数": vocab.MEASURES["budget"],
    "预算数": vocab.MEASURES["budget"],
    "决算数": vocab.MEASURES["final"],
}
MEASURE_WORDS = "|".join(_MEASURES)
_FIGURE = re.compile(rf"(?P<word>{MEASURE_WORDS})\s*(?:为|是)?\s*[:：]?\s*{AMOUNT}")
_CLAUSE_BREAK = re.compile(r"[。；;]|其中[:：]?")
_YEAR_PREFIX = re.compile(r"^\s*(?:(?:19|20)\d{2}\s*年度?)?\s*")


def clauses(text: str) -> Iterator[tuple[str, dict[str, Decimal], str]]:
    """(item, {measure: yuan}, the rest of the clause) for every clause of ``text`` that states figures;
    the first statement of a measure in a clause counts."""
    for clause in _CLAUSE_BREAK.split(text):
        figures = list(_FIGURE.finditer(clause))
        if not figures:
            continue
        item = _YEAR_PREFIX.sub("", clause[: figures[0].start()]).strip("，, ")
        by_measure: dict[str, Decimal] = {}
        for m in figures:
            by_measure.setdefault(_MEASURES[m["word"]], amount(m))
        yield item, by_measure, clause[figures[-1].end():]


def read_overview(section: Section, out: ExtractedDocument) -> None:
    """收入 and 支出: totals, revenue sources, basic / personnel / public operating / project expenditure."""
    for p in section.paragraphs():
        src = Source(line=p.line, page=p.page)
        for item, figures, _rest in clauses(p.text):
            for measure, yuan in figures.items():
                _overview_fact(item, measure, yuan, src, out)


def _overview_fact(item: str, measure: str, yuan: Decimal, src: Source, out: ExtractedDocument) -> None:
    source = next((s for pattern, s in REVENUE_SOURCES if re.fullmatch(pattern, item)), None)
    if source:
        out.revenue.append(RevenueLine(source, item, yuan, src, measure))
    elif re.fullmatch(r"(?:本年)?收入(?:合计|总计)?", item):
        _total("revenue_total", item, yuan, src, measure, out)
    elif re.fullmatch(r"(?:本年)?支出(?:合计|总计)?", item):
        _total("expenditure_total", item, yuan, src, measure, out)
    elif re.fullmatch(r"基本支出", item):
        _total("basic_total", item, yuan, src, measure, out)
    elif re.fullmatch(r"人员经费|人员支出", item):
        out.expenditure.append(ExpenditureLine("basic", "personnel", item, yuan, src, measure))
    elif re.fullmatch(r"日常公用经费|公用经费|公用支出", item):
        out.expenditure.append(ExpenditureLine("basic", "public_operating", item, yuan, src, measure))
    elif re.fullmatch(r"项目支出", item):
        out.expenditure.append(ExpenditureLine("project", "project", item, yuan, src, measure))


def _total(metric: str, label: str, yuan: Decimal, src: Source, measure: str, out: ExtractedDocument) -> None:
    if not any(t.metric == metric and t.measure == measure for t in out.stated_totals):
        out.stated_totals.append(StatedTotal(metric, label, yuan, src, measure))


def read_operating_expenses(section: Section, out: ExtractedDocument) -> None:
    """The 机关运行经费 total by measure, and its listed items (their 决算数)."""
    for p in section.paragraphs():
        found = [(item, figures, rest) for item, figures, rest in clauses(p.text) if "机关运行经费" in item]
        if not found:
            continue
        src = Source(line=p.line, page=p.page)
        for measure, yuan in found[0][1].items():
            _total("operating_expense_total", "机关运行经费", yuan, src, measure, out)
        if "主要用于" in p.text:  # the items the money went to: 决算数, the document's main figure
            out.operating_expenses += listed_items(p.text, src)
        return


def read_three_public(section: Section, out: ExtractedDocument) -> None:
    """The 三公 total and each category by measure, with the reason given for a category's difference."""
    seen: set[tuple[str, str]] = set()
    for p in section.paragraphs():
        src = Source(line=p.line, page=p.page)
        for item, figures, rest in clauses(p.text):
            if "三公" in item:
                for measure, yuan in figures.items():
                    _total("three_public_total", "“三公”经费", yuan, src, measure, out)
                continue
            category = next((c for pattern, c in THREE_PUBLIC_CATEGORIES if re.fullmatch(pattern, item)), None)
            if category is None:
                continue
            reason = REASON.search(rest)  # why the 决算数 differs from the budget: on the final row
            for measure, yuan in figures.items():
                if (category, measure) not in seen:
                    seen.add((category, measure))
                    out.three_public_costs.append(ThreePublicCost(
                        category=category, category_zh=item, amount_yuan=yuan, change_yuan=None,
                        prior_year_yuan=None,
                        change_reason_zh=reason["reason"].strip("，,。 ") if reason and measure == "final" else None,
                        src=src, measure=measure))
