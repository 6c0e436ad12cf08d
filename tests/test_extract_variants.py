"""The extractor reads the variants of the seed's template family: each test edits the real seed text the way
other offices and years write the same template, and checks the exact facts that come out."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

import pytest

from budget_etl.extract import ExtractionError, extract
from budget_etl.extract.numbers import cell_amount, cell_number, parse_target
from budget_etl.extract.sections import ordinal
from budget_etl.readers import read_bytes
from budget_etl.readers.text import read_text_bytes

from conftest import SEED
from goldcheck import assert_matches_gold

CN = "零一二三四五六七八九十"
_TOP = re.compile(r"^[ \t]*([一二三四五六七八九])、(.+)\n", re.M)


@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def parse(text: str):
    return extract(read_bytes(text.encode("utf-8"), "variant.txt"))


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace a piece of the seed that must be there exactly ``count`` times (so an edit cannot miss)."""
    assert text.count(old) == count, (old, text.count(old))
    return text.replace(old, new)


def sections(doc) -> dict:
    return {s.section_key: s for s in doc.sections}


def renumbered(text: str, order: list[int], heading) -> str:
    """The seed with its nine top-level sections in ``order`` (0-based seed positions), numbered heading(n)."""
    found = list(_TOP.finditer(text))
    bodies = [
        (m[2], text[m.end() : nxt.start() if nxt else len(text)])
        for m, nxt in zip(found, [*found[1:], None], strict=True)
    ]
    assert len(bodies) == 9
    parts = [text[: found[0].start()]]
    parts += [f"{heading(n)}{bodies[i][0]}\n{bodies[i][1]}" for n, i in enumerate(order, 1)]
    return "".join(parts)


# --- sections: any order, any ordinal style, keyword look-alikes ---------------------------------------

STYLES = {
    "part": lambda n: f"第{CN[n]}部分 ",
    "arabic_dot": lambda n: f"{n}. ",
    "arabic": lambda n: f"{n}、",
    "cn_paren": lambda n: f"（{CN[n]}）",
    "cn": lambda n: f"{CN[n]}、",
}
# duties, overview, 三公, 机关运行经费, 名词解释, 绩效, 国有资产, 政府采购, 其他
REORDERED = [0, 1, 3, 2, 7, 4, 6, 5, 8]


@pytest.mark.parametrize("style", STYLES)
def test_reordered_and_renumbered_sections_give_every_gold_fact(seed, gold, style):
    doc = parse(renumbered(seed, REORDERED, STYLES[style]))
    assert_matches_gold(doc, gold)
    found = sections(doc)
    assert found["three_public"].title_zh == STYLES[style](3) + "财政拨款“三公”经费预算情况及增减变化原因"
    assert found["glossary"].title_zh == STYLES[style](5) + "名词解释"
    assert found["procurement"].status == "declared_empty"
    assert all(s.status == "present" for k, s in found.items() if k != "procurement")
    # in order of the document: the headings' lines rise in the new order
    lines = [found[k].src.line for k in ("overview", "three_public", "operating_expense", "glossary")]
    assert lines == sorted(lines)


def test_sub_headings_reusing_a_keyword_stay_in_their_section(seed, gold):
    """第五部分 绩效预算信息 holds 第一部分 部门整体绩效目标 and 第二部分 预算项目绩效目标: same style, same
    keyword, lower number. They must neither start a section nor cut the performance section short."""
    doc = parse(renumbered(seed, list(range(9)), STYLES["part"]))
    performance = sections(doc)["performance"]
    assert performance.title_zh == "第五部分 绩效预算信息"
    assert doc.info.overall_goal_zh.startswith("2020年西关街道工委及办事处将继续牢固树立政治意识")
    assert [d.grade_excellent_pct for d in doc.duties] == [Decimal(90)] * 5 + [Decimal(100)] * 7
    assert_matches_gold(doc, gold)


