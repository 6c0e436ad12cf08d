"""Exports read back equal the marts they came from: Parquet (partitioned by fiscal year), CSV and Excel."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from budget_etl.analyst import dictionary
from budget_etl.analyst.export import ExportError, columns, export, mart_tables
from budget_etl.cli import main

pytestmark = pytest.mark.slow

XIGUAN = "山海关区西关街道办事处"


@pytest.fixture(scope="module")
def warehouse(bundled_warehouse):
    return bundled_warehouse


@pytest.fixture(scope="module")
def con(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


def _same(con, table: str, readback: str) -> None:
    """The read-back relation has the mart's columns, types and rows (as a multiset)."""
    mart = f"marts.{table}"
    def names_and_types(relation: str) -> list[tuple]:
        return [r[:2] for r in con.sql(f"describe {relation}").fetchall()]

    assert names_and_types(readback) == names_and_types(f"select * from {mart}")
    [(differ,)] = con.sql(f"""select count(*) from (
        (select * from {mart} except all {readback}) union all ({readback} except all select * from {mart}))
    """).fetchall()
    assert differ == 0, table
    assert con.sql(f"select count(*) from ({readback})").fetchall() == \
        con.sql(f"select count(*) from {mart}").fetchall()


# Facts some documents legitimately lack (many offices buy nothing through procurement in a year); execution:
# the years with final accounts (2023); comparison: the years with two offices or more (Xiguan alone in 2020)
SPARSE = {"fct_procurement", "mart_budget_execution", "mart_office_comparison"}


def test_parquet_read_back_equals_every_mart(con, tmp_path):
    written = export(con, tmp_path, "parquet")
    tables = mart_tables(con)
    assert len(tables) == 26 and written == [tmp_path / t for t in tables]  # a folder for every table
    years = sorted(y for (y,) in con.sql("select distinct fiscal_year from marts.mart_office_year").fetchall())
    for table in tables:
        names = ", ".join(f'"{c}"' for c, _, _ in columns(con, table))
        files = sorted(p.name for p in (tmp_path / table).iterdir())
        has_years = "fiscal_year" in [c for c, _, _ in columns(con, table)] and con.sql(f'select count(*) from marts."{table}"').fetchall()[0][0]
        if has_years:
            in_table = {y for (y,) in con.sql(f'select distinct fiscal_year from marts."{table}"').fetchall()}
            assert files == sorted(f"{y}.parquet" for y in in_table), table  # one file per year with rows
            if table.startswith(("mart_", "fct_")) and table not in SPARSE:
                assert set(years) <= in_table, table
        else:  # dim_office (no fiscal_year), or empty (the bundled sample has no national tables)
            assert files == ["data.parquet"], table
        # no Hive options: fiscal_year is a column of each file and reads back INTEGER (checked by _same)
        _same(con, table, f"select {names} from read_parquet('{tmp_path / table}/*.parquet')")
    # pandas reads a table's folder as one frame, the year as an integer
    import pandas as pd

    frame = pd.read_parquet(tmp_path / "mart_office_year")
    assert len(frame) == con.sql("select count(*) from marts.mart_office_year").fetchall()[0][0]
    assert isinstance(frame.total_expenditure_yuan.iloc[0], Decimal)
    assert str(frame.fiscal_year.dtype) == "int32" and sorted(set(frame.fiscal_year)) == years
    again = export(con, tmp_path, "parquet", ["mart_office_year"])  # overwrites, leaves nothing stale
    assert sorted(p.name for p in again[0].iterdir()) == [f"{y}.parquet" for y in years]


def test_csv_read_back_equals_every_mart(con, tmp_path):
    export(con, tmp_path, "csv")
    guarded = 0
    for table in mart_tables(con):
        cols = columns(con, table)
        types = "{" + ", ".join(f"'{c}': '{t}'" for c, t, _ in cols) + "}"
        readback = f"read_csv('{tmp_path / table}.csv', header = true, columns = {types})"
        # text a spreadsheet would run as a formula has a leading ' (OWASP); without it, the text is the mart's
        text = [c for c, t, _ in cols if t == "VARCHAR"]
        guard = r"'^''[=+\-@\t\r]'"
        guarded += sum(con.sql(f'select count(*) from {readback} where regexp_matches("{c}", {guard})')
                       .fetchall()[0][0] for c in text)
        items = ", ".join(f'case when regexp_matches("{c}", {guard}) then substr("{c}", 2) else "{c}" end as "{c}"'
                          if c in text else f'"{c}"' for c, _, _ in cols)
        _same(con, table, f"select {items} from {readback}")
    assert guarded > 0  # the corpus has indicator targets such as "=100%"
    raw = (tmp_path / "dim_office.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfoffice_id,office_name,unit_code,district")  # a BOM: Excel reads UTF-8
    export(con, tmp_path, "csv", ["dim_office"], bom=False)
    assert (tmp_path / "dim_office.csv").read_bytes() == raw[3:]


def _excel_value(value, duck_type: str):
    if value is None:
        return None
    if decimal := re.fullmatch(r"DECIMAL\(\d+,(\d+)\)", duck_type):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-int(decimal[1])))
    if duck_type == "DATE":
        return value.date() if isinstance(value, datetime) else value
    return value


