"""Section 三 (机关运行经费): the total and its listed items."""

from __future__ import annotations

import re

from budget_etl.extract.numbers import AMOUNT
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
        listing = p.text[total.end() :]
        listing = listing.split("主要用于", 1)[-1]
        for number, m in enumerate(re.finditer(rf"(?P<name>[^、，,。；;:：\d\s]+?)\s*{AMOUNT}", listing), 1):
            out.operating_expenses.append(OperatingExpense(number, m["name"], yuan_of(m), src))
        return
