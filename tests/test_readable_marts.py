"""Readable marts: every mart names its office beside ``office_id`` (name and division, from dim_office),
shows each code's Chinese name beside the code (``<column>_zh``, from the seed code_labels) and holds every
ratio as a fraction (1 = 100 %). Checked on the yml contract and on the built sample warehouse."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest

from budget_etl.analyst import dictionary
from budget_etl.catalog.tables import enum_labels

D = Decimal
XIGUAN = "山海关区西关街道办事处"
OFFICE_COLUMNS = ["office_name", "province", "city", "district"]
# dim_office is where the names come from; dim_office_name lists every printed name (its office_name is one)
NOT_NAMED = {"dim_office", "dim_office_name"}
UNLABELLED = {"currency_unit"}  # its codes are Chinese already (万元)
CODE_COLUMNS = set(enum_labels()) - UNLABELLED


def _placement_problems(table: str, names: list[str]) -> list[str]:
    """What is out of place in a table's columns (in order): the office's columns right after office_id, a
    code's label right after the code."""
    problems = []
    if "office_id" in names and table not in NOT_NAMED:
        at = names.index("office_id")
        if names[at + 1:at + 5] != OFFICE_COLUMNS:
            problems.append(f"{table}: {names[at + 1:at + 5]} after office_id")
    for i, name in enumerate(names):
        if name in CODE_COLUMNS and names[i + 1:i + 2] != [f"{name}_zh"]:
            problems.append(f"{table}: {name} has no {name}_zh beside it")
    return problems


def test_the_contract_names_offices_and_labels_codes():
    models = dictionary.load()
    problems = [p for m in models for p in _placement_problems(m.name, [c.name for c in m.columns])]
    assert problems == []
    named = [m.name for m in models if "office_id" in {c.name for c in m.columns} and m.name not in NOT_NAMED]
    assert len(named) == 24  # every fct_*, mart_* and dq_* table, and dim_document
    labelled = {(m.name, c.name) for m in models for c in m.columns if c.name in CODE_COLUMNS}
    assert {("fct_revenue", "doc_kind"), ("mart_yoy", "metric"), ("mart_yoy", "prior_source"),
            ("mart_office_comparison", "peer_group_type"), ("mart_budget_execution", "budget_source"),
            ("dq_check_results", "status"), ("fct_table_figure", "column_key")} <= labelled


def test_the_contract_holds_no_percentages():
    """One ratio convention (docs/data_dictionary.md): fractions, named share / rate / ratio, never percent."""
    columns = {(m.name, c.name): c.data_type for m in dictionary.load() for c in m.columns}
    assert [c for c in columns if re.search(r"pct|percent", c[1])] == []
    ratios = {c: t for c, t in columns.items() if re.search(r"share|_rate$|^ratio_", c[1])}
    assert len(ratios) == 14 and all(t.startswith("decimal") for t in ratios.values())
    assert "every ratio is a fraction, 1 = 100 %" in " ".join(dictionary.RATIO_CONVENTION)
    text = (dictionary.project_root() / dictionary.DICTIONARY).read_text(encoding="utf-8")
    assert dictionary.RATIO_CONVENTION[0] in text  # stated once, in the dictionary's introduction


@pytest.fixture(scope="module")
def con(bundled_warehouse):
    with duckdb.connect(str(bundled_warehouse), read_only=True) as con:
        yield con


def _tables(con) -> dict[str, list[str]]:
    return dict(con.execute("""select table_name, list(column_name order by ordinal_position)
                               from information_schema.columns where table_schema = 'marts'
                               group by table_name order by table_name""").fetchall())


@pytest.mark.slow
def test_every_built_mart_names_its_office(con):
    tables = _tables(con)
    assert [p for t, names in tables.items() for p in _placement_problems(t, names)] == []
    named = [t for t, names in tables.items() if "office_id" in names and t not in NOT_NAMED]
    assert len(named) == 24
    checked = 0
    for table in named:  # the names are dim_office's, on every row with an office
        [(rows, unnamed, differ)] = con.execute(f"""
            select count(*), count(*) filter (where t.office_id is not null and t.office_name is null),
                   count(*) filter (where t.office_name is distinct from o.office_name
                                       or t.province is distinct from o.province or t.city is distinct from o.city
                                       or t.district is distinct from o.district)
            from marts."{table}" t left join marts.dim_office o on o.office_id = t.office_id""").fetchall()
        assert (unnamed, differ) == (0, 0), table
        checked += rows > 0
    assert checked >= 20  # the sample has no national tables: fct_table_figure and the class tables are empty
    # the real Xiguan budget: 河北省秦皇岛市山海关区, read from its name
    assert con.execute("""select distinct office_name, province, city, district from marts.fct_revenue
                          where office_name = ?""", [XIGUAN]).fetchall() == [(XIGUAN, "河北省", "秦皇岛市", "山海关区")]


