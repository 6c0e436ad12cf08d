"""The national table set template: hand-made blocks for each rule, then every real PDF of ../shared
against its hand-read gold (skipped cleanly without ../shared or without a PDF reader)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budget_etl.extract import ExtractionError, extract
from budget_etl.extract.registry import choose
from budget_etl.extract.templates.national_tables import TEMPLATE, titled_tables
from budget_etl.readers import UnreadableDocument, read_path
from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table
from budget_etl.validate import identity_checks
from national_gold import PDF_DIR, compare, extracted_facts, gold_by_file, gold_counts, gold_yuan, mart_facts

# --- hand-made documents ------------------------------------------------------------------------------------


def _table(index: int, rows: list[list[str]], page: int = 1) -> Table:
    return Table(index, [[Cell(t, None, r, c, page) for c, t in enumerate(row, 1)] for r, row in enumerate(rows, 1)])


def _doc(*blocks) -> ReadDocument:
    out, line, index = [], 0, 0
    for b in blocks:
        if isinstance(b, str):
            line += 1
            out.append(Paragraph(b, line, 1))
        else:
            index += 1
            out.append(_table(index, b))
    return ReadDocument(out, "", "pdf", "pdf")


COVER = ["江苏省某某厅", "2018 年度部门预算", "目 录", "第一部分 部门概况"]

SUMMARY = [
    ["部门：江苏省某某厅", "", "", "", "", "单位：万元"],
    ["收入", "", "支出", "", "", ""],
    ["项目名称", "金额", "功能科目名称", "金额", "项目名称", "金额"],
    ["一、财政拨款", "1,100.00", "一、一般公共服务支出", "1,000.00", "一、基本支出", "700.00"],
    ["1.一般公共预算", "1,000.00", "二、外交支出", "", "二、项目支出", "250.00"],
    ["2.政府性基金预算", "100.00", "三、住房保障支出", "150.00", "三、单位预留机动经费", "50.00"],
    ["二、其他资金", "", "", "", "", ""],
    ["当年收入小计", "1,000.00", "", "", "当年支出小计", "1,000.00"],
    ["上年结转资金", "", "", "", "结转下年资金", ""],
    ["收入合计", "1,000.00", "", "", "支出合计", "1,000.00"],
]
EXPENDITURE = [
    ["部门：江苏省某某厅", "", "", "单位：万元", ""],
    ["合计", "基本支出", "项目支出", "单位预留机动经费", "结转下年资金"],
    ["1,000.00", "700.00", "250.00", "50.00", ""],
]
BASIC = [
    ["科目编码", "科目名称", "金额"],
    ["", "合 计", "700.00"],
    ["301", "工资福利支出", "500.00"],
    ["30101", "基本工资", "500.00"],
    ["302", "商品和服务支出", "120.00"],
    ["303", "对个人和家庭的补助", "80.00"],
]
FUNCTION = [
    ["功能科目代码", "功能科目名称", "金额"],
    ["", "合计", "1,000.00"],
    ["201", "一般公共服务支出", "850.00"],
    ["20101", "人大事务", "850.00"],
    ["2010101", "行政运行", "600.00"],
    ["2010102", "一般行政管理事务", "250.00"],
    ["221", "住房保障支出", "150.00"],
]
THREE_PUBLIC = [
    ["", "“三公”经费", "", "", "", "", "", "", ""],
    ["合计", "小计", "因公出国（境）费", "公务用车购置及运行维护费", "", "", "公务接待费", "会议费", "培训费"],
    ["", "", "", "小计", "公务用车购置费", "公务用车运行维护费", "", "", ""],
    ["80.00", "30.00", "10.00", "15.00", "", "15.00", "5.00", "40.00", "10.00"],
]
FUND_EMPTY = [["功能科目代码", "功能科目名称", "金额"], ["", "合计", ""], ["此表为空", "", ""]]


def _national(**replace) -> ReadDocument:
    parts = {
        "summary": ("公开01表：收支预算总表", SUMMARY),
        "expenditure": ("公开03表：支出预算总表", EXPENDITURE),
        "function": ("公开07表：一般公共预算支出预算表", FUNCTION),
        "basic": ("公开08表：一般公共预算基本支出预算表", BASIC),
        "three_public": ("公开09表：一般公共预算“三公”经费、会议费、培训费支出预算表", THREE_PUBLIC),
        "fund": ("公开10表：政府性基金支出预算表", FUND_EMPTY),
    }
    return _assemble(COVER, parts, replace)


def _assemble(cover: list, parts: dict, replace: dict) -> ReadDocument:
    """A cover, then each part's title, unit line (万元) and rows; ``replace`` swaps parts (None: left out)."""
    blocks = [*cover]
    for title, rows in {**parts, **replace}.values():
        if rows is not None:
            blocks += [title, "单位：万元", rows]
    return _doc(*blocks)


W = Decimal(10000)


def test_summary_totals_sources_and_uses():
    out = TEMPLATE.extract(_national())
    assert out.info.fiscal_year == 2018 and out.info.office_name == "江苏省某某厅"
    assert out.info.scope == "department"
    assert out.total("revenue_total") == 1000 * W  # 收入合计: no 收入总计 in this layout
    assert out.total("revenue_this_year") == 1000 * W
    assert out.total("expenditure_total") == 1000 * W
    sources = {r.revenue_source: r.amount_yuan for r in out.revenue}
    # 一、财政拨款 is the group of the next two, never a source; blank 其他资金 and 上年结转 give no line
    assert sources == {"general_public_budget": 1000 * W, "government_fund": 100 * W}


def test_uses_from_the_expenditure_table_add_up():
    out = TEMPLATE.extract(_national())
    assert out.total("basic_total") == 700 * W
    lines = {(e.expenditure_class, e.expenditure_type): e.amount_yuan for e in out.expenditure}
    assert lines[("project", "project")] == 250 * W
    assert lines[("other", "unit_reserve")] == 50 * W
    assert lines[("basic", "personnel")] == 580 * W  # 301 + 303
    assert lines[("basic", "public_operating")] == 120 * W  # 302


