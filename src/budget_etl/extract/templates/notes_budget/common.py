"""Small helpers the notes form's section readers share: amounts after a label, cells found by label."""

from __future__ import annotations

import re
from decimal import Decimal

from budget_etl.extract.numbers import AMOUNT, yuan
from budget_etl.facts import Source
from budget_etl.readers.blocks import Cell, Table


def amount_after(label: str, text: str) -> re.Match | None:
    """The first amount written right after a label (allowing 为/合计/安排/共计/总额/数 between)."""
    return re.search(rf"(?:{label})\s*(?:预算|为|是|合计|共计|安排|总额|总计|数)*\s*[:：]?\s*{AMOUNT}", text)


def yuan_of(m: re.Match) -> Decimal:
    """The amount an AMOUNT match names, in exact yuan."""
    return yuan(m["number"], m["unit"])


def find(table: Table, label: str) -> Cell | None:
    return next((c for row in table.rows for c in row if c.text.replace(" ", "") == label), None)


def right_of(table: Table, label_re: str) -> Cell | None:
    label = re.compile(label_re)
    for row in table.rows:
        for i, cell in enumerate(row[:-1]):
            if label.fullmatch(cell.text.replace(" ", "")):
                return row[i + 1]
    return None


def cell_src(table: Table, cell: Cell) -> Source:
    return Source(line=cell.line, table=table.index, row=cell.row, col=cell.col, page=cell.page)
