"""The rulebook: every check a document gets, declared once with its id, titles, kind, severity, tolerance,
the kinds of document it applies to and the GovBudgetChecker rules it covers (../shared/research).

A rule's id is the ``check_name`` of its rows in raw.validation_results (and marts.dq_check_results); a
family (``schema``, ``completeness``, ``identity.function_total`` …) names its rows ``<id>.<part>``
(``schema.projects``, ``identity.function_total.general_public_budget``). The most specific rule wins:
``schema.documents.undecodable_bytes`` is a rule of its own inside the ``schema`` family. The checks take
their kind and severity from here (``rule_of``); ``docs/rulebook.md`` is written from here
(``budget-etl rulebook``) and a test holds it current.

Severity belongs to the rule, not to one outcome: a failed identity is a warning (official documents contain
slips; the data loads), a failed schema check an error. A blank is never a zero: a rule whose figures are
blank says ``insufficient_data``, one whose figures the document does not have ``not_applicable``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from budget_etl.catalog.identities import IDENTITIES

BOTH = ("budget", "final_accounts")
ROUNDING = ("印刷单位 0.01 的舍入：每个加数与合计各半个 0.01（万元表为 50 元），元表须分毫不差",
            "rounding of 0.01 of the printed unit: half of it per part and for the total (50 yuan in a 万元 "
            "table); a table in 元 adds up to the fen")
EXACT = ("精确比较", "exact")


@dataclass(frozen=True)
class Rule:
    id: str  # the check_name of its rows; a family's rows are <id>.<part>
    zh: str
    en: str
    kind: str  # vocab.CHECK_KINDS
    severity: str  # vocab.SEVERITIES, of the rule whatever its outcome
    tolerance: tuple[str, str] = EXACT  # zh, en
    applies_to: tuple[str, ...] = BOTH  # vocab.DOC_KINDS
    counterparts: tuple[str, ...] = ()  # GovBudgetChecker rule ids it covers (in full or in part)
    family: bool = False
    suggestion_zh: str = "核对合计与各分项：更正计算或抄录错误，使合计等于各分项之和。"  # what the unit should do


# GovBudgetChecker rules an identity of the catalog covers
_IDENTITY_COUNTERPARTS = {
    "revenue_total": ("V33-005", "V33-240"),
    "expenditure_total": ("V33-005", "V33-241", "BUD-102"),
    "basic_total": ("V33-243", "BUD-103"),
    "operating_expense_total": ("V33-005",),
    "three_public_total": ("V33-244", "BUD-104"),
    "three_public_change": (),
    "project_expenditure": ("BUD-108",),
    "project_funding": (),
    "asset_total": ("V33-005",),
}

RULES: tuple[Rule, ...] = (
    Rule("schema", "字段类型、代码与取值范围", "Types, codes and ranges of every extracted value (pandera)",
         "schema", "error", counterparts=("V33-004", "V33-232"), family=True,
         suggestion_zh="核对该值在文件中的写法（金额、代码、百分比），更正后重新发布。"),
    Rule("schema.documents.undecodable_bytes", "文本含无法解码的字节", "Bytes of the text its reader could not decode",
         "schema", "warning", suggestion_zh="文件含无法识别的字符：以 UTF-8 或原始格式重新导出文件。"),
    Rule("completeness", "核心内容有数字：提到金额的主题须有事实，或声明为空",
         "A core subject the text gives amounts for has facts, or is declared empty", "completeness", "warning",
         counterparts=("V33-002", "BUD-001"), family=True,
         suggestion_zh="补充该部分的表格或数字；本部门确无此项时，在文件中说明（如“本部门无…，故本表无数据”）。"),
    *(Rule(f"identity.{i.name}", i.zh, i.en, "identity", "warning", ROUNDING,
           counterparts=_IDENTITY_COUNTERPARTS[i.name]) for i in IDENTITIES),
    Rule("identity.revenue_equals_expenditure", "收支总表：收入总计 = 支出总计",
         "收支总表: revenue grand total = expenditure grand total", "identity", "warning", ROUNDING,
         counterparts=("V33-115", "V33-214", "BUD-101"),
         suggestion_zh="核对收支总表两侧：收入总计应等于支出总计。"),
    Rule("identity.function_total", "功能分类表：最高一级各行之和 = 合计（按资金范围）",
         "By-function table: the top-level rows add up to its 合计 (per fund scope)", "identity", "warning",
         ROUNDING, counterparts=("V33-005", "V33-241"), family=True,
         suggestion_zh="核对功能分类表：合计行应等于最高一级各科目之和。"),
    Rule("identity.function_parents", "功能分类表：类 = 其下各款之和，款 = 其下各项之和",
         "By-function table: each class (类) = its sections (款), each section = its items (项)", "identity",
         "warning", ROUNDING, counterparts=("V33-120",), family=True,
         suggestion_zh="核对所列科目：类应等于其下各款之和，款应等于其下各项之和。"),
    Rule("identity.economic_total", "经济分类表：各类（301、302 …）之和 = 本表合计（按资金范围）",
         "By-economic-class table: its classes (301, 302 …) add up to the table's own 合计 (per fund scope)",
         "identity", "warning", ROUNDING, counterparts=("V33-243", "V33-005"), family=True,
         suggestion_zh="核对基本支出经济分类表：合计行应等于各类（工资福利支出、商品和服务支出等）之和。"),
    Rule("identity.economic_parents", "经济分类表：类 = 其下各款之和",
         "By-economic-class table: each class (类, 301) = its sections (款, 30101 …)", "identity", "warning",
         ROUNDING, counterparts=("V33-243",), family=True,
         suggestion_zh="核对经济分类表所列科目：类应等于其下各款之和，补齐漏列的款或更正金额。"),
    Rule("identity.economic_personnel", "经济分类表：人员经费 = 工资福利支出（301）+ 对个人和家庭的补助（303）",
         "By-economic-class table: 人员经费 as it states it = 工资福利支出 (301) + 对个人和家庭的补助 (303)",
         "identity", "warning", ROUNDING, counterparts=("V33-117", "V33-243"), family=True,
         suggestion_zh="核对人员经费合计：应等于工资福利支出与对个人和家庭的补助之和；其余经济分类计入公用经费。"),
    Rule("identity.text_vs_table", "正文所述数字 = 表格中的同一数字", "A figure the text states = the same figure "
         "in its table", "identity", "warning", ROUNDING,
         counterparts=("CMM-001", "V33-108", "V33-224", "V33-244", "BUD-107"), family=True,
         suggestion_zh="正文与表格中的同一数字不一致：以表格为准核对正文，或更正表格。"),
    Rule("wording.template_leftover", "无模板残留：XX、××、{单位}、待填写等占位符",
         "No template leftovers: placeholders such as XX, ××, {单位}, 待填写", "wording", "warning",
         counterparts=("V33-112", "BUD-002"), suggestion_zh="将模板占位符替换为实际的单位名称、年度或数字。"),
    Rule("change.reason_stated", "“三公”经费增减 10% 以上（或由零增加）须说明原因",
         "A 三公 item that changed by 10% or more on last year (or from zero) states a reason", "change",
         "warning", ("按文件所述金额精确计算比例", "the share worked out exactly from the stated amounts"),
         counterparts=("V33-110",), suggestion_zh="对增减 10% 以上（或由零增加）的“三公”经费项目说明增减原因。"),
    Rule("execution.three_public_within_budget", "“三公”经费决算数不超过预算数，超过的须说明原因（逐类）",
         "Each 三公 item's final figure is within its budget figure, or the document says why not", "execution",
         "warning",
         applies_to=("final_accounts",), counterparts=("V33-244",),
         suggestion_zh="核对“三公”经费的预算数与决算数；确属超支的，在说明中写明原因。"),
    # --- the table rules of the national table set (validate/table_rules.py) ---
    Rule("identity.revenue_balance", "收支总表：收入总计 = 本年收入合计 + 年初结转和结余（+ 使用非财政拨款结余）",
         "收支总表 (and each fund column of the 财政拨款收支总表): revenue grand total = this year's revenue + the "
         "balance brought forward (+ non-appropriation balance used)", "identity", "warning", ROUNDING,
         counterparts=("V33-115", "V33-242", "V33-119"),
         suggestion_zh="核对收支总表（及财政拨款收支总表各列）收入方：收入总计应等于本年收入合计加年初结转和结余"
                       "（及使用非财政拨款结余）；空白的结转行如实为零的，填写 0。"),
    Rule("identity.expenditure_balance", "收支总表：支出总计 = 本年支出合计 + 年末结转和结余（+ 结余分配）",
         "收支总表 (and each fund column of the 财政拨款收支总表): expenditure grand total = this year's spending + "
         "the balance carried forward (+ balance distribution)", "identity", "warning", ROUNDING,
         counterparts=("V33-101", "V33-115", "V33-242", "V33-119"),
         suggestion_zh="核对收支总表（及财政拨款收支总表各列）支出方：支出总计应等于本年支出合计加年末结转和结余"
                       "（及结余分配）；空白的结转行如实为零的，填写 0。"),
    Rule("chain.revenue_summary", "收入总表合计 = 收支总表本年收入合计", "收入总表 total = the 收支总表's revenue "
         "of the year (its grand total where the 收入总表 prints the balance brought forward)", "identity", "warning",
         ROUNDING, counterparts=("V33-200",),
         suggestion_zh="核对收入总表合计行与收支总表的本年收入合计（收入总表含上年结转列时为收入总计），更正抄录错误。"),
    Rule("chain.expenditure_summary", "支出总表合计 = 收支总表本年支出合计", "支出总表 total = the 收支总表's "
         "spending of the year (its grand total where the 支出总表 prints the balance carried forward)", "identity",
         "warning", ROUNDING, counterparts=("V33-201", "BUD-105"),
         suggestion_zh="核对支出总表合计行与收支总表的本年支出合计（支出总表含结转下年列时为支出总计），更正抄录错误。"),
    Rule("chain.basic_expenditure", "基本支出表合计 = 同一资金范围表格的基本支出",
         "Basic-expenditure table total = the 基本支出 of a table of the same fund scope (支出总表 for all funds, "
         "the table by function for 一般公共预算 / 财政拨款)", "identity", "warning", ROUNDING,
         counterparts=("V33-203", "BUD-105"),
         suggestion_zh="核对基本支出表合计与同一资金范围（全部资金或一般公共预算）表格中的基本支出，更正不一致之处。"),
    Rule("chain.fiscal_expenditure", "财政拨款收支总表本年支出 = 财政拨款（一般公共预算）支出表合计",
         "财政拨款收支总表: this year's spending (and its 一般公共预算 column) = the total of the 财政拨款 (一般公共预算) "
         "table by function", "identity", "warning", ROUNDING, counterparts=("V33-202", "BUD-105"),
         suggestion_zh="核对财政拨款收支总表的本年支出合计（一般公共预算列）与一般公共预算（财政拨款）支出表合计，更正不一致之处。"),
    # --- table rules, second block (validate/table_rules.py): V33-204, V33-122, the row part of V33-119/240/241 ---
    Rule("chain.fiscal_revenue", "收入总表财政拨款 = 财政拨款收支总表本年收入合计",
         "收入总表: its 财政拨款 column (else 一般公共预算 + 政府性基金 + 国有资本经营) of the 合计 row = the "
         "财政拨款收支总表's revenue of the year", "identity", "warning", ROUNDING, counterparts=("V33-204",),
         suggestion_zh="核对收入总表合计行的财政拨款（一般公共预算等各项拨款）与财政拨款收支总表的本年收入合计，更正抄录错误。"),
    Rule("completeness.empty_fund_tables", "无政府性基金（国有资本经营）拨款的，其支出表无数字；有数字的，总表有该项拨款",
         "A fund (政府性基金, 国有资本经营) the 财政拨款收支总表 shows no money of has an empty 财政拨款支出表, and a fund "
         "table with figures has its money in the 财政拨款收支总表", "completeness", "warning",
         ("有无之比（零对非零）；总表空白的资金是否为零，以其余资金之和是否等于合计（印刷单位 0.01 的舍入）判断",
          "zero against non-zero; a blank fund of the 总表 is zero when the other funds already make its total "
          "(within the rounding of 0.01 of the printed unit)"),
         counterparts=("V33-122",),
         suggestion_zh="核对财政拨款收支总表的政府性基金（国有资本经营）拨款与该项资金的财政拨款支出表：无此项拨款的，"
                       "支出表应为空表并注明；有支出的，总表应列示该项拨款。"),
    Rule("identity.row_total_parts", "每行合计 = 各分项之和（基本支出 + 项目支出；财政拨款收支总表各资金列）",
         "Each row's 合计 = its parts: 基本支出 + 项目支出 in every row of a table by function and in every table's "
         "total row (人员经费 + 公用经费 in a basic table; the funds in the 财政拨款收支总表)", "identity", "warning",
         ROUNDING, counterparts=("V33-119", "V33-240", "V33-241", "BUD-102"),
         suggestion_zh="核对该行：合计应等于基本支出与项目支出之和（财政拨款收支总表中为各资金列之和），更正计算或抄录错误。"),
    # the text rules (validate/text_rules.py)
    Rule("change.direction", "增减方向（增加/减少/持平）与所述数字一致",
         "A stated change's direction (增加 / 减少 / 持平) matches its figures", "change", "warning",
         ("印刷单位 0.01 的舍入：两年数字之差在舍入之内为持平；“基本持平”容许不足上年数 1% 的变化",
          "rounding of 0.01 of the printed unit: figures within their rounding are 持平; 基本持平 allows a "
          "change under 1% of last year's amount"),
         counterparts=("CMM-005", "CMM-006", "V33-110"),
         suggestion_zh="核对增减额与两年数字：方向词（增加、减少、持平）应与数字一致，增减为零时写“持平”。"),
    Rule("text.share", "正文所述占比 = 金额 ÷ 其总额", "A share stated in the text = its amount over its whole",
         "identity", "warning",
         ("百分比末位的舍入，加上金额与总额各半个 0.01 印刷单位", "rounding of the printed percentage's last "
          "digit, plus half of 0.01 of the printed unit on the amount and on the whole"),
         counterparts=("V33-103", "V33-104", "V33-106"),
         suggestion_zh="按金额除以总额重新计算占比（保留两位小数），更正正文中的百分比或金额。"),
    Rule("wording.stray_year", "标题与各级标题、表名所署年度为本文件年度（与上年对比的标题除外）",
         "The title and the headings name the document's fiscal year (a heading comparing with last year "
         "excepted)", "wording", "warning", counterparts=("V33-001", "BUD-003"),
         suggestion_zh="将标题或表名中的年度改为本文件的预算（决算）年度。"),
    Rule("wording.empty_note", "空表说明写明本表的内容，且本表确无数字",
         "An empty-table note names its own table's subject, and its table holds no figures", "wording",
         "warning", counterparts=("V33-109", "V33-114", "BUD-106"),
         suggestion_zh="空表说明应写明本表的内容（如“本部门无国有资本经营预算财政拨款支出，故本表无数据”）；表内有数字时删去该说明。"),
    # more text rules (validate/text_rules.py): rates, 决算 against 预算, format
    Rule("change.rate", "所述增减幅度（增长/下降 %）= 增减额 ÷ 上年数", "A stated rate of change (增长 / 下降 %) = the "
         "change over last year's amount, from the figures of its statement", "change", "warning",
         ("百分比末位的一半，加上所用金额各半个 0.01 印刷单位（上年数由本年数与增减额推得时两者之和）",
          "half of the printed percentage's last digit, plus half of 0.01 of the printed unit on each amount "
          "used (both, when last year's is worked out from this year's and the change)"),
         counterparts=("V33-110", "CMM-006"),
         suggestion_zh="按增减额除以上年数重新计算增减幅度（保留两位小数），更正百分比或金额。"),
    Rule("execution.final_vs_budget_wording", "决算说明中“决算数大于/小于/持平预算数”及完成预算的比例与所列数字一致",
         "In a 决算, the stated relation of the final figure to the budget (大于 / 小于 / 等于 / 基本持平) and the "
         "completion rate match the two figures; a difference states its reason", "execution", "warning",
         ("印刷单位 0.01 的舍入；“基本持平”容许不足预算数 1% 的差额；完成率容许百分比末位的一半及金额的舍入",
          "rounding of 0.01 of the printed unit; 基本持平 allows a difference under 1% of the budget; the "
          "completion rate half of its last digit plus the rounding of the amounts"),
         applies_to=("final_accounts",), counterparts=("V33-110",),
         suggestion_zh="核对年初（全年）预算数与决算数：“大于/小于/持平”的表述和完成预算的比例应与数字一致，"
                       "决算数与预算数不同的写明主要原因。"),
    Rule("wording.punctuation", "标点：无重复标点（，，/。。）或相邻的两个标点（，。）",
         "Punctuation: no doubled mark (，， / 。。) and no two different marks side by side (，。)", "wording",
         "warning", counterparts=("V33-113",), suggestion_zh="删去多余的标点符号。"),
    Rule("wording.doubled_word", "无重复词语（预算预算、决算决算、财政拨款财政拨款等）",
         "No doubled word (预算预算, 决算决算, 财政拨款财政拨款 and the others of a declared list)", "wording",
         "warning", counterparts=("CMM-002",), suggestion_zh="删去重复的词语。"),
    Rule("wording.percent_decimals", "百分比最多保留两位小数", "A percentage is printed with at most 2 decimals",
         "wording", "info", counterparts=("V33-232",), suggestion_zh="百分比保留两位小数。"),
    Rule("text.zero_total", "正文所述收入支出总计不为零（文件有数字时）",
         "The 收入支出总计 the text states is not zero when the document holds figures", "wording", "warning",
         counterparts=("V33-111",),
         suggestion_zh="正文中的收入支出总计为 0：按收支总表填写实际的收入支出总计。"),
)

# GovBudgetChecker rules (§1.1–1.6 of ../shared/research/govbudgetchecker_rules.md) that no rule above covers,
# and why (zh, en): tests/test_rulebook.py holds each rule of that list to a counterpart above or a line here.
_NARRATIVE_TOTALS = (
    "正文中的总体数字（收入支出总计、本年收入合计、基本支出、财政拨款支出等）未抽取：各地模板的句式差异很大（如政府性基金一节的“收入预算总计0万元”、"
    "说明上年增减的“基本支出减少…万元”），无法可靠地判断所指，宁可不比也不误报",
    "the overall figures as the narrative states them (收入支出总计, 本年收入合计, 基本支出, 财政拨款支出 …) are not "
    "extracted: the sentences vary too much between templates (a fund section's 收入预算总计0万元, last year's "
    "change 基本支出减少…万元) to tell which figure is meant, so no comparison is made rather than a doubtful one")
NOT_COVERED: dict[str, tuple[str, str]] = {
    "V33-121": ("原规则为空壳，不作任何计算", "a stub there: it computes nothing and never reports"),
    "V33-003": ("页数与文件大小不反映内容；无法读取或没有金额的文件以其原因进入隔离区",
                "page count and file size say nothing a unit can correct; a file that cannot be read or holds no "
                "amount is quarantined with its reason (unreadable, template_without_amounts …)"),
    "V33-230": ("原规则要求空白的“三公”单元格补 0；本系统从不把空白当作 0，分项空白的规则给出 insufficient_data，声明为空的表以其说明为 0",
                "it asks units to print 0 in blank 三公 cells: a blank is never read as 0 here; a rule whose parts "
                "are blank says insufficient_data, and a table declared empty is an explicit 0 sourced at its note"),
    "CMM-003": ("目录所列表格数与正文表格数未比较；目录列出而正文缺少的表，表现为该主题无数字（completeness）",
                "the contents list's count of tables is not compared with the body; a table listed but missing "
                "shows as a subject without facts (completeness)"),
    "CMM-004": ("收入表未按功能分类抽取，无法逐科目核对收入与支出", "revenue is not extracted by function class, so "
                "the 收入 and 支出 tables cannot be compared code by code"),
    **{rule_id: _NARRATIVE_TOTALS for rule_id in
       ("V33-102", "V33-105", "V33-107", "V33-220", "V33-221", "V33-222", "V33-223", "V33-225", "V33-226")},
}

_BY_ID = {rule.id: rule for rule in RULES}


def rule_of(check_name: str) -> Rule:
    """The rule of a check row: the rule of that id, else the most specific family it belongs to."""
    name = check_name
    while name:
        rule = _BY_ID.get(name)
        if rule is not None and (rule.family or name == check_name):
            return rule
        name = name.rpartition(".")[0]
    raise KeyError(f"check {check_name!r} has no rule in the rulebook (budget_etl.validate.rulebook)")



SEED_COLUMNS = ("rule_id", "is_family", "title_zh", "title_en", "check_kind", "severity", "tolerance_zh",
                "tolerance_en", "applies_to", "counterparts", "suggestion_zh")


def seed_csv() -> str:
    """The rulebook as the dbt seed ``rules`` (dbt_project/seeds/rules.csv, written by `budget-etl catalog
    --write`), so that the marts name each check's rule, title and suggestion."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEED_COLUMNS)
    for r in RULES:
        writer.writerow([r.id, str(r.family).lower(), r.zh, r.en, r.kind, r.severity, *r.tolerance,
                         " ".join(r.applies_to), " ".join(r.counterparts), r.suggestion_zh])
    return out.getvalue()
