"""Peer groups (mart_office_comparison: district, city, province, office type in the province and nationally;
never a group of one) and the national code lists (seeds function_classes, economic_classes,
three_public_codes) on the warehouses the real pipeline builds from the bundled sample and from
../shared/real (session fixtures of conftest.py; the real one is skipped without ../shared)."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from budget_etl.paths import dbt_project_dir

from analyst_support import rows

pytestmark = pytest.mark.slow

D = Decimal
XIGUAN = "山海关区西关街道办事处"


def comparison(warehouse, office_name: str, year: int, metric: str, doc_kind: str = "budget") -> dict[str, dict]:
    """peer_group_type -> the office's row of mart_office_comparison."""
    found = rows(warehouse, """
        select c.* from marts.mart_office_comparison c join marts.dim_office o using (office_id)
        where o.office_name = ? and c.fiscal_year = ? and c.metric = ? and c.doc_kind = ?""",
                 [office_name, year, metric, doc_kind])
    return {r["peer_group_type"]: r for r in found}


def test_no_peer_group_has_one_office(bundled_warehouse):
    [smallest] = rows(bundled_warehouse, "select min(peer_count) as n, count(*) as total "
                                         "from marts.mart_office_comparison")
    assert smallest["total"] > 0 and smallest["n"] == 2
    # Xiguan is the only office of 河北省 and the only office of 2020: it has no peer in any group
    assert rows(bundled_warehouse, """select count(*) as n from marts.mart_office_comparison
                                      where office_name = ?""",
                [XIGUAN]) == [{"n": 0}]


def test_peers_by_division_and_by_type(bundled_warehouse):
    got = comparison(bundled_warehouse, "琰骞区溦蒨街道办事处", 2022, "total_expenditure")
    assert set(got) == {"district", "city", "province", "office_type_in_province", "office_type_national"}
    assert (got["district"]["peer_group"], got["district"]["peer_count"], got["district"]["peer_total_yuan"]) == (
        "琰骞区", 3, D("7018355.49"))
    assert (got["city"]["peer_group"], got["city"]["peer_count"], got["city"]["peer_total_yuan"]) == (
        "鹓翀市", 6, D("17364969.65"))
    # the eight demo street offices of 澂蘅省: 7018355.49 (琰骞区) + 10346614.16 (昶蕤区) + 5280345.68 (珣箬区);
    # the median of eight is the mean of the 4th and 5th, 2648921.87 and 2999856.18, rounded half-up
    for kind in ("province", "office_type_in_province", "office_type_national"):
        row = got[kind]
        assert (row["peer_count"], row["rank_in_peer"], row["peer_total_yuan"], row["peer_median_yuan"]) == (
            8, 8, D("22645315.33"), D("2824389.03")), kind
    assert (got["province"]["peer_group"], got["province"]["peer_office_type"]) == ("澂蘅省", None)
    assert (got["office_type_in_province"]["peer_group"], got["office_type_in_province"]["peer_office_type"]) == (
        "澂蘅省", "street_office")
    assert (got["office_type_national"]["peer_group"], got["office_type_national"]["peer_office_type"]) == (
        "全国", "street_office")


def test_real_peers(real_warehouse):
    # 普陀区 2025: the district government's office and the finance bureau (budgets); 2024: the finance
    # bureau and the social work department (决算)
    for year, kind, names in [(2025, "budget", {"上海市普陀区人民政府办公室", "上海市普陀区财政局"}),
                              (2024, "final_accounts", {"上海市普陀区财政局", "中共上海市普陀区委社会工作部"})]:
        members = rows(real_warehouse, """
            select o.office_name, c.peer_count from marts.mart_office_comparison c join marts.dim_office o
            using (office_id) where c.peer_group_type = 'district' and c.peer_group = '普陀区'
              and c.fiscal_year = ? and c.doc_kind = ? and c.metric = 'total_expenditure'""", [year, kind])
        assert {m["office_name"] for m in members} == names and {m["peer_count"] for m in members} == {2}
    # 万里街道's 2024 budget is the only budget of 普陀区 that year: no peer group
    assert comparison(real_warehouse, "上海市普陀区人民政府万里街道办事处", 2024, "total_expenditure") == {}
    # the two offices of 江苏省 are each other's province peers, every year
    for year in (2017, 2018, 2019):
        assert {k: r["peer_count"] for k, r in comparison(
            real_warehouse, "江苏省人民检察院", year, "total_expenditure").items()} == {"province": 2}


