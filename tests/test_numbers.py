"""Exact number parsing: every quirk seen in real disclosures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budget_etl.extract.numbers import NumberFormatError, cell_amount, cell_number, parse_target, yuan


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
