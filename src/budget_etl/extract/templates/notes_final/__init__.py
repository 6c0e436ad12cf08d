"""The "部门决算公开说明" notes form: the 决算 counterpart of ``notes_budget``, narrative sections in prose where
each figure is stated as its 决算数 with the budget beside it ("支出决算数为X元，年初预算数为Y元，调整预算数为Z
元"), followed by the reasons for the differences.

Sections are found by their title keywords (``extract/sections.py``), as in the budget form; the section
readers of ``notes_budget`` are reused where the wording is the same (revenue sources and 三公 categories by
their names, the listing of 机关运行经费 items, the glossary, coverage). What differs is read in ``figures``:
every clause naming an item and its figures gives one fact per measure (``final`` 决算数, ``budget``
年初预算数 / 预算数, ``adjusted_budget`` 调整预算数; see ``catalog/vocab.py`` MEASURES).
"""

from __future__ import annotations

import re

from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.identity import FINAL_ACCOUNTS, document_info, read_identity
from budget_etl.extract.registry import Detection
from budget_etl.extract.sections import split_sections
from budget_etl.extract.templates.notes_budget.coverage import section_records
from budget_etl.extract.templates.notes_budget.duties import read_duties
from budget_etl.extract.templates.notes_budget.glossary import read_glossary
from budget_etl.extract.templates.notes_final.figures import (
    MEASURE_WORDS,
    read_operating_expenses,
    read_overview,
    read_three_public,
)
from budget_etl.extract.units import currency_unit, prose_unit, units_in
from budget_etl.facts import ExtractedDocument
from budget_etl.readers.blocks import ReadDocument

_FIGURE_WORDS = re.compile(MEASURE_WORDS)


def extract_final(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    sections = split_sections(doc.blocks)
    out = ExtractedDocument(info=document_info(read_identity(doc), doc, is_synthetic=is_synthetic))
    if "overview" in sections:
        read_overview(sections["overview"], out)
    if "operating_expense" in sections:
        read_operating_expenses(sections["operating_expense"], out)
    if "three_public" in sections:
        read_three_public(sections["three_public"], out)
    out.duties = read_duties(sections)
    if "glossary" in sections:
        read_glossary(sections["glossary"], out)
    out.sections = section_records(sections, out)
    out.info.currency_unit = currency_unit(
        [prose_unit(sections["overview"].paragraphs() if "overview" in sections else [])]
        + [u for key in ("overview", "operating_expense", "three_public") if key in sections
           for u in units_in(sections[key].paragraphs())]
    )
    if out.total("revenue_total", "final") is None and out.total("expenditure_total", "final") is None:
        raise ExtractionError(
            "incomplete_document",
            "Neither the revenue nor the expenditure 决算数 was found: the document is truncated, or its "
            "overview section (收支决算总体情况) is missing.",
        )
    return out


class NotesFinal:
    """The 部门决算公开说明 notes form: 决算数 with the budget beside it, in prose."""

    name = "notes_final"
    doc_kinds = (FINAL_ACCOUNTS,)

    def detect(self, doc: ReadDocument) -> Detection:
        """Half for paragraphs naming 决算数 / 预算数 figures (none: not this form, whatever else it has),
        half for the sections' headings found by their titles."""
        keys = sorted(split_sections(doc.blocks))
        figures = sum(1 for p in doc.paragraphs() if "决算数" in p.text and _FIGURE_WORDS.search(p.text))
        section_score = min(1.0, len(keys) / 4)
        reasons = (f"{figures} paragraphs stating 决算数", f"{len(keys)} notes-form section headings "
                   f"({', '.join(keys) or 'none'})")
        if not figures:
            return Detection(0.0, reasons)
        return Detection(round(0.5 * min(1.0, figures / 3) + 0.5 * section_score, 2), reasons)

    def extract(self, doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
        return extract_final(doc, is_synthetic=is_synthetic)


TEMPLATE = NotesFinal()