@pytest.mark.parametrize("style", ["cn", "arabic"])
def test_duty_names_holding_a_section_keyword_do_not_start_that_section(seed, gold, style):
    """Duties 6 and 7 renamed 政府采购管理 and 国有资产管理: in the arabic document they carry the very numbers
    of the procurement (6) and assets (7) headings, listed twice (一 and 五), ahead of the real headings."""
    text = edit(seed, "6、社会稳定工作\n", "6、政府采购管理\n", count=2)
    text = edit(text, "7、人口与计生工作\n", "7、国有资产管理\n", count=2)
    if style == "arabic":
        text = renumbered(text, list(range(9)), STYLES["arabic"])
    doc = parse(text)
    found = sections(doc)
    assert found["procurement"].title_zh == STYLES[style](6) + "政府采购预算情况"
    assert found["procurement"].status == "declared_empty"
    assert found["assets"].title_zh == STYLES[style](7) + "国有资产信息"
    assert found["performance"].title_zh == STYLES[style](5) + "绩效预算信息"
    expected = copy.deepcopy(gold)
    expected["duties"][5:7] = ["政府采购管理", "国有资产管理"]
    assert_matches_gold(doc, expected)


def test_ordinals():
    numerals = {"1": 1, "12": 12, "一": 1, "九": 9, "十": 10, "十一": 11, "二十": 20, "二十三": 23}
    assert {text: ordinal(text) for text in numerals} == numerals
    with pytest.raises(KeyError):
        ordinal("十十")


# --- units ---------------------------------------------------------------------------------------------


def _wan(number: str) -> str:
    """An amount in yuan written in 万元, exactly (3566894.19 -> 356.689419)."""
    return format(Decimal(re.sub(r"[,\s]", "", number)) / 10000, "f")


