"""Python and SQL access to the warehouse: budget_etl.connect() / engine() (read-only), and `budget-etl sql`."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
import sqlalchemy
from click.testing import CliRunner

import budget_etl
from budget_etl.analyst.access import WarehouseMissing, warehouse_path
from budget_etl.cli import main
from budget_etl.paths import project_root

pytestmark = pytest.mark.slow

XIGUAN = "山海关区西关街道办事处"
XIGUAN_TOTALS = "select total_expenditure_yuan, three_public_yuan from marts.mart_office_year y " \
                "join marts.dim_office o using (office_id) where o.office_name = '山海关区西关街道办事处'"


@pytest.fixture(scope="module")
def warehouse(bundled_warehouse):
    return bundled_warehouse


def test_connect_is_read_only_and_finds_the_warehouse(warehouse, monkeypatch):
    monkeypatch.setenv("BUDGET_ETL_WAREHOUSE", str(warehouse))
    assert warehouse_path() == warehouse
    with budget_etl.connect() as con:
        assert con.sql(XIGUAN_TOTALS).fetchall() == [(Decimal("3566894.19"), Decimal("10493.50"))]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table marts.scratch (a int)")
    assert warehouse_path("elsewhere.duckdb").name == "elsewhere.duckdb"  # an argument wins


def test_default_warehouse_is_found_from_a_notebook_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("BUDGET_ETL_WAREHOUSE", raising=False)
    monkeypatch.chdir(tmp_path)  # e.g. notebooks/: no warehouse/ here, so the checkout's
    assert warehouse_path() == project_root() / "warehouse" / "budget.duckdb"
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "warehouse" / "budget.duckdb").touch()
    assert warehouse_path() == Path("warehouse/budget.duckdb")  # the working directory's wins


def test_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(WarehouseMissing, match="budget-etl run"):
        budget_etl.connect(tmp_path / "none.duckdb")


@pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result")  # polars' tip: use .pl(), shown below
def test_engine_for_pandas_and_polars(warehouse):
    engine = budget_etl.engine(warehouse)
    frame = pd.read_sql(XIGUAN_TOTALS, engine)
    assert frame.to_dict("records") == [{"total_expenditure_yuan": 3566894.19, "three_public_yuan": 10493.50}]
    exact = pd.read_sql(XIGUAN_TOTALS, engine, coerce_float=False)  # keep Decimals
    assert exact.total_expenditure_yuan[0] == Decimal("3566894.19")
    query = sqlalchemy.text("select count(*) as n from marts.fct_project p join marts.dim_office o "
                            "using (office_id) where o.office_name = :name")
    assert pd.read_sql(query, engine, params={"name": XIGUAN}).n[0] == 9
    with engine.connect() as connection:
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"):
            connection.exec_driver_sql("create table marts.scratch (a int)")
        connection.rollback()
        assert "mart_office_year" in sqlalchemy.inspect(connection).get_table_names(schema="marts")
        # polars through the engine ...
        assert pl.read_database(XIGUAN_TOTALS, connection).row(0) == (Decimal("3566894.19"),
                                                                        Decimal("10493.50"))
    # ... and straight from DuckDB (Arrow, decimals kept), side by side with the engine in one process
    with budget_etl.connect(warehouse) as con:
        frame = con.sql(XIGUAN_TOTALS).pl()
        assert frame.schema["total_expenditure_yuan"] == pl.Decimal(18, 2)
        assert pd.read_sql(XIGUAN_TOTALS, engine).three_public_yuan[0] == 10493.50
    engine.dispose()


def test_sql_prints_a_readable_table(warehouse):
    runner = CliRunner()
    result = runner.invoke(main, ["sql", "--warehouse", str(warehouse),
                                  "select o.office_name, y.fiscal_year, y.total_expenditure_yuan "
                                  "from marts.mart_office_year y join marts.dim_office o using (office_id) "
                                  f"where o.office_name = '{XIGUAN}'"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("┌") and lines[-1].startswith("└")
    # amounts with thousands separators in the table (csv and json keep them plain: below)
    assert any(XIGUAN in line and "2020" in line and "3,566,894.19" in line for line in lines)
    # wide Chinese characters are aligned: every line of the box is as wide on screen
    from wcwidth import wcswidth

    assert len({wcswidth(line) for line in lines}) == 1


def test_sql_table_keeps_the_order_and_says_which_columns_it_cut(warehouse):
    runner = CliRunner()
    base = ["sql", "--warehouse", str(warehouse)]
    query = ("select office_id, total_expenditure_yuan from marts.mart_office_year "
             "order by total_expenditure_yuan desc, office_id")
    table = runner.invoke(main, [*base, "--max-rows", "1000", query])
    plain = runner.invoke(main, [*base, "--format", "csv", query])
    assert table.exit_code == 0 and plain.exit_code == 0, table.output
    want = [line.split(",") for line in plain.output.splitlines()[1:]]
    got = [[c.strip() for c in line.strip("│").split("│")] for line in table.output.splitlines()[4:-2]]
    assert [[o, f"{Decimal(a):,}"] for o, a in want] == got and len(got) > 20  # same rows, same order
    assert all("," not in amount for _, amount in want)  # csv: plain numbers
    wide = runner.invoke(main, [*base, "select * from marts.mart_office_year limit 2"], env={"COLUMNS": "100"})
    cut_note = [line for line in wide.output.splitlines() if "columns not shown" in line]
    assert len(cut_note) == 1 and "--format csv or --format json, or select fewer columns" in wide.output
    count = int(cut_note[0].split(" of ")[0])
    shown = int(re.search(r"columns \((\d+) shown\)", wide.output)[1])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [c for (c,) in con.sql("select column_name from duckdb_columns() where schema_name = 'marts' "
                                        "and table_name = 'mart_office_year' order by column_index").fetchall()]
    assert count == len(names) - shown > 0
    hidden = cut_note[0].split(": ", 1)[1].rstrip(".").split(", ")
    assert len(hidden) == count and names[0] not in hidden and names[-1] not in hidden
    narrow = runner.invoke(main, [*base, "select office_id from marts.dim_office limit 1"])
    assert "columns not shown" not in narrow.output


def test_sql_csv_json_stdin_and_errors(warehouse):
    runner = CliRunner()
    base = ["sql", "--warehouse", str(warehouse)]
    query = ("select category_zh, amount_yuan, change_reason_zh from marts.fct_three_public_cost t "
             f"join marts.dim_office o using (office_id) where o.office_name = '{XIGUAN}' order by category")
    csv_out = runner.invoke(main, [*base, "--format", "csv", query])
    assert csv_out.exit_code == 0, csv_out.output
    assert csv_out.output.splitlines() == [
        "category_zh,amount_yuan,change_reason_zh",
        "公务接待费,493.50,定额增加",
        "因公出国（境）费,0.00,无因公出国（境）",
        "公务用车运行维护费,10000.00,公务用车保险费减少",
        "公务用车购置费,0.00,无公车购置",
    ]
    json_out = runner.invoke(main, [*base, "--format", "json", "-"], input=query)
    assert json_out.exit_code == 0, json_out.output
    assert json.loads(json_out.output)[0] == {"category_zh": "公务接待费", "amount_yuan": "493.50",
                                              "change_reason_zh": "定额增加"}
    many = runner.invoke(main, [*base, "--max-rows", "4", "select * from range(100) t(i)"])
    assert "100 rows" in many.output and "(4 shown)" in many.output and "│        99 │" in many.output
    bad = runner.invoke(main, [*base, "select nope from marts.dim_office"])
    assert bad.exit_code == 1 and "nope" in bad.output and "Traceback" not in bad.output
    write = runner.invoke(main, [*base, "delete from marts.dim_office"])
    assert write.exit_code == 1 and "read-only" in write.output
    empty = runner.invoke(main, [*base, "-"], input="  \n")
    assert empty.exit_code == 2 and "give a query" in empty.output
    from_file = runner.invoke(main, [*base, "--file", "-"], input="select 42 as answer")
    assert from_file.exit_code == 0 and "42" in from_file.output
    missing = runner.invoke(main, ["sql", "--warehouse", "/nonexistent/x.duckdb", "select 1"])
    assert missing.exit_code == 1 and "budget-etl run" in missing.output


@pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result")
def test_the_readme_python_example_runs(warehouse, monkeypatch):
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"^### Python\n.*?```python\n(.*?)```", readme, re.S | re.M)
    monkeypatch.setenv("BUDGET_ETL_WAREHOUSE", str(warehouse))
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    namespace["engine"].dispose()
    namespace["con"].close()