def test_xlsx_read_back_equals_every_mart(con, tmp_path):
    export(con, tmp_path, "xlsx")
    for table in mart_tables(con):
        cols = columns(con, table)
        book = load_workbook(tmp_path / f"{table}.xlsx", read_only=True)
        assert book.sheetnames == [table, "说明"]
        formulas = [c.coordinate for row in book[table].iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], (table, formulas[:5])  # e.g. an indicator target "=100%" is text
        sheet_rows = list(book[table].iter_rows(values_only=True))
        assert list(sheet_rows[0]) == [c for c, _, _ in cols]
        width = len(cols)  # a row's trailing empty cells are not stored
        got = [tuple(_excel_value(v, t) for v, (_, t, _) in zip(row + (None,) * (width - len(row)), cols, strict=True))
               for row in sheet_rows[1:]]
        want = con.sql(f"select * from marts.{table} order by all").fetchall()
        assert len(got) == len(want), table
        for g, w in zip(got, want, strict=True):
            for gv, wv, (name, _, _) in zip(g, w, cols, strict=True):
                if isinstance(wv, datetime):  # Excel keeps times to the millisecond
                    assert abs(gv - wv) < timedelta(milliseconds=1), (table, name)
                else:
                    assert gv == wv and type(gv) is type(wv), (table, name, gv, wv)
        about = list(book["说明"].iter_rows(values_only=True))
        assert [r[0] for r in about[1:]] == [c for c, _, _ in cols]
        book.close()
    # the 说明 sheet's columns are as wide as their text (a Chinese character two wide), within 60
    about = load_workbook(tmp_path / "fct_revenue.xlsx")["说明"]
    widths = {letter: about.column_dimensions[letter].width for letter in "ABCDE"}
    longest_name = max(len(c) for c, _, _ in columns(con, "fct_revenue"))
    assert widths["A"] == max(longest_name, 8) + 2
    assert widths["D"] > widths["C"] and widths["E"] == 60  # Chinese descriptions; long English ones capped


def test_chinese_headers_are_the_dictionary_names(con, tmp_path):
    export(con, tmp_path, "xlsx", ["mart_office_year", "fct_revenue"], language="zh")
    export(con, tmp_path, "csv", ["fct_three_public_cost"], language="zh")
    models = {m.name: m for m in dictionary.load()}
    for table in ["mart_office_year", "fct_revenue"]:
        header = next(load_workbook(tmp_path / f"{table}.xlsx", read_only=True)[table].iter_rows(values_only=True))
        labels = dictionary.zh_labels({c.name: c.description for c in models[table].columns})
        assert list(header) == [labels[c] for c, _, _ in columns(con, table)]
    assert header[:12] == ("文件键", "部门键", "部门名称", "省", "地级市", "区县", "预算（决算）年度", "文件类型代码",
                           "文件类型", "收入来源代码", "收入来源", "金额（元）")
    with (tmp_path / "fct_three_public_cost.csv").open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][:13] == ["文件键", "部门键", "部门名称", "省", "地级市", "区县", "预算（决算）年度", "文件类型代码",
                             "文件类型", "类别代码", "类别", "金额（元）", "文件自述比上年增减（元）"]
    assert len(table[0]) == len(columns(con, "fct_three_public_cost"))  # the same columns as in English
    values = {h: {row[i] for row in table[1:]} for i, h in enumerate(table[0])}
    # the codes stay codes and their Chinese names stand beside them (the marts' *_zh): nothing labelled twice
    assert values["文件类型代码"] == {"budget", "final_accounts"} and values["文件类型"] == {"部门预算", "部门决算"}
    assert {"overseas_travel", "official_reception"} <= values["类别代码"]
    assert {"因公出国（境）费", "公务接待费"} <= values["类别"] and not values["类别"] & values["类别代码"]
    assert XIGUAN in values["部门名称"] and "河北省" in values["省"]
    revenue = list(load_workbook(tmp_path / "fct_revenue.xlsx", read_only=True)["fct_revenue"].iter_rows(values_only=True))
    assert {r[8] for r in revenue[1:]} == {"部门预算", "部门决算"} and {r[7] for r in revenue[1:]} == {"budget", "final_accounts"}
    # Parquet carries Chinese column names too
    export(con, tmp_path, "parquet", ["fct_three_public_cost"], language="zh")
    zh = con.sql(f"select * from read_parquet('{tmp_path / 'fct_three_public_cost'}/*.parquet')")
    assert zh.columns[:8] == ["文件键", "部门键", "部门名称", "省", "地级市", "区县", "预算（决算）年度", "文件类型代码"]
    assert zh.types[6] == "INTEGER"
    assert {k for (k,) in zh.select('"文件类型"').distinct().fetchall()} == {"部门预算", "部门决算"}


def test_export_cli(warehouse, tmp_path):
    runner = CliRunner()
    base = ["export", "--warehouse", str(warehouse), "--out", str(tmp_path)]
    ok = runner.invoke(main, [*base, "--format", "parquet", "--table", "mart_office_year", "--table", "dim_office"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines() == [f"wrote {tmp_path / 'mart_office_year'}", f"wrote {tmp_path / 'dim_office'}"]
    again = runner.invoke(main, [*base, "--format", "parquet", "--table", "mart_office_year"])
    assert again.exit_code == 0, again.output  # overwrites
    unknown = runner.invoke(main, [*base, "--format", "csv", "--table", "nope"])
    assert unknown.exit_code == 1 and "no such mart(s): nope" in unknown.output
    zh = runner.invoke(main, [*base, "--format", "parquet", "--headers", "zh", "--table", "dim_office"])
    assert zh.exit_code == 0, zh.output  # Parquet carries Chinese column names
    plain = runner.invoke(main, [*base, "--format", "csv", "--no-bom", "--table", "dim_office"])
    assert plain.exit_code == 0 and (tmp_path / "dim_office.csv").read_bytes().startswith(b"office_id,")
    with pytest.raises(ExportError):
        export(duckdb.connect(str(warehouse), read_only=True), tmp_path, "json")