def test_a_misread_expenditure_table_gives_nothing():
    # the columns do not add up (a reader shifted a cell): basic and project fall back to the 收支总表
    shifted = [EXPENDITURE[0], EXPENDITURE[1], ["1,000.00", "", "700.00", "250.00", "50.00"]]
    out = TEMPLATE.extract(_national(expenditure=("公开03表：支出预算总表", shifted)))
    assert out.total("basic_total") == 700 * W  # from the 收支总表's 一、基本支出, not the shifted cell
    assert [e.amount_yuan for e in out.expenditure if e.expenditure_type == "project"] == [250 * W]


def test_summary_uses_that_do_not_add_up_give_nothing():
    # no 支出总表, and the 收支总表's reserve lost to a wrapped label: basic + project falls short
    rows = [row[:] for row in SUMMARY]
    rows[5][4:] = ["三、单位预留机动", ""]
    out = TEMPLATE.extract(_national(summary=("公开01表：收支预算总表", rows), expenditure=("", None)))
    assert out.total("basic_total") is None
    assert not [e for e in out.expenditure if e.expenditure_class in ("project", "other")]
    assert out.total("expenditure_total") == 1000 * W  # the totals stay


def test_three_public_is_the_subtotal_not_the_grand_total():
    out = TEMPLATE.extract(_national())
    assert out.total("three_public_total") == 30 * W  # not 80: 会议费 and 培训费 share the table
    items = {c.category: c.amount_yuan for c in out.three_public_costs}
    # 公务用车购置费 is blank: absent, never zero
    assert items == {"overseas_travel": 10 * W, "vehicle_operation": 15 * W, "official_reception": 5 * W}
    assert out.total("meeting_fee") == 40 * W and out.total("training_fee") == 10 * W


def test_three_public_items_that_do_not_add_up_give_nothing():
    bad = [*THREE_PUBLIC[:3], ["80.00", "31.00", "10.00", "15.00", "", "15.00", "5.00", "40.00", "10.00"]]
    out = TEMPLATE.extract(_national(three_public=("“三公”经费支出预算表", bad)))
    assert out.total("three_public_total") is None and not out.three_public_costs


# The same three years side by side, as Xi'an prints them: last year, this year, and the change.
def _by_year(first: str, second: str) -> list[list[str]]:
    group, head, sub, subsub = THREE_PUBLIC
    last = ["70.00", "20.00", "5.00", "10.00", "", "10.00", "5.00", "40.00", "10.00"]
    change = ["10.00", "10.00", "5.00", "5.00", "", "5.00", "0.00", "0.00", "0.00"]
    return [[first, *[""] * 8, second, *[""] * 8, "增减变化情况", *[""] * 8],
            group * 3, head * 3, sub * 3, last + subsub + change]


def test_columns_grouped_by_year_are_read_for_the_documents_year_only():
    out = TEMPLATE.extract(_national(three_public=("“三公”经费支出预算表", _by_year("2017年", "2018年"))))
    assert out.info.fiscal_year == 2018
    assert out.total("three_public_total") == 30 * W  # 2018's subtotal, not 2017's 20 or the change's 10
    assert {c.category: c.amount_yuan for c in out.three_public_costs}["overseas_travel"] == 10 * W
    # last year's 三公 subtotal (not its grand total 70 with 会议费 and 培训费), its items adding up to it
    assert out.total("three_public_prior_year_total") == 20 * W


def test_columns_grouped_by_other_years_only_are_not_read():
    out = TEMPLATE.extract(_national(three_public=("“三公”经费支出预算表", _by_year("2016年", "2017年"))))
    assert out.total("three_public_total") is None and not out.three_public_costs
    assert out.total("three_public_prior_year_total") is None


def test_a_table_naming_no_year_gives_no_prior_year_total():
    out = TEMPLATE.extract(_national())
    assert out.total("three_public_total") == 30 * W and out.total("three_public_prior_year_total") is None


def test_last_years_final_accounts_are_no_prior_year_total():
    out = TEMPLATE.extract(_national(three_public=("“三公”经费支出预算表", _by_year("2017年决算数", "2018年"))))
    assert out.total("three_public_total") == 30 * W and out.total("three_public_prior_year_total") is None


def test_last_years_items_that_do_not_add_up_give_no_prior_year_total():
    rows = _by_year("2017年", "2018年")
    rows[-1][1] = "21.00"  # 2017's subtotal, not 5 + 10 + 5
    out = TEMPLATE.extract(_national(three_public=("“三公”经费支出预算表", rows)))
    assert out.total("three_public_total") == 30 * W and out.total("three_public_prior_year_total") is None


# Years down the rows and each column split by fund, as Shenzhen prints them.
FUNDS = ["一般公共预算", "政府性基金预算", "国有资本经营预算"]
BY_YEAR_ROWS = [
    ["预算单位", "年度", "总计", "", "", "因公出国(境)费", "", "", "公务接待费", "", "",
     "公务用车购置及运行维护费", *[""] * 8],
    ["", "", *[""] * 9, "小计", "", "", "公务用车购置费", "", "", "公务用车运行维护费", "", ""],
    ["", "", *FUNDS * 6],
    ["某某局", "2017年", "5.60", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
     "5.60", "0.00", "0.00", "0.00", "0.00", "0.00", "5.60", "0.00", "0.00"],
    ["", "2018年", "17.20", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
     "17.20", "0.00", "0.00", "12.00", "0.00", "0.00", "5.20", "0.00", "0.00"],
    ["", "增减变化金额", "11.60", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
     "11.60", "0.00", "0.00", "12.00", "0.00", "0.00", "-0.40", "0.00", "0.00"],
]


