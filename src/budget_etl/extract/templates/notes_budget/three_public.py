"""Section 四 (财政拨款“三公”经费): the total, the four categories with their changes and reasons.

三公 items go by several names. 公务用车购置及运行费 is one combined item: when the document also gives both of
its parts, the parts are kept (the four categories stay comparable) and the combined item's stated change
goes to ``stated_changes`` as metric ``vehicle_purchase_and_operation``; when it does not, the combined item
is kept with category ``vehicle_purchase_and_operation``.
"""

from __future__ import annotations

import re

from budget_etl.catalog import vocab
from budget_etl.extract.changes import PRIOR, change_after, prior_year
from budget_etl.extract.numbers import AMOUNT
from budget_etl.extract.sections import Section
from budget_etl.extract.templates.notes_budget.common import yuan_of
from budget_etl.facts import ExtractedDocument, Source, StatedChange, StatedTotal, ThreePublicCost

# The combined item comes before its parts so that 公务用车购置及运行费 is never read as a part.
THREE_PUBLIC_CATEGORIES = [  # (pattern of the item name, category from the catalog)
    (r"因公出国[（(]境[）)](?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["overseas_travel"]),
    (r"公务用车购置及运行(?:维护)?(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["vehicle_purchase_and_operation"]),
    (r"公务用车购置(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["vehicle_purchase"]),
    (r"公务用车运行(?:维护)?(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["vehicle_operation"]),
    (r"公务接待(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["official_reception"]),
]
_COMBINED_VEHICLE = "vehicle_purchase_and_operation"
_VEHICLE_PARTS = {"vehicle_purchase", "vehicle_operation"}

_TP_TOTAL = re.compile(
    rf"三公[”\"]?\s*经费(?:财政拨款)?(?:预算)?(?:数|安排|合计|共计|总额|总计)*\s*(?:为|是)?\s*[:：]?\s*{AMOUNT}"
)
_TP_ITEM = re.compile(
    rf"(?P<name>{'|'.join(p for p, _ in THREE_PUBLIC_CATEGORIES)})\s*(?:预算)?数?(?:为|安排)?\s*[:：]?\s*{AMOUNT}"
)
_TP_PARTS = re.compile(r"[（(]其中[^）)]*[）)]")  # "（其中：公务用车购置费0元，公务用车运行费10000元）"
REASON = re.compile(r"(?:主要原因是|主要原因为|原因是|原因为|主要是|主要为|主要由于)\s*(?P<reason>.+)$")


def read_three_public(section: Section, out: ExtractedDocument) -> None:
    items: list[ThreePublicCost] = []
    combined_change: StatedChange | None = None
    for p in section.paragraphs():
        src = Source(line=p.line, page=p.page)
        text = p.text
        total = _TP_TOTAL.search(text) if out.total("three_public_total") is None else None
        if total:
            amount = yuan_of(total)
            out.stated_totals.append(StatedTotal("three_public_total", "“三公”经费", amount, src))
            text = text[total.end() :]
            first = _TP_ITEM.search(text)
            change = change_after(PRIOR, text[: first.start() if first else len(text)])
            if change is not None:
                out.stated_changes.append(
                    StatedChange("three_public_total", change, amount, amount - change, src)
                )
        for clause in re.split(r"[；;。]", text):
            # parts named in parentheses only give amounts: the clause's change is the enclosing item's
            for parts in _TP_PARTS.findall(clause):
                items += [_three_public_item(m, "", src) for m in _TP_ITEM.finditer(parts)]
            clause = _TP_PARTS.sub("", clause)
            mentions = list(_TP_ITEM.finditer(clause))
            ends = [m.start() for m in mentions[1:]] + [len(clause)]  # each item's text runs to the next
            items += [
                _three_public_item(m, clause[m.end() : end], src)
                for m, end in zip(mentions, ends, strict=False)
            ]
    # 公务用车购置及运行费 and its parts: keep both parts (and the combined change as a stated change), or
    # else the combined item alone, so that the items never count the vehicles twice.
    categories = {i.category for i in items}
    if _COMBINED_VEHICLE in categories:
        combined = next(i for i in items if i.category == _COMBINED_VEHICLE)
        if categories >= _VEHICLE_PARTS:
            items.remove(combined)
            if combined.change_yuan is not None:
                combined_change = StatedChange(
                    _COMBINED_VEHICLE,
                    combined.change_yuan,
                    combined.amount_yuan,
                    combined.prior_year_yuan,
                    combined.src,
                )
        else:
            items = [i for i in items if i.category not in _VEHICLE_PARTS]
    seen: set[str] = set()
    for item in items:  # one row per category: the first place the document states it
        if item.category not in seen:
            seen.add(item.category)
            out.three_public_costs.append(item)
    if combined_change:
        out.stated_changes.append(combined_change)


def _three_public_item(m: re.Match, rest: str, src: Source) -> ThreePublicCost:
    category = next(c for pattern, c in THREE_PUBLIC_CATEGORIES if re.fullmatch(pattern, m["name"]))
    change = change_after(PRIOR, rest)
    reason = REASON.search(rest)
    amount = yuan_of(m)
    return ThreePublicCost(
        category=category,
        category_zh=m["name"],
        amount_yuan=amount,
        change_yuan=change,
        prior_year_yuan=prior_year(amount, change),
        change_reason_zh=reason["reason"].strip("，,。 ") if reason else None,
        src=src,
    )
