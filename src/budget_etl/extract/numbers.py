"""Exact parsing of the amounts, percentages and targets written in disclosures.

Everything returns ``Decimal`` (never float) or ``None`` for a blank: a blank cell is not a zero. A number is
read exactly or refused with NumberFormatError, which quarantines its document as ``unreadable_amount`` with
the text quoted: a number is never guessed, and an item is never left out because its number looks odd.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# --- the number vocabulary: units, signs and separators, declared once ---------------------------------

# Units of money and their exact scale to yuan. Stored amounts are always yuan.
UNIT_SCALE = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "百万元": Decimal(1000000),
    "亿元": Decimal(100000000),
}
UNITS = "|".join(sorted(UNIT_SCALE, key=len, reverse=True))  # a regex alternative, longest first
# Minus signs besides ASCII's: U+2212 MINUS SIGN, the fullwidth and the small hyphen-minus.
MINUS_SIGNS = "-\u2212\uff0d\ufe63"
_SIGN = rf"[+{re.escape(MINUS_SIGNS)}]"
# More significant digits than DECIMAL(18,2) could ever hold: no amount, whatever it is.
MAX_DIGITS = 20

# A number as written: 3566894.19, 1,040,000.00, "787. 50" (a stray space after the point), −958.50 and
# 2.483e4, signed or not. It starts where a run of digits starts, never inside one, and every part is
# possessive (++ *+ ?+): a run of digits is scanned once and never backtracked over, so reading is linear
# in the length of the text. Digits grouped by a comma or a space in odd places (2,4830 / 24 830 /
# 24830,50) are taken in too, so that to_decimal refuses them instead of the item being left out.
# Written to open with its first character (a sign or a digit) and to look behind it afterwards (each
# look-behind one character wider): the same matches as the look-behinds first, but a pattern that opens with a
# character class is searched for by the regex engine's fast scan instead of trying every position; every
# search for an amount runs several times faster.
NUMBER = (
    rf"[+{re.escape(MINUS_SIGNS)}\d](?<![\d.].)(?<!\d[, ].)(?<![\d.][eE].)(?<![eE]{_SIGN}.)"
    rf"(?>(?<=\d)\d*+|\d++)(?:[, ]\d++)*+(?:\.\s?\d++)?+(?:[eE]{_SIGN}?+\d++)?+"
)
AMOUNT = rf"(?P<number>{NUMBER})\s*(?P<unit>{UNITS})"
AMOUNT_RE = re.compile(AMOUNT)
_NUMBER_RE = re.compile(rf"^\s*(?P<number>{NUMBER})\s*(?P<unit>{UNITS}|%|百分比)?\s*$")

# What to_decimal reads, signs made ASCII: thousands separators only in threes, a stray space after the point.
_EXACT_FORM = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\s?\d+)?(?:[eE][+-]?\d+)?")
_PLAIN_FORM = re.compile(r"[+-]?\d+(?:\.\d+)?")
_NON_DIGIT, _EXPONENT, _SEPARATORS = re.compile(r"\D"), re.compile("[eE]"), re.compile(r"[,\s]")
_ASCII_MINUS = str.maketrans(dict.fromkeys(MINUS_SIGNS, "-"))


class NumberFormatError(ValueError):
    pass


def to_decimal(number: str) -> Decimal:
    """'1,040,000.00', '787. 50', '−958.50' or '2.483e4' to an exact Decimal; refuses what it cannot read
    for sure: '2,4830' and '24830,50' (a comma that is no thousands separator), '24 830' (one number or two?)."""
    text = number.strip().translate(_ASCII_MINUS)
    if len(text) <= MAX_DIGITS and _PLAIN_FORM.fullmatch(text):  # the common case: digits and a point
        return Decimal(text)  # what the checks below give it: no separator, exponent or excess digit
    if not _EXACT_FORM.fullmatch(text):
        raise NumberFormatError(_why_unreadable(text, number))
    digits = len(_NON_DIGIT.sub("", _EXPONENT.split(text)[0]).lstrip("0"))  # significant digits
    try:
        value = Decimal(_SEPARATORS.sub("", text)) if digits <= MAX_DIGITS else None
    except InvalidOperation as exc:
        raise NumberFormatError(f"not a number: {_quote(number)}") from exc
    if value is None or value.adjusted() >= MAX_DIGITS or value.as_tuple().exponent < -MAX_DIGITS:
        raise NumberFormatError(f"{_quote(number)} has more digits than any amount")
    # 2.483E+4 -> 24830: written out in full, as the document means it
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def _why_unreadable(text: str, number: str) -> str:
    if re.search(r"\d\s+\d", text.split(".")[0]):
        return (f"{_quote(number)}: digits separated by a space (one number or two?): refused rather than "
                "guessed")
    if "," in text:
        return (f"{_quote(number)}: a comma that is no thousands separator (a decimal comma? digits grouped "
                "by four?): refused rather than guessed")
    return f"not a number: {_quote(number)}"


def _quote(text: str, limit: int = 40) -> str:
    """The text as it stands, cut short in the middle when it is long (a run of 200,000 digits)."""
    return repr(text) if len(text) <= limit else repr(f"{text[:20]}…{text[-10:]}") + f" ({len(text)} chars)"


def yuan(number: str, unit: str = "元") -> Decimal:
    """An amount in yuan, scaled exactly (UNIT_SCALE) from the unit the document states it in."""
    if unit not in UNIT_SCALE:
        raise NumberFormatError(f"unknown unit {unit!r} for {_quote(number)}")
    return to_decimal(number) * UNIT_SCALE[unit]


def amount(match: re.Match) -> Decimal:
    """The yuan of an AMOUNT match."""
    return yuan(match["number"], match["unit"])


# A dash or slash in a cell marks "nothing here": read as blank (None), not as zero.
_BLANK_MARKS = {"", "—", "——", "/", *MINUS_SIGNS}


def _is_blank(text: str) -> bool:
    return text.strip() in _BLANK_MARKS


def cell_amount(text: str, table_unit: str = "元") -> Decimal | None:
    """A table cell's amount in yuan; None for a blank cell; the cell's own unit wins over the table's."""
    if _is_blank(text):
        return None
    match = _NUMBER_RE.match(text)
    if not match:
        raise NumberFormatError(f"not an amount: {_quote(text)}")
    return yuan(match["number"], match["unit"] or table_unit)


def cell_number(text: str) -> Decimal | None:
    """A plain number in a cell (a percentage, a quantity); None for a blank cell."""
    if _is_blank(text):
        return None
    match = _NUMBER_RE.match(text)
    if not match:
        raise NumberFormatError(f"not a number: {_quote(text)}")
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
    rf"^(?P<op>\D*?)\s*(?P<value>{NUMBER})\s*(?P<unit>.*?)\s*(?P<suffix>以上|以下|以内)?\s*$"
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
    return operator, to_decimal(match["value"]), _UNIT_ALIASES.get(unit, unit) if unit else None
