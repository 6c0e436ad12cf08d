"""The marts that give sections, procurement items, duties and glossary terms a use: built by dbt on the seed
and on a 2021 copy of it with a procurement item and without its 三公 section.

dbt runs are slow: the warehouse is built once for the module."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest

from budget_etl.ops.pipeline import ingest
from budget_etl.transform import build

from conftest import SEED

pytestmark = pytest.mark.slow

D = Decimal
_PROCUREMENT_ROW = "\t其他来源收入\n\t\n\n" + "\t\n" * 14 + "\n"  # the empty row under the header
_BOUGHT = ["综合事务经费", "5000", "台式计算机", "A02010104", "台", "1", "5000", "5000", "5000", "5000"] + [""] * 4
_TOP = re.compile(r"^[ \t]*四、财政拨款“三公”经费预算情况及增减变化原因\n.*?(?=^五、)", re.M | re.S)


def rows(warehouse, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _copy_2021(seed: str) -> str:
    """2021: one procurement item bought, the 三公 section gone (its heading and paragraph)."""
    text = seed.replace("山海关区西关街道办事处部门2020年部门预算公开说明", "山海关区西关街道办事处部门2021年部门预算公开说明", 1)
    assert text.count(_PROCUREMENT_ROW) == 1
    text = text.replace(_PROCUREMENT_ROW, "\t其他来源收入\n\t\n\n" + "".join(f"\t{c}\n" for c in _BOUGHT) + "\n")
    text = text.replace("无此项内容，空表列示。\n", "")
    text, removed = _TOP.subn("", text)
    assert removed == 1
    return text


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    seed = SEED.read_text(encoding="utf-8")
    (folder / "xiguan_2020.txt").write_text(seed, encoding="utf-8")
    (folder / "xiguan_2021.txt").write_text(_copy_2021(seed), encoding="utf-8")
    path = tmp_path_factory.mktemp("marts") / "budget.duckdb"
    summary = ingest([folder], path, progress=False)
    assert (summary.loaded, summary.quarantined) == (2, [])
    assert summary.incomplete == 1  # the 2021 copy's 三公
    result = build(path)
    assert result.errored == 0 and result.skipped == 0, result.describe()
    return path


def test_section_coverage_per_document(warehouse):
    found = {(r["fiscal_year"], r["section_key"]): (r["status"], r["title_zh"], r["note_zh"])
             for r in rows(warehouse, "select * from marts.fct_section")}
    assert len(found) == 18
    assert found[(2020, "procurement")] == ("declared_empty", "六、政府采购预算情况", "无此项内容，空表列示。")
    assert found[(2020, "three_public")] == ("present", "四、财政拨款“三公”经费预算情况及增减变化原因", None)
    assert found[(2021, "three_public")] == ("missing", None, None)
    assert found[(2021, "procurement")] == ("present", "六、政府采购预算情况", None)
    assert {r["doc_kind"] for r in rows(warehouse, "select doc_kind from marts.fct_section")} == {"budget"}


def test_missing_core_section_fails_completeness_in_the_marts(warehouse):
    failed = rows(warehouse, """
        select fiscal_year, check_name, severity from marts.dq_check_results
        where check_kind = 'completeness' and status = 'fail'""")
    assert failed == [{"fiscal_year": 2021, "check_name": "completeness.three_public", "severity": "warning"}]


def test_procurement_items(warehouse):
    [item] = rows(warehouse, "select * from marts.fct_procurement")
    assert (item["fiscal_year"], item["item_no"], item["project_name_zh"], item["item_name_zh"],
            item["catalog_no"], item["unit_zh"], item["quantity"], item["unit_price_yuan"],
            item["amount_yuan"]) == (
        2021, 1, "综合事务经费", "台式计算机", "A02010104", "台", D("1.00"), D("5000.00"), D("5000.00"))
    assert item["src_table"] is not None and item["src_line"] > 0


def test_duties_with_their_targets(warehouse):
    duties = rows(warehouse, "select * from marts.fct_duty where fiscal_year = 2020 order by duty_no")
    assert [d["duty_no"] for d in duties] == list(range(1, 13))
    assert duties[0]["duty_name_zh"] == "党建基层组织工作"
    assert duties[10]["duty_targets_zh"] == "社区建设、管理、服务进一步增强。"
    # printed 90% and 100%: fractions, as every ratio of the marts
    assert [d["grade_excellent_rate"] for d in duties] == [D("0.9")] * 5 + [D(1)] * 7


def test_glossary_terms(warehouse):
    terms = rows(warehouse, "select * from marts.fct_glossary_term where fiscal_year = 2020 order by term_no")
    assert len(terms) == 7
    assert terms[-1]["term_zh"] == "机关运行费"
    assert terms[-1]["definition_zh"].startswith("是指各部门的公用经费")


def test_run_summary_counts_documents_missing_a_core_subject(warehouse):
    from budget_etl.cli.etl import _incomplete_documents

    assert _incomplete_documents(warehouse) == 1  # the 2021 copy without its 三公 section