def test_years_down_the_rows_and_columns_split_by_fund():
    out = TEMPLATE.extract(_national(three_public=("财政拨款“三公”经费支出表", BY_YEAR_ROWS)))
    assert out.total("three_public_total") == Decimal("17.20") * W  # the 2018 row, not 2017's or the change
    items = {c.category: c.amount_yuan for c in out.three_public_costs}
    assert items == {"overseas_travel": 0, "vehicle_purchase": 12 * W, "vehicle_operation": Decimal("5.20") * W,
                     "official_reception": 0}  # zeros as printed
    assert out.total("three_public_prior_year_total") == Decimal("5.60") * W


def test_money_of_another_fund_gives_nothing():
    rows = [row[:] for row in BY_YEAR_ROWS]
    rows[4][3] = "1.00"  # 政府性基金预算 under 总计: the 一般公共预算 column is no longer the whole figure
    out = TEMPLATE.extract(_national(three_public=("财政拨款“三公”经费支出表", rows)))
    assert out.total("three_public_total") is None and not out.three_public_costs
    assert out.total("three_public_prior_year_total") is None  # a table this year's figures are not read from


# One wide row, 机关运行经费 beside, the vehicle header nested over 小计 | 购置费 | 运行费 (Shanghai Putuo).
WIDE = [
    ["“三公”经费预算数", "", "", "", "", "", "机关运行经费预算数"],
    ["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费", "", "", ""],
    ["", "", "", "小计", "购置费", "运行费", ""],
    ["47.91", "0", "1.35", "46.56", "25", "21.56", "443.18"],
]


def test_nested_vehicle_header_read_by_its_labels():
    out = TEMPLATE.extract(_national(three_public=("部门“三公”经费和机关运行经费预算表", WIDE)))
    assert out.total("three_public_total") == Decimal("47.91") * W  # not 47.91 + 443.18: 机关运行经费 is apart
    items = {c.category: c.amount_yuan for c in out.three_public_costs}
    assert items == {"overseas_travel": 0, "vehicle_purchase": 25 * W, "vehicle_operation": Decimal("21.56") * W,
                     "official_reception": Decimal("1.35") * W}
    assert out.total("operating_expense_total") == Decimal("443.18") * W


def test_blank_item_cells_are_absent_never_zero():
    rows = [*WIDE[:3], ["0.95", "", "0.95", "", "", "", "229.43"]]
    out = TEMPLATE.extract(_national(three_public=("部门“三公”经费和机关运行经费预算表", rows)))
    assert out.total("three_public_total") == Decimal("0.95") * W
    assert {c.category: c.amount_yuan for c in out.three_public_costs} == {"official_reception": Decimal("0.95") * W}


# Classes named without codes under the unit's row (Shenzhen's 基本支出总表).
BASIC_BY_NAME = [
    ["支出项目类别", "总计", "财政拨款", ""],
    ["", "", "小计", "一般公共预算拨款"],
    ["江苏省某某厅", "700.00", "700.00", "700.00"],
    ["工资福利支出", "500.00", "500.00", "500.00"],
    ["基本工资", "500.00", "500.00", "500.00"],
    ["商品和服务支出", "110.00", "110.00", "110.00"],
    ["其他对个人和家庭的补助", "10.00", "10.00", "10.00"],  # an item: no class of its own
    ["对个人和家庭的补助", "80.00", "80.00", "80.00"],
    ["资本性支出", "10.00", "10.00", "10.00"],
]


def test_basic_classes_named_without_codes():
    out = TEMPLATE.extract(_national(basic=("表4 基本支出总表", BASIC_BY_NAME)))
    lines = {e.expenditure_type: e.amount_yuan for e in out.expenditure if e.expenditure_class == "basic"}
    assert lines == {"personnel": 580 * W, "public_operating": 120 * W}  # 301 + 303, 302 + 310


def test_basic_classes_named_without_codes_that_miss_the_total_give_nothing():
    rows = [row[:] for row in BASIC_BY_NAME]
    rows[8][1] = "11.00"  # the classes no longer make the unit's 700.00
    out = TEMPLATE.extract(_national(basic=("表4 基本支出总表", rows)))
    assert not [e for e in out.expenditure if e.expenditure_class == "basic"]


def test_function_rows_and_their_levels():
    out = TEMPLATE.extract(_national())
    rows = {(f.function_code, f.fund_scope): f for f in out.function_expenditure}
    assert rows[("201", "general_public_budget")].level == "class"
    assert rows[("20101", "general_public_budget")].total_yuan == 850 * W
    assert rows[("2010101", "general_public_budget")].name_zh == "行政运行"
    economic = {e.economic_code: e.amount_yuan for e in out.economic_expenditure}
    assert economic == {"301": 500 * W, "30101": 500 * W, "302": 120 * W, "303": 80 * W}


def test_declared_empty_table_is_no_zero():
    out = TEMPLATE.extract(_national())
    assert not [f for f in out.function_expenditure if f.fund_scope == "government_fund"]
    assert not [r for r in out.revenue if r.amount_yuan == 0]


def test_unit_per_table_yuan_tables_and_wan_yuan_text():
    in_yuan = [[c.replace("单位：万元", "单位：元") for c in row] for row in SUMMARY]
    out = TEMPLATE.extract(_national(summary=("公开01表：收支预算总表", in_yuan)))
    assert out.total("revenue_total") == Decimal("1000.00")  # this table says 元
    assert out.total("basic_total") == 700 * W  # the 支出总表 says 万元


def test_table_without_a_unit_is_not_read():
    rows = [[c.replace("单位：万元", "") for c in row] for row in SUMMARY]
    doc = _national(summary=("收支预算总表", rows))
    # the line "单位：万元" above the table still gives its unit; without it the table is skipped
    blocks = [b for b in doc.blocks if not (isinstance(b, Paragraph) and b.text == "单位：万元")]
    out = TEMPLATE.extract(ReadDocument(blocks, "", "pdf", "pdf"))
    assert out.total("revenue_total") is None and not out.revenue
    assert out.total("expenditure_total") == 1000 * W  # from the 支出总表, which states its unit


