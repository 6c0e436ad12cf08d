"""Exact parsing of the amounts, percentages and targets written in disclosures.

Everything returns ``Decimal`` (never float) or ``None`` for a blank: a blank cell is not a zero.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# An amount as written in prose or cells: 3566894.19, 1,040,000.00, "787. 50" (a stray space after the
# point), optionally signed, optionally followed by its unit.
NUMBER = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\s?\d+)?"
AMOUNT = rf"(?P<number>{NUMBER})\s*(?P<unit>万元|元)"
AMOUNT_RE = re.compile(AMOUNT)
_NUMBER_RE = re.compile(rf"^\s*(?P<number>{NUMBER})\s*(?P<unit>万元|元|%|百分比)?\s*$")

UNIT_SCALE = {"元": Decimal(1), "万元": Decimal(10000), None: Decimal(1)}


class NumberFormatError(ValueError):
    pass


def to_decimal(number: str) -> Decimal:
    """'1,040,000.00' or '787. 50' to an exact Decimal."""
    cleaned = re.sub(r"[,\s]", "", number)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise NumberFormatError(f"not a number: {number!r}") from exc


def yuan(number: str, unit: str | None = "元") -> Decimal:
    """An amount in yuan, scaled exactly from 万元 when the document states it so."""
    if unit not in UNIT_SCALE:
        raise NumberFormatError(f"unknown unit {unit!r} for {number!r}")
    return to_decimal(number) * UNIT_SCALE[unit]


# A dash or slash in a cell marks "nothing here": read as blank (None), not as zero.
_BLANK_MARKS = {"", "-", "—", "——", "－", "/"}


def _is_blank(text: str) -> bool:
    return text.strip() in _BLANK_MARKS


def cell_amount(text: str, table_unit: str = "元") -> Decimal | None:
    """A table cell's amount in yuan; None for a blank cell; the cell's own unit wins over the table's."""
    if _is_blank(text):
        return None
    match = _NUMBER_RE.match(text)
    if not match:
        raise NumberFormatError(f"not an amount: {text!r}")
    return yuan(match["number"], match["unit"] or table_unit)


def cell_number(text: str) -> Decimal | None:
    """A plain number in a cell (a percentage, a quantity); None for a blank cell."""
    if _is_blank(text):
        return None
    match = _NUMBER_RE.match(text)
    if not match:
        raise NumberFormatError(f"not a number: {text!r}")
    return to_decimal(match["number"])


# Performance targets: "≥95百分比", "≤100万元", "=1次", "100%", "不低于90%", "95%以上", "逐步提高" (qualitative).
_OPERATORS = [
    ("≥", ">="),
    ("≧", ">="),
    (">=", ">="),
    ("大于等于", ">="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("≤", "<="),
    ("≦", "<="),
    ("<=", "<="),
    ("小于等于", "<="),
    ("不高于", "<="),
    ("不超过", "<="),
    ("不多于", "<="),
    (">", ">"),
    ("大于", ">"),
    ("高于", ">"),
    ("<", "<"),
    ("小于", "<"),
    ("低于", "<"),
    ("=", "="),
    ("等于", "="),
]
_TARGET_RE = re.compile(
    r"^(?P<op>\D*?)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>.*?)\s*(?P<suffix>以上|以下|以内)?\s*$"
)
_SUFFIX_OPERATORS = {"以上": ">=", "以下": "<=", "以内": "<="}  # "95%以上" is "≥95%"
_UNIT_ALIASES = {"百分比": "%", "%": "%", "百分之": "%"}


def parse_target(raw: str | None) -> tuple[str | None, Decimal | None, str | None]:
    """A target cell as (operator, value, unit); (None, None, None) for a qualitative target."""
    if not raw or not raw.strip():
        return None, None, None
    match = _TARGET_RE.match(raw.strip())
    if not match:
        return None, None, None
    op_text = match["op"].strip()
    # "≥95%以上": the sign says it and 以上 only repeats it; "95%以上": the suffix is the operator
    operator = dict(_OPERATORS).get(op_text) if op_text else _SUFFIX_OPERATORS.get(match["suffix"], "=")
    if operator is None:
        return None, None, None
    unit = match["unit"].strip() or None
    return operator, Decimal(match["value"]), _UNIT_ALIASES.get(unit, unit) if unit else None
