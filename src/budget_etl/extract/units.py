"""Units of amounts (元 / 万元): per table (单位：万元 in its first rows or the line above it), per sentence
(each amount in prose carries its own unit), and the unit a document states its figures in.

Stored amounts are always exact yuan (``numbers.yuan``); this module only says which unit a figure is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from budget_etl.extract.numbers import AMOUNT_RE, UNIT_SCALE, UNITS, amount
from budget_etl.readers.blocks import Block, Paragraph, Table

YUAN = "元"
WAN_YUAN = "万元"
TABLE_UNIT_RE = re.compile(rf"单位[:：]\s*(?P<a>{UNITS})|[（(](?P<b>{UNITS})[）)]")


def captions(blocks: list[Block]) -> dict[int, Paragraph]:
    """Table index -> the paragraph right above the table (its title, or a line "单位：万元")."""
    found, previous = {}, None
    for block in blocks:
        if isinstance(block, Table) and previous is not None:
            found[block.index] = previous
        previous = block if isinstance(block, Paragraph) else None
    return found


def declared_unit(table: Table, table_captions: dict[int, Paragraph]) -> str | None:
    """The unit a table states in its first rows (单位：万元, 价值（金额单位：元）) or in the line above it."""
    texts = [c.text for row in table.rows[:3] for c in row]
    if table.index in table_captions:
        texts.append(table_captions[table.index].text)
    for text in texts:
        m = TABLE_UNIT_RE.search(text)
        if m:
            return m["a"] or m["b"]
    return None


def table_unit(table: Table, table_captions: dict[int, Paragraph], default: str) -> str:
    """A table's unit: its own statement, else ``default`` (the unit of the document's prose)."""
    return declared_unit(table, table_captions) or default


def prose_unit(paragraphs: Iterable[Paragraph], default: str = YUAN) -> str:
    """The unit of the first amount written in these paragraphs: what unmarked tables are taken to use."""
    for p in paragraphs:
        m = AMOUNT_RE.search(p.text)
        if m:
            return m["unit"]
    return default


def units_in(paragraphs: Iterable[Paragraph]) -> set[str]:
    """Every unit the amounts of these paragraphs are written in. Every amount is read here too, so that one
    the extractors skipped is refused (NumberFormatError) if it cannot be read exactly, never silently lost."""
    units = set()
    for p in paragraphs:
        for m in AMOUNT_RE.finditer(p.text):
            amount(m)
            units.add(m["unit"])
    return units


def currency_unit(units: Iterable[str | None]) -> str:
    """The largest unit any figure is stated in (元 when none is). A mixed document takes its largest unit:
    amounts rounded to 0.01 万元 (or 亿元) then sit next to each other in its identities, and validation
    allows for that rounding by this field."""
    return max(set(units) - {None}, key=UNIT_SCALE.__getitem__, default=YUAN)
