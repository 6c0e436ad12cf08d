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
from national_gold import PDF_DIR, compare, extracted_facts, gold_by_file, gold_counts, gold_yuan

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
    parts.update(replace)
    blocks = [*COVER]
    for title, rows in parts.values():
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


def test_columns_grouped_by_other_years_only_are_not_read():
    out = TEMPLATE.extract(_national(three_public=("“三公”经费支出预算表", _by_year("2016年", "2017年"))))
    assert out.total("three_public_total") is None and not out.three_public_costs


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


def test_final_accounts_are_refused():
    doc = _national()
    doc.blocks[1] = Paragraph("2018 年度部门决算", 2, 1)
    with pytest.raises(ExtractionError) as err:
        TEMPLATE.extract(doc)
    assert err.value.reason_code == "final_accounts_not_supported"


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
    assert rows["identity.basic_total"]["status"] == "pass"
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
    "shanghai_putuo_caizhengju_2025_ys.pdf": 19,
    "shanghai_putuo_qufuban-benji_2025_ys-unit.pdf": 19,
    "shanghai_putuo_qufuban_2025_ys.pdf": 19,
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
    if gold["doc_kind"] == "final_accounts":  # the table form of a 决算 has no template yet: refused
        with pytest.raises(ExtractionError) as err:
            extract(doc)
        expected = "template_without_amounts" if not gold["facts"] else "incomplete_document"
        assert err.value.reason_code == expected
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
        names = ["file_name", "scope", *MART_COLUMNS]
        found = con.execute(
            "select d.file_name, d.scope, " + ", ".join(f"m.{c}" for c in MART_COLUMNS)
            + " from marts.mart_office_year m join marts.dim_document d using (document_id)"
        ).fetchall()
        refused = dict(con.execute("select regexp_extract(source_path, '[^/]+$'), reason_code "
                                   "from raw.quarantine").fetchall())
    assert found, "no budget reached mart_office_year"
    right = 0
    for row in found:
        record = dict(zip(names, row, strict=True))
        gold = GOLD[record["file_name"]]
        assert gold["doc_kind"] == "budget"  # a 决算 never loads as a budget
        accepted = gold_yuan(gold) | gold_counts(gold)
        for column, fact in MART_COLUMNS.items():
            if record[column] is not None and fact in accepted:
                assert record[column] in accepted[fact], (record["file_name"], column, record[column])
                right += 1
    assert right >= 147  # measured: the money columns and the stated counts
    # the 决算 in the table set (no template yet) and the blank 决算 template are refused, never loaded
    assert refused == {
        "shanghai_putuo_caizhengju_2024_js.pdf": "incomplete_document",
        "shanghai_putuo_shehui-gongzuobu_2024_js.pdf": "incomplete_document",
        "shanghai_template_2024_js-blank.pdf": "template_without_amounts",
    }