def test_table_titles_in_every_numbering_style():
    for title in ("公开01表：收支预算总表", "表一 收支预算总表", "表1 部门收支总表", "预算01表 收支总表",
                  "一、收支预算总表", "附件1 2024年部门财务收支预算总表"):
        doc = _national(summary=(title, SUMMARY))
        assert titled_tables(doc)[0].kind == "summary", title


def test_budget_with_final_accounts_tables_is_refused():
    # the title says 预算, the tables say 决算: loaded as neither
    doc = _national(summary=("公开01表：收入支出决算总表", SUMMARY))
    with pytest.raises(ExtractionError) as err:
        TEMPLATE.extract(doc)
    assert err.value.reason_code == "document_kind_conflict"


# --- final accounts (决算): the same table set, each column holding one figure (measure) -------------------

FINAL_COVER = ["上海市某某局", "2024 年度部门决算", "目 录", "第一部分 部门概况"]

# 收入 | 支出 sides, each with 年初预算数 | 调整预算数 | 决算数; 总计 on both sides
FINAL_SUMMARY = [
    ["收入", "", "", "", "支出", "", "", ""],
    ["项目", "年初预算数", "调整预算数", "决算数", "项目", "年初预算数", "调整预算数", "决算数"],
    ["一、一般公共预算财政拨款收入", "900.00", "950.00", "940.00", "一、一般公共服务支出", "900.00", "950.00", "940.00"],
    ["八、其他收入", "6.00", "6.00", "", "", "", "", ""],
    ["本年收入合计", "906.00", "956.00", "940.00", "本年支出合计", "900.00", "950.00", "940.00"],
    ["年初结转和结余", "", "", "60.00", "年末结转和结余", "", "", "60.00"],
    ["总计", "906.00", "956.00", "1,000.00", "总计", "900.00", "950.00", "1,000.00"],
]
# 合计, 基本支出 and 项目支出 each over 预算数 | 决算数 (merged header cells in their first column)
FINAL_EXPENDITURE = [
    ["项目", "", "合计", "", "基本支出", "", "项目支出", ""],
    ["科目编码", "科目名称", "预算数", "决算数", "预算数", "决算数", "预算数", "决算数"],
    ["", "合计", "900.00", "940.00", "700.00", "740.00", "200.00", "200.00"],
    ["201", "一般公共服务支出", "900.00", "940.00", "700.00", "740.00", "200.00", "200.00"],
]
# 年初预算数 | 调整预算数 | 决算数, the 决算数 merged over 小计 | 基本支出 | 项目支出
FINAL_FUNCTION = [
    ["科目编码", "科目名称", "年初预算数", "调整预算数", "决算数", "", ""],
    ["", "", "", "", "小计", "基本支出", "项目支出"],
    ["", "合计", "900.00", "950.00", "940.00", "740.00", "200.00"],
    ["201", "一般公共服务支出", "900.00", "950.00", "940.00", "740.00", "200.00"],
    ["20106", "财政事务", "900.00", "950.00", "940.00", "740.00", "200.00"],
]
# the foot of a two-column 基本支出决算表: each total right of its label
FINAL_BASIC = [
    ["科目编码", "科目名称", "决算数", "科目编码", "科目名称", "决算数"],
    ["301", "工资福利支出", "600.00", "302", "商品和服务支出", "140.00"],
    ["人员经费合计", "600.00", "", "公用经费合计", "140.00", ""],
]
# Putuo's layout: 合计, each item (and the vehicles' 小计, 购置费, 运行费) over 预算数 | 决算数
FINAL_THREE_PUBLIC = [
    ["合计", "", "因公出国（境）费", "", "公务用车购置及运行费", "", "", "", "", "", "公务接待费", ""],
    ["", "", "", "", "小计", "", "公务用车购置费", "", "公务用车运行费", "", "", ""],
    ["预算数", "决算数"] * 6,
    ["3.00", "2.50", "1.00", "0.50", "1.50", "1.50", "", "", "1.50", "1.50", "0.50", "0.50"],
]


def _final(**replace) -> ReadDocument:
    parts = {
        "summary": ("收入支出决算总表", FINAL_SUMMARY),
        "expenditure": ("支出决算表", FINAL_EXPENDITURE),
        "function": ("一般公共预算财政拨款支出决算表", FINAL_FUNCTION),
        "basic": ("一般公共预算财政拨款基本支出决算表", FINAL_BASIC),
        "three_public": ("财政拨款“三公”经费支出决算表", FINAL_THREE_PUBLIC),
        "fund": ("政府性基金预算财政拨款收入支出决算表", FUND_EMPTY),
    }
    return _assemble(FINAL_COVER, parts, replace)


def _by_measure(records, key) -> dict[tuple[str, str], Decimal]:
    return {(key(r), r.measure): r.amount_yuan for r in records}


def test_final_accounts_are_read_with_doc_kind_and_measures():
    out = extract(_final())
    assert out.info.doc_kind == "final_accounts" and out.info.fiscal_year == 2024
    assert out.info.template == "national_tables"
    totals = _by_measure(out.stated_totals, lambda t: t.metric)
    # 总计 on each side is the revenue or the expenditure total, by the header over it (收入 | 支出)
    assert totals[("revenue_total", "final")] == 1000 * W
    assert totals[("expenditure_total", "final")] == 1000 * W
    assert totals[("revenue_total", "budget")] == 906 * W
    assert totals[("revenue_total", "adjusted_budget")] == 956 * W
    assert totals[("expenditure_total", "budget")] == 900 * W
    assert totals[("revenue_this_year", "final")] == 940 * W
    assert out.total("revenue_total", "final") == 1000 * W  # the marts' main figure: the 决算数


