"""Every query of docs/cookbook.md runs on the bundled corpus and returns rows; the figures of the real
Xiguan 2020 budget are checked exactly, and the others against the marts they summarise."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
import yaml

from budget_etl.paths import project_root

from analyst_support import rows

pytestmark = pytest.mark.slow

D = Decimal
COOKBOOK = project_root() / "docs" / "cookbook.md"
XIGUAN = "山海关区西关街道办事处"


def recipes() -> list[tuple[int, str, str]]:
    """(number, title, sql) of every ``## N. title`` section and the ```sql block under it."""
    text = COOKBOOK.read_text(encoding="utf-8")
    found = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title = section.splitlines()[0]
        blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
        number = re.match(r"(\d+)\. ", title)
        assert number and len(blocks) == 1, f"section {title!r} needs a number and one sql block"
        found.append((int(number[1]), title, blocks[0]))
    return found


RECIPES = recipes()


@pytest.fixture(scope="module")
def warehouse(bundled_warehouse):
    return bundled_warehouse


@pytest.fixture(scope="module")
def results(warehouse) -> dict[int, list[dict]]:
    return {number: rows(warehouse, sql) for number, _, sql in RECIPES}


def test_the_cookbook_has_at_least_ten_numbered_queries():
    assert len(RECIPES) >= 10
    assert [n for n, _, _ in RECIPES] == list(range(1, len(RECIPES) + 1))


# queries of the national tables (功能分类表), which the bundled sample lacks: they run on ../shared/real
ON_REAL_DOCUMENTS = {24}


@pytest.mark.parametrize(("number", "title", "sql"), RECIPES, ids=[f"q{n:02d}" for n, _, _ in RECIPES])
def test_every_query_runs_read_only_and_returns_rows(request, warehouse, number, title, sql):
    if number in ON_REAL_DOCUMENTS:
        warehouse = request.getfixturevalue("real_warehouse")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        result = con.sql(sql).fetchall()
    assert result, f"{number}. {title} returned no rows"


def xiguan(result: list[dict]) -> list[dict]:
    return [r for r in result if r["office_name"] == XIGUAN]


def test_headline_figures(results, warehouse):
    [row] = xiguan(results[1])
    assert (row["fiscal_year"], row["total_expenditure_yuan"], row["three_public_yuan"], row["project_count"]) == (
        2020, D("3566894.19"), D("10493.50"), 9)
    assert len(results[1]) == rows(warehouse, "select count(*) as n from marts.mart_office_year "
                                              "where doc_kind = 'budget'")[0]["n"]
    [makeup] = xiguan(results[2])
    assert (makeup["personnel_pct"], makeup["public_operating_pct"], makeup["project_pct"],
            makeup["personnel_pct_of_basic"]) == (41.8, 4.1, D("54.1"), D("91.0"))
    for r in results[2]:  # the three parts make the whole
        assert abs(r["personnel_pct"] + r["public_operating_pct"] + float(r["project_pct"]) - 100) < 0.2


def test_year_on_year_and_three_public(results):
    [growth] = xiguan(results[3])
    assert (growth["prior_amount_yuan"], growth["amount_yuan"], growth["change_yuan"], growth["prior_source"]) == (
        D("3293668.57"), D("3566894.19"), D("273225.62"), "stated")
    # a fraction, shown in percent beside it: 273,225.62 / 3,293,668.57
    assert (growth["change_rate"], growth["change_pct"], growth["prior_source_zh"]) == (
        D("0.082955"), D("8.3"), "本年文件自述")
    changes = [r["change_rate"] for r in results[3] if r["change_rate"] is not None]
    assert changes == sorted(changes, reverse=True)
    assert {(r["category_zh"], r["change_yuan"], r["change_reason_zh"]) for r in xiguan(results[4])} == {
        ("公务用车运行维护费", D("-1000.00"), "公务用车保险费减少"), ("公务接待费", D("41.50"), "定额增加")}
    assert all(r["change_yuan"] != 0 for r in results[4])
    [ratio] = xiguan(results[5])
    assert ratio["three_public_per_10k_yuan"] == D("29.4192")
    for year in {r["fiscal_year"] for r in results[5]}:
        ranked = [r for r in results[5] if r["fiscal_year"] == year]
        assert ranked[0]["rank_in_year"] == 1
        assert ranked[0]["three_public_per_10k_yuan"] == max(r["three_public_per_10k_yuan"] for r in ranked)


