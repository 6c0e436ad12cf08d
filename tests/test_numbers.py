"""Exact number parsing: every quirk seen in real disclosures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budget_etl.catalog.identities import ROUNDING_YUAN
from budget_etl.catalog.vocab import CURRENCY_UNITS
from budget_etl.extract.numbers import (
    AMOUNT_RE,
    UNIT_SCALE,
    NumberFormatError,
    cell_amount,
    cell_number,
    parse_target,
    to_decimal,
    yuan,
)


@pytest.mark.parametrize(
    ("number", "unit", "expected"),
    [
        ("787. 50", "元", "787.50"),  # a space after the decimal point
        ("1,040,000.00", "元", "1040000.00"),  # thousands separators
        ("3566894.19", "元", "3566894.19"),
        ("356.689419", "万元", "3566894.19"),  # 万元 scaled to yuan exactly
        ("0.01", "万元", "100"),
        ("-958.50", "元", "-958.50"),
    ],
)
def test_amounts_are_exact(number, unit, expected):
    value = yuan(number, unit)
    assert isinstance(value, Decimal) and value == Decimal(expected)


def test_blank_cell_is_not_zero():
    assert cell_amount("") is None and cell_amount("  ") is None and cell_number("") is None
    assert cell_amount("0") == Decimal(0)


def test_cell_units():
    assert cell_amount("12.5万元") == Decimal("125000")
    assert cell_amount("4000.00", table_unit="万元") == Decimal("40000000")
    assert cell_number("25.00") == Decimal("25.00")
    with pytest.raises(NumberFormatError):
        cell_amount("约四千元")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("≥95百分比", (">=", Decimal("95"), "%")),
        ("≤100万元", ("<=", Decimal("100"), "万元")),
        ("=1次", ("=", Decimal("1"), "次")),
        ("100%", ("=", Decimal("100"), "%")),
        ("不低于90%", (">=", Decimal("90"), "%")),
        ("逐步提高", (None, None, None)),
        ("", (None, None, None)),
    ],
)
def test_targets(raw, expected):
    assert parse_target(raw) == expected


# --- every form read exactly, or refused with its reason ------------------------------------------------


@pytest.mark.parametrize(
    ("number", "unit", "expected"),
    [
        ("2.483e4", "元", "24830"),  # scientific notation, written out in full
        ("3.24E+6", "元", "3240000"),
        ("2.5e-2", "万元", "250"),
        ("24.83", "千元", "24830"),
        ("1.5", "百万元", "1500000"),
        ("0.0356689419", "亿元", "3566894.19"),
        ("\u2212958.50", "元", "-958.50"),  # U+2212 MINUS SIGN
        ("\uff0d958.50", "元", "-958.50"),  # fullwidth hyphen-minus
        ("\ufe63958.50", "元", "-958.50"),  # small hyphen-minus
        ("+5", "元", "5"),
        ("0" * 300 + "12", "元", "12"),  # leading zeros are no digits of the amount
    ],
)
def test_more_forms_are_exact(number, unit, expected):
    value = yuan(number, unit)
    assert value == Decimal(expected) and "E" not in str(value)  # written out, as DECIMAL(18,2) takes it


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("2,4830", "a comma that is no thousands separator"),  # 24830 grouped by four, or 2.4830?
        ("24830,50", "a comma that is no thousands separator"),  # a decimal comma?
        ("1,04,000", "a comma that is no thousands separator"),
        ("24 830", "digits separated by a space"),  # one number or two?
        ("1e999", "more digits than any amount"),
        ("7" * 200_000, "more digits than any amount"),
        ("1.2.3", "not a number"),
    ],
)
def test_unreadable_forms_are_refused_with_their_reason(number, why):
    with pytest.raises(NumberFormatError) as caught:
        to_decimal(number)
    assert why in str(caught.value) and len(str(caught.value)) < 200  # a long run is quoted cut short


def test_amounts_in_prose_take_the_whole_number():
    found = [(m["number"], m["unit"]) for m in AMOUNT_RE.finditer(
        "邮电费8.76e3元、福利费9,014.10元，减少\u2212115.16元；共计0.5亿元，其中24.83千元，另3百万元")]
    assert found == [("8.76e3", "元"), ("9,014.10", "元"), ("\u2212115.16", "元"), ("0.5", "亿元"),
                     ("24.83", "千元"), ("3", "百万元")]
    # odd separators are taken in whole, to be refused, not read in part ("4830元", "50元")
    assert [m["number"] for m in AMOUNT_RE.finditer("甲2,4830元，乙24830,50元，丙24 830元")] == [
        "2,4830", "24830,50", "24 830"]


def test_cells_in_every_unit_and_minus_blanks():
    assert cell_amount("24.83千元") == Decimal(24830)
    assert cell_amount("1.2", table_unit="亿元") == Decimal(120000000)
    assert cell_amount("\u2212") is None and cell_amount("\uff0d") is None  # a dash: nothing here
    with pytest.raises(NumberFormatError):
        cell_amount("24830,50")


def test_targets_read_the_whole_number():
    assert parse_target("≥1,000人次") == (">=", Decimal(1000), "人次")
    assert parse_target("≧95%") == (">=", Decimal(95), "%")


def test_units_and_their_rounding_are_one_rule():
    """The units numbers reads are the catalog's vocabulary, and the identities' tolerance (Python checks and
    the generated dbt tests alike) is half of 0.01 of every unit but 元, which must add up to the fen."""
    assert list(CURRENCY_UNITS.values) == list(UNIT_SCALE)
    assert ROUNDING_YUAN == {"元": 0, "千元": 5, "万元": 50, "百万元": 5000, "亿元": 500000}