def test_a_blank_final_cell_is_absent_never_the_budget_beside_it():
    out = extract(_final())
    revenue = _by_measure(out.revenue, lambda r: r.revenue_source)
    assert revenue[("other", "budget")] == 6 * W and revenue[("other", "adjusted_budget")] == 6 * W
    assert ("other", "final") not in revenue  # 其他收入's 决算数 is blank: no fact, not 0, not 6.00
    assert revenue[("general_public_budget", "final")] == 940 * W
    assert revenue[("prior_year_carryover", "final")] == 60 * W  # 年初结转和结余
    assert ("prior_year_carryover", "budget") not in revenue


def test_columns_under_merged_item_headers_take_their_measure():
    out = extract(_final())
    totals = _by_measure(out.stated_totals, lambda t: t.metric)
    lines = _by_measure(out.expenditure, lambda e: e.expenditure_type)
    assert totals[("basic_total", "final")] == 740 * W and totals[("basic_total", "budget")] == 700 * W
    assert lines[("project", "final")] == 200 * W and lines[("project", "budget")] == 200 * W
    # the 基本支出决算表's foot: 人员经费合计 | 600.00 | 公用经费合计 | 140.00, adding up to the basic 740.00
    assert lines[("personnel", "final")] == 600 * W and lines[("public_operating", "final")] == 140 * W


def test_classes_set_side_by_side_are_each_a_row():
    out = extract(_final())
    # 301 | 工资福利支出 | 600.00 | 302 | 商品和服务支出 | 140.00: two classes in one printed row
    assert {e.economic_code: e.amount_yuan for e in out.economic_expenditure} == {"301": 600 * W, "302": 140 * W}


def test_function_rows_are_the_final_column_of_a_table_with_three_measures():
    out = extract(_final())
    rows = {f.function_code: f for f in out.function_expenditure if f.fund_scope == "general_public_budget"}
    # 决算数 (小计 | 基本支出 | 项目支出), never the 年初预算数 900.00 or the 调整预算数 950.00
    assert (rows["20106"].total_yuan, rows["20106"].basic_yuan, rows["20106"].project_yuan) == (940 * W, 740 * W, 200 * W)
    assert out.total("function_total_general_public_budget") == 940 * W


def test_three_public_of_final_accounts_with_budget_and_final_side_by_side():
    out = extract(_final())
    totals = _by_measure(out.stated_totals, lambda t: t.metric)
    assert totals[("three_public_total", "final")] == Decimal("25000.00")
    assert totals[("three_public_total", "budget")] == 3 * W
    items = _by_measure(out.three_public_costs, lambda c: c.category)
    assert items == {
        ("overseas_travel", "budget"): 1 * W, ("overseas_travel", "final"): Decimal("5000.00"),
        ("vehicle_operation", "budget"): Decimal("15000.00"), ("vehicle_operation", "final"): Decimal("15000.00"),
        ("official_reception", "budget"): Decimal("5000.00"), ("official_reception", "final"): Decimal("5000.00"),
    }  # 公务用车购置费 is blank under both measures: absent


def test_three_public_of_final_accounts_with_blank_final_cells_gives_the_budget_only():
    # Putuo's 2024 决算: only the 预算数 cells are filled
    rows = [*FINAL_THREE_PUBLIC[:3], ["0.95", "", "", "", "", "", "", "", "", "", "0.95", ""]]
    out = extract(_final(three_public=("财政拨款“三公”经费支出决算表", rows)))
    assert out.total("three_public_total", "final") is None
    assert not [c for c in out.three_public_costs if c.measure == "final"]
    totals = _by_measure(out.stated_totals, lambda t: t.metric)
    assert totals[("three_public_total", "budget")] == Decimal("9500.00")
    assert _by_measure(out.three_public_costs, lambda c: c.category) == {("official_reception", "budget"): Decimal("9500.00")}


def test_final_accounts_gold_counts_the_final_figures_only():
    facts = extracted_facts(extract(_final()))
    assert facts["revenue_total"] == 1000 * W and facts["three_public_total"] == Decimal("25000.00")
    assert facts["official_reception"] == Decimal("5000.00")


def test_final_accounts_titles_are_recognised():
    kinds = {t.title: t.kind for t in titled_tables(_final(revenue=("收入决算表", FUNCTION)))}
    assert kinds == {
        "收入支出决算总表": "summary", "支出决算表": "expenditure_summary", "收入决算表": "revenue_summary",
        "一般公共预算财政拨款支出决算表": "by_function", "一般公共预算财政拨款基本支出决算表": "basic_by_economic",
        "财政拨款“三公”经费支出决算表": "three_public", "政府性基金预算财政拨款收入支出决算表": "government_fund",
    }
    doc = _doc(*FINAL_COVER, "财政拨款收入支出决算总表", "单位：万元", FINAL_SUMMARY,
               "国有资本经营预算财政拨款收入支出决算表", "单位：万元", FUND_EMPTY)
    assert [t.kind for t in titled_tables(doc)] == ["fiscal_summary", "state_capital"]


def test_row_numbers_of_a_final_accounts_form_are_never_amounts():
    # 财决 forms number their rows (行次) and columns (栏次): neither is an amount
    numbered = [
        ["收入", "", "", "支出", "", ""],
        ["项目", "行次", "决算数", "项目", "行次", "决算数"],
        ["栏次", "", "1", "栏次", "", "2"],
        ["一、一般公共预算财政拨款收入", "1", "940.00", "一、一般公共服务支出", "32", "940.00"],
        ["八、其他收入", "8", "", "", "", ""],
        ["本年收入合计", "9", "940.00", "本年支出合计", "40", "940.00"],
        ["年初结转和结余", "10", "60.00", "年末结转和结余", "41", "60.00"],
        ["总计", "12", "1,000.00", "总计", "44", "1,000.00"],
    ]
    out = extract(_final(summary=("收入支出决算总表", numbered)))
    assert out.total("revenue_total") == 1000 * W and out.total("expenditure_total") == 1000 * W
    assert out.total("revenue_this_year") == 940 * W
    assert {r.revenue_source: r.amount_yuan for r in out.revenue} == {  # 其他收入: blank, not 8 (its 行次)
        "general_public_budget": 940 * W, "prior_year_carryover": 60 * W,
        "government_fund": 0}  # the 政府性基金 table declares itself empty (此表为空): an explicit nil


