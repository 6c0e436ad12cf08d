"""Sentences by which a document says a part of it has nothing to show (无此项内容, 此表为空, 故本表无数据,
本部门无“三公”经费 …): such a part is ``declared_empty``, never read as zeros.

Read as such only where a part yields no fact, since a sentence like "主要是本部门无因公出国（境）计划" may
stand next to real figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from budget_etl.readers.blocks import Paragraph, Table

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
