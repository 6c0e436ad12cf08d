"""The "部门预算公开说明" notes form: narrative sections 一 … 九 in prose, one performance table per project.

This is the template of the Xiguan 2020 disclosure. Sections are found by their title keywords
(``extract/sections.py``), whatever their order or numbering; within a section, values are found by the
labels next to them, never by position alone. One module per section reads it:

* ``overview`` (二 revenue, expenditure, changes on last year), ``operating_expense`` (三 机关运行经费),
  ``three_public`` (四 三公), ``duties`` (一 and 五), ``performance`` (五: overall goal, project tables),
  ``procurement`` (六), ``assets`` (七), ``glossary`` (八); ``coverage`` says which sections are present,
  declared empty or missing.

What every template shares lives in ``extract/``: the document identity (``identity``), units (``units``),
change phrases (``changes``) and empty-part sentences (``empty``).

Variants of the family this template reads (each has a test in ``tests/test_extract_variants.py``): amounts
in 元 or 万元, per amount in prose and per table, a cell's own unit winning over its table's; absent sections
(``missing``) and sections that say they have nothing (``declared_empty``), neither yielding any fact; 三公
items under their several names; changes on last year in several wordings; revenue sources 事业收入,
上级补助收入 and 上年结转 besides the four of the seed.
"""

from __future__ import annotations

import re

from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.identity import BUDGET, document_info, read_identity
from budget_etl.extract.registry import Detection
from budget_etl.extract.sections import SECTION_TITLES, Section, split_sections
from budget_etl.extract.templates.notes_budget.assets import read_assets
from budget_etl.extract.templates.notes_budget.common import find
from budget_etl.extract.templates.notes_budget.coverage import section_records
from budget_etl.extract.templates.notes_budget.duties import read_duties
from budget_etl.extract.templates.notes_budget.glossary import read_glossary
from budget_etl.extract.templates.notes_budget.operating_expense import read_operating_expenses
from budget_etl.extract.templates.notes_budget.overview import read_overview
from budget_etl.extract.templates.notes_budget.performance import read_overall_goal, read_project_table
from budget_etl.extract.templates.notes_budget.procurement import read_procurement
from budget_etl.extract.templates.notes_budget.three_public import read_three_public
from budget_etl.extract.units import captions, currency_unit, declared_unit, prose_unit, table_unit, units_in
from budget_etl.facts import ExtractedDocument
from budget_etl.readers.blocks import Paragraph, ReadDocument, Table

# The sections every notes-form budget has (地方预决算公开操作规程): one of them absent in a document that
# stops inside a table or a sentence means the document was cut short.
REQUIRED_SECTIONS = (
    "overview", "operating_expense", "three_public", "performance", "procurement", "assets", "glossary")
_SENTENCE_END = re.compile(r"[。．.！!？?；;：:）)”\"’'」』…%]$")
_DATE_LINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")
_PROSE_MIN = 30  # characters of a paragraph of running text (a sentence, not a label or a heading)


def extract_notes(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    sections = split_sections(doc.blocks)
    out = ExtractedDocument(info=document_info(read_identity(doc), doc, is_synthetic=is_synthetic))
    table_captions = captions(doc.blocks)
    unit = prose_unit(sections["overview"].paragraphs() if "overview" in sections else [])
    if "overview" in sections:
        read_overview(sections["overview"], out)
    if "operating_expense" in sections:
        read_operating_expenses(sections["operating_expense"], out)
    if "three_public" in sections:
        read_three_public(sections["three_public"], out)
    out.duties = read_duties(sections)
    if "performance" in sections:
        read_overall_goal(sections["performance"], out)
    for table in doc.tables():  # project tables say what they are (项目编码), wherever they stand
        if find(table, "项目编码"):
            read_project_table(
                table, table_captions.get(table.index), table_unit(table, table_captions, unit), out
            )
    if "procurement" in sections:
        read_procurement(sections["procurement"], table_captions, unit, out)
    if "assets" in sections:
        read_assets(sections["assets"], table_captions, unit, out)
    if "glossary" in sections:
        read_glossary(sections["glossary"], out)
    out.sections = section_records(sections, out)
    out.info.currency_unit = currency_unit(
        [unit, *(declared_unit(t, table_captions) for t in doc.tables())]
        + [u for key in ("overview", "operating_expense", "three_public", "assets") if key in sections
           for u in units_in(sections[key].paragraphs())]
    )
    if out.total("revenue_total") is None and out.total("expenditure_total") is None:
        raise ExtractionError(
            "incomplete_document",
            "Neither the revenue nor the expenditure total was found: the document is truncated, or its "
            "overview section (预算安排的总体情况) is missing.",
        )
    cut = cut_short(doc, sections)
    if cut:
        raise ExtractionError("truncated_file", cut)
    return out


def cut_short(doc: ReadDocument, sections: dict[str, Section]) -> str | None:
    """Why the document looks cut short, or None: it stops inside a table or a sentence, and sections every
    notes-form budget has are absent."""
    missing = [key for key in REQUIRED_SECTIONS if key not in sections]
    if not missing or not doc.blocks:
        return None
    last = doc.blocks[-1]
    if isinstance(last, Table):
        where = f"inside table {last.index}"
    elif not _SENTENCE_END.search(last.text) and not _DATE_LINE.search(last.text) and not _is_heading(last):
        where = f"in the middle of a sentence (line {last.line}: {last.text[-20:]!r})"
    else:
        return None
    return (f"The document stops {where}, and the sections that follow in every notes-form budget are "
            f"absent ({', '.join(missing)}): the file was cut short.")


def _is_heading(paragraph: Paragraph) -> bool:
    return any(s.heading is paragraph for s in split_sections([paragraph]).values())


class NotesBudget:
    """The 部门预算公开说明 notes form: narrative sections (overview, 机关运行经费, 三公, 绩效 …) in prose."""

    name = "notes_budget"
    doc_kinds = (BUDGET,)

    def detect(self, doc: ReadDocument) -> Detection:
        """Half for running text (the notes form is prose, a table set is not), half for the sections'
        headings found by their titles."""
        keys = sorted(split_sections(doc.blocks))
        prose = sum(1 for p in doc.paragraphs() if len(p.text) >= _PROSE_MIN and "。" in p.text)
        prose_score = min(1.0, prose / 5)
        section_score = min(1.0, len(keys) / 6)
        reasons = (
            f"{prose} paragraphs of running text",
            f"{len(keys)} of {len(SECTION_TITLES)} notes-form section headings ({', '.join(keys) or 'none'})",
        )
        return Detection(round(0.5 * prose_score + 0.5 * section_score, 2), reasons)

    def extract(self, doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
        return extract_notes(doc, is_synthetic=is_synthetic)


TEMPLATE = NotesBudget()
