"""Sentences by which a document says a part of it has nothing to show (无此项内容, 此表为空, 故本表无数据,
本部门无“三公”经费 …): such a part is ``declared_empty``, never read as zeros.

Read as such only where a part yields no fact, since a sentence like "主要是本部门无因公出国（境）计划" may
stand next to real figures. A whole document without any amount (a blank template) is ``is_blank_template``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain

from budget_etl.extract.numbers import AMOUNT_RE
from budget_etl.extract.sections import split_sections
from budget_etl.readers.blocks import Paragraph, ReadDocument, Table

DECLARED_EMPTY = re.compile(
    r"无此项内容|空表列示|此表为空|本表为空|本表无数据|本表本年无发生额|不涉及"
    r"|本(?:部门|单位)[^，,。；;]{0,8}?(?:无|没有|未安排)(?!新增)"
    r"|无(?:政府采购|[“\"]?三公|项目支出|预算项目)"
)


def says_empty(text: str) -> bool:
    return DECLARED_EMPTY.search(text) is not None


def empty_note(paragraphs: Iterable[Paragraph], tables: Iterable[Table] = ()) -> Paragraph | None:
    """The first paragraph (or table cell, as a paragraph) that declares its part empty."""
    texts = [*paragraphs] + [
        Paragraph(c.text, c.line, c.page) for t in tables for row in t.rows for c in row if c.text
    ]
    return next((p for p in texts if says_empty(p.text)), None)


# A number as a table prints an amount: with a decimal point or thousands separators (1,234 / 12.50). Bare
# integers are classification codes (205, 20502, 301) or years as often as amounts, so they do not count.
_PRINTED_AMOUNT = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d.,])")


# An amount that is a threshold of a rule, not a figure of the document: 单价100万元（含）以上的设备.
_THRESHOLD_AFTER = re.compile(r"\s*(?:[（(]含[）)])?\s*(?:以上|以下)")


def _states_amount(text: str) -> bool:
    return any(not _THRESHOLD_AFTER.match(text, m.end()) for m in AMOUNT_RE.finditer(text))


def carries_amounts(doc: ReadDocument) -> bool:
    """Whether the document states any amount: a figure with a unit of money (3566894.19元, 12.5万元; not a
    threshold such as 单价100万元以上), or a number printed as an amount (with decimals or thousands
    separators) in its text or a table cell. A template left blank (labels, codes, placeholders such as
    "XXX 万元") has none."""
    texts = chain((p.text for p in doc.paragraphs()), (c.text for t in doc.tables() for row in t.rows for c in row))
    return any(_states_amount(text) or any(_is_amount(m[0]) for m in _PRINTED_AMOUNT.finditer(text))
               for text in texts)


def _is_amount(number: str) -> bool:
    return "." in number or "," in number


def is_blank_template(doc: ReadDocument) -> bool:
    """A form without its figures: it has the structure of a disclosure (two or more section headings, or
    a table) and no amount at all. Loading it would give zeros or nothing where the document says nothing."""
    has_structure = len(split_sections(doc.blocks)) >= 2 or bool(doc.tables())
    return has_structure and not carries_amounts(doc)
