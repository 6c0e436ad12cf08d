"""The text rules (validate/text_rules.py): each on a document where it passes, one where it fails (with its
detail, values and line) and one where it cannot apply; the seed and small hand-made texts."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from budget_etl.extract import extract
from budget_etl.facts import Section, Source
from budget_etl.readers import read_path
from budget_etl.validate import _row
from budget_etl.validate.text_rules import text_checks
from national_gold import PDF_DIR

D = Decimal


def _one(facts, text: str, name: str) -> dict:
    rows = [r for r in text_checks(facts, text, "d" * 64, _row) if r["check_name"] == name]
    assert len(rows) == 1
    return rows[0]


@pytest.fixture
def seed_text(seed_bytes) -> str:
    return seed_bytes.decode("utf-8")


def _final(gold_doc, year: int):
    facts = copy.deepcopy(gold_doc)
    facts.info.doc_kind, facts.info.fiscal_year = "final_accounts", year
    facts.info.title = f"上海市普陀区财政局{year}年度部门决算"
    return facts


# --- change.direction --------------------------------------------------------------------------------------


def test_the_seeds_stated_changes_match_their_directions(gold_doc, seed_text):
    row = _one(gold_doc, seed_text, "change.direction")
    assert (row["status"], row["check_kind"], row["severity"]) == ("pass", "change", "warning")
    # 较2019年预算增加273225.62元, 较上年减少958.50元, 与上年减少1000元, 与上年增加，41.5元
    assert row["detail"] == "4 stated change(s): each direction matches its figures"


@pytest.mark.parametrize("sentence", [
    "2021年支出预算120.50万元，比2020年预算数100.00万元增加20.50万元，增长20.50%。",
    "公务接待费100.01万元，较上年100.00万元持平。",  # within the rounding of 0.01 万元
    "公务接待费100.90万元，较上年100.00万元基本持平。",  # under 1% of last year's
])
def test_directions_that_match_both_years_figures_pass(gold_doc, sentence):
    assert _one(gold_doc, "说明\n" + sentence, "change.direction")["status"] == "pass"


def test_an_increase_the_figures_contradict_fails_with_both_figures(gold_doc):
    row = _one(gold_doc, "说明\n会议费90.00万元，比上年100.00万元增加10.00万元。", "change.direction")
    assert row["status"] == "fail" and row["src_line"] == 2
    assert "增加 yet this year's 900000.00 against last year's 1000000.00 yuan" in row["detail"]
    assert (row["expected"], row["actual"], row["difference"]) == (D(-100000), D(100000), D(200000))


@pytest.mark.parametrize("sentence, why", [
    ("公务接待费0.00万元，较2025年年初预算增加0.00万元，主要是未安排经费。", "增加 by zero: the figures say 持平"),
    ("公务接待费100.05万元，较上年100.00万元持平。", "持平 yet the figures differ by 500.00 yuan"),
    ("公务接待费102.00万元，较上年100.00万元基本持平。", "基本持平 yet the figures differ by 20000.00 yuan"),
    ("支出100.00万元，比上年增加5.00万元，下降5.00%。", "增加 and 下降 in one statement"),
])
def test_a_direction_its_figures_contradict_fails(gold_doc, sentence, why):
    row = _one(gold_doc, "说明\n" + sentence, "change.direction")
    assert row["status"] == "fail" and row["src_line"] == 2 and why in row["detail"], row["detail"]


@pytest.mark.parametrize("text", [
    "本部门无政府性基金预算。",
    "因公出国（境）费0元，与上年持平。",  # a direction with nothing to hold it against
    "政府性基金收入预算0万元，与上年相比增加（减少）0万元，增长（减少）0%。",  # the template's choice left open
])
def test_change_direction_cannot_apply_without_figures_to_compare(gold_doc, text):
    assert _one(gold_doc, text, "change.direction")["status"] == "not_applicable"


# --- text.share ---------------------------------------------------------------------------------------------


def test_shares_of_the_total_before_their_list_pass(gold_doc):
    text = ("本年支出合计2940.05万元，其中：基本支出2336.91万元，占79.49%；项目支出603.14万元，占比20.51%。\n"
            "江苏省人大常委会办公厅本年收入预算合计15897.44万元，其中：\n\n一般公共预算收入15897.44万元，占100 %；\n"
            "单位预留机动经费1685.72万元，占10.61%；")  # 10.604%: the list's rounding difference put on it
    row = _one(gold_doc, text, "text.share")
    assert (row["status"], row["check_kind"]) == ("pass", "identity")
    assert row["detail"].startswith("4 stated share(s) equal their amount over its whole")


def test_a_share_of_a_named_whole_takes_the_documents_stated_total(gold_doc):
    # the seed's 三公 total is 10493.50 yuan: 493.50 of it is 4.70%
    row = _one(gold_doc, "公务接待费493.50元，占“三公”经费的4.70%。", "text.share")
    assert row["status"] == "pass"


def test_a_share_that_is_not_amount_over_whole_fails_with_both(gold_doc):
    text = ("一、说明\n一般公共预算财政拨款支出2940.05万元，主要用于以下方面：一般公共服务支出（类）2106.66万元，"
            "占71.73%；社会保障和就业支出（类）326.72万元，占11.11%。")
    facts = copy.deepcopy(gold_doc)  # facts read on page 21 before and after the line: the line is on it
    facts.stated_totals[0].src = Source(line=1, page=21)
    facts.stated_totals[1].src = Source(line=3, page=21)
    row = _one(facts, text + "\n合计", "text.share")
    assert (row["status"], row["src_line"], row["src_page"]) == ("fail", 2, 21)
    assert "1 of 2 stated share(s)" in row["detail"] and "2106.66万元，占71.73%" in row["detail"]
    assert (row["expected"], row["actual"], row["difference"]) == (D("71.65"), D("71.73"), D("0.08"))


@pytest.mark.parametrize("text", [
    "基本支出2336.91万元，占79.49%。",  # of what? the words do not say
    "基本支出2336.91万元，占部门预算的79.49%。",  # a whole no amount is known for
])
def test_a_share_whose_whole_the_words_do_not_tell_cannot_apply(gold_doc, seed_text, text):
    row = _one(gold_doc, text, "text.share")
    assert row["status"] == "not_applicable" and "1 share(s) whose whole" in row["detail"]
    assert _one(gold_doc, seed_text, "text.share")["status"] == "not_applicable"


# --- wording.stray_year -------------------------------------------------------------------------------------


def test_the_title_and_headings_naming_the_fiscal_year_pass(gold_doc, seed_text):
    assert _one(gold_doc, seed_text, "wording.stray_year")["status"] == "pass"
    # a 决算 compares with last year: a heading that says so is no stray year
    text = ("上海市普陀区财政局2024年度部门决算\n2024年度收入支出决算总表\n"
            "一、2024年度与2023年度财政拨款支出对比情况\n\t2023年度决算数\n与2023年相比，支出减少63.14万元。")
    row = _one(_final(gold_doc, 2024), text, "wording.stray_year")
    assert row["status"] == "pass" and row["detail"] == "3 title and heading(s) name the fiscal year 2024"


def test_a_heading_naming_another_year_fails_with_its_line(gold_doc):
    text = "山海关区西关街道办事处部门2020年部门预算公开说明\n2019年部门收支预算总表\n\t2019年预算数"
    row = _one(gold_doc, text, "wording.stray_year")
    assert (row["status"], row["check_kind"], row["src_line"]) == ("fail", "wording", 2)
    assert "'2019年部门收支预算总表' names 2019" in row["detail"]
    assert (row["expected"], row["actual"], row["difference"]) == (D(2020), D(2019), D(-1))


def test_stray_year_cannot_apply_when_nothing_names_a_year(gold_doc):
    facts = copy.deepcopy(gold_doc)
    facts.info.title = "山海关区西关街道办事处部门预算公开说明"
    row = _one(facts, "一、部门职责\n收支预算总表\n2020年预算收入为3566894.19元。", "wording.stray_year")
    assert row["status"] == "not_applicable"


# --- wording.empty_note -------------------------------------------------------------------------------------

_FUND_NOTE = "注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。"


def _table(title: str, cells: str, note: str) -> str:
    return f"说明\n{title}\n编制部门：上海市普陀区财政局 单位：元\n\t合计\n\t基本支出\n{cells}\n{note}\n"


def test_notes_under_their_own_empty_tables_pass(gold_doc, seed_text):
    text = _table("2025年部门政府性基金预算支出功能分类预算表", "\t\n\t0.00", _FUND_NOTE)
    row = _one(gold_doc, text, "wording.empty_note")
    assert row["status"] == "pass" and row["detail"].startswith("1 empty-table note(s)")
    # the notes form: the seed's 政府采购 section, declared empty under its blank table
    assert _one(gold_doc, seed_text, "wording.empty_note")["status"] == "pass"


def test_a_note_copied_from_another_table_fails_with_its_line(gold_doc):
    text = _table("2025年部门国有资本经营预算支出功能分类预算表", "\t", _FUND_NOTE)
    row = _one(gold_doc, text, "wording.empty_note")
    assert (row["status"], row["src_line"]) == ("fail", 7)
    assert "the note names 政府性基金, its table '2025年部门国有资本经营预算支出功能分类预算表'" in row["detail"]


def test_a_note_under_a_table_with_figures_fails(gold_doc):
    text = _table("部门“三公”经费和机关运行经费预算表", "\t47.91\n\t443.18",
                  "注:本部门2024年无“三公”经费和机关运行经费预算，故本表为空表。")
    row = _one(gold_doc, text, "wording.empty_note")
    assert row["status"] == "fail" and "holds figures: 47.91, 443.18" in row["detail"]


def test_a_declared_empty_section_whose_note_names_another_subject_fails(gold_doc):
    facts = copy.deepcopy(gold_doc)
    facts.sections = [Section("procurement", "六、政府采购预算情况", "declared_empty", "本部门无", Source(line=2))]
    row = _one(facts, "六、政府采购预算情况\n本部门无“三公”经费。", "wording.empty_note")
    assert (row["status"], row["src_line"]) == ("fail", 2) and "names “三公”经费" in row["detail"]


@pytest.mark.parametrize("text", [
    "本单位无其他需要说明的绩效目标情况。",  # nothing more to say, no table
    "2021年结转资金支出：本部门无2021年结转的政府采购资金支出，各项工作正常开展，详见上文各部分的说明。",
])
def test_empty_note_cannot_apply_without_a_note_under_a_table(gold_doc, text):
    facts = copy.deepcopy(gold_doc)
    facts.sections = []
    assert _one(facts, "说明\n" + text, "wording.empty_note")["status"] == "not_applicable"



# --- change.rate --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    # last year's amount stated: 2466.43 / 30385.62 = 8.117%
    "2026年支出预算32852.05万元，比2025年年初预算数30385.62万元增加2466.43万元，增长8.12%。",
    # this year's and the change (the amount in the sentence before): 193.25 / 1415.26 = 13.655%
    "2.社会保障和就业支出1608.51万元，主要用于离退休人员工资发放。与上年相比增加193.25万元，增长13.65%。",
    # a decrease: 947.65 / 12060.86 = 7.857%; a rate cut at its last digit (309.03 / 13347.31 = 2.3153%)
    "部门预算收入11,113.21万元，较2025年年初预算减少947.65万元，下降7.9%。\n"
    "1.公共安全（类）支出13656.34万元。与上年相比增加309.03万元，增长2.31 %。",
    # last year's amount named by its year: (25.77 - 60.13) / 60.13 = -57.14%
    "2023年当年预算执行数为60.13万元，2024年预算安排25.77万元，比2023年预算执行数减少57.14%。",
])
def test_rates_that_equal_change_over_last_years_amount_pass(gold_doc, text):
    row = _one(gold_doc, "说明\n" + text, "change.rate")
    assert (row["status"], row["check_kind"], row["severity"]) == ("pass", "change", "warning"), row["detail"]


def test_a_rate_its_figures_contradict_fails_with_line_and_values(gold_doc):
    text = ("说明\n单位预留机动经费预算数为1685.72万元。与上年相比增加1557.29万元，增长1312.56 %。\n"
            "项目支出预算数为6333.96万元。与上年相比增加480万元，增长8.2 %。")  # 480 / 5853.96 = 8.1997%: right
    row = _one(gold_doc, text, "change.rate")
    assert (row["status"], row["src_line"]) == ("fail", 2)
    # 1557.29 / (1685.72 - 1557.29) = 1212.56%
    assert row["detail"].startswith("1 of 2 stated rate(s) of change differ from the figures: line 2: "
                                    "'与上年相比增加1557.29万元，增长1312.56 %': 15572900.00 / 1284300.00 yuan is 1212.56%")
    assert (row["expected"], row["actual"], row["difference"]) == (D("1212.56"), D("1312.56"), D("100.00"))


def test_a_rate_a_hundredth_beyond_the_rounding_fails(gold_doc):
    # 1657 / (4243.61 - 1657) = 64.0607%: 64.07 is beyond rounding and cutting off
    row = _one(gold_doc, "提租补贴（项）支出4243.61万元，与上年相比增加1657万元，增加64.07 %。", "change.rate")
    assert (row["status"], row["expected"], row["actual"]) == ("fail", D("64.06"), D("64.07"))


@pytest.mark.parametrize("text", [
    "支出预算100.00万元，比上年增长8.12%。",  # one figure only: last year's and the change are not given
    "政府性基金收入预算0万元，与上年相比增加（减少）0万元，增长（减少）0%。",  # the template's choice left open
])
def test_change_rate_cannot_apply_without_two_figures(gold_doc, seed_text, text):
    assert _one(gold_doc, text, "change.rate")["status"] == "not_applicable"
    assert _one(gold_doc, seed_text, "change.rate")["status"] == "not_applicable"  # the seed states no rate


def test_a_rate_of_a_change_from_zero_is_left_out(gold_doc):
    row = _one(gold_doc, "机关运行经费支出10.23万元，比2023年度增加10.23万元，增长100.00%。", "change.rate")
    assert row["status"] == "not_applicable" and "1 rate(s) of a change from zero left out" in row["detail"]


# --- execution.final_vs_budget_wording ---------------------------------------------------------------------

_EXECUTION = ("（三）一般公共预算财政拨款支出决算具体情况\n"
              "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.20%。"
              "决算数小于预算数的主要原因：个别信息化项目调减。其中：\n"
              "1、财政事务（款）行政运行（项）。年初预算为1560.05万元，支出决算为1511.89万元。决算数小于预算数的主要原因："
              "人员进出及退休变化。\n"
              "2、财政事务（款）一般行政管理事务（项）。年初预算为10.00万元，支出决算为10.00万元。决算数与预算数基本持平。\n"
              "3、行政单位医疗（项）。全年预算为2.23万元，支出决算为2.22万元，完成全年预算数的99.55%。决算数小于全年预算数的"
              "主要原因：人员变动。\n")


def test_relations_and_completion_rates_that_match_their_figures_pass(gold_doc):
    row = _one(_final(gold_doc, 2024), _EXECUTION, "execution.final_vs_budget_wording")
    assert (row["status"], row["check_kind"], row["severity"]) == ("pass", "execution", "warning")
    assert row["detail"].startswith("4 statement(s) of final against budget")


@pytest.mark.parametrize("sentence, why, expected, actual", [
    ("年初预算为1560.05万元，支出决算为1611.89万元。决算数小于预算数的主要原因：人员变动。",
     "决算数小于预算数 yet the final 16118900.00 against the budget 15600500.00 yuan", D("15600500.00"),
     D("16118900.00")),
    ("年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.02%。决算数小于预算数的主要原因：项目调减。",
     "完成年初预算的98.02% stated, 29400500.00 / 29939200.00 yuan is 98.20%", D("98.20"), D("98.02")),
    ("年初预算为100.00万元，支出决算为98.00万元。决算数与预算数基本持平。",  # 2% of the budget: not 基本持平
     "决算数与预算数基本持平 yet the final 980000.00 against the budget 1000000.00 yuan", D("1000000.00"),
     D("980000.00")),
    ("年初预算为100.00万元，支出决算为98.00万元。决算数小于预算数。", "决算数小于预算数 with no reason stated", None, None),
])
def test_a_relation_or_rate_its_figures_contradict_fails(gold_doc, sentence, why, expected, actual):
    row = _one(_final(gold_doc, 2024), "说明\n" + sentence, "execution.final_vs_budget_wording")
    assert (row["status"], row["src_line"]) == ("fail", 2)
    assert why in row["detail"], row["detail"]
    assert (row["expected"], row["actual"]) == (expected, actual)


def test_final_vs_budget_wording_cannot_apply_without_a_statement_or_to_a_budget(gold_doc, seed_text):
    # a 决算 whose statements give figures but state no relation and no rate
    text = "说明\n“三公”经费财政拨款支出决算为0.00万元。\n年初预算为10.00万元，支出决算为10.00万元。"
    row = _one(_final(gold_doc, 2024), text, "execution.final_vs_budget_wording")
    assert row["status"] == "not_applicable"
    # a budget gets no row of this rule
    assert not [r for r in text_checks(gold_doc, _EXECUTION, "d" * 64, _row)
                if r["check_name"] == "execution.final_vs_budget_wording"]


# --- wording.punctuation, wording.doubled_word, wording.percent_decimals ------------------------------------


def test_the_seeds_punctuation_words_and_percentages_pass(gold_doc, seed_text):
    for name, detail in (("wording.punctuation", "punctuation mark(s): none doubled, no two adjacent"),
                         ("wording.doubled_word", "use(s) of the words a slip may double: none doubled"),
                         ("wording.percent_decimals", "48 percentage(s): none with more than 2 decimals")):
        row = _one(gold_doc, seed_text, name)
        assert row["status"] == "pass" and detail in row["detail"], (name, row["detail"])
    # an ellipsis (。。。), a TOC leader line and marks on two lines are no doubled marks
    text = "目录\n一、部门职责……………3\n说明。。。\n主要原因：\n，人员增加。"
    assert _one(gold_doc, text, "wording.punctuation")["status"] == "pass"
    assert _one(gold_doc, "比2025年年初预算减少，达到目的的", "wording.doubled_word")["status"] == "pass"
    # a performance target's bound is no computed share
    assert _one(gold_doc, "系统可用率≥99.999%，占比20.51%", "wording.percent_decimals")["status"] == "pass"


@pytest.mark.parametrize("name, text, shown", [
    ("wording.punctuation", "说明\n工资由社保部门统一发放，减少了该项支出。。", "line 2: '统一发放，减少了该项支出。。'"),
    ("wording.punctuation", "说明\n主要原因是人员增加，。", "'主要原因是人员增加，。'"),
    ("wording.doubled_word", "说明\n较上年增加314.25万元万元。", "line 2: '增加314.25万元万元。'"),
    ("wording.doubled_word", "说明\n一般公共预算财政拨款财政拨款支出", "财政拨款财政拨款"),
    ("wording.percent_decimals", "说明\n基本支出占79.495%。", "'79.495%'"),
])
def test_a_format_slip_fails_with_its_line(gold_doc, name, text, shown):
    row = _one(gold_doc, text, name)
    assert (row["status"], row["src_line"], row["check_kind"]) == ("fail", 2, "wording")
    assert row["detail"].startswith("1 ") and shown in row["detail"], row["detail"]
    assert row["severity"] == ("info" if name == "wording.percent_decimals" else "warning")


@pytest.mark.parametrize("name", ["wording.punctuation", "wording.doubled_word", "wording.percent_decimals"])
def test_format_rules_cannot_apply_to_a_text_without_what_they_read(gold_doc, name):
    # the cells of a table: no punctuation mark, none of the words, no percentage
    assert _one(gold_doc, "\t101\n\t一般公共服务\n\t2940.05", name)["status"] == "not_applicable"


# --- text.zero_total ----------------------------------------------------------------------------------------


def test_a_stated_non_zero_total_passes(gold_doc):
    row = _one(gold_doc, "说明\n江苏省人大常委会办公厅2017年度收入、支出预算总计13649.07万元。", "text.zero_total")
    assert (row["status"], row["check_kind"]) == ("pass", "wording")


def test_a_zero_total_in_a_document_with_figures_fails(gold_doc):
    row = _one(gold_doc, "说明\n上海市XX局2024年度收入支出总计0万元。", "text.zero_total")
    assert (row["status"], row["src_line"]) == ("fail", 2)
    largest = max(t.amount_yuan for t in gold_doc.stated_totals)
    assert (row["expected"], row["actual"], row["difference"]) == (largest, D(0), -largest)
    assert "'收入支出总计0万元'" in row["detail"]


def test_zero_total_cannot_apply_without_the_documents_own_total(gold_doc, seed_text):
    # a unit without appropriations may state a 财政拨款 total of zero: that is not the document's own total
    for text in ("说明\n2024年度财政拨款收入支出总计0万元。", "本部门政府性基金预算收支总计0.00万元。"):
        assert _one(gold_doc, text, "text.zero_total")["status"] == "not_applicable"
    assert _one(gold_doc, seed_text, "text.zero_total")["status"] == "not_applicable"


# --- on real documents (../shared/real, read when present) -------------------------------------------------


def _real(name: str):
    path = PDF_DIR / name
    if not path.exists():
        pytest.skip("../shared/real not present")
    doc = read_path(path)
    return extract(doc), doc.text


@pytest.mark.shared
def test_a_real_budgets_wrong_rate_and_doubled_mark_are_found_and_its_right_rates_pass():
    facts, text = _real("jiangsu_sheng_npc-office_2018_ys.pdf")
    rate = _one(facts, text, "change.rate")
    # 18 rates read; one wrong: 1557.29 / (1685.72 - 1557.29) = 1212.56%, printed 1312.56%
    assert (rate["status"], rate["src_line"]) == ("fail", 1188) and rate["detail"].startswith("1 of 18 ")
    assert (rate["expected"], rate["actual"]) == (D("1212.56"), D("1312.56"))
    marks = _one(facts, text, "wording.punctuation")
    assert (marks["status"], marks["src_line"]) == ("fail", 1260) and "该项支出。。" in marks["detail"]
    assert _one(facts, text, "wording.doubled_word")["status"] == "pass"


@pytest.mark.shared
def test_a_real_final_accounts_relations_and_completion_rates_pass():
    facts, text = _real("shanghai_putuo_shehui-gongzuobu_2024_js.pdf")
    row = _one(facts, text, "execution.final_vs_budget_wording")
    # 全年预算为2.23万元，支出决算为2.22万元 … 决算数小于全年预算数: 0.01 apart is smaller
    assert (row["status"], row["detail"][:2]) == ("pass", "10")
    rate = _one(facts, text, "change.rate")  # each rate is of a change from zero (a unit new in 2024)
    assert rate["status"] == "not_applicable" and "4 rate(s) of a change from zero" in rate["detail"]
