"""The command line as a user meets it: help, parse, ingest and their exit codes."""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner

from budget_etl.cli import main

from conftest import SEED, SHARED


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_explains_each_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("parse", "ingest", "build", "run", "docs", "synth"):
        assert command in result.output
    assert "--warehouse" in invoke("ingest", "--help").output


def test_parse_json_keeps_exact_decimals():
    result = invoke("parse", str(SEED), "--json")
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["info"]["office_name"] == "山海关区西关街道办事处"
    items = {o["item_name_zh"]: o["amount_yuan"] for o in doc["operating_expenses"]}
    assert items["党组织活动经费"] == "787.50" and items["福利费"] == "9014.10"
    assert doc["projects"][0]["other_funds_yuan"] is None
    assert doc["projects"][0]["src"] == {"line": 300, "table": 1, "row": 2, "col": 2, "page": None, "file": None}


def test_parse_summary_says_what_it_found():
    result = invoke("parse", str(SEED))
    assert result.exit_code == 0
    assert "山海关区西关街道办事处" in result.output and "2020" in result.output
    assert "identities: all hold" in result.output
    assert "template notes_budget, amounts stated in 元 (largest unit), txt, 117 facts" in result.output


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "real").is_dir(), reason="../shared/real not present")
def test_parse_summary_of_a_pdf_names_its_template_unit_and_pages():
    pdf = SHARED / "real" / "shanghai_putuo_wanli-jiedao_2024_ys.pdf"
    result = invoke("parse", str(pdf))
    assert "template national_tables, amounts stated in 万元 (largest unit), pdf, 33 pages read" in result.output


def test_parse_refuses_garbage_with_its_reason(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = CliRunner().invoke(main, ["parse", str(bad)])
    assert result.exit_code == 1
    assert "empty_file" in result.output


def test_ingest_loads_good_files_and_quarantines_bad_ones(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "xiguan.txt").write_bytes(SEED.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "noise.txt").write_bytes(bytes(range(256)) * 10)
    warehouse = tmp_path / "wh.duckdb"
    result = invoke("ingest", str(folder), "--warehouse", str(warehouse), "--quiet")
    assert result.exit_code == 1  # something was quarantined
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 1
        reasons = dict(con.execute("select file_name, reason_code from (select regexp_extract(source_path, '[^/]+$') "
                               "as file_name, reason_code from raw.quarantine)").fetchall())
    assert reasons == {"empty.txt": "empty_file", "noise.txt": "binary_file"}
    again = invoke("ingest", str(folder / "xiguan.txt"), "--warehouse", str(warehouse), "--quiet")
    assert again.exit_code == 0


def test_run_ends_with_rows_per_table(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    result = CliRunner().invoke(main, ["run", str(SEED), "--warehouse", str(warehouse), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = dict(item.rsplit(" ", 1) for item in result.stdout.splitlines()[0].removeprefix("rows: ").split(", "))
    assert {t: int(n) for t, n in rows.items() if t.startswith("fct_")} == {
        "fct_asset": 4, "fct_expenditure": 3, "fct_operating_expense": 18, "fct_project": 9,
        "fct_project_indicator": 36, "fct_revenue": 4, "fct_three_public_cost": 4,
        "fct_section": 9, "fct_procurement": 0, "fct_stated_count": 0, "fct_stated_total": 7, "fct_duty": 12, "fct_glossary_term": 7,
        "fct_expenditure_by_function": 0, "fct_expenditure_by_economic": 0,
        "fct_table_figure": 0,  # the notes form has no such tables
        "fct_source_line": 83}  # the lines its rows cite