@pytest.mark.slow
def test_every_label_is_the_seeds_chinese_name(con):
    tables = _tables(con)
    pairs = [(t, c) for t, names in tables.items() for c in names if c in CODE_COLUMNS]
    assert len(pairs) >= 45
    codes = 0
    for table, column in pairs:
        [(coded, wrong)] = con.execute(f"""
            select count(t."{column}"),
                   count(*) filter (where t."{column}" is not null and t."{column}_zh" is distinct from l.label_zh)
            from marts."{table}" t
            left join staging.code_labels l on l.column_name = '{column}' and l.code = t."{column}" """).fetchall()
        assert wrong == 0, (table, column)
        codes += coded
    assert codes > 1000  # codes checked on the sample
    labels = dict(con.execute("""select doc_kind || '|' || revenue_source, doc_kind_zh || '|' || revenue_source_zh
                                 from marts.fct_revenue where office_name = ?""", [XIGUAN]).fetchall())
    assert labels["budget|general_public_budget"] == "部门预算|一般公共预算拨款收入"
    [(metric_zh, prior_zh)] = con.execute("""select metric_zh, prior_source_zh from marts.mart_yoy
                                             where office_name = ? and metric = 'three_public'""", [XIGUAN]).fetchall()
    assert (metric_zh, prior_zh) == ("“三公”经费", "本年文件自述")
    assert con.execute("""select distinct peer_group_type_zh from marts.mart_office_comparison
                          where peer_group_type = 'office_type_national'""").fetchall() == [("全国同类部门",)]
    assert con.execute("""select distinct status_zh from marts.dq_check_results where status = 'pass'""").fetchall() \
        == [("通过",)]


@pytest.mark.slow
def test_ratios_are_fractions(con):
    tables = _tables(con)
    shares = [(t, c) for t, names in tables.items() for c in names if "share" in c]
    assert len(shares) == 7  # mart_office_year 2, mart_office_comparison 1, fct_project 4
    for table, column in shares:  # a share is a part of a whole: 0 to 1
        [(low, high)] = con.execute(f'select min("{column}"), max("{column}") from marts."{table}"').fetchall()
        assert D(0) <= low <= high <= D(1), (table, column, low, high)
    # Xiguan 2020: 1,928,480.00 of 3,566,894.19 on projects; 三公 10,493.50 against 11,452.00 (-8.37 %); its
    # 车辆保险费 plans 25% by March, 100% by December; its duties are excellent from a completion of 90%
    assert con.execute("select project_share_of_total from marts.mart_office_year where office_name = ? "
                       "and fiscal_year = 2020", [XIGUAN]).fetchall() == [(D("0.540661"),)]
    assert con.execute("select change_rate from marts.mart_yoy where office_name = ? and fiscal_year = 2020 "
                       "and metric = 'three_public'", [XIGUAN]).fetchall() == [(D("-0.083697"),)]
    assert con.execute("select spend_plan_share_m03, spend_plan_share_m12 from marts.fct_project "
                       "where project_code = '611-1501-YBN-7FFL' and fiscal_year = 2020").fetchall() == [
        (D("0.25"), D("1"))]
    assert con.execute("select min(grade_excellent_rate), max(grade_excellent_rate) from marts.fct_duty "
                       "where office_name = ?", [XIGUAN]).fetchall() == [(D("0.9"), D("1"))]
    # the district share of a demo office, as tests/test_demo_corpus.py works it out: 1,799,032.61 of 7,018,355.49
    assert con.execute("""select share_of_peer_total from marts.mart_office_comparison
                          where office_name = '琰骞区溦蒨街道办事处' and fiscal_year = 2022
                            and metric = 'total_expenditure' and peer_group_type = 'district'""").fetchall() == [
        (D("0.256333"),)]