def seed(name: str) -> list[dict]:
    with open(dbt_project_dir() / "seeds" / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_code_lists_say_where_each_row_comes_from():
    functions, economics = seed("function_classes"), seed("economic_classes")
    assert {r["source"] for r in functions + economics} == {"document", "national_list"}
    names = {(r["function_code"], r["valid_from"], r["valid_to"]): r["name_zh"] for r in functions}
    assert names["210", "", "2018"] == "医疗卫生与计划生育支出" and names["210", "2019", ""] == "卫生健康支出"
    assert names["20108", "", ""] == "审计事务" and names["201", "", ""] == "一般公共服务支出"
    # the 三公 items: 30211 is 差旅费 as the documents print it; 因公出国（境）费用 is 30212
    items = {(r["scheme"], r["economic_code"]): r["name_zh"] for r in economics if not r["valid_to"]}
    assert items["department", "30211"] == "差旅费"
    for r in seed("three_public_codes"):
        assert items[r["scheme"], r["economic_code"]] == r["category_zh"], r


def test_renamed_classes_share_one_current_name(bundled_warehouse):
    found = rows(bundled_warehouse, """select classification, code, name_zh, current_code, name_now_zh
                                       from intermediate.int_class_codes
                                       where code in ('210', '30311') order by code, span_from""")
    assert [(r["code"], r["name_zh"], r["current_code"], r["name_now_zh"]) for r in found] == [
        ("210", "医疗卫生与计划生育支出", "210", "卫生健康支出"),
        ("210", "卫生健康支出", "210", "卫生健康支出"),
        ("30311", "住房公积金", "30113", "代缴社会保险费"),  # the 2017 item became 30113 住房公积金 in 2018
        ("30311", "代缴社会保险费", "30311", "代缴社会保险费"),
    ]


def test_real_codes_are_listed_and_carry_their_current_classes(real_warehouse):
    unlisted = rows(real_warehouse, """
        select 'function' as t, function_code as code, fiscal_year from marts.fct_expenditure_by_function
        where not is_listed_code
        union all
        select scheme, economic_code, fiscal_year from marts.fct_expenditure_by_economic where not is_listed_code""")
    assert unlisted == []  # every code the real documents print is in the seeds for its year
    # 北京市审计局 prints 项 2010804 审计业务 without its 款: the list names it 审计事务
    [audit] = rows(real_warehouse, """
        select distinct class_code, class_name_zh, section_code, section_name_zh, item_name_zh
        from marts.fct_expenditure_by_function where function_code = '2010804'""")
    assert audit == {"class_code": "201", "class_name_zh": "一般公共服务支出", "section_code": "20108",
                     "section_name_zh": "审计事务", "item_name_zh": "审计业务"}
    # 20805 行政事业单位离退休 (2017-2019) is 行政事业单位养老支出 now
    renamed = rows(real_warehouse, """
        select distinct fiscal_year, name_zh, section_name_zh from marts.fct_expenditure_by_function
        where function_code = '20805' order by fiscal_year""")
    assert {r["name_zh"] for r in renamed} == {"行政事业单位离退休", "行政事业单位养老支出"}
    assert {r["section_name_zh"] for r in renamed} == {"行政事业单位养老支出"}
    # the 2017 economic item 30311 住房公积金 is 30113 住房公积金 of the 2018 list
    moved = rows(real_warehouse, """
        select distinct fiscal_year, item_code, item_name_zh from marts.fct_expenditure_by_economic
        where economic_code = '30311' and name_zh = '住房公积金'""")
    assert moved and {(r["fiscal_year"], r["item_code"], r["item_name_zh"]) for r in moved} == {
        (2017, "30113", "住房公积金")}
