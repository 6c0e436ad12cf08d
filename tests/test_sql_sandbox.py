"""`budget-etl sql` runs the user's SQL in a sandbox: the warehouse read-only, no other file read or written,
the configuration locked; --allow-write DIR lets it read and write files in DIR only.

Runs on a small warehouse file made here (no dbt), so it is fast."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from budget_etl.cli import main


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "budget.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create table marts.dim_office as select '西关' as office_name")
    return path


def sql(warehouse: Path, query: str, *options: str):
    return CliRunner().invoke(main, ["sql", "--warehouse", str(warehouse), *options, query])


@pytest.mark.parametrize("statement", [
    "copy (select 1) to '{outside}/x.csv'",
    "copy marts.dim_office to '{outside}/x.parquet' (format parquet)",
    "export database '{outside}/dump'",
    "attach '{outside}/other.duckdb' as other (read_write)",
    "select * from read_text('/etc/passwd')",
    "select * from read_csv('/etc/passwd')",
    "select * from glob('/etc/*')",
    "install httpfs",
    "select * from 'https://example.com/x.csv'",
], ids=["copy_csv", "copy_parquet", "export_database", "attach_read_write", "read_text", "read_csv", "glob",
        "install", "url"])
def test_files_are_neither_read_nor_written(warehouse, tmp_path, statement):
    outside = tmp_path / "outside"
    outside.mkdir()
    result = sql(warehouse, statement.format(outside=outside))
    assert result.exit_code == 1, result.output
    [line] = result.output.splitlines()
    assert line.startswith("Error: Permission Error:") and "--allow-write DIR" in line, line
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("statement", ["set enable_external_access = true", "reset lock_configuration",
                                       "set allowed_directories = ['/']", "set threads = 1"])
def test_the_configuration_is_locked(warehouse, statement):
    result = sql(warehouse, f"{statement}; select * from read_text('/etc/passwd')")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert "the configuration has been locked" in line and "--allow-write DIR" in line


def test_the_warehouse_is_read_only_and_still_answers(warehouse):
    assert sql(warehouse, "select office_name from marts.dim_office", "--format", "csv").output == \
        "office_name\n西关\n"
    write = sql(warehouse, "create table marts.scratch (a int)")
    assert write.exit_code == 1 and "read-only" in write.output


def test_allow_write_lets_files_in_that_folder_only(warehouse, tmp_path):
    out = tmp_path / "out"
    result = sql(warehouse, f"copy marts.dim_office to '{out}/offices.csv'", "--allow-write", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "offices.csv").read_text(encoding="utf-8") == "office_name\n西关\n"
    back = sql(warehouse, f"select * from read_csv('{out}/offices.csv')", "--allow-write", str(out),
               "--format", "csv")
    assert back.output == "office_name\n西关\n"
    for escape in [f"copy (select 1) to '{tmp_path}/x.csv'", f"copy (select 1) to '{out}/../x.csv'",
                   "select * from read_text('/etc/passwd')", "set enable_external_access = true"]:
        refused = sql(warehouse, escape, "--allow-write", str(out))
        assert refused.exit_code == 1 and "Error" in refused.output, escape
    assert not (tmp_path / "x.csv").exists()


def test_table_amounts_have_separators_exactly_and_csv_keeps_them_plain():
    from budget_etl.analyst.query import render

    con = duckdb.connect()
    # 9,999,999,999,999,999.99 is beyond a float's precision: the digits come from the decimal itself
    amounts = con.sql("select * from (values (1, 9999999999999999.99::decimal(18,2)), (2, -0.50), (3, null), "
                      "(4, -1234567.05)) t(n, amount_yuan) order by n")
    table = render(amounts)
    cells = [[c.strip() for c in line.strip("│").split("│")] for line in table.splitlines()[4:-1]]
    assert cells == [["1", "9,999,999,999,999,999.99"], ["2", "-0.50"], ["3", "NULL"], ["4", "-1,234,567.05"]]
    assert render(amounts, "csv").splitlines()[1:] == ["1,9999999999999999.99", "2,-0.50", "3,", "4,-1234567.05"]
    assert "2023" in render(con.sql("select 2023 as fiscal_year"))  # integers (years) stay plain
    same_names = render(con.sql("select 1234.5::decimal(18,2) as a, 2.0::decimal(9,2) as a"))
    assert "1234.50" in same_names  # columns a projection cannot tell apart: shown as DuckDB shows them
    assert "columns not shown" not in table
