"""Section 六 (政府采购预算情况): one row per item of the procurement table, under its 合计 header row."""

from __future__ import annotations

from budget_etl.extract.empty import says_empty
from budget_etl.extract.numbers import cell_amount, cell_number
from budget_etl.extract.sections import Section
from budget_etl.extract.templates.notes_budget.common import cell_src
from budget_etl.extract.units import table_unit
from budget_etl.facts import ExtractedDocument, ProcurementItem
from budget_etl.readers.blocks import Paragraph


def read_procurement(
    section: Section, captions: dict[int, Paragraph], prose_unit: str, out: ExtractedDocument
) -> None:
    for table in section.tables():
        header = max(
            (r for r, row in enumerate(table.rows) if any(c.text == "合计" for c in row)), default=None
        )
        if header is None:
            continue
        unit = table_unit(table, captions, prose_unit)
        for row in table.rows[header + 1 :]:
            texts = [c.text for c in row]
            if not any(texts) or says_empty(" ".join(texts)):
                continue
            texts += [""] * (8 - len(texts))
            out.procurement_items.append(
                ProcurementItem(
                    item_no=len(out.procurement_items) + 1,
                    project_name_zh=texts[0] or None,
                    item_name_zh=texts[2] or None,
                    catalog_no=texts[3] or None,
                    unit_zh=texts[4] or None,
                    quantity=cell_number(texts[5]),
                    unit_price_yuan=cell_amount(texts[6], unit),
                    amount_yuan=cell_amount(texts[7], unit),
                    src=cell_src(table, row[0]),
                )
            )