def test_a_budget_never_reads_final_columns():
    # a budget's 三公 table printing last year's 决算数 beside its 预算数: only the 预算数 is read
    rows = [*FINAL_THREE_PUBLIC[:3], ["3.00", "2.50", "1.00", "0.50", "1.50", "1.50", "", "", "1.50", "1.50", "0.50", "0.50"]]
    out = TEMPLATE.extract(_national(three_public=("“三公”经费支出预算表", rows)))
    assert out.total("three_public_total") == 3 * W
    assert {c.category: c.amount_yuan for c in out.three_public_costs} == {
        "overseas_travel": 1 * W, "vehicle_operation": Decimal("15000.00"), "official_reception": Decimal("5000.00")}
    assert {c.measure for c in out.three_public_costs} == {None}  # the main figure (budget) once loaded


def test_unit_scope():
    doc = _national()
    doc.blocks[1] = Paragraph("2018 年度单位预算", 2, 1)
    assert TEMPLATE.extract(doc).info.scope == "unit"


def test_text_figures_fill_in_and_are_checked_against_the_table():
    doc = _national()
    doc.blocks += [Paragraph("2018年机关运行经费预算为 120.00 万元，比上年增加 3.00 万元。", 90, 9),
                   Paragraph("2017年政府采购预算 80 万元；2018年政府采购预算总额为 60.00 万元。", 91, 9),
                   Paragraph("政府采购货物预算 20 万元。", 92, 9),
                   Paragraph("“三公”经费预算 30.01 万元。", 93, 9)]
    out = TEMPLATE.extract(doc)
    assert out.total("operating_expense_total") == 120 * W  # no 机关运行经费 table: the text's figure
    assert out.total("procurement_total") == 60 * W  # not last year's 80, not the goods' 20
    assert out.total("three_public_total") == 30 * W  # the table's figure wins
    row = next(r for r in identity_checks(out, "d" * 64) if r["check_name"] == "identity.text_vs_table.three_public_total")
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 30 * W, Decimal("300100.00"))  # 0.01 万元


def test_narrative_half_of_a_two_file_document_is_refused():
    doc = _doc(*COVER, "第二部分 2018 年度部门预算表", "一、收支预算总表", "二、收入预算总表", "三、支出预算总表",
               "四、财政拨款收支预算总表", "2018年收入预算 1000.00 万元。")
    with pytest.raises(ExtractionError) as err:
        extract(doc)
    assert err.value.reason_code == "tables_in_another_file"


def test_registry_prefers_the_national_template():
    assert choose(_national(), "budget").name == "national_tables"


def test_cross_checks_are_rows():
    out = TEMPLATE.extract(_national())
    rows = {r["check_name"]: r for r in identity_checks(out, "d" * 64)}
    assert rows["identity.revenue_equals_expenditure"]["status"] == "pass"
    assert rows["identity.expenditure_total"]["status"] == "pass"  # basic + project + reserve
    # 人员经费 and 公用经费 of the 一般公共预算 basic table are no parts of the 支出总表's all-funds 基本支出
    assert (rows["identity.basic_total"]["status"], rows["identity.basic_total"]["detail"]) == (
        "not_applicable", "personnel + public_operating expenditure: no personnel line of all funds")
    assert {e.fund_scope for e in out.expenditure if e.expenditure_class == "basic"} == {"general_public_budget"}
    assert rows["identity.three_public_total"]["status"] == "pass"  # the blank 购置费 is no item
    assert rows["identity.function_total.general_public_budget"]["status"] == "pass"
    assert rows["identity.function_parents.general_public_budget"]["status"] == "pass"


def test_failed_cross_check_is_a_warning_with_both_values():
    bad = [row[:] for row in FUNCTION]
    bad[4][2] = "610.00"  # 行政运行 no longer adds up to 人大事务
    out = TEMPLATE.extract(_national(function=("公开07表：一般公共预算支出预算表", bad)))
    row = next(r for r in identity_checks(out, "d" * 64) if r["check_name"] == "identity.function_parents.general_public_budget")
    assert (row["status"], row["severity"]) == ("fail", "warning")
    assert row["expected"] == 850 * W and row["actual"] == 860 * W
    assert "20101" in row["detail"]


def _economic_rows(basic) -> dict:
    out = TEMPLATE.extract(_national(basic=("公开08表：一般公共预算基本支出预算表", basic)))
    return {r["check_name"]: r for r in identity_checks(out, "d" * 64) if ".economic_" in r["check_name"]}


def test_economic_classes_add_up_to_their_table_and_their_sections():
    rows = _economic_rows(BASIC)
    total = rows["identity.economic_total.general_public_budget"]
    assert (total["status"], total["expected"], total["actual"]) == ("pass", 700 * W, 700 * W)
    assert rows["identity.economic_parents.general_public_budget"]["status"] == "pass"  # 301 = 30101


def test_economic_classes_that_do_not_add_up_fail_with_both_figures():
    bad = [row[:] for row in BASIC]
    bad[1][2], bad[3][2] = "710.00", "450.00"  # 合计 above its classes; 基本工资 short of 工资福利支出
    rows = _economic_rows(bad)
    total = rows["identity.economic_total.general_public_budget"]
    assert (total["status"], total["expected"], total["actual"], total["difference"]) == (
        "fail", 710 * W, 700 * W, -10 * W)
    parents = rows["identity.economic_parents.general_public_budget"]
    assert (parents["status"], parents["expected"], parents["actual"]) == ("fail", 500 * W, 450 * W)
    assert "301 工资福利支出" in parents["detail"] and parents["src_page"] is not None


