"""Which sections a notes-form document has: present, declared empty or missing; an absent section is never
read as zeros."""

from __future__ import annotations

import re

from budget_etl.extract.empty import empty_note, says_empty
from budget_etl.extract.sections import Section
from budget_etl.facts import ExtractedDocument, Source
from budget_etl.facts import Section as SectionRecord
from budget_etl.readers.blocks import Paragraph

SECTION_KEYS = [
    "duties",
    "overview",
    "operating_expense",
    "three_public",
    "performance",
    "projects",  # the project performance tables (part of 绩效 in the seed; no heading of their own)
    "procurement",
    "assets",
    "glossary",
]


def section_records(sections: dict[str, Section], out: ExtractedDocument) -> list[SectionRecord]:
    has_facts = {
        "duties": bool(out.duties),
        "overview": bool(
            out.revenue or out.expenditure or out.total("revenue_total") or out.total("expenditure_total")
        ),
        "operating_expense": out.total("operating_expense_total") is not None or bool(out.operating_expenses),
        "three_public": out.total("three_public_total") is not None or bool(out.three_public_costs),
        "performance": True,
        "projects": bool(out.projects),
        "procurement": bool(out.procurement_items),
        "assets": bool(out.assets) or out.total("asset_total") is not None,
        "glossary": bool(out.glossary),
    }
    records = []
    for key in SECTION_KEYS:
        section = sections.get(key)
        if key == "projects":
            section, title = sections.get("performance"), None
            note = _project_empty_note(section) if section and not out.projects else None
            status = "present" if out.projects else "declared_empty" if note else "missing"
        else:
            title = section.title if section else None
            note = _section_empty_note(section) if section and not has_facts[key] else None
            status = "missing" if section is None else "declared_empty" if note else "present"
        where = note or (section.heading if section and status == "present" else None)
        src = Source(line=where.line, page=where.page) if where else Source()
        if key == "projects" and out.projects:
            src = Source(line=out.projects[0].src.line, table=out.projects[0].src.table)
        records.append(SectionRecord(key, title, status, note.text if note else None, src))
    return records


def _section_empty_note(section: Section) -> Paragraph | None:
    """The sentence (or table cell) by which a section says it has nothing to show."""
    return empty_note([section.heading, *section.paragraphs()], section.tables())


def _project_empty_note(performance: Section) -> Paragraph | None:
    """A note after the projects' sub-heading (第二部分 预算项目绩效目标) that there are no projects."""
    paragraphs = performance.paragraphs()
    start = next((i for i, p in enumerate(paragraphs) if re.search(r"项目.{0,6}绩效", p.text)), None)
    if start is None:
        return None
    return next((p for p in paragraphs[start:] if says_empty(p.text)), None)