def test_peer_comparisons(results, warehouse):
    groups: dict[tuple, list[dict]] = {}
    for r in results[6]:
        groups.setdefault((r["fiscal_year"], r["district"], r["metric"]), []).append(r)
    for members in groups.values():
        amounts = sorted((r["amount_yuan"] for r in members), reverse=True)
        assert [r["rank_in_peer"] for r in members] == [amounts.index(r["amount_yuan"]) + 1 for r in members]
        assert all(r["peer_count"] == len(members) for r in members)
    assert xiguan(results[6]) == []  # the only office of 山海关区: a group of one is no peer group
    [x] = [r for r in results[6] if r["office_name"] == "琰骞区溦蒨街道办事处" and r["fiscal_year"] == 2022
           and r["metric"] == "total_expenditure"]
    assert (x["district"], x["rank_in_peer"], x["peer_count"], x["share_pct"]) == ("琰骞区", 3, 3, D("25.6"))
    top = results[7][0]
    [best] = rows(warehouse, """select max(ratio_to_peer_median) as r from marts.mart_office_comparison
                                where doc_kind = 'budget'""")
    assert top["ratio_to_peer_median"] == best["r"]
    # one row per office and year, each the highest of its office and year
    assert len({(r["office_name"], r["fiscal_year"]) for r in results[7]}) == len(results[7])
    highest = {(r["office_name"], r["fiscal_year"]): r["r"] for r in rows(warehouse, """
        select o.office_name, c.fiscal_year, max(c.ratio_to_peer_median) as r
        from marts.mart_office_comparison c join marts.dim_office o using (office_id)
        where c.doc_kind = 'budget' and c.ratio_to_peer_median is not null group by all""")}
    assert {(r["office_name"], r["fiscal_year"]): r["ratio_to_peer_median"] for r in results[7]} == highest


def test_projects(results, warehouse):
    [largest] = rows(warehouse, """select max(budget_yuan) as b from marts.fct_project
                                   where document_id in (select document_id from marts.mart_office_year)""")
    assert len(results[8]) == 20 or len(results[8]) == rows(warehouse, "select count(*) as n from marts.fct_project")[0]["n"]
    assert results[8][0]["budget_yuan"] == largest["b"]
    # one year of Xiguan: every one of its 9 projects "recurs"
    assert len(xiguan(results[9])) == 9
    assert sum(r["total_budget_yuan"] for r in xiguan(results[9])) == D("1928480.00")
    assert all(r["years"] >= 1 for r in results[9])
    # the demo's 提前下达2021/2022/2023年… projects: one project by its code, three names, every year
    renamed = [r for r in results[9] if r["latest_name_zh"] == "提前下达2023年市级社区干部生活补助资金"]
    assert len(renamed) == 3 and all((r["names"], r["years"]) == (3, 3) for r in renamed)


def test_indicators_and_spending_plan(results, warehouse):
    [count] = rows(warehouse, """select count(*) as n from marts.fct_project_indicator
                                 group by level1_zh, level2_zh, level3_zh order by n desc limit 1""")
    assert results[10][0]["indicator_rows"] == count["n"]
    [total] = rows(warehouse, "select count(*) as n from marts.fct_project_indicator")
    assert sum(r["indicator_rows"] for r in results[11]) == total["n"]
    assert any(r["unit"] == "%" and r["operator"] == ">=" for r in results[11])
    # Xiguan's nine projects: seven plan 25/60/90/100, one 50/75/100/100 and one 100/100/100/100
    [y2020] = [r for r in results[12] if r["fiscal_year"] == 2020]
    if y2020["projects"] == 9:  # 2020 is Xiguan's year alone
        assert (y2020["by_march_pct"], y2020["by_june_pct"], y2020["by_october_pct"], y2020["by_december_pct"]) == (
            36.1, 66.1, 92.2, 100.0)
    assert abs(sum(r["pct"] for r in results[13]) - 100) < 1


def test_data_quality_and_provenance(results, warehouse):
    [x] = xiguan(results[14])
    # 18 frames, 7 identities, 9 project fundings, assets, 5 completeness subjects, 2 disclosure rules, 9 text
    # rules of a budget and the 9 table rules of the national tables; not_applicable to the notes form, neither
    # passed nor failed: the 9 table rules, text.share, change.rate and text.zero_total (Xiguan states no share,
    # no rate and no 收入支出总计)
    assert (x["checks"], x["passed"], x["failed"], x["failed_checks"]) == (60, 48, 0, "")
    [n] = rows(warehouse, "select count(*) as n from marts.dq_check_results")
    assert sum(r["checks"] for r in results[14]) == n["n"]
    compared = rows(warehouse, """
        select doc_kind, metric, fiscal_year, count(*) as n, count(*) filter (where stated_matches_prior_document) as same,
               max(abs(stated_prior_yuan - prior_document_yuan)) as gap
        from marts.mart_yoy where stated_prior_yuan is not null and prior_document_yuan is not null
        group by all""")
    assert compared  # the demo states last year's figures that last year's documents hold
    key = ("doc_kind", "metric", "fiscal_year")
    assert {tuple(r[k] for k in key): (r["compared"], r["agreeing"], r["largest_gap_yuan"]) for r in results[15]} == {
        tuple(r[k] for k in key): (r["n"], r["same"], r["gap"]) for r in compared}
    assert all(r["compared"] == r["agreeing"] + r["differing"] for r in results[15])
    assert all((r["office_with_largest_gap"] is None) == (r["differing"] == 0) for r in results[15])
    [line] = xiguan(results[16])
    assert line["src_line"] == 105 and line["amount_yuan"] == D("10000.00")
    assert "公务用车运行维护费10000元" in line["source_line"]
    assert all(r["label_zh"] in r["source_line"] for r in results[16])