def test_economic_checks_cannot_apply_without_a_total_or_sections():
    bare = [row for row in BASIC if row[0] != "30101" and row[1] != "合 计"]  # classes only, no 合计
    rows = _economic_rows(bare)
    assert rows["identity.economic_total.general_public_budget"]["status"] == "not_applicable"
    assert rows["identity.economic_parents.general_public_budget"]["status"] == "not_applicable"
    no_table = TEMPLATE.extract(_national(basic=("", None)))
    assert not [r for r in identity_checks(no_table, "d" * 64) if ".economic_" in r["check_name"]]


BASIC_WITH_PERSONNEL = [
    ["科目编码", "科目名称", "合计", "人员经费", "公用经费"],
    ["", "合计", "700.00", "580.00", "120.00"],
    ["301", "工资福利支出", "500.00", "500.00", ""],
    ["302", "商品和服务支出", "120.00", "", "120.00"],
    ["303", "对个人和家庭的补助", "80.00", "80.00", ""],
]


def test_personnel_is_wages_and_household_subsidies():
    row = _economic_rows(BASIC_WITH_PERSONNEL)["identity.economic_personnel.general_public_budget"]
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 580 * W, 580 * W)
    assert "301 + 303" in row["detail"]


def test_personnel_beyond_its_classes_fails_and_a_table_without_it_cannot_apply():
    bad = [row[:] for row in BASIC_WITH_PERSONNEL]
    bad[1][3] = "590.00"
    row = _economic_rows(bad)["identity.economic_personnel.general_public_budget"]
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == ("fail", 590 * W, 580 * W, -10 * W)
    assert _economic_rows(BASIC)["identity.economic_personnel.general_public_budget"]["status"] == "not_applicable"


def test_a_section_code_printed_as_a_number_keeps_its_zero():
    # 类 | 款 cells where the 款 was formatted as a number: 301 | 2 is 30102 津贴补贴, never dropped
    split = [["类", "款", "科目名称", "金额"], ["", "", "合计", "700.00"],
             ["301", "", "工资福利支出", "700.00"], ["301", "01", "基本工资", "500.00"], ["301", "2", "津贴补贴", "200.00"]]
    out = TEMPLATE.extract(_national(basic=("公开08表：一般公共预算基本支出预算表", split)))
    assert {e.economic_code: e.amount_yuan for e in out.economic_expenditure} == {
        "301": 700 * W, "30101": 500 * W, "30102": 200 * W}


# --- real documents against their gold ---------------------------------------------------------------------

GOLD = gold_by_file() if PDF_DIR.is_dir() else {}

# Gold facts each document gives right today (measured; counts included): a floor, so that reading less is
# noticed too.
RIGHT_AT_LEAST = {
    "fujian_fuzhou_cangshan-shengtai-huanjingju_2026_ys-unit.pdf": 19,
    "guangdong_shenzhen_guizi-baoan-guanliju_2026_ys.pdf": 19,
    "jiangsu_sheng_npc-office_2017_ys.pdf": 12,
    "jiangsu_sheng_npc-office_2018_ys.pdf": 18,
    "jiangsu_sheng_procuratorate_2017_ys.pdf": 16,
    "jiangsu_sheng_procuratorate_2018_ys.pdf": 17,
    "jiangsu_sheng_procuratorate_2019_ys.pdf": 17,
    "shaanxi_xian_jiaotongju_2022_ys.pdf": 21,
    "shanghai_putuo_caizhengju_2024_js.pdf": 10,  # 决算 (final accounts): its 决算数
    "shanghai_putuo_caizhengju_2025_ys.pdf": 19,
    "shanghai_putuo_qufuban-benji_2025_ys-unit.pdf": 19,
    "shanghai_putuo_qufuban_2025_ys.pdf": 19,
    "shanghai_putuo_shehui-gongzuobu_2024_js.pdf": 10,
    "shanghai_putuo_wanli-jiedao_2023_ys.pdf": 19,
    "shanghai_putuo_wanli-jiedao_2024_ys.pdf": 19,
}


def _read(name: str) -> ReadDocument:
    try:
        return read_path(PDF_DIR / name)
    except UnreadableDocument as exc:
        if exc.reason_code == "unsupported_format":
            pytest.skip("no PDF reader in this build")
        raise


@pytest.mark.skipif(not GOLD, reason="../shared/gold/real not present")
@pytest.mark.parametrize("name", sorted(GOLD))
def test_real_document_never_wrong(name):
    gold = GOLD[name]
    doc = _read(name)
    if not gold["facts"]:  # the blank 决算 template: refused, never loaded as zeros
        with pytest.raises(ExtractionError) as err:
            extract(doc)
        assert err.value.reason_code == "template_without_amounts"
        return
    try:
        out = extract(doc)
    except ExtractionError as exc:  # refused (one half of a two-file document): no number at all
        assert len(gold["files"]) > 1, f"{name} refused: {exc.reason_code} {exc}"
        return
    result = compare(gold, extracted_facts(out))
    assert result["wrong"] == [], result
    assert len(result["right"]) >= RIGHT_AT_LEAST.get(name, 0), result
    assert out.info.scope == gold.get("scope", out.info.scope)  # 部门预算 vs 单位预算 as the gold reads it
    assert out.info.doc_kind == gold["doc_kind"]  # a 决算 is never loaded as a budget, nor the reverse


# --- the same documents through ingest and dbt: mart_office_year never contradicts the gold ---------------

MART_COLUMNS = {  # mart_office_year column -> gold fact (same meaning as for the notes form)
    "total_revenue_yuan": "revenue_total",
    "total_expenditure_yuan": "expenditure_total",
    "basic_yuan": "basic_expenditure",
    "project_yuan": "project_expenditure",
    "personnel_yuan": "personnel",
    "public_operating_yuan": "public_operating",
    "operating_expense_yuan": "agency_operating_expense",
    "three_public_yuan": "three_public_total",
    "performance_funds_yuan": "performance_funds",
    # counts, compared exactly
    "performance_project_count": "performance_project_count",
    "vehicle_count": "vehicles",
    "equipment_over_threshold_count": "equipment_over_threshold",
}


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory):
    from budget_etl.ops.pipeline import ingest
    from budget_etl.transform import build

    warehouse = tmp_path_factory.mktemp("national") / "budget.duckdb"
    ingest([PDF_DIR], warehouse, progress=False)
    result = build(warehouse)
    assert result.errored == 0, result.describe()
    return warehouse


