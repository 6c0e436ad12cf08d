"""The pandera schema of every staging frame, made from the catalog (``budget_etl.catalog.tables``).

Frames are object-dtype and validated without coercion: pandera would round Decimals silently, so each
column's type is checked element-wise by a registered check (``is_text``, ``is_int``, ``is_decimal`` ...):
a Decimal must have at most ``scale`` places and fit DECIMAL(precision, scale). Then come the column's own
checks from the catalog (its vocabulary as ``isin``, ``ge``, ``str_matches`` ...), and the few rules that
span columns of a row (``ROW_RULES``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise, repeat

import pandas as pd
import pandera.pandas as pa
from pandera import extensions

from budget_etl.catalog import vocab
from budget_etl.catalog.declare import Column
from budget_etl.catalog.tables import TABLES, VALIDATED

SPEND_PLAN = ["spend_plan_pct_m03", "spend_plan_pct_m06", "spend_plan_pct_m10", "spend_plan_pct_m12"]


# Type checks of single values: these replace pandera's dtype checks on object columns.
def _text_value(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")  # lone surrogates (undecodable bytes) cannot be stored
    except UnicodeEncodeError:
        return False
    return True


def _int_value(value, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit


def _date_value(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _decimal_value(value, bound: Decimal, scale: int) -> bool:
    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) >= bound:
        return False
    shifted = value.scaleb(scale)
    return shifted == shifted.to_integral_value()


# Registered as vectorized checks that test each value of the column in one pass: the same result as
# element_wise checks (pandera drops the nulls before either), without a wrapper call per value. ``all_pass``:
# a test of the whole column at once that, when it holds, means every value passes (the common case, tested
# by C loops); when it does not, each value is tested.
def _each(column: pd.Series, test, all_pass=None) -> pd.Series:
    values = column.tolist()
    if all_pass is not None and values and all_pass(values):
        return pd.Series(True, index=column.index, dtype=bool)
    return pd.Series([test(value) for value in values], index=column.index, dtype=bool)


def _all_text(values: list) -> bool:
    """Every value a str and all of them storable: a lone surrogate in any value fails the joined text too."""
    if not all(map(isinstance, values, repeat(str))):
        return False
    try:
        "".join(values).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@extensions.register_check_method(check_type="vectorized")
def is_text(column: pd.Series) -> pd.Series:
    """Each value a str that UTF-8 can store."""
    return _each(column, _text_value, _all_text)


@extensions.register_check_method(statistics=["bits"], check_type="vectorized")
def is_int(column: pd.Series, *, bits: int) -> pd.Series:
    """Each value an int (not a bool) that an INTEGER (32 bits) or BIGINT (64) column holds."""
    limit = 2 ** (bits - 1)
    return _each(column, lambda value: _int_value(value, limit),
                 lambda values: set(map(type, values)) == {int} and -limit <= min(values) and max(values) < limit)


@extensions.register_check_method(check_type="vectorized")
def is_bool(column: pd.Series) -> pd.Series:
    return _each(column, lambda value: isinstance(value, bool), lambda values: set(map(type, values)) == {bool})


@extensions.register_check_method(check_type="vectorized")
def is_date(column: pd.Series) -> pd.Series:
    return _each(column, _date_value)


@extensions.register_check_method(statistics=["precision", "scale"], check_type="vectorized")
def is_decimal(column: pd.Series, *, precision: int, scale: int) -> pd.Series:
    """Each value a finite Decimal that DECIMAL(precision, scale) holds exactly."""
    bound = Decimal(10) ** (precision - scale)
    return _each(column, lambda value: _decimal_value(value, bound, scale))


_TYPE_CHECKS = {
    "VARCHAR": lambda: pa.Check.is_text(),
    "INTEGER": lambda: pa.Check.is_int(bits=32),
    "BIGINT": lambda: pa.Check.is_int(bits=64),
    "BOOLEAN": lambda: pa.Check.is_bool(),
    "DATE": lambda: pa.Check.is_date(),
}


def _type_check(sql_type: str) -> pa.Check:
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", sql_type)
    if decimal:
        return pa.Check.is_decimal(precision=int(decimal[1]), scale=int(decimal[2]))
    return _TYPE_CHECKS[sql_type]()


def _checks(column: Column) -> list[pa.Check]:
    checks = [_type_check(column.sql_type)]
    if column.vocab is not None:
        checks.append(pa.Check.isin(column.vocab.values))
    for name, argument in column.checks.items():
        make = getattr(pa.Check, name)
        checks.append(make(**argument) if isinstance(argument, dict) else make(argument))
    return checks


# ---- rules over the columns of a row ---------------------------------------------------------------------


def project_class_iff_project_type(df: pd.DataFrame) -> pd.Series:
    return (df["expenditure_class"] == "project") == (df["expenditure_type"] == "project")


def other_class_iff_other_type(df: pd.DataFrame) -> pd.Series:
    """Class other (the uses beside basic and project) holds exactly the other types (单位预留机动经费 …)."""
    return (df["expenditure_class"] == "other") == df["expenditure_type"].isin(vocab.OTHER_EXPENDITURE_TYPES)


def spend_plan_cumulative_to_100(df: pd.DataFrame) -> pd.Series:
    """m03 <= m06 <= m10 <= m12 and m12 == 100, over the values that are there."""

    def ok(*values) -> bool:
        plan = [v for v in values if isinstance(v, Decimal)]  # types are checked apart
        m12 = values[-1]
        return all(a <= b for a, b in pairwise(plan)) and (not isinstance(m12, Decimal) or m12 == 100)

    return pd.Series([ok(*values) for values in zip(*(df[c] for c in SPEND_PLAN), strict=True)],
                     index=df.index, dtype=bool)


ROW_RULES = {  # table -> rules that see whole rows
    "expenditure": [project_class_iff_project_type, other_class_iff_other_type],
    "projects": [spend_plan_cumulative_to_100],
}


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a staging frame: the catalog's columns without those the load sets."""
    # No dtype: the frames are object-dtype by construction (``validate._schema_failures``), so pandera's
    # dtype check could never fail, and it costs a failed import of geopandas per column and call; the type
    # of each value is checked by the type checks above.
    columns = {
        c.name: pa.Column(checks=_checks(c), nullable=c.nullable)
        for c in TABLES[table].columns if not c.set_on_load
    }
    rules = [pa.Check(rule, name=rule.__name__) for rule in ROW_RULES.get(table, [])]
    # strict: a column the staging table does not have is an error; coerce never: it rounds Decimals
    return pa.DataFrameSchema(columns, checks=rules, strict=True, coerce=False, name=table)


SCHEMAS: dict[str, pa.DataFrameSchema] = {table: schema(table) for table in VALIDATED}
