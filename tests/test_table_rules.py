"""The table rules of the national table set (validate/table_rules.py): each on a hand-made document where it
passes, one where it fails (expected, actual, difference and the place of the figures) and one where it cannot
apply; and the total-row figures they compare (facts.TableFigure)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest

from budget_etl.catalog import vocab
from budget_etl.extract import extract
from budget_etl.extract.templates import national_tables
from budget_etl.load import warehouse
from budget_etl.readers.blocks import ReadDocument
from budget_etl.validate import _compare, validate_document
from budget_etl.validate.table_rules import table_checks
from test_national_tables import (
    EXPENDITURE,
    FINAL_FUNCTION,
    FINAL_SUMMARY,
    FUNCTION,
    SUMMARY,
    _final,
    _national,
)

W = Decimal(10000)
RULES = ("identity.revenue_balance", "identity.expenditure_balance", "chain.revenue_summary",
         "chain.expenditure_summary", "chain.basic_expenditure", "chain.fiscal_expenditure",
         "chain.fiscal_revenue", "completeness.empty_fund_tables", "identity.row_total_parts")

# a budget's 收入总表 with no 合计 label: its only row holds the totals
REVENUE = [["合计", "一般公共预算", "政府性基金预算"], ["1,000.00", "1,000.00", ""]]
# a budget's 财政拨款收支总表: the 支出 side by fund
FISCAL = [
    ["收入", "", "支出", "", "", ""],
    ["项目", "金额", "项目", "合计", "一般公共预算", "政府性基金预算"],
    ["一、一般公共预算拨款", "1,000.00", "一、一般公共服务支出", "850.00", "850.00", ""],
    ["二、政府性基金预算拨款", "", "二、住房保障支出", "150.00", "150.00", ""],
    ["本年收入合计", "1,000.00", "本年支出合计", "1,000.00", "1,000.00", ""],
    ["上年结转", "", "结转下年", "", "", ""],
    ["收入总计", "1,000.00", "支出总计", "1,000.00", "1,000.00", ""],
]


def _rows(doc) -> dict[str, dict]:
    facts = extract(doc)
    rows = table_checks(facts, partial(_compare, "d" * 64, unit=facts.info.currency_unit))
    assert [r["check_name"] for r in rows] == list(RULES)  # one row per rule, in the rulebook's order
    return {r["check_name"]: r for r in rows}


def _with(rows: list[list[str]], at: tuple[int, int], text: str) -> list[list[str]]:
    out = [row[:] for row in rows]
    out[at[0]][at[1]] = text
    return out


def _place(row: dict) -> tuple:
    return row["src_page"], row["src_table"], row["src_row"], row["src_col"]


# --- the figures -----------------------------------------------------------------------------------------


def test_table_kinds_vocabulary_is_the_templates():
    assert set(vocab.TABLE_KINDS.values) == {kind for _, kind in national_tables.TABLE_KINDS}


def test_total_row_figures_by_kind_row_and_column():
    facts = extract(_final())
    figures = {(f.table_kind, f.fund_scope, f.row_key, f.column_key, f.measure): (f.amount_yuan, f.src.table,
                                                                                 f.src.row, f.src.col)
               for f in facts.table_figures}
    assert figures[("summary", "all_funds", "revenue_this_year", "total", "final")] == (940 * W, 1, 5, 4)
    assert figures[("summary", "all_funds", "carryover_begin", "total", "final")] == (60 * W, 1, 6, 4)
    assert figures[("summary", "all_funds", "revenue_total", "total", "final")] == (1000 * W, 1, 7, 4)
    assert figures[("summary", "all_funds", "expenditure_total", "total", "final")] == (1000 * W, 1, 7, 8)
    # the 年初预算数 beside the 决算数 is a figure of its own measure, never the main one
    assert figures[("summary", "all_funds", "revenue_this_year", "total", "budget")][0] == 906 * W
    assert figures[("expenditure_summary", "all_funds", "total", "basic", "final")][0] == 740 * W
    assert figures[("by_function", "general_public_budget", "total", "basic", "final")][0] == 740 * W
    assert figures[("basic_by_economic", "general_public_budget", "personnel", "total", "final")][0] == 600 * W
    # 八、其他收入's blank 决算数 is no figure (and no total row): nothing is read as zero
    assert not [f for f in facts.table_figures if f.amount_yuan == 6 * W and f.measure == "final"]


def test_a_notes_form_document_gets_one_not_applicable_row_per_rule(gold_doc):
    rows = table_checks(gold_doc, partial(_compare, "d" * 64, unit=gold_doc.info.currency_unit))
    assert [(r["check_name"], r["status"]) for r in rows] == [(name, "not_applicable") for name in RULES]


def test_the_rules_run_in_validation():
    facts = extract(_final())
    document = warehouse.document_row(facts, ReadDocument([], "text", "utf-8", "pdf"), data=b"final",
                                      source_path="ingest/documents/x.pdf")
    rows = {r["check_name"]: r for r in validate_document(facts, document).rows if r["check_name"] in RULES}
    assert set(rows) == set(RULES) and rows["chain.basic_expenditure"]["check_kind"] == "identity"
    assert rows["chain.basic_expenditure"]["status"] == "pass"


# --- identity.revenue_balance / identity.expenditure_balance ----------------------------------------------


def test_balances_pass_on_both_sides():
    rows = _rows(_final())
    for name in ("identity.revenue_balance", "identity.expenditure_balance"):
        assert rows[name]["status"] == "pass", rows[name]
        assert (rows[name]["expected"], rows[name]["actual"]) == (1000 * W, 1000 * W)
    # the 财政拨款收支总表 too, per fund column; a blank 上年结转 row is consistent with the totals
    rows = _rows(_national(fiscal=("公开04表：财政拨款收支预算总表", FISCAL)))
    assert rows["identity.expenditure_balance"]["status"] == "pass"
    assert "3 of 3 comparison(s) pass" in rows["identity.expenditure_balance"]["detail"]


def test_revenue_balance_fails_with_its_figures_and_places():
    row = _rows(_final(summary=("收入支出决算总表", _with(FINAL_SUMMARY, (6, 3), "1,010.00"))))[
        "identity.revenue_balance"]
    assert (row["status"], row["severity"]) == ("fail", "warning")
    assert (row["expected"], row["actual"], row["difference"]) == (1010 * W, 1000 * W, -10 * W)
    assert _place(row) == (1, 1, 7, 4)  # the 总计 of the 收入 side
    assert "本年收入合计 9400000.00 (p1 table 1 row 5 col 4)" in row["detail"]
    assert "年初结转和结余 600000.00 (p1 table 1 row 6 col 4)" in row["detail"]


def test_expenditure_balance_fails_with_its_figures_and_places():
    row = _rows(_final(summary=("收入支出决算总表", _with(FINAL_SUMMARY, (6, 7), "990.00"))))[
        "identity.expenditure_balance"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 990 * W, 1000 * W, 10 * W)
    assert _place(row) == (1, 1, 7, 8)
    assert "年末结转和结余 600000.00 (p1 table 1 row 6 col 8)" in row["detail"]


def test_a_blank_carryover_that_could_hold_the_difference_is_insufficient_data():
    blank = _with(FINAL_SUMMARY, (5, 3), "")  # 年初结转和结余's 决算数 blank: never read as 0
    row = _rows(_final(summary=("收入支出决算总表", blank)))["identity.revenue_balance"]
    assert row["status"] == "insufficient_data" and "carryover_begin (blank)" in row["detail"]


def test_balances_cannot_apply_without_a_this_year_subtotal():
    # Shanghai's budget 收支总表: 收入总计 and 支出总计 only, no 本年 subtotal
    rows = [row for row in SUMMARY if not row[0].startswith(("当年", "上年"))]
    got = _rows(_national(summary=("公开01表：收支预算总表", rows)))
    for name in ("identity.revenue_balance", "identity.expenditure_balance"):
        assert got[name]["status"] == "not_applicable", got[name]
        assert "subtotal" in got[name]["detail"]


# --- chain.revenue_summary ----------------------------------------------------------------------------------


def test_revenue_summary_chain_passes():
    row = _rows(_national(revenue=("公开02表：收入预算总表", REVENUE)))["chain.revenue_summary"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 1000 * W, 1000 * W)


def test_revenue_summary_chain_fails_with_both_places():
    row = _rows(_national(revenue=("公开02表：收入预算总表", _with(REVENUE, (1, 0), "1,010.00"))))[
        "chain.revenue_summary"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 1010 * W, 1000 * W,
                                                                                  -10 * W)
    assert _place(row) == (1, 7, 2, 1)  # the 收入总表's 合计 (its table comes after the standard six)
    assert "合计 10100000.00" in row["detail"]
    assert "当年收入小计 10000000.00 (p1 table 1 row 8 col 2)" in row["detail"]


@pytest.mark.parametrize("revenue", [
    # Beijing: the 上年结转结余 group beside 本年收入, each with its 小计
    [["合计", "本年收入", "", "上年结转结余"], ["", "小计", "一般公共预算资金", "小计"],
     ["1,100.00", "1,000.00", "1,000.00", "100.00"]],
    # Jiangsu: 收入总计 over the sources and 上年结转和结余资金, down the rows
    [["项目名称", "金额"], ["收入总计", "1,100.00"], ["一般公共预算资金", "1,000.00"], ["上年结转和结余资金", "100.00"]],
])
def test_a_revenue_table_with_the_carryover_is_compared_with_the_grand_total(revenue):
    summary = _with(_with(SUMMARY, (8, 1), "100.00"), (9, 1), "1,100.00")  # 上年结转资金 100, 收入合计 1,100
    row = _rows(_national(summary=("公开01表：收支预算总表", summary), revenue=("公开02表：收入预算总表", revenue)))[
        "chain.revenue_summary"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 1100 * W, 1100 * W)
    assert "收入合计 11000000.00" in row["detail"]  # not the 当年收入小计 of 1,000


def test_revenue_summary_chain_cannot_apply_without_a_revenue_table():
    assert _rows(_national())["chain.revenue_summary"]["status"] == "not_applicable"


# --- chain.expenditure_summary ------------------------------------------------------------------------------


def test_expenditure_summary_chain_passes():
    row = _rows(_final())["chain.expenditure_summary"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 940 * W, 940 * W)  # the 决算数, not 900


def test_expenditure_summary_chain_fails_with_both_places():
    row = _rows(_national(expenditure=("公开03表：支出预算总表", _with(EXPENDITURE, (2, 0), "1,010.00"))))[
        "chain.expenditure_summary"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 1010 * W, 1000 * W,
                                                                                  -10 * W)
    assert _place(row) == (1, 2, 3, 1)
    assert "当年支出小计 10000000.00 (p1 table 1 row 8 col 6)" in row["detail"]


def test_expenditure_summary_chain_cannot_apply_without_an_expenditure_table():
    assert _rows(_national(expenditure=("", None)))["chain.expenditure_summary"]["status"] == "not_applicable"


# --- chain.basic_expenditure --------------------------------------------------------------------------------


def test_basic_chain_passes_on_the_same_fund_scope():
    row = _rows(_final())["chain.basic_expenditure"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 740 * W, 740 * W)  # 600 + 140


def test_basic_chain_fails_with_both_places():
    function = _with(FINAL_FUNCTION, (2, 5), "750.00")  # the 合计 row's 基本支出 决算数
    row = _rows(_final(function=("一般公共预算财政拨款支出决算表", function)))["chain.basic_expenditure"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 750 * W, 740 * W,
                                                                                  -10 * W)
    assert _place(row) == (1, 3, 3, 6)
    assert "人员经费合计 6000000.00 (p1 table 4 row 3 col 2)" in row["detail"]


def test_basic_chain_never_compares_tables_of_different_fund_scope():
    # the Jiangsu procuratorate's 2018 layout: a 财政拨款 basic table (600) beside the all-funds 基本支出 (700)
    basic = [["科目编码", "科目名称", "金额"], ["", "合 计", "600.00"], ["301", "工资福利支出", "600.00"]]
    row = _rows(_national(basic=("公开08表：财政拨款基本支出预算表", basic)))["chain.basic_expenditure"]
    assert row["status"] == "not_applicable" and "same fund scope" in row["detail"]


# --- chain.fiscal_expenditure -------------------------------------------------------------------------------


def test_fiscal_chain_passes():
    row = _rows(_national(fiscal=("公开04表：财政拨款收支预算总表", FISCAL)))["chain.fiscal_expenditure"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 1000 * W, 1000 * W)


def test_fiscal_chain_fails_with_both_places():
    function = _with(FUNCTION, (1, 2), "1,010.00")  # the 一般公共预算支出表's 合计
    row = _rows(_national(fiscal=("公开04表：财政拨款收支预算总表", FISCAL),
                          function=("公开07表：一般公共预算支出预算表", function)))["chain.fiscal_expenditure"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 1000 * W, 1010 * W,
                                                                                  10 * W)
    assert _place(row) == (1, 7, 5, 5)  # the 一般公共预算 column of 本年支出合计
    assert "合计 10100000.00 (p1 table 3 row 2 col 3)" in row["detail"]


@pytest.mark.parametrize("fiscal", [None, [row[:4] for row in FISCAL]])
def test_fiscal_chain_cannot_apply_without_the_table_or_its_column(fiscal):
    # no 财政拨款收支总表; or one without a 一般公共预算 column (and no 财政拨款 table by function for its 合计)
    doc = _national(fiscal=("公开04表：财政拨款收支预算总表", fiscal)) if fiscal else _national()
    assert _rows(doc)["chain.fiscal_expenditure"]["status"] == "not_applicable"


# --- the second block: chain.fiscal_revenue, completeness.empty_fund_tables, identity.row_total_parts ---------

FISCAL_TABLE = ("公开04表：财政拨款收支预算总表", FISCAL)
FUND_TABLE = ("公开10表：政府性基金支出预算表",
              [["功能科目代码", "功能科目名称", "金额"], ["", "合计", "100.00"], ["229", "其他支出", "100.00"]])


def _fiscal(revenue: dict[int, str] | None = None, spending: dict[int, str] | None = None):
    """FISCAL with its 收入 side's fund rows (row -> amount) and its 本年支出合计's cells (column -> amount) changed."""
    rows = [row[:] for row in FISCAL]
    for at, text in (revenue or {}).items():
        rows[at][1] = text
    for col, text in (spending or {}).items():
        rows[4][col] = text
    return ("公开04表：财政拨款收支预算总表", rows)


def test_fiscal_summary_fund_rows_are_figures_of_this_year_only():
    # Beijing's 财政拨款收支总表: the fund rows above 本年收入合计, again under 上年结转结余 (the carry-over's parts)
    fiscal = [
        ["收入", "", "支出", ""],
        ["项目", "预算数", "项目", "预算数"],
        ["一、一般公共预算资金", "1,000.00", "一、一般公共服务支出", "1,000.00"],
        ["二、政府性基金预算资金", "", "二、国有资本经营预算支出", ""],
        ["本年收入合计", "1,000.00", "本年支出合计", "1,000.00"],
        ["上年结转结余", "20.00", "年终结转结余", "20.00"],
        ["二、政府性基金预算拨款", "20.00", "", ""],
        ["收入总计", "1,020.00", "支出总计", "1,020.00"],
    ]
    facts = extract(_national(fiscal=("公开04表：财政拨款收支预算总表", fiscal)))
    rows = {f.row_key: (f.amount_yuan, f.src.row) for f in facts.table_figures if f.table_kind == "fiscal_summary"}
    assert rows["general_public_budget"] == (1000 * W, 3)
    # the 20.00 under 上年结转结余 is carried over, not this year's fund money; the 支出 side's 国有资本经营预算支出
    # is a class of spending
    assert "government_fund" not in rows and "state_capital_operation" not in rows


def test_revenue_table_fund_columns_by_label_never_the_carryover_group_or_a_neighbour():
    # Beijing: 上年结转结余 › 一般公共预算资金 right of the carry-over column; Xi'an: 其中：专项资金… beside 政府性基金拨款
    revenue = [
        ["合计", "本年收入", "", "", "", "上年结转结余", ""],
        ["", "小计", "一般公共预算资金", "其中：专项资金", "政府性基金拨款", "小计", "一般公共预算资金"],
        ["1,100.00", "1,000.00", "1,000.00", "300.00", "", "100.00", "100.00"],
    ]
    facts = extract(_national(revenue=("公开02表：收入预算总表", revenue)))
    columns = {f.column_key: (f.amount_yuan, f.src.col) for f in facts.table_figures
               if f.table_kind == "revenue_summary"}
    assert columns["general_public_budget"] == (1000 * W, 3)
    assert "government_fund" not in columns  # the 300.00 is 其中 of the 一般公共预算, under a header of its own


def test_a_caption_row_names_no_column():
    # Jiangsu: 部门： | 江苏省人大常委会办公厅 | 单位：万元 above the header; the name is not part of 基本支出's label
    expenditure = [["部门：", "江苏省某某厅", "", "单位：万元", ""], *EXPENDITURE[1:]]
    facts = extract(_national(expenditure=("公开03表：支出预算总表", expenditure)))
    columns = {f.column_key: f.amount_yuan for f in facts.table_figures if f.table_kind == "expenditure_summary"}
    assert columns == {"total": 1000 * W, "basic": 700 * W, "project": 250 * W, "unit_reserve": 50 * W}


def test_the_fund_tables_are_sections_present_empty_or_missing():
    sections = {s.section_key: s.status for s in extract(_national()).sections}
    assert (sections["government_fund"], sections["state_capital"]) == ("declared_empty", "missing")
    # Xi'an's title: 政府性基金收支表, printed with its header only
    fund = ("表9 2022年部门综合预算政府性基金收支表（不含上年结转）", [["项目", "预算数"], ["合计", ""]])
    sections = {s.section_key: s.status for s in extract(_national(fund=fund)).sections}
    assert sections["government_fund"] == "present"


# chain.fiscal_revenue


@pytest.mark.parametrize("revenue", [
    REVENUE,  # 合计 | 一般公共预算 | 政府性基金预算 (blank)
    [["本年收入合计", "财政拨款收入", "其他收入"], ["1,010.00", "1,000.00", "10.00"]],  # Shanghai: one 财政拨款 column
])
def test_fiscal_revenue_chain_passes(revenue):
    row = _rows(_national(fiscal=FISCAL_TABLE, revenue=("公开02表：收入预算总表", revenue)))["chain.fiscal_revenue"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 1000 * W, 1000 * W)


def test_fiscal_revenue_chain_fails_with_both_places():
    revenue = [["本年收入合计", "财政拨款收入", "其他收入"], ["1,000.00", "990.00", "10.00"]]
    row = _rows(_national(fiscal=FISCAL_TABLE, revenue=("公开02表：收入预算总表", revenue)))["chain.fiscal_revenue"]
    assert (row["status"], row["severity"]) == ("fail", "warning")
    assert (row["expected"], row["actual"], row["difference"]) == (1000 * W, 990 * W, -10 * W)
    assert _place(row) == (1, 7, 5, 2)  # the 财政拨款收支总表's 本年收入合计
    assert "合计 9900000.00 (p1 table 8 row 2 col 2)" in row["detail"]  # the 收入总表's 财政拨款收入


def test_a_blank_fund_column_that_could_hold_the_difference_is_insufficient_data():
    revenue = [["合计", "一般公共预算", "政府性基金预算"], ["1,000.00", "990.00", ""]]
    row = _rows(_national(fiscal=FISCAL_TABLE, revenue=("公开02表：收入预算总表", revenue)))["chain.fiscal_revenue"]
    assert row["status"] == "insufficient_data" and "government_fund (blank)" in row["detail"]


@pytest.mark.parametrize("revenue", [
    None,  # no 收入总表
    [["项目名称", "金额"], ["收入总计", "1,000.00"], ["一般公共预算资金", "1,000.00"]],  # Jiangsu: sources down rows
])
def test_fiscal_revenue_chain_cannot_apply_without_a_fund_column(revenue):
    doc = _national(fiscal=FISCAL_TABLE, revenue=("公开02表：收入预算总表", revenue)) if revenue else \
        _national(fiscal=FISCAL_TABLE)
    row = _rows(doc)["chain.fiscal_revenue"]
    assert row["status"] == "not_applicable" and "财政拨款 (一般公共预算) column" in row["detail"]


# completeness.empty_fund_tables


def test_empty_fund_tables_pass_when_both_are_empty_or_both_hold_money():
    # the 政府性基金 row blank, its totals equal to the 一般公共预算 alone; its table says 此表为空
    row = _rows(_national(fiscal=FISCAL_TABLE))["completeness.empty_fund_tables"]
    assert row["status"] == "pass" and "declared empty" in row["detail"]
    fiscal = _fiscal({3: "100.00"}, {3: "1,100.00", 5: "100.00"})
    row = _rows(_national(fiscal=fiscal, fund=FUND_TABLE))["completeness.empty_fund_tables"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 100 * W, 100 * W)


def test_money_in_the_summary_and_an_empty_fund_table_fails():
    fiscal = _fiscal({3: "100.00"})  # 二、政府性基金预算拨款 100.00; its table declares itself empty
    row = _rows(_national(fiscal=fiscal))["completeness.empty_fund_tables"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 100 * W, 0, -100 * W)
    assert "政府性基金预算拨款 1000000.00 (p1 table 7 row 4 col 2)" in row["detail"]
    assert row["src_table"] == 6 and "declared empty" in row["detail"]  # the fund table's place


def test_a_fund_table_with_figures_and_no_such_money_in_the_summary_fails():
    row = _rows(_national(fiscal=FISCAL_TABLE, fund=FUND_TABLE))["completeness.empty_fund_tables"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 0, 100 * W, 100 * W)
    assert _place(row) == (1, 6, 2, 3)  # the fund table's 合计
    assert "its totals equal to the other funds" in row["detail"]


def test_a_blank_fund_row_that_could_hold_the_money_is_insufficient_data():
    # 一般公共预算 900 of 1,000 on both sides: the blank 政府性基金 row and column may hold the 100
    rows = _with(_with(_with(FISCAL, (2, 1), "900.00"), (4, 4), "900.00"), (6, 4), "900.00")
    fiscal = ("公开04表：财政拨款收支预算总表", rows)
    row = _rows(_national(fiscal=fiscal, fund=FUND_TABLE))["completeness.empty_fund_tables"]
    assert (row["status"], row["expected"], row["actual"]) == ("insufficient_data", None, 100 * W)


@pytest.mark.parametrize("parts", [{"fund": ("", None)}, {}])
def test_empty_fund_tables_cannot_apply_without_both_tables(parts):
    # no fund table beside the 财政拨款收支总表; or no 财政拨款收支总表
    doc = _national(fiscal=FISCAL_TABLE, **parts) if parts else _national()
    row = _rows(doc)["completeness.empty_fund_tables"]
    assert row["status"] == "not_applicable", row


# identity.row_total_parts


def test_row_total_parts_pass_on_every_row():
    row = _rows(_final())["identity.row_total_parts"]
    assert row["status"] == "pass"
    # the rows 201 and 20106 of the table by function, 201 of the 支出决算表 and the 合计 rows of both tables
    assert "5 of 5 comparison(s) pass" in row["detail"] and "20106 财政事务" in row["detail"]


def test_a_row_whose_parts_do_not_add_up_fails_with_its_place():
    function = _with(FINAL_FUNCTION, (4, 5), "750.00")  # 20106 财政事务: 基本支出 750 + 项目支出 200 ≠ 940
    row = _rows(_final(function=("一般公共预算财政拨款支出决算表", function)))["identity.row_total_parts"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 940 * W, 950 * W, 10 * W)
    assert (row["src_table"], row["src_row"]) == (3, 5)
    assert "20106 财政事务" in row["detail"] and "1 of 5 comparison(s) fail" in row["detail"]


def test_the_fund_columns_of_the_fiscal_summary_add_up_to_its_total():
    fiscal = _fiscal(spending={5: "20.00"})  # 本年支出合计: 1,000 = 一般公共预算 1,000 + 政府性基金 20?
    row = _rows(_national(fiscal=fiscal))["identity.row_total_parts"]
    assert (row["status"], row["expected"], row["actual"]) == ("fail", 1000 * W, 1020 * W)
    assert _place(row) == (1, 7, 5, 4)
    assert "general_public_budget 本年支出合计 10000000.00 (p1 table 7 row 5 col 5)" in row["detail"]


def test_an_empty_part_that_could_hold_the_difference_is_insufficient_data():
    expenditure = _with(EXPENDITURE, (2, 3), "")  # 单位预留机动经费 blank: 700 + 250 of 1,000
    row = _rows(_national(expenditure=("公开03表：支出预算总表", expenditure)))["identity.row_total_parts"]
    assert row["status"] == "insufficient_data" and "empty" in row["detail"]
    # printed, it completes the row
    assert _rows(_national())["identity.row_total_parts"]["status"] == "pass"


def test_row_total_parts_cannot_apply_to_tables_of_one_amount():
    row = _rows(_national(expenditure=("", None)))["identity.row_total_parts"]
    assert row["status"] == "not_applicable" and "by header label" in row["detail"]