@pytest.mark.slow
@pytest.mark.skipif(not GOLD, reason="../shared/gold/real not present")
def test_mart_office_year_never_contradicts_the_gold(real_warehouse):
    import duckdb

    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        names = ["file_name", "scope", "doc_kind", *MART_COLUMNS]
        found = con.execute(
            "select d.file_name, d.scope, d.doc_kind, " + ", ".join(f"m.{c}" for c in MART_COLUMNS)
            + " from marts.mart_office_year m join marts.dim_document d using (document_id)"
        ).fetchall()
        refused = dict(con.execute("select regexp_extract(source_path, '[^/]+$'), reason_code "
                                   "from raw.quarantine").fetchall())
    assert found, "no document reached mart_office_year"
    right = 0
    for row in found:
        record = dict(zip(names, row, strict=True))
        gold = GOLD[record["file_name"]]
        assert record["doc_kind"] == gold["doc_kind"]  # a 决算 never loads as a budget
        accepted = gold_yuan(gold) | gold_counts(gold)
        for column, fact in MART_COLUMNS.items():
            if record[column] is not None and fact in accepted:
                assert record[column] in accepted[fact], (record["file_name"], column, record[column])
                right += 1
    assert right >= 147  # measured: the money columns and the stated counts
    assert {r[2] for r in found} == {"budget", "final_accounts"}  # the two Putuo 决算 load beside the budgets
    # the blank 决算 template is refused, never loaded as zeros
    assert refused == {"shanghai_template_2024_js-blank.pdf": "template_without_amounts"}


@pytest.mark.slow
@pytest.mark.skipif(not GOLD, reason="../shared/gold/real not present")
def test_final_accounts_reach_budget_execution_with_the_budget_they_print(real_warehouse):
    import duckdb

    office = "上海市普陀区财政局"
    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        execution = con.execute(
            "select e.metric, e.final_yuan, e.budget_yuan, e.budget_source from marts.mart_budget_execution e "
            "join marts.dim_office o using (office_id) where o.office_name = ? and e.fiscal_year = 2024",
            [office]).fetchall()
        printed = con.execute(
            "select m.metric, m.amount_yuan from intermediate.int_document_metrics m "
            "join marts.dim_document d using (document_id) "
            "where d.file_name = 'shanghai_putuo_caizhengju_2024_js.pdf' and m.measure = 'budget'").fetchall()
    # the 决算数 of the 决算's tables, in yuan (万元 × 10000); no budget of 2024 in the set and no 预算数 beside
    # these figures: no budget figure, never a guess
    rows = {metric: (final, budget, source) for metric, final, budget, source in execution}
    expected = {
        "total_revenue": "29953900.00", "total_expenditure": "29953900.00", "basic": "23369100.00",
        "project": "6031400.00", "personnel": "21522600.00", "public_operating": "1846500.00",
        "operating_expense": "1846500.00",
    }
    assert {metric: rows.get(metric) for metric in expected} == {
        metric: (Decimal(value), None, None) for metric, value in expected.items()}
    # every budget figure the execution mart takes from this 决算 is one it prints
    printed_budgets = dict(printed)
    assert all(budget == printed_budgets[metric] for metric, (_, budget, source) in rows.items()
               if source == "final_accounts")
    # the 三公 table's 预算数 (0.95 万元, all of it 公务接待费) reaches the warehouse as the budget measure; its
    # 决算数 cells are blank (absent), the 决算数 0.00 being stated only in the narrative
    assert printed_budgets["three_public"] == Decimal("9500.00")
    assert printed_budgets["official_reception"] == Decimal("9500.00")


# Gold facts no mart holds, per document, each with its reason: the gold's own reading is an inference the
# warehouse never makes (a blank cell is absent, never zero).
ABSENT_FROM_THE_MARTS: dict[str, set[str]] = {
    # 公开09表 leaves 公务用车购置费 blank (its 小计 237 equals 运行维护费 237) and the text never states it:
    # the gold infers 0 from the blank cell
    "jiangsu_sheng_procuratorate_2019_ys.pdf": {"vehicle_purchase"},
}


@pytest.mark.slow
@pytest.mark.skipif(not GOLD, reason="../shared/gold/real not present")
@pytest.mark.parametrize("name", sorted({g["files"][0] for g in GOLD.values()}))
def test_every_gold_fact_from_the_marts(real_warehouse, name):
    import duckdb

    gold = GOLD[name]
    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        got = mart_facts(con).get(name, {})
    result = compare(gold, got)
    assert result["wrong"] == [], result
    assert set(result["absent"]) == ABSENT_FROM_THE_MARTS.get(name, set()), result


@pytest.mark.slow
@pytest.mark.skipif(not GOLD, reason="../shared/gold/real not present")
def test_real_offices_have_their_division_and_type(real_warehouse):
    import duckdb

    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        offices = {name: (adcode, level, kind) for name, adcode, level, kind in con.execute(
            "select office_name, adcode, admin_level, office_type from marts.dim_office").fetchall()}
    assert offices["上海市普陀区财政局"] == ("310107", "county", "finance")
    assert offices["北京市审计局"] == ("110000", "province", "audit")
    assert offices["江苏省人民检察院"] == ("320000", "province", "procuratorate")
    assert offices["上海市普陀区人民政府万里街道办事处"] == ("310107", "township", "street_office")
    assert offices["福州市仓山生态环境局"] == ("350104", "county", "ecology_environment")
    assert all(adcode for adcode, _, _ in offices.values())  # every real office placed

