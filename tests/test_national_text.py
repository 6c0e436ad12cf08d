"""The narrative of the national table set (extract/templates/national_text.py): figures only the sentences
state, counts, and tables declared empty. Hand-made documents for each pattern; one real 决算 for the amounts
a PDF draws in another font (skipped cleanly without ../shared)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budget_etl.extract.templates.national_tables import TEMPLATE
from budget_etl.extract.templates.national_text import read_narrative
from budget_etl.facts import DocumentInfo, ExtractedDocument, Source
from budget_etl.readers import read_path
from budget_etl.readers.blocks import Paragraph
from budget_etl.validate import identity_checks
from national_gold import PDF_DIR
from test_national_tables import FUNCTION, SUMMARY, THREE_PUBLIC, _doc, _national

W = Decimal(10000)


def _with_text(*sentences: str, **replace) -> ExtractedDocument:
    """The hand-made budget of 2018 (test_national_tables) with these paragraphs after its tables, read."""
    doc = _national(**replace)
    line = max(b.line for b in doc.paragraphs())
    doc.blocks += [Paragraph(s, line + i, 9) for i, s in enumerate(sentences, 1)]
    return TEMPLATE.extract(doc)


def _counts(out: ExtractedDocument) -> dict[str, int]:
    return {c.metric: c.count for c in out.stated_counts}


def _items(out: ExtractedDocument) -> dict[str, Decimal]:
    return {c.category: c.amount_yuan for c in out.three_public_costs}


def _check(out: ExtractedDocument, name: str) -> dict:
    return next(r for r in identity_checks(out, "d" * 64) if r["check_name"] == name)


# --- performance targets and counts -------------------------------------------------------------------------


@pytest.mark.parametrize(("sentence", "count", "funds"), [
    ("2018年度，本单位编报绩效目标的项目共4个，涉及项目预算资金598.46万元。", 4, "598.46"),
    ("2018年本部门共5个项目实行绩效目标管理，涉及财政性资金合计5,086万元。", 5, "5086"),
    ("2018年本部门共0个项目实行绩效目标管理，涉及财政性资金合计0万元。", 0, "0"),
    ("2018年所有项目支出预算纳入部门预算绩效管理，涉及预算资金5,585.21万元，设置并编报12个项目绩效目标。", 12, "5585.21"),
    ("本部门1个预算单位开展了2018年项目预算绩效目标编报工作，编报绩效目标的项目11个，涉及项目预算资金6626万元。", 11, "6626"),
])
def test_performance_funds_and_project_count(sentence, count, funds):
    out = _with_text(sentence)
    assert out.total("performance_funds") == Decimal(funds) * W
    assert _counts(out)["performance_projects"] == count
    funds_fact = next(t for t in out.stated_totals if t.metric == "performance_funds")
    assert funds_fact.src.page == 9 and funds_fact.src.line is not None  # the sentence's place


def test_funds_of_another_subject_are_no_performance_funds():
    # not a sentence about performance targets; and 一般公共预算拨款 is no 资金/金额 of the projects
    out = _with_text("2018年本部门项目支出涉及预算资金300万元。",
                     "2018年本部门预算绩效目标管理全覆盖，涉及当年一般公共预算拨款74868.34万元。")
    assert out.total("performance_funds") is None and "performance_projects" not in _counts(out)


def test_a_sentence_naming_another_year_does_not_match():
    out = _with_text("2017年本部门编报绩效目标的项目共9个，涉及项目预算资金100万元。",
                     "2017年因公出国（境）费预算支出20万元。",
                     "2017年机关运行经费预算为99.00万元。")
    assert out.total("performance_funds") is None and "performance_projects" not in _counts(out)
    assert _items(out)["overseas_travel"] == 10 * W  # the table's; no text figure beside it
    assert out.total("operating_expense_total") is None
    assert not [t for t in out.stated_totals if t.metric.endswith("_text")]


def test_holdings_are_counted_and_purchases_are_not():
    out = _with_text(
        "截至2017年12月31日，本部门共有车辆7辆，其中：其他用车7辆；单价100万元（含）以上设备（不含车辆）2台（套）。",
        "2018年部门预算安排购置车辆1辆；部门预算安排购置单价100万元（含）以上设备（不含车辆）0台（套）。",
    )
    assert _counts(out) == {"vehicles": 7, "equipment_over_threshold": 2}
    equipment = next(c for c in out.stated_counts if c.metric == "equipment_over_threshold")
    assert equipment.threshold_yuan == 100 * W  # the threshold is kept: 100万元 here, 20万元 elsewhere
    assert equipment.label_zh.startswith("单价100万元")


def test_counts_in_other_wordings_and_old_holdings():
    out = _with_text("截至2017年底，本局共有车辆17台，单位价值20万元以上的设备9台（套）。")
    assert _counts(out) == {"vehicles": 17, "equipment_over_threshold": 9}
    assert out.stated_counts[1].threshold_yuan == 20 * W
    # a kind of vehicle is not all of them
    assert "vehicles" not in _counts(_with_text("截至2017年底，本局执法执勤车辆5辆。"))
    # holdings of three years before the budget are not this document's
    old = _with_text("截至2015年12月31日，本部门共有车辆5辆。")
    assert "vehicles" not in _counts(old)


# --- 三公 items in the text ---------------------------------------------------------------------------------


def test_three_public_items_fill_the_tables_blank_cells():
    out = _with_text("（1）公务用车购置预算支出0万元，与上年持平。")
    assert _items(out)["vehicle_purchase"] == 0  # the table's cell is blank: the text states 0
    item = next(c for c in out.three_public_costs if c.category == "vehicle_purchase")
    assert item.src.page == 9 and item.src.table is None
    assert _check(out, "identity.three_public_total")["status"] == "pass"


@pytest.mark.parametrize("sentence", [
    "（1）2018年无公务用车购置预算安排。",
    "公务用车购置为0，与上年持平。",
    "公务用车购置费0万 元，与2017年预算持平。",  # a line-wrapped unit
])
def test_three_public_item_declared_nil_in_the_text(sentence):
    assert _items(_with_text(sentence))["vehicle_purchase"] == 0


def test_a_heading_gives_its_label_to_the_next_clause():
    blank = [row[:] for row in THREE_PUBLIC]
    blank[3][2] = ""  # 因公出国（境）费 blank: 小计 30 = 15 + 5 no longer adds up, so the table gives nothing
    out = _with_text("2018年“三公”经费预算30.00万元。", "（一）因公出国（境）费用",
                     "2018年预算数10.00万元，主要用于开展境外工作交流。", three_public=("“三公”经费支出预算表", blank))
    assert _items(out) == {"overseas_travel": 10 * W}
    assert out.total("three_public_total") == 30 * W  # the text's, as no table gives it


def test_items_the_text_lists_only_in_part_never_make_a_total():
    # the table is not read and the text states no total: one item alone would become the 三公 of the marts
    rows = [[c.replace("10.00", "11.00") if i == 3 else c for c in row] for i, row in enumerate(THREE_PUBLIC)]
    out = _with_text("因公出国（境）费预算支出10万元。", three_public=("“三公”经费支出预算表", rows))
    assert not out.three_public_costs and out.total("three_public_total") is None
    # every category stated: their sum is the total the text gives
    out = _with_text("因公出国（境）费预算支出10万元。", "公务用车购置费预算支出0万元；公务用车运行维护费预算支出15万元。",
                     "公务接待费预算支出5万元。", three_public=("“三公”经费支出预算表", rows))
    assert sum(_items(out).values()) == 30 * W and len(out.three_public_costs) == 4


def test_a_text_figure_equal_to_the_tables_is_checked_and_never_replaces_it():
    out = _with_text("因公出国（境）费预算支出10万元，与上年预算数持平。")
    assert _items(out)["overseas_travel"] == 10 * W and len(out.three_public_costs) == 3
    row = _check(out, "identity.text_vs_table.overseas_travel")
    assert (row["status"], row["expected"], row["actual"]) == ("pass", 10 * W, 10 * W)


def test_a_text_figure_that_differs_from_the_tables_is_a_warning_row():
    out = _with_text("因公出国（境）费预算支出12万元，与上年预算数持平。", "2018年机关运行经费预算为 120.00 万元。")
    assert _items(out)["overseas_travel"] == 10 * W  # the table's figure stays
    row = _check(out, "identity.text_vs_table.overseas_travel")
    assert (row["status"], row["severity"]) == ("fail", "warning")
    assert (row["expected"], row["actual"]) == (10 * W, 12 * W)
    assert "p9" in row["detail"] and "p1" in row["detail"]  # both places


def test_the_combined_vehicle_item_never_counts_twice():
    out = _with_text("公务用车购置及运行费预算支出15万元。其中：公务用车运行维护费预算支出15万元。")
    assert "vehicle_purchase_and_operation" not in _items(out)  # the table gives its parts
    assert _check(out, "identity.three_public_total")["status"] == "pass"


# --- 决算 sentences: which figure ---------------------------------------------------------------------------


def _final_accounts(*sentences: str) -> ExtractedDocument:
    info = DocumentInfo("某局2024年度部门决算", "final_accounts", 2024, "某局", None, None, None, None, None, "万元",
                        None, None, False, Source())
    out = ExtractedDocument(info)
    read_narrative(_doc("某局2024年度部门决算", *sentences), {}, out)
    return out


def test_final_accounts_sentences_say_which_figure():
    out = _final_accounts(
        "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.00万元，完成预算的0%，其中：因公出国（境）费决算为"
        "0.00万元，完成预算的0%；公务用车购置及运行维护费支出决算为0.00万元；公务接待费支出决算为0.00万元。",
        "全过程绩效管理实施情况：编报绩效目标的2024年度项目4个，涉及预算金额598.42万元；绩效跟踪评价的2024年度项目3个，"
        "涉及预算金额500.00万元。",
    )
    assert out.total("three_public_total", "budget") == Decimal("9500.00")
    assert out.total("three_public_total", "final") == 0
    assert {(c.category, c.measure) for c in out.three_public_costs} == {
        ("overseas_travel", None), ("vehicle_purchase_and_operation", None), ("official_reception", None)}
    assert all(c.amount_yuan == 0 for c in out.three_public_costs)  # None: the 决算数, the main figure
    funds = next(t for t in out.stated_totals if t.metric == "performance_funds")
    assert (funds.amount_yuan, funds.measure) == (Decimal("598.42") * W, "budget")  # the projects' 预算金额
    assert _counts(out) == {"performance_projects": 4}  # the 编报绩效目标 count, not the 跟踪评价 one


def test_final_accounts_procurement_with_a_note_in_brackets():
    out = _final_accounts("2024年度政府采购金额（以合同签订为准）为251.25万元，其中：政府采购货物支出10.00万元。")
    assert out.total("procurement_total") == Decimal("251.25") * W  # the total, not the part after it
    assert _final_accounts("政府采购货物支出10.00万元。").total("procurement_total") is None  # a part alone


def test_a_budget_reads_no_final_figure():
    out = _with_text("机关运行经费决算为100.00万元。")
    assert out.total("operating_expense_total") is None


# --- declared empty -----------------------------------------------------------------------------------------

NO_FUND = [row[:] for row in SUMMARY]
NO_FUND[3][1] = "1,000.00"  # 一、财政拨款 = 一般公共预算 only
NO_FUND[5][1] = ""  # 2.政府性基金预算: blank
NOTE_UNDER = "注：本部门2018年无政府性基金预算财政拨款安排的预算，故本表为空表。"
EMPTY_ROWS = [["功能科目代码", "功能科目名称", "金额"], ["", "合计", ""]]


def _fund_revenue(out: ExtractedDocument) -> list:
    return [r for r in out.revenue if r.revenue_source == "government_fund"]


def _national_with_note(table_title: str, note: str, rows=EMPTY_ROWS, **replace):
    doc = _national(summary=("公开01表：收支预算总表", NO_FUND), fund=(table_title, rows), **replace)
    at = next(i for i, b in enumerate(doc.blocks) if not isinstance(b, Paragraph) and b.index == 6)
    doc.blocks.insert(at + 1, Paragraph(note, 80, 7))
    return doc


def test_a_fund_table_declared_empty_is_an_explicit_zero_at_its_declaration():
    out = TEMPLATE.extract(_national(summary=("公开01表：收支预算总表", NO_FUND)))  # 此表为空 in a cell
    [line] = _fund_revenue(out)
    assert line.amount_yuan == 0 and line.label_zh == "此表为空"
    assert (line.src.table, line.src.row, line.src.col) == (6, 3, 1)  # the cell that declares it
    out = TEMPLATE.extract(_national_with_note("公开10表：政府性基金支出预算表", NOTE_UNDER))
    [line] = _fund_revenue(out)
    assert (line.amount_yuan, line.label_zh, line.src.line, line.src.page) == (0, NOTE_UNDER, 80, 7)
    assert not [f for f in out.function_expenditure if f.fund_scope == "government_fund"]  # no rows invented


def test_a_fund_figure_of_the_summary_wins_over_an_empty_fund_table():
    out = TEMPLATE.extract(_national())  # 收支总表: 2.政府性基金预算 100.00; the fund table: 此表为空
    assert [r.amount_yuan for r in _fund_revenue(out)] == [100 * W]


def test_a_declaration_about_another_subject_zeroes_nothing():
    # the note under the fund table speaks of 国有资本: not this table's subject
    other = "注：本部门2018年无国有资本经营预算拨款安排的预算，故本表为空表。"
    assert not _fund_revenue(TEMPLATE.extract(_national_with_note("公开10表：政府性基金支出预算表", other)))
    # a 国有资本 table that (wrongly) says 无政府性基金 is no declaration about the fund
    out = TEMPLATE.extract(_national_with_note("公开11表：国有资本经营预算支出表", NOTE_UNDER))
    assert not _fund_revenue(out)


def test_the_narrative_declares_no_government_fund():
    out = _with_text("本部门无政府性基金预算收支，并已公开空表。", summary=("公开01表：收支预算总表", NO_FUND),
                     fund=("公开10表：政府性基金支出预算表", FUNCTION))
    [line] = _fund_revenue(out)
    assert line.amount_yuan == 0 and line.label_zh.startswith("本部门无政府性基金")
    # an instruction of a template is no declaration
    out = _with_text("无政府性基金预算财政拨款收入支出的，仍保留该表格式，并在本表下方作下述说明：",
                     summary=("公开01表：收支预算总表", NO_FUND), fund=("公开10表：政府性基金支出预算表", FUNCTION))
    assert not _fund_revenue(out)


def test_a_stated_zero_revenue_in_the_text():
    out = _with_text("2.政府性基金预算拨款收入0万元。", summary=("公开01表：收支预算总表", NO_FUND),
                     fund=("公开10表：政府性基金支出预算表", FUNCTION))
    assert [r.amount_yuan for r in _fund_revenue(out)] == [0]


def test_no_revenue_line_without_a_stated_revenue_total():
    # the 收支总表 is not read (no unit): a zero line alone would make a 收入 of 0 in the marts
    rows = [[c.replace("单位：万元", "") for c in row] for row in NO_FUND]
    doc = _national(summary=("收支预算总表", rows))
    doc.blocks = [b for b in doc.blocks if not (isinstance(b, Paragraph) and b.text == "单位：万元")]
    assert not TEMPLATE.extract(doc).revenue


def test_an_empty_three_public_table_gives_zeros_and_stays_declared_empty():
    rows = [*THREE_PUBLIC[:3], ["", "", "", "", "", "", "", "", ""]]
    doc = _national(three_public=("“三公”经费支出预算表", rows))
    at = next(i for i, b in enumerate(doc.blocks) if not isinstance(b, Paragraph) and b.index == 5)
    note = "说明：本部门本年度没有财政拨款“三公”经费支出，故本表无数据。"
    doc.blocks.insert(at + 1, Paragraph(note, 70, 6))
    out = TEMPLATE.extract(doc)
    assert out.total("three_public_total") == 0
    assert _items(out) == dict.fromkeys(
        ("overseas_travel", "vehicle_purchase", "vehicle_operation", "official_reception"), Decimal(0))
    assert {c.src.line for c in out.three_public_costs} == {70}
    section = next(s for s in out.sections if s.section_key == "three_public")
    assert section.status == "declared_empty"


# --- a real 决算: the amounts drawn in another font are back in their sentence -------------------------------

CAIZHENGJU_JS = PDF_DIR / "shanghai_putuo_caizhengju_2024_js.pdf"


@pytest.mark.shared
@pytest.mark.skipif(not CAIZHENGJU_JS.exists(), reason="../shared/real not present")
def test_detached_amounts_of_a_real_final_accounts_narrative():
    doc = read_path(CAIZHENGJU_JS)  # its 决算 tables are not read yet: the narrative alone
    info = DocumentInfo("上海市普陀区财政局2024年度部门决算", "final_accounts", 2024, "上海市普陀区财政局", None, None,
                        None, None, None, "万元", None, None, False, Source())
    out = ExtractedDocument(info)
    read_narrative(doc, {}, out)
    assert out.total("performance_funds") == Decimal("598.42") * W  # gold: 598.42 on a detached line
    assert _counts(out) == {"performance_projects": 4, "vehicles": 0, "equipment_over_threshold": 2}
    assert out.total("three_public_total", "final") == 0
    assert out.total("three_public_total", "budget") == Decimal("9500.00")
    assert _items(out)["overseas_travel"] == 0 and _items(out)["official_reception"] == 0
