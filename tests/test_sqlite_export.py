"""`budget-etl export --format sqlite`: one SQLite file of the marts, amounts exact as text beside a REAL copy,
and the Datasette metadata.json with the tables' and columns' descriptions in Chinese and English."""

from __future__ import annotations

import json
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from budget_etl.analyst import dictionary
from budget_etl.analyst.export import ExportError
from budget_etl.analyst.sqlite_export import export_sqlite
from budget_etl.cli import main

from analyst_support import rows


def _tiny_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t (office_id varchar, fiscal_year integer, amount_yuan decimal(18,2), "
                    "ok boolean)")
        # 9999999999999999.99 has no exact double: only the text keeps it
        con.execute("insert into marts.t values ('a', 2023, 9999999999999999.99, true), ('b', 2022, -0.50, false), "
                    "('c', 2021, null, null)")
    return path


def test_amounts_stay_exact_as_text_beside_a_numeric_copy(tmp_path):
    warehouse = _tiny_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        db, meta = export_sqlite(con, tmp_path / "out")
    lite = sqlite3.connect(db)
    got = lite.execute("select office_id, fiscal_year, amount_yuan, typeof(amount_yuan), amount_yuan_num, ok "
                       "from t order by amount_yuan_num").fetchall()
    lite.close()
    assert got == [("c", 2021, None, "null", None, None), ("b", 2022, "-0.50", "text", -0.5, 0),
                   ("a", 2023, "9999999999999999.99", "text", 1e16, 1)]
    assert Decimal(got[2][2]) == Decimal("9999999999999999.99")
    table = json.loads(meta.read_text(encoding="utf-8"))["databases"]["budget"]["tables"]["t"]
    assert list(table["columns"]) == ["office_id", "fiscal_year", "amount_yuan", "amount_yuan_num", "ok"]
    assert table["facets"] == ["fiscal_year"]


def test_unknown_table_is_refused(tmp_path):
    warehouse = _tiny_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con, pytest.raises(ExportError, match="no such mart"):
        export_sqlite(con, tmp_path / "out", ["nope"])


def test_chinese_headers_are_refused_for_sqlite(tmp_path):
    result = CliRunner().invoke(main, ["export", "--format", "sqlite", "--headers", "zh", "--out", str(tmp_path),
                                       "--warehouse", str(_tiny_warehouse(tmp_path / "w.duckdb"))])
    assert result.exit_code == 2 and "--headers zh is for csv, xlsx and parquet" in result.output


@pytest.mark.slow
def test_every_mart_with_exact_amounts_and_datasette_metadata(bundled_warehouse, tmp_path):
    result = CliRunner().invoke(main, ["export", "--format", "sqlite", "--out", str(tmp_path),
                                       "--warehouse", str(bundled_warehouse)])
    assert result.exit_code == 0, result.output
    db, meta_path = tmp_path / "budget.sqlite", tmp_path / "metadata.json"
    assert result.output.split() == ["wrote", str(db), "wrote", str(meta_path)]
    marts = [r["table_name"] for r in rows(bundled_warehouse, "select table_name from duckdb_tables() "
                                           "where schema_name = 'marts' order by 1")]
    lite = sqlite3.connect(db)
    tables = [r[0] for r in lite.execute("select name from sqlite_master where type = 'table' order by 1")]
    assert tables == marts

    # every amount of mart_office_year, exactly as DuckDB holds it
    expected = rows(bundled_warehouse, "select office_id, fiscal_year, doc_kind, total_expenditure_yuan, "
                                       "three_public_yuan from marts.mart_office_year")
    got = {(r[0], r[1], r[2]): r[3:] for r in lite.execute(
        "select office_id, fiscal_year, doc_kind, total_expenditure_yuan, three_public_yuan, "
        "total_expenditure_yuan_num from mart_office_year")}
    assert len(got) == len(expected) == 33
    for e in expected:
        text, three_public, number = got[(e["office_id"], e["fiscal_year"], e["doc_kind"])]
        assert (Decimal(text) if text else None) == e["total_expenditure_yuan"]
        assert (Decimal(three_public) if three_public else None) == e["three_public_yuan"]
        assert number == (float(e["total_expenditure_yuan"]) if e["total_expenditure_yuan"] is not None else None)
    assert lite.execute("select count(*) from mart_office_year where typeof(total_expenditure_yuan) "
                        "not in ('text', 'null')").fetchone() == (0,)

    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    assert set(metadata["databases"]) == {"budget"}
    described = metadata["databases"]["budget"]["tables"]
    assert sorted(described) == marts
    yml = {m.name: m for m in dictionary.load()}
    for table, meta in described.items():
        sqlite_columns = [r[1] for r in lite.execute(f'pragma table_info("{table}")')]
        assert list(meta["columns"]) == sqlite_columns
        assert set(meta["facets"]) <= set(sqlite_columns)
        assert meta["title"].endswith(f" / {table}")
        zh, en = dictionary.split_description(meta["description"])
        assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[A-Za-z]", en)
        for column in yml[table].columns:  # the yml's description, both languages
            assert meta["columns"][column.name] == column.description
    assert described["mart_office_year"]["columns"]["total_expenditure_yuan_num"].startswith(
        "total_expenditure_yuan 的数值副本")
    assert {"fiscal_year", "doc_kind"} <= set(described["mart_office_year"]["facets"])
    lite.close()
