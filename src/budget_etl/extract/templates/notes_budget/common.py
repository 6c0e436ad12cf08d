"""Small helpers the notes form's section readers share: amounts after a label, cells found by label."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise

from budget_etl.extract.numbers import AMOUNT, amount
from budget_etl.facts import Source
from budget_etl.readers.blocks import Cell, Table


def amount_after(label: str, text: str) -> re.Match | None:
    """The first amount written right after a label (allowing 为/合计/安排/共计/总额/数 between)."""
    return re.search(rf"(?:{label})\s*(?:预算|为|是|合计|共计|安排|总额|总计|数)*\s*[:：]?\s*{AMOUNT}", text)


def yuan_of(m: re.Match) -> Decimal:
    """The amount an AMOUNT match names, in exact yuan."""
    return amount(m)


def find(table: Table, label: str) -> Cell | None:
    return next((c for row in table.rows for c in row if c.text.replace(" ", "") == label), None)


def right_cells(table: Table) -> dict[str, Cell]:
    """Each label of a table (a cell's text without spaces) -> the cell right of its first occurrence, in the
    order the labels first appear, row by row: a table's labels read once for all the lookups."""
    rights: dict[str, Cell] = {}
    for row in table.rows:
        for cell, right in pairwise(row):
            rights.setdefault(cell.text.replace(" ", ""), right)
    return rights


def right_of(rights: dict[str, Cell], label_re: str) -> Cell | None:
    """The cell right of the first label (of ``right_cells``) that ``label_re`` matches whole."""
    label = re.compile(label_re)
    return next((cell for text, cell in rights.items() if label.fullmatch(text)), None)


def cell_src(table: Table, cell: Cell) -> Source:
    return Source(line=cell.line, table=table.index, row=cell.row, col=cell.col, page=cell.page)
