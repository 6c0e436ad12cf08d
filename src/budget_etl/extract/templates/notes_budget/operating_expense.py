"""Section 三 (机关运行经费): the total and its listed items."""

from __future__ import annotations

import re

from budget_etl.extract.numbers import AMOUNT_RE
from budget_etl.extract.sections import Section
from budget_etl.extract.templates.notes_budget.common import amount_after, yuan_of
from budget_etl.facts import ExtractedDocument, OperatingExpense, Source, StatedTotal


def read_operating_expenses(section: Section, out: ExtractedDocument) -> None:
    for p in section.paragraphs():
        total = amount_after(r"机关运行经费", p.text)
        if not total:
            continue
        src = Source(line=p.line, page=p.page)
        out.stated_totals.append(StatedTotal("operating_expense_total", "机关运行经费", yuan_of(total), src))
        out.operating_expenses += listed_items(p.text[total.end() :], src)
        return


def listed_items(text: str, src: Source) -> list[OperatingExpense]:
    """The items listed after 主要用于 (or in all of ``text`` when it has no such word)."""
    listing = text.split("主要用于", 1)[-1]
    # Each item is the name written right before an amount. Found by splitting the text between two
    # amounts in Python, since a pattern "name, then amount" would go over a long run of text once for
    # each of its characters (quadratic).
    end, items = 0, []
    for m in AMOUNT_RE.finditer(listing):
        name = _NAME_BREAK.split(listing[end : m.start()].rstrip())[-1]
        end = m.end()
        if name:
            items.append(OperatingExpense(len(items) + 1, name, yuan_of(m), src))
    return items


_NAME_BREAK = re.compile(r"[、，,。；;:：\d\s]")  # what an item's name in a listing never holds