def _in_wan_yuan(text: str, prose: bool = True, projects: bool = True, assets: bool = True) -> str:
    """The seed as an office that states its amounts in 万元 writes it: the prose, the project tables (and the
    procurement table's unit), the asset table."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        previous = lines[i - 1].strip() if i else ""
        if not line.startswith("\t"):
            if prose:
                line = re.sub(r"(\d+(?:\.\s?\d+)?)元", lambda m: _wan(m[1]) + "万元", line)
        elif projects and previous in ("预算数", "其中：财政资金"):
            line = "\t" + _wan(line.strip())
        elif projects and line == "\t单位：元":
            line = "\t单位：万元"
        elif assets and line.strip() in ("671148.20", "107462.00", "563686.20"):
            line = "\t" + _wan(line.strip())
        elif assets and line.strip() == "价值（金额单位：元）":
            line = "\t价值（金额单位：万元）"
        out.append(line)
    return "\n".join(out)


def test_document_in_wan_yuan_gives_the_same_yuan(seed, gold):
    text = _in_wan_yuan(seed)
    assert "3566894.19元" not in text and "356.689419万元" in text and "\t0.40\n\t其他资金" in text
    doc = parse(text)
    expected = copy.deepcopy(gold)
    expected["document"]["currency_unit"] = "万元"
    assert_matches_gold(doc, expected)
    assert doc.info.currency_unit == "万元"
    assert doc.operating_expenses[7].amount_yuan == Decimal("787.50")  # written "0.07875万元"
    assert doc.total("asset_total") == Decimal("671148.20")  # table header 价值（金额单位：万元）


def test_mixed_units_table_header_and_cell_units_win(seed, gold):
    """Prose in 元, the project tables in 万元 (单位：万元), one cell with its own unit 元."""
    text = _in_wan_yuan(seed, prose=False, assets=False)
    text = edit(text, "\t预算数\n\t0.40\n", "\t预算数\n\t4000.00元\n")  # 车辆保险费: a cell in 元
    doc = parse(text)
    expected = copy.deepcopy(gold)
    expected["document"]["currency_unit"] = "万元"
    assert_matches_gold(doc, expected)
    insurance = doc.projects[0]
    assert (insurance.budget_yuan, insurance.fiscal_funds_yuan) == (Decimal("4000.00"), Decimal("4000"))
    assert doc.projects[5].budget_yuan == Decimal("1040000")  # 社区工作专项补助, written 104
    assert doc.info.currency_unit == "万元"  # a figure in 万元 anywhere: rounding to 100 yuan is possible


_PROCUREMENT_ROW = "\t其他来源收入\n\t\n\n" + "\t\n" * 14 + "\n"
_BOUGHT = ["综合事务经费", "0.5", "台式计算机", "A02010104", "台", "1", "0.5", "0.5", "0.5", "0.5"] + [""] * 4


def test_procurement_rows_use_their_table_unit(seed):
    text = edit(
        seed, _PROCUREMENT_ROW, "\t其他来源收入\n\t\n\n" + "".join(f"\t{c}\n" for c in _BOUGHT) + "\n"
    )
    text = edit(text, "\t\n\t单位：元\n\n\t政府采购项目来源", "\t\n\t单位：万元\n\n\t政府采购项目来源")
    text = edit(text, "无此项内容，空表列示。\n", "")
    doc = parse(text)
    (item,) = doc.procurement_items
    assert (item.project_name_zh, item.item_name_zh, item.catalog_no, item.unit_zh) == (
        "综合事务经费",
        "台式计算机",
        "A02010104",
        "台",
    )
    assert (item.quantity, item.unit_price_yuan, item.amount_yuan) == (1, Decimal(5000), Decimal(5000))
    assert sections(doc)["procurement"].status == "present"
    assert doc.info.currency_unit == "万元"


# --- missing and declared-empty sections ---------------------------------------------------------------

WITHOUT = {  # section key -> its position in the seed
    "operating_expense": 2,
    "three_public": 3,
    "procurement": 5,
    "assets": 6,
    "glossary": 7,
}


@pytest.mark.parametrize("key", WITHOUT)
def test_missing_section_is_missing_and_yields_no_facts(seed, key):
    order = [i for i in range(9) if i != WITHOUT[key]]
    doc = parse(renumbered(seed, order, STYLES["cn"]))
    record = sections(doc)[key]
    assert (record.status, record.title_zh, record.note_zh) == ("missing", None, None)
    facts = {
        "operating_expense": (doc.operating_expenses, doc.total("operating_expense_total")),
        "three_public": (
            doc.three_public_costs,
            doc.total("three_public_total"),
            [c for c in doc.stated_changes if c.metric == "three_public_total"],
        ),
        "procurement": (doc.procurement_items,),
        "assets": (doc.assets, doc.total("asset_total"), doc.info.new_assets_budgeted),
        "glossary": (doc.glossary,),
    }[key]
    assert all(f in (None, []) for f in facts)
    assert doc.total("revenue_total") == Decimal("3566894.19")  # the rest reads as before
    assert len(doc.projects) == 9 and len(doc.duties) == 12


_THREE_PUBLIC_LINE = re.compile(r"^2020年，我部门财政拨款“三公”经费预算安排.*$", re.M)


def test_three_public_declared_empty_has_no_items_and_no_total(seed):
    doc = parse(_THREE_PUBLIC_LINE.sub("本部门2020年无“三公”经费预算。", seed))
    record = sections(doc)["three_public"]
    assert (record.status, record.note_zh) == ("declared_empty", "本部门2020年无“三公”经费预算。")
    assert doc.three_public_costs == [] and doc.total("three_public_total") is None
    assert not [c for c in doc.stated_changes if c.metric == "three_public_total"]


def test_three_public_stated_zero_is_present_not_empty(seed):
    doc = parse(_THREE_PUBLIC_LINE.sub("2020年，我部门“三公”经费预算数为0元，本部门无“三公”经费支出。", seed))
    assert sections(doc)["three_public"].status == "present"
    assert doc.total("three_public_total") == Decimal(0) and doc.three_public_costs == []


def test_procurement_declared_empty_in_other_words(seed):
    doc = parse(edit(seed, "无此项内容，空表列示。", "本部门2020年无政府采购预算，故本表无数据。"))
    record = sections(doc)["procurement"]
    assert (record.status, record.note_zh) == ("declared_empty", "本部门2020年无政府采购预算，故本表无数据。")
    assert doc.procurement_items == []


def test_assets_table_declared_empty(seed):
    start, end = seed.index("截至上年末"), seed.index("八、名词解释")
    table = "\t部门固定资产占用情况表\n\n\t项   目\n\t数量\n\t价值（金额单位：元）\n\n\t此表为空\n\n"
    doc = parse(seed[:start] + table + seed[end:])
    record = sections(doc)["assets"]
    assert (record.status, record.note_zh) == ("declared_empty", "此表为空")
    assert doc.assets == [] and doc.total("asset_total") is None


def _without_projects(seed: str, note: str) -> str:
    start = seed.index("1、车辆保险费绩效目标表")
    return seed[:start] + note + seed[seed.index("六、政府采购预算情况") :]


def test_project_tables_declared_empty_or_missing(seed):
    doc = parse(_without_projects(seed, "本部门2020年无预算项目，故本表无数据。\n\n"))
    record = sections(doc)["projects"]
    assert (record.status, record.note_zh) == ("declared_empty", "本部门2020年无预算项目，故本表无数据。")
    assert doc.projects == [] and doc.project_indicators == []
    assert sections(doc)["performance"].status == "present" and len(doc.duties) == 12

    doc = parse(_without_projects(seed, ""))
    assert sections(doc)["projects"].status == "missing" and doc.projects == []
    assert sections(parse(seed))["projects"].status == "present"


# --- 三公 wording ---------------------------------------------------------------------------------------

D = Decimal
THREE_PUBLIC_VARIANTS = {
    "combined_vehicle_item": (
        "2020年，我部门财政拨款“三公”经费预算数为10493.50元，比上年减少958.50元。其中：因公出国(境)费0元，"
        "与上年持平，主要是无因公出国(境)；公务用车购置及运行费10000元，较上年减少1000元，主要是公务用车保险费"
        "减少；公务接待费493.50元，同比增长41.5元，主要是定额增加。",
        [
            ("overseas_travel", "因公出国(境)费", D(0), D(0), "无因公出国(境)"),
            (
                "vehicle_purchase_and_operation",
                "公务用车购置及运行费",
                D(10000),
                D(-1000),
                "公务用车保险费减少",
            ),
            ("official_reception", "公务接待费", D("493.50"), D("41.5"), "定额增加"),
        ],
    ),
    "combined_with_both_parts": (
        "2020年，我部门“三公”经费预算安排10493.50元，较上年减少958.50元。其中：因公出国（境）经费0元，与上年"
        "持平；公务用车购置及运行费10000元（其中：公务用车购置费0元，公务用车运行费10000元），较上年减少1000元，"
        "主要是公务用车保险费减少；公务接待费493.50元，比上年增加，主要是定额增加。",
        [
            ("overseas_travel", "因公出国（境）经费", D(0), D(0), None),
            ("vehicle_purchase", "公务用车购置费", D(0), None, None),
            ("vehicle_operation", "公务用车运行费", D(10000), None, None),
            ("official_reception", "公务接待费", D("493.50"), None, "定额增加"),  # 增加 without amount
        ],
    ),
    "combined_with_one_part": (
        "2020年，我部门“三公”经费预算安排10493.50元，较上年减少958.50元。其中：因公出国（境）费0元，与上年"
        "持平；公务用车购置及运行费10000元（其中：公务用车运行维护费10000元），较上年减少1000元；公务接待费"
        "493.50元，较上年增加41.5元。",
        [
            ("overseas_travel", "因公出国（境）费", D(0), D(0), None),
            ("vehicle_purchase_and_operation", "公务用车购置及运行费", D(10000), D(-1000), None),
            ("official_reception", "公务接待费", D("493.50"), D("41.5"), None),
        ],
    ),
    "one_paragraph_per_item": (
        '2020年，我部门财政拨款"三公"经费预算10493.50元，较2019年减少958.50元。\n\n'
        "因公出国（境）费0元，与上年持平。\n\n公务用车购置费0元，与上年持平。\n\n"
        "公务用车运行维护费10000元，比上年减少了1000元，原因是公务用车保险费减少。\n\n"
        "公务接待费493.50元，比上年增加了41.5元。",
        [
            ("overseas_travel", "因公出国（境）费", D(0), D(0), None),
            ("vehicle_purchase", "公务用车购置费", D(0), D(0), None),
            ("vehicle_operation", "公务用车运行维护费", D(10000), D(-1000), "公务用车保险费减少"),
            ("official_reception", "公务接待费", D("493.50"), D("41.5"), None),
        ],
    ),
}


@pytest.mark.parametrize("variant", THREE_PUBLIC_VARIANTS)
def test_three_public_wording(seed, variant):
    paragraph, items = THREE_PUBLIC_VARIANTS[variant]
    doc = parse(_THREE_PUBLIC_LINE.sub(paragraph, seed))
    got = [
        (c.category, c.category_zh, c.amount_yuan, c.change_yuan, c.change_reason_zh)
        for c in doc.three_public_costs
    ]
    assert got == items
    assert all(
        c.prior_year_yuan == (None if c.change_yuan is None else c.amount_yuan - c.change_yuan)
        for c in doc.three_public_costs
    )
    assert doc.total("three_public_total") == D("10493.50")
    total_change = next(c for c in doc.stated_changes if c.metric == "three_public_total")
    assert (total_change.change_yuan, total_change.prior_year_yuan) == (D("-958.50"), D("11452.00"))
    combined = [c for c in doc.stated_changes if c.metric == "vehicle_purchase_and_operation"]
    if variant == "combined_with_both_parts":  # the parts are kept; the combined change is not lost
        assert [(c.change_yuan, c.current_yuan, c.prior_year_yuan) for c in combined] == [
            (D(-1000), D(10000), D(11000))
        ]
    else:
        assert combined == []


# --- changes on last year ------------------------------------------------------------------------------

_CHANGES_LINE = re.compile(r"^    2020年预算支出安排3566894\.19元，较2019年预算增加.*$", re.M)
CHANGE_VARIANTS = {
    "bishangnian_tongbi_chiping": (
        "2020年预算支出安排3566894.19元，比上年增加273225.62元，其中：基本支出同比增长220615.62元，主要为人员"
        "经费和日常公用经费支出增加；项目支出与上年持平。",
        {"expenditure_total": D("273225.62"), "basic": D("220615.62"), "project": D(0)},
    ),
    "jiaoshangnian_and_no_amount": (
        "2020年预算支出安排3566894.19元，与上年相比增加273225.62元，其中：基本支出较上年减少220615.62元；项目"
        "支出增加，主要为综合服务中心专项补助项目支出。",
        {"expenditure_total": D("273225.62"), "basic": D("-220615.62")},  # project: no amount, no change
    ),
    "revenue_change_is_not_the_spending_change": (
        "2020年预算收入3566894.19元，比上年增加1000.00元。2020年预算支出安排3566894.19元，比上年增加"
        "273225.62元，其中：基本支出增加220615.62元；项目支出增加52610元。",
        {"expenditure_total": D("273225.62"), "basic": D("220615.62"), "project": D("52610")},
    ),
    "total_without_amount": (
        "2020年预算支出安排3566894.19元，比上年增加，其中：基本支出增加220615.62元；项目支出下降52610元。",
        {"basic": D("220615.62"), "project": D("-52610")},
    ),
}


@pytest.mark.parametrize("variant", CHANGE_VARIANTS)
def test_changes_on_last_year(seed, variant):
    paragraph, expected = CHANGE_VARIANTS[variant]
    doc = parse(_CHANGES_LINE.sub(paragraph, seed))
    changes = {c.metric: c for c in doc.stated_changes if c.metric != "three_public_total"}
    assert {m: c.change_yuan for m, c in changes.items()} == expected
    current = {"expenditure_total": D("3566894.19"), "basic": D("1638414.19"), "project": D("1928480.00")}
    assert all(c.prior_year_yuan == current[m] - expected[m] for m, c in changes.items())


# --- performance grids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "merged", ["\t\n\t\n\t\n", "\t产出指标\n\t时效指标\n\t完成率\n"], ids=["empty", "repeated"]
)
def test_benefit_indicators_merged_cells_and_a_qualitative_target(seed, merged):
    text = edit(seed, "\t效果指标\n", "\t效益指标\n", count=9)
    # 车辆保险费: its 质量指标 row merged into the 产出指标 / 时效指标 / 完成率 cells above, which a reader
    # gives as empty continuation cells or as the merged text repeated
    text = edit(
        text,
        "\t\n\t质量指标\n\t优良率\n\t按照要求和计划完成公务用车车辆保险缴纳的优良率",
        merged + "\t按照要求和计划完成公务用车车辆保险缴纳的优良率",
    )
    text = edit(
        text,
        "\t≥95百分比\n\t是否能保障公务用车车辆长期运行使用",
        "\t逐步提高\n\t是否能保障公务用车车辆长期运行使用",
    )
    doc = parse(text)
    first = [i for i in doc.project_indicators if i.project_code == "611-1501-YBN-7FFL"]
    assert [(i.level1_zh, i.level2_zh, i.level3_zh) for i in first] == [
        ("产出指标", "时效指标", "完成率"),
        ("产出指标", "时效指标", "完成率"),
        ("效益指标", "可持续影响指标", "长期使用性"),
        ("满意度指标", "服务对象满意度指标", "群众满意度"),
    ]
    qualitative = first[2]
    assert (qualitative.target_raw, qualitative.target_operator, qualitative.target_value) == (
        "逐步提高",
        None,
        None,
    )
    assert qualitative.target_unit is None and qualitative.basis_zh == "是否能保障公务用车车辆长期运行使用"
    assert len(doc.project_indicators) == 36
    assert {i.level1_zh for i in doc.project_indicators} == {"产出指标", "效益指标", "满意度指标"}


def test_merged_cells_repeated_by_the_reader_read_like_empty_ones(seed, gold):
    """A docx reader that repeats a merged cell's text on every row (level 1, the purpose and spend-plan
    labels) gives the same facts as one that leaves the continuation cells empty."""
    plain = read_text_bytes(seed.encode("utf-8"))
    repeated = read_text_bytes(seed.encode("utf-8"))
    filled = 0
    for table in repeated.tables()[:9]:
        for above, row in zip(table.rows, table.rows[1:], strict=False):
            if row and above and not row[0].text and above[0].text and any(c.text for c in row):
                row[0].text = above[0].text
                filled += 1
    assert filled == 9 * 3  # per project: the purpose and spend-plan rows, the level-1 cell of 质量指标
    doc = extract(repeated)
    assert_matches_gold(doc, gold)
    assert [(i.level1_zh, i.level2_zh, i.level3_zh) for i in doc.project_indicators] == [
        (i.level1_zh, i.level2_zh, i.level3_zh) for i in extract(plain).project_indicators
    ]
    assert doc.projects[0].purpose_zh == "保障准确及时缴纳保险费"


# --- a budget's body under a 决算 title is refused (never loaded as the other kind), budgets citing 决算 are
# not: notes_final reads only a 决算 that states 决算数 ------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "山海关区西关街道办事处2024年度部门决算",
        "2024年度山海关区西关街道办事处部门决算公开说明",
        "山海关区西关街道办事处部门决算公开说明",  # no year
        "山海关区西关街道办事处\n\n2023年度单位决算报告",  # the title on two lines
        "山海关区西关街道办事处2023年度收支决算及“三公”经费决算说明",
    ],
)
def test_final_accounts_in_other_words_are_refused(seed, title):
    text = edit(seed, "山海关区西关街道办事处部门2020年部门预算公开说明\n", title + "\n")
    with pytest.raises(ExtractionError) as caught:
        parse(text)
    assert caught.value.reason_code == "unknown_template"
    assert "notes_final 0.00 (0 paragraphs stating 决算数" in str(caught.value)


def test_budget_mentioning_final_accounts_is_still_a_budget(seed, gold):
    text = edit(
        seed,
        "山海关区西关街道办事处部门2020年部门预算公开说明\n",
        "山海关区西关街道办事处\n\n2020年部门预算公开说明\n",
    )
    text = edit(text, "规定，现将", "规定，结合2019年度部门决算情况，现将")
    text = edit(
        text, "    3、比上年增减情况\n", "    3、比上年增减情况\n\n2019年度部门决算支出3293668.57元。\n"
    )
    doc = parse(text)
    assert (doc.info.doc_kind, doc.info.office_name) == ("budget", "山海关区西关街道办事处")
    assert doc.info.title == "山海关区西关街道办事处2020年部门预算公开说明"
    assert_matches_gold(doc, gold)


def test_budget_titled_without_a_year_takes_the_year_of_its_budget_not_of_a_cited_final_account(seed, gold):
    text = edit(
        seed,
        "山海关区西关街道办事处部门2020年部门预算公开说明\n",
        "山海关区西关街道办事处部门预算公开说明\n",
    )
    text = edit(text, "规定，现将", "规定，结合2019年度部门决算情况，现将")
    doc = parse(text)
    info = doc.info
    assert (info.doc_kind, info.fiscal_year, info.office_name) == ("budget", 2020, "山海关区西关街道办事处")
    assert (info.title, info.src.line) == ("山海关区西关街道办事处部门预算公开说明", 1)
    assert_matches_gold(doc, gold)


# --- revenue -------------------------------------------------------------------------------------------

_REVENUE_LINE = re.compile(r"^反映本部门当年全部收入。.*$", re.M)


def test_revenue_sources_beyond_the_seed(seed):
    text = _REVENUE_LINE.sub(
        "反映本部门当年全部收入。2020年收入预算为3566894.19元，其中：一般公共预算拨款收入3366894.19元，"
        "事业收入100000.00元，上级补助收入50000.00元，上年结转资金50000.00元。",
        seed,
    )
    doc = parse(edit(text, "二、部门预算安排的总体情况", "二、收入预算及支出预算总体情况"))
    assert sections(doc)["overview"].title_zh == "二、收入预算及支出预算总体情况"
    assert doc.total("revenue_total") == D("3566894.19")
    assert {(r.revenue_source, r.label_zh, r.amount_yuan) for r in doc.revenue} == {
        ("general_public_budget", "一般公共预算拨款收入", D("3366894.19")),
        ("public_institution_income", "事业收入", D("100000.00")),
        ("higher_level_subsidy", "上级补助收入", D("50000.00")),
        ("prior_year_carryover", "上年结转资金", D("50000.00")),
    }
    assert sum(r.amount_yuan for r in doc.revenue) == doc.total("revenue_total")


def test_combined_revenue_and_expenditure_budget(seed, gold):
    text = _REVENUE_LINE.sub(
        "反映本部门当年全部收入。2020年部门收支总预算3566894.19元。收入包括：一般公共预算收入3566894.19元，"
        "基金预算收入0元，财政专户核拨收入0元，其他来源收入0元。",
        seed,
    )
    doc = parse(edit(text, "二、部门预算安排的总体情况", "二、部门收支总预算情况"))
    assert_matches_gold(doc, gold)
    assert doc.total("revenue_total") == doc.total("expenditure_total") == D("3566894.19")


def test_an_amount_that_is_no_number_is_refused_with_its_reason(seed):
    with pytest.raises(ExtractionError) as caught:
        parse(edit(seed, "\t预算数\n\t4000.00\n", "\t预算数\n\t约四千\n"))
    assert caught.value.reason_code == "unreadable_amount"


# --- numbers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("95%以上", (">=", D(95), "%")),
        ("≥95%以上", (">=", D(95), "%")),
        ("3天以内", ("<=", D(3), "天")),
        ("逐步完善", (None, None, None)),
    ],
)
def test_target_suffixes(raw, expected):
    assert parse_target(raw) == expected


def test_dash_cells_are_blank_not_zero():
    assert cell_amount("—") is None and cell_amount("/") is None and cell_number("-") is None
    assert cell_amount("0.5", table_unit="万元") == D(5000)