# --- budget execution (17-19): the demo's 决算 of 2023 against its budgets, worked out from the gold files --


def demo_finals() -> dict[tuple[str, int], dict]:
    """(office name, year) -> gold of every demo final account."""
    demo = project_root() / "ingest" / "demo"
    entries = yaml.safe_load((demo / "sources.yml").read_text(encoding="utf-8"))["documents"]
    return {(e["office"], e["fiscal_year"]): json.loads((demo / e["gold"]).read_text(encoding="utf-8"))
            for e in entries if e["doc_kind"] == "final_accounts"}


def pct(final: Decimal, budget: Decimal) -> Decimal | None:
    """The execution rate in % to 2 places, as the queries round it (half away from zero, twice)."""
    if budget == 0:
        return None
    rate = (final / budget).quantize(D("0.0001"), rounding=ROUND_HALF_UP)
    return (rate * 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


_THREE_PUBLIC_METRICS = {"overseas_travel", "vehicle_purchase", "vehicle_operation", "official_reception"}


def test_execution_rate_by_office_and_year(results):
    finals = demo_finals()
    assert len(finals) == 8
    got = {(r["office_name"], r["fiscal_year"]): r for r in results[17]}
    assert set(got) == set(finals)
    for key, gold in finals.items():
        total = gold["expenditure"]["total"]
        final, budget = D(total["final"]), D(total["budget"])
        row = got[key]
        assert (row["budget_yuan"], row["adjusted_budget_yuan"], row["final_yuan"], row["difference_yuan"]) == (
            budget, D(total["adjusted_budget"]), final, final - budget), key
        assert row["execution_pct"] == pct(final, budget), key
        # the budget of the demo's budget document and the one its 决算 prints agree
        assert (row["budget_source"], row["budget_sources_differ"]) == ("both", False)


def test_offices_furthest_over_budget_on_three_public(results):
    expected = []
    for (office, year), gold in demo_finals().items():
        tp = gold["three_public"]
        items = [("three_public", tp["total"])] + [(i["category_key"], i) for i in tp["items"]]
        for metric, fig in items:
            final, budget = D(fig["final"]), D(fig["budget"])
            if final > budget:
                expected.append((office, year, metric, budget, final, final - budget, pct(final, budget)))
    expected.sort(key=lambda r: (-r[5], r[0], r[1], r[2]))
    got = [(r["office_name"], r["fiscal_year"], r["metric"], r["budget_yuan"], r["final_yuan"],
            r["difference_yuan"], r["execution_pct"]) for r in results[18]]
    assert got == expected
    # a car bought without a budget: an overrun with no rate, never an infinite one
    assert any(r[3] == 0 and r[6] is None for r in got)
    assert {r[2] for r in got} <= _THREE_PUBLIC_METRICS | {"three_public"}


def test_budget_against_final_item_by_item(results):
    finals = demo_finals()
    got = {(r["office_name"], r["fiscal_year"], r["metric"]): r for r in results[19]}
    assert len(got) == 7 * len(finals)
    for (office, year), gold in finals.items():
        figs = {"total_expenditure": gold["expenditure"]["total"], "basic": gold["expenditure"]["basic"],
                "personnel": gold["expenditure"]["personnel"],
                "public_operating": gold["expenditure"]["public_operating"],
                "project": gold["expenditure"]["project"], "operating_expense": gold["operating_expense_total"],
                "three_public": gold["three_public"]["total"]}
        for metric, fig in figs.items():
            row = got[office, year, metric]
            assert (row["budget_yuan"], row["final_yuan"], row["execution_pct"]) == (
                D(fig["budget"]), D(fig["final"]), pct(D(fig["final"]), D(fig["budget"]))), (office, metric)


def test_findings_and_rules(results, warehouse):
    [failed] = rows(warehouse, "select count(*) as n from marts.dq_check_results "
                               "where status = 'fail' and is_latest_version")
    assert failed["n"] > 0  # the demo corpus plants slips
    assert len(results[20]) == failed["n"]  # no acknowledgement in the bundled seed
    assert all(r["suggestion_zh"] and r["rule_title_zh"] for r in results[20])
    by_rule = {r["rule_id"]: r for r in results[21]}
    assert sum(r["failed"] for r in by_rule.values()) == failed["n"]
    [total] = rows(warehouse, "select count(*) as n from marts.dq_check_results where is_latest_version")
    assert sum(r["passed"] + r["failed"] + r["not_applicable"] + r["insufficient_data"]
               for r in by_rule.values()) == total["n"]
    assert by_rule["schema"]["failed"] == 0 and by_rule["schema"]["passed"] > 0


def test_offices_of_one_type(results, warehouse):
    got = results[22]
    typed = rows(warehouse, "select count(*) as n from marts.dim_office where office_type is not null")[0]["n"]
    assert len(got) == typed > 0  # one row per typed office: its latest budget year
    [x] = xiguan(got)
    assert (x["office_type_zh"], x["adcode"], x["admin_level"], x["fiscal_year"]) == ("街道办事处", "130303",
                                                                                       "township", 2020)
    ranks = [r["rank_in_type"] for r in got if r["office_type_zh"] == "街道办事处"]
    assert ranks == sorted(ranks) and ranks[0] == 1



def test_one_office_across_its_names(results, warehouse):
    got = results[23]
    assert len(got) == rows(warehouse, "select count(*) as n from marts.dim_office")[0]["n"]
    [x] = xiguan(got)  # one name, no alias accepted (the repository's seed has none for it)
    assert (x["name_count"], x["printed_names"], x["canonical_name"], x["accepted_aliases"]) == (
        1, [f"{XIGUAN} (2020-2020)"], XIGUAN, None)


def test_one_function_class_across_offices_and_years(real_warehouse):
    [(_, _, sql)] = [r for r in RECIPES if r[0] == 24]
    got = {(r["office_name"], r["fiscal_year"], r["section_code"]): r for r in rows(real_warehouse, sql)}
    assert {r["class_name_zh"] for r in got.values()} == {"一般公共服务支出"}
    # 江苏省人大常委会办公厅: its 9 printed 项 of 人大事务 add up to the 类 201 row it prints, every year
    for year, total in [(2017, "105283300.00"), (2018, "127062800.00"), (2019, "139077800.00")]:
        row = got["江苏省人大常委会办公厅", year, "20101"]
        assert (row["section_name_zh"], row["total_yuan"], row["printed_rows"]) == ("人大事务", D(total), 9)
    # 北京市审计局 prints only 项 (in three blocks, one per budget unit): its 款 is named by the code list
    audit = got["北京市审计局", 2026, "20108"]
    assert (audit["section_name_zh"], audit["total_yuan"], audit["printed_rows"]) == (
        "审计事务", D("266109473.59"), 7)
    # through a rename: 20805 行政事业单位离退休 (2017-2019) and 行政事业单位养老支出 (2023 on) are one 款
    social = rows(real_warehouse, sql.replace("'201' as class_code", "'208' as class_code"))
    pensions = {(r["office_name"], r["fiscal_year"]): r["section_name_zh"] for r in social
                if r["section_code"] == "20805"}
    assert {year for _, year in pensions} >= {2017, 2018, 2019, 2023, 2024}
    assert set(pensions.values()) == {"行政事业单位养老支出"}


def test_offices_of_one_type_against_their_peers(results, warehouse):
    got = results[25]
    assert {r["peer_group_type"] for r in got} == {"office_type_in_province", "office_type_national"}
    assert all(r["peer_count"] >= 2 for r in got) and not xiguan(got)  # Xiguan: the only street office of 2020
    [n] = rows(warehouse, """select count(*) as n from marts.mart_office_comparison
                             where peer_group_type like 'office_type%' and doc_kind = 'budget'
                               and metric = 'three_public'""")
    assert len(got) == n["n"]
    # 2023, the eight demo street offices of 澂蘅省: the largest 三公 first, the median of the 4th and 5th
    ranked = [r for r in got if r["fiscal_year"] == 2023 and r["peer_group_type"] == "office_type_in_province"]
    assert [r["rank_in_peer"] for r in ranked] == list(range(1, 9))
    amounts = sorted(r["amount_yuan"] for r in ranked)
    median = ((amounts[3] + amounts[4]) / 2).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert {r["peer_median_yuan"] for r in ranked} == {median} == {D("16846.75")}
