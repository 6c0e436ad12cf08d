"""Section 七 (国有资产信息): the asset classes of the asset table, its total and whether new assets are
budgeted."""

from __future__ import annotations

import re
from datetime import date

from budget_etl.extract.numbers import cell_amount, cell_number
from budget_etl.extract.sections import Section
from budget_etl.extract.templates.notes_budget.common import cell_src
from budget_etl.extract.units import table_unit
from budget_etl.facts import Asset, ExtractedDocument, StatedTotal
from budget_etl.readers.blocks import Paragraph

_ASSET_ROW = re.compile(r"^(?P<no>\d+)\s*[、.．]\s*(?P<cls>[^（(]+?)\s*(?:[（(](?P<unit>[^）)]+)[）)])?$")
_DATE_RE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")


def read_assets(
    section: Section, captions: dict[int, Paragraph], prose_unit: str, out: ExtractedDocument
) -> None:
    for p in section.paragraphs():
        if re.search(r"无新增(?:固定)?资产", p.text):
            out.info.new_assets_budgeted = False
        elif re.search(r"新增(?:固定)?资产预算", p.text):
            out.info.new_assets_budgeted = True
    for table in section.tables():
        as_of = None
        for row in table.rows:
            for cell in row:
                if "截止" in cell.text or "截至" in cell.text:
                    d = _DATE_RE.search(cell.text)
                    as_of = date(int(d["y"]), int(d["m"]), int(d["d"])) if d else None
        unit = table_unit(table, captions, prose_unit)
        for row in table.rows:
            label = row[0].text.replace(" ", "")
            if len(row) < 3:
                continue
            if label == "资产总额" and row[-1].text:
                out.stated_totals.append(
                    StatedTotal(
                        "asset_total", "资产总额", cell_amount(row[-1].text, unit), cell_src(table, row[-1])
                    )
                )
                continue
            m = _ASSET_ROW.match(row[0].text)
            if not m or set(m["cls"]) <= set("…. "):  # "4、……………" is a placeholder row
                continue
            out.assets.append(
                Asset(
                    item_no=int(m["no"]),
                    asset_class_zh=m["cls"].strip(),
                    unit_zh=m["unit"],
                    quantity=cell_number(row[1].text),
                    value_yuan=cell_amount(row[2].text, unit),
                    as_of_date=as_of,
                    src=cell_src(table, row[0]),
                )
            )
