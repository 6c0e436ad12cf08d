"""Completeness: every core subject of a budget (收支 totals, 项目支出, 机关运行经费, 三公) yields facts, or the
document says it has none; otherwise a failing ``completeness.<subject>`` row (a warning, see rulebook.py).

A section that was not found (an unusual heading), a paragraph the extractor could not read, or a section
missing from the document all end the same way: no facts for a subject every budget discloses. That must
never pass silently as "all identities hold" (their rows are then only ``not_applicable``). The row says
whether the text does state amounts for the subject, and where, so the cause is one look away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from budget_etl.catalog.tables import CheckResult
from budget_etl.extract.numbers import AMOUNT
from budget_etl.facts import ExtractedDocument, Source, flat_record
from budget_etl.validate.rulebook import rule_of


@dataclass(frozen=True)
class Subject:
    name: str  # completeness.<name>
    label_zh: str
    section_key: str  # the section record that may declare it empty
    mention: re.Pattern  # the subject named with an amount in the same sentence
    has_facts: Callable[[ExtractedDocument], bool]


def _mention(keyword: str) -> re.Pattern:
    return re.compile(rf"{keyword}[^。；;\n]{{0,30}}?{AMOUNT}")


SUBJECTS = (
    Subject("revenue_total", "收入总计", "overview", _mention(r"(?:预算收入|收入预算|收入总计|收入合计)"),
            lambda f: f.total("revenue_total") is not None or bool(f.revenue)),
    Subject("expenditure_total", "支出总计", "overview", _mention(r"(?:预算支出|支出预算|支出总计|支出合计)"),
            lambda f: f.total("expenditure_total") is not None or bool(f.expenditure)),
    Subject("project_expenditure", "项目支出", "projects", _mention("项目支出"),
            lambda f: any(e.expenditure_type == "project" for e in f.expenditure) or bool(f.projects)),
    Subject("operating_expense", "机关运行经费", "operating_expense", _mention("机关运行经费"),
            lambda f: f.total("operating_expense_total") is not None or bool(f.operating_expenses)),
    Subject("three_public", "“三公”经费", "three_public", _mention(r"三公[”\"’']?\s*经费"),
            lambda f: f.total("three_public_total") is not None or bool(f.three_public_costs)),
)


def completeness_checks(facts: ExtractedDocument, text: str, document_id: str = "") -> list[dict]:
    """One row per core subject: pass (facts read), not_applicable (the document declares it empty) or fail."""
    sections = {s.section_key: s for s in facts.sections}
    rows = []
    for subject in SUBJECTS:
        section = sections.get(subject.section_key)
        mention = subject.mention.search(text or "")
        src = Source()
        if subject.has_facts(facts):
            status, detail = "pass", f"{subject.label_zh}: facts read"
        elif section is not None and section.status == "declared_empty":
            status, detail, src = "not_applicable", f"{subject.label_zh}: declared empty ({section.note_zh})", \
                section.src
        else:
            status = "fail"
            where = "its section is missing" if section is None or section.status == "missing" \
                else "its section yields no fact"
            if mention:
                line = (text or "").count("\n", 0, mention.start()) + 1
                src = Source(line=line)
                detail = (f"{subject.label_zh}: no facts read, yet the text states an amount for it at line "
                          f"{line} ({mention[0][:40]!r}); {where}")
            else:
                detail = f"{subject.label_zh}: no facts read and no declaration that there are none; {where}"
        rows.append(_row(document_id, subject.name, status, detail, src))
    return rows


def _row(document_id: str, name: str, status: str, detail: str, src: Source) -> dict:
    check_name = f"completeness.{name}"
    rule = rule_of(check_name)
    return flat_record(CheckResult(document_id, check_name, rule.kind, rule.severity, status, None, None, None,
                                   detail, src))
