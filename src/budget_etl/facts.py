"""The facts extracted from one disclosure: the contract between extractors, validation and the warehouse,
and the catalog of the fact tables.

Each record class is the row of one staging table in schema ``raw``: ``document_id`` followed by the
record's fields, with ``src`` flattened into ``src_line``, ``src_table``, ``src_row``, ``src_col``,
``src_page`` and ``src_file``. Each field declares its column (``col``/``money``/``pct``: Chinese and
English description, vocabulary, checks), each class its table (``@table``: description, grain, key).
The table's name is the name of the ``ExtractedDocument`` list that holds its rows; ``budget_etl.catalog``
derives the DDL, the pandera schemas and the dbt sources from here. Money is ``Decimal`` in yuan (元),
never float. ``None`` means the document leaves the value empty; it is never replaced by zero.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from budget_etl.catalog import declare, vocab
from budget_etl.catalog.declare import col, embed, flattener, money, pct, table

_POSITION = {"ge": 1}  # 1-based positions and item numbers


@dataclass(frozen=True)
class Source:
    """Where a value was read. ``line`` is the 1-based line of the document's normalised text (for docx, its
    txt-form rendering); ``table``/``row``/``col`` are 1-based and set for values read from a table cell;
    ``page`` for formats that have pages, ``file`` for a document published as several files."""

    # declare.col, not col: the field named col hides the function inside this class
    line: int | None = declare.col("来源行号（规范化文本）", "Source line in the normalised text", default=None,
                                   **_POSITION)
    table: int | None = declare.col("来源表格序号", "Source table number", default=None, **_POSITION)
    row: int | None = declare.col("来源表格行号", "Source row in the table", default=None, **_POSITION)
    col: int | None = declare.col("来源表格列号", "Source column in the table", default=None, **_POSITION)
    page: int | None = declare.col("来源页码（PDF）", "Source page, for formats that have pages (PDF)",
                                   default=None, **_POSITION)
    # a document published as several files (正文 + 附表): which of them, as the manifest names it
    file: str | None = declare.col("来源文件（多文件公开时）", "Source file, for a document published as several files",
                                   default=None)

    def describe(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(f"file {self.file}")
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.table is not None:
            parts.append(f"table {self.table} row {self.row} col {self.col}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts) or "unknown place"


SRC = "src_"  # prefix of the provenance columns
_SOURCE_FIELDS = [f.name for f in dataclasses.fields(Source)]


def measure_col():
    """The ``measure`` column of the money tables: which figure a 决算 row is (``fill_main_measure`` sets a
    document's main one where the template leaves it None)."""
    return col("数字口径：预算数、调整预算数或决算数（文件主数字：预算为 budget，决算为 final）",
               "Which figure: budget, adjusted_budget or final (a document's main figure: budget for a "
               "budget, final for final accounts)", vocab=vocab.MEASURES, default=None,
               backfill="budget")  # before measures, every loaded document was a budget


def source_of(row: dict) -> Source:
    """The Source of a staging row (its ``src_*`` columns; one it lacks is None)."""
    return Source(**{name: row.get(SRC + name) for name in _SOURCE_FIELDS})


@dataclass
class DocumentInfo:
    """Identity of a disclosure: who published it, for which year, of which kind (part of raw.documents)."""

    title: str = col("文件标题", "Title of the document", str_length={"min_value": 1})
    doc_kind: str = col("文件类型", "Kind of disclosure", vocab=vocab.DOC_KINDS)
    fiscal_year: int = col("预算（决算）年度", "Fiscal year", in_range={
        "min_value": vocab.FIRST_FISCAL_YEAR, "max_value": vocab.LAST_FISCAL_YEAR})
    office_name: str = col("部门名称（如 山海关区西关街道办事处）", "Office name as the title prints it",
                           str_length={"min_value": 1})
    unit_code: str | None = col("单位编码（如 611002）", "Budget unit code", str_matches=vocab.UNIT_CODE)
    unit_full_name: str | None = col("单位全称", "Full name of the budget unit")
    district: str | None = col("区县", "District")
    city: str | None = col("地级市", "City")
    province: str | None = col("省", "Province")
    # the largest unit amounts are stated in: 元, 千元, 万元, 百万元 or 亿元 (stored values are always yuan)
    currency_unit: str = col("文件所用最大的金额单位；入库金额一律为元",
                             "Largest unit the document states amounts in; stored amounts are always yuan",
                             vocab=vocab.CURRENCY_UNITS)
    overall_goal_zh: str | None = col("部门整体绩效目标", "Overall performance goal of the office")
    new_assets_budgeted: bool | None = col("是否安排新增资产", "Whether new assets are budgeted")
    is_synthetic: bool = col("是否为合成（测试）文件", "Whether the document is synthetic (generated for tests)")
    src: Source = embed(SRC)
    # department (部门预算: the department with its units, consolidated) | unit (单位预算: one unit) | None
    # when the document does not say; two documents of different scope are never added together
    scope: str | None = col("文件范围：部门（汇总）或单位", "Scope: the department (consolidated) or one unit",
                            vocab=vocab.SCOPES, default=None)
    template: str | None = col("读取本文件的模板（如 notes_budget、national_tables）",
                               "Template that read the document (e.g. notes_budget, national_tables)", default=None)
    # the office's division (extract/divisions.py): from its names, never guessed
    adcode: str | None = col("行政区划代码（6位，如 130303；省 310000、市 310100）",
                             "National division code, 6 digits (a province 310000, a city 310100)",
                             str_matches=vocab.ADCODE, default=None)
    admin_level: str | None = col("行政层级", "Level of government of the office", vocab=vocab.ADMIN_LEVELS,
                                  default=None)
    # the name as it is compared (readers/normalize.py name_key): office_id, aliases and office types use it,
    # so that a Traditional spelling (a mirror site's) is the same office; office_name stays as printed
    office_name_simplified: str | None = col("部门名称的比对写法：简体、去空白（部门键据此计算）",
                                             "The office name as compared: Simplified characters, no whitespace "
                                             "(the office key is computed from it)", default=None)


@table(zh="文件自述的合计数", en="Totals and subtotals as the document states them",
       grain="one row per document, stated total and measure", key=("document_id", "metric", "measure"),
       staging_model="stg_budget__stated_totals")
@dataclass
class StatedTotal:
    """A total or subtotal the document states, checked against the sum of its parts."""

    metric: str = col("合计数指标", "Which total", vocab=vocab.TOTAL_METRICS)
    label_zh: str = col("文件中的名称", "Label in the document")
    amount_yuan: Decimal = money("金额（元）", "Amount in yuan")
    src: Source = embed(SRC)
    measure: str = measure_col()


@table(zh="文件自述的数量", en="Counts the document states (not money): projects, vehicles, equipment",
       grain="one row per document, count metric and measure", key=("document_id", "metric", "measure"),
       staging_model="stg_budget__stated_counts")
@dataclass
class StatedCount:
    """A count the text states (编报绩效目标的项目共4个, 共有车辆7辆, 单价100万元以上设备0台（套））."""

    metric: str = col("数量指标", "Which count", vocab=vocab.COUNT_METRICS)
    count: int = col("数量", "The count as stated", ge=0)
    label_zh: str = col("文件中的原文", "The words of the document")
    # equipment counts name their unit-price threshold (单价100万元以上 / 单价20万元以上): kept, never compared away
    threshold_yuan: Decimal | None = money("单价限额（元）；仅设备台（套）数", "Unit-price threshold in yuan (equipment only)")
    src: Source = embed(SRC)
    measure: str = measure_col()


@table(zh="收入来源", en="Revenue by source", grain="one row per document and revenue line",
       key=("document_id", "revenue_source", "label_zh", "measure"), staging_model="stg_budget__revenue_lines")
@dataclass
class RevenueLine:
    revenue_source: str = col("收入来源", "Source of revenue", vocab=vocab.REVENUE_SOURCES)
    label_zh: str = col("文件中的名称", "Label in the document")
    amount_yuan: Decimal = money("金额（元）", "Amount in yuan")
    src: Source = embed(SRC)
    measure: str = measure_col()


@table(zh="支出构成", en="Expenditure by class and type", grain="one row per document and expenditure line",
       key=("document_id", "expenditure_class", "expenditure_type", "label_zh", "measure"),
       staging_model="stg_budget__expenditure_lines")
@dataclass
class ExpenditureLine:
    expenditure_class: str = col("支出类别", "Class of expenditure", vocab=vocab.EXPENDITURE_CLASSES)
    expenditure_type: str = col("支出类型", "Type of expenditure", vocab=vocab.EXPENDITURE_TYPES)
    label_zh: str = col("文件中的名称", "Label in the document")
    amount_yuan: Decimal = money("金额（元）", "Amount in yuan")
    src: Source = embed(SRC)
    measure: str = measure_col()
    # the national table set reads 人员经费 and 公用经费 from a basic table that is often of 财政拨款 or 一般公共
    # 预算 only, while the 支出总表's 基本支出 covers all funds: the two never add up as if of one scope
    fund_scope: str | None = col("资金范围：取自哪个资金范围的表（空：全部资金或文件未说明）",
                                 "Money the figure covers: the fund scope of its table (null: all funds or not stated)",
                                 vocab=vocab.FUND_SCOPES, default=None)


@table(zh="文件自述的比上年增减", en="Changes on last year as the document states them",
       grain="one row per document and metric", key=("document_id", "metric"))
@dataclass
class StatedChange:
    """A change on last year as the document states it; positive is an increase."""

    metric: str = col("增减指标", "Figure whose change is stated", vocab=vocab.CHANGE_METRICS)
    change_yuan: Decimal = money("比上年增减（元，增加为正）", "Change on last year in yuan, positive for an increase",
                                 signed=True)
    current_yuan: Decimal | None = money("本年数（元）", "This year's figure in yuan")
    prior_year_yuan: Decimal | None = money("上年数（元，本年数减增减额推得）",
                                            "Last year's figure in yuan, derived: current minus change")
    src: Source = embed(SRC)


@table(zh="机关运行经费明细", en="Items of the operating expenses (机关运行经费)",
       grain="one row per document, item and measure", key=("document_id", "item_no", "measure"))
@dataclass
class OperatingExpense:
    """One item of 机关运行经费."""

    item_no: int = col("序号", "Item number in the document", **_POSITION)
    item_name_zh: str = col("明细名称", "Name of the item")
    amount_yuan: Decimal = money("金额（元）", "Amount in yuan")
    src: Source = embed(SRC)
    measure: str = measure_col()


@table(zh="“三公”经费", en="The 三公 costs: amount, stated change on last year and its reason",
       grain="one row per document, category and measure", key=("document_id", "category", "measure"))
@dataclass
class ThreePublicCost:
    """One of the "三公" items: amount, stated change on last year and its reason."""

    category: str = col("“三公”经费类别", "Category", vocab=vocab.THREE_PUBLIC_CATEGORIES)
    category_zh: str = col("文件中的名称", "Name in the document")
    amount_yuan: Decimal = money("金额（元）", "Amount in yuan")
    change_yuan: Decimal | None = money("比上年增减（元）", "Stated change on last year in yuan", signed=True)
    prior_year_yuan: Decimal | None = money("上年数（元，推得）", "Last year's amount in yuan, derived")
    change_reason_zh: str | None = col("增减原因", "Reason the document gives for the change")
    src: Source = embed(SRC)
    measure: str = measure_col()


@table(zh="部门职责及绩效评价标准", en="Duties with their targets and performance grading thresholds",
       grain="one row per document and duty", key=("document_id", "duty_no"))
@dataclass
class Duty:
    """A duty (部门职责) with its targets and the performance grading thresholds."""

    duty_no: int = col("职责序号", "Duty number", **_POSITION)
    duty_name_zh: str = col("职责名称", "Name of the duty")
    responsibility_zh: str | None = col("职责内容", "What the duty covers")
    duty_targets_zh: str | None = col("职责目标", "Targets of the duty")
    performance_goal_zh: str | None = col("绩效目标", "Performance goal")
    performance_indicators_zh: str | None = col("绩效指标", "Performance indicators")
    performance_standard_zh: str | None = col("评价标准", "Performance standard")
    grade_excellent_pct: Decimal | None = pct("评为“优”的完成率（%）", "Completion rate that earns 优 (%)")
    grade_good_pct: Decimal | None = pct("评为“良”的完成率（%）", "Completion rate that earns 良 (%)")
    grade_fair_pct: Decimal | None = pct("评为“中”的完成率（%）", "Completion rate that earns 中 (%)")
    grade_poor_pct: Decimal | None = pct("评为“差”的完成率（%）", "Completion rate that earns 差 (%)")
    src: Source = embed(SRC)


@table(zh="预算项目", en="Budget projects", grain="one row per document and project",
       key=("document_id", "project_no"))
@dataclass
class Project:
    project_no: int = col("项目序号", "Project number in the document", **_POSITION)
    project_code: str = col("项目编码", "Project code", str_matches=vocab.PROJECT_CODE)
    project_name_zh: str = col("项目名称", "Project name")
    budget_yuan: Decimal | None = money("项目预算数（元）", "Budget of the project in yuan")
    fiscal_funds_yuan: Decimal | None = money("财政资金（元）", "Fiscal funds in yuan")
    other_funds_yuan: Decimal | None = money("其他资金（元）", "Other funds in yuan")
    purpose_zh: str | None = col("项目用途", "Purpose of the project")
    spend_plan_pct_m03: Decimal | None = pct("3月底累计支出进度（%）", "Share spent by the end of March (%)")
    spend_plan_pct_m06: Decimal | None = pct("6月底累计支出进度（%）", "Share spent by the end of June (%)")
    spend_plan_pct_m10: Decimal | None = pct("10月底累计支出进度（%）", "Share spent by the end of October (%)")
    spend_plan_pct_m12: Decimal | None = pct("12月底累计支出进度（%）", "Share spent by the end of the year (%)")
    goals_zh: str | None = col("项目绩效目标", "Goals of the project")
    src: Source = embed(SRC)


@table(zh="项目绩效指标", en="Performance indicators of the projects",
       grain="one row per document, project and indicator", key=("document_id", "project_code", "indicator_no"))
@dataclass
class ProjectIndicator:
    """One row of a project's performance-target grid."""

    project_code: str = col("项目编码", "Project code", str_matches=vocab.PROJECT_CODE)
    indicator_no: int = col("指标序号", "Indicator number within the project", **_POSITION)
    level1_zh: str = col("一级指标", "Level-1 indicator")
    level2_zh: str = col("二级指标", "Level-2 indicator")
    level3_zh: str = col("三级指标", "Level-3 indicator")
    description_zh: str | None = col("指标说明", "Description of the indicator")
    target_raw: str | None = col("指标值（原文）", "Target as printed")
    target_operator: str | None = col("目标比较符；定性目标为空", "Comparison of the target; null when qualitative",
                                      vocab=vocab.TARGET_OPERATORS)
    target_value: Decimal | None = col("目标数值", "Target value", sql_type="DECIMAL(18,4)")
    target_unit: str | None = col("目标单位（百分比为 %）", "Unit of the target (% for 百分比)")
    basis_zh: str | None = col("指标值确定依据", "Basis of the target")
    src: Source = embed(SRC)


@table(zh="政府采购明细", en="Government procurement items", grain="one row per document and item",
       key=("document_id", "item_no"))
@dataclass
class ProcurementItem:
    item_no: int = col("序号", "Item number", **_POSITION)
    project_name_zh: str | None = col("项目名称", "Project name")
    item_name_zh: str | None = col("采购品目名称", "Item name")
    catalog_no: str | None = col("采购目录编号", "Procurement catalog number")
    quantity: Decimal | None = col("数量", "Quantity", sql_type="DECIMAL(18,2)", ge=0)
    unit_zh: str | None = col("计量单位", "Unit of the quantity")
    unit_price_yuan: Decimal | None = money("单价（元）", "Unit price in yuan")
    amount_yuan: Decimal | None = money("金额（元）", "Amount in yuan")
    src: Source = embed(SRC)


@table(zh="固定资产", en="Fixed assets by class (部门固定资产占用情况)", grain="one row per document and asset class",
       key=("document_id", "item_no"))
@dataclass
class Asset:
    """One class of fixed assets (部门固定资产占用情况)."""

    item_no: int = col("序号", "Item number", **_POSITION)
    asset_class_zh: str = col("资产类别", "Class of assets")
    unit_zh: str | None = col("计量单位", "Unit of the quantity")
    quantity: Decimal | None = col("数量", "Quantity", sql_type="DECIMAL(18,2)", ge=0)
    value_yuan: Decimal | None = money("价值（元）", "Value in yuan")
    as_of_date: date | None = col("截止日期", "Date the holdings are stated at")
    src: Source = embed(SRC)


@table(zh="名词解释", en="Glossary of the document", grain="one row per document and term",
       key=("document_id", "term_no"))
@dataclass
class GlossaryTerm:
    term_no: int = col("序号", "Term number", **_POSITION)
    term_zh: str = col("名词", "Term")
    definition_zh: str = col("解释", "Definition")
    src: Source = embed(SRC)


@table(zh="支出功能分类（类/款/项）", en="Expenditure by function class (类 201, 款 20103, 项 2010301)",
       grain="one row per document, fund scope and function code", key=("document_id", "fund_scope", "function_code"))
@dataclass
class FunctionExpenditure:
    """One row of a table by function class (支出功能分类科目): 类 201, 款 20103 or 项 2010301."""

    function_code: str = col("功能分类科目编码（3/5/7 位）", "Function class code (3, 5 or 7 digits)",
                             str_matches=r"^2[0-9]{2}(?:[0-9]{2}){0,2}\Z")
    level: str = col("科目级次", "Level of the code", vocab=vocab.FUNCTION_LEVELS)
    name_zh: str = col("科目名称", "Name of the class as printed")
    total_yuan: Decimal = money("合计（元）", "Total, in yuan")
    basic_yuan: Decimal | None = money("基本支出（元）；表无此列或空白为空", "Basic expenditure, in yuan (null: no column or blank)")
    project_yuan: Decimal | None = money("项目支出（元）；表无此列或空白为空", "Project expenditure, in yuan (null: no column or blank)")
    fund_scope: str = col("资金范围", "Money the table covers", vocab=vocab.FUND_SCOPES)
    src: Source = embed(SRC)


@table(zh="支出经济分类", en="Expenditure by economic class (部门经济分类 301…, 政府经济分类 501…)",
       grain="one row per document, fund scope, scheme and economic code",
       key=("document_id", "fund_scope", "scheme", "economic_code"))
@dataclass
class EconomicExpenditure:
    """One row of a table by economic class: 部门经济分类 (301, 30101 …) or 政府经济分类 (501, 50101 …)."""

    economic_code: str = col("经济分类科目编码（类 3 位 / 款 5 位）", "Economic class code (3 or 5 digits)",
                             str_matches=r"^[35][0-9]{2}(?:[0-9]{2})?\Z")
    scheme: str = col("经济分类体系", "Classification scheme", vocab=vocab.ECONOMIC_SCHEMES)
    name_zh: str = col("科目名称", "Name of the class as printed")
    amount_yuan: Decimal = money("金额（元）", "Amount, in yuan")
    fund_scope: str = col("资金范围", "Money the table covers", vocab=vocab.FUND_SCOPES)
    src: Source = embed(SRC)


@table(zh="公开表的合计行数字", en="Total-row figures of the national tables, by table kind, row and column",
       grain="one row per document, table kind, fund scope, row, column and measure",
       key=("document_id", "table_kind", "fund_scope", "row_key", "column_key", "measure"),
       staging_model="stg_budget__table_figures")
@dataclass
class TableFigure:
    """A figure a table states in a total row (合计/总计, or 本年收入合计, 年初结转和结余 … of a 收支总表), under a
    column its header names: what the cross-table chains and the balance identities compare. The first table
    of each kind and fund scope that states any gives them."""

    table_kind: str = col("公开表种类", "Kind of table", vocab=vocab.TABLE_KINDS)
    fund_scope: str = col("资金范围（表名所示）", "Money the table covers (by its title)", vocab=vocab.FUND_SCOPES)
    row_key: str = col("合计行", "Total row", vocab=vocab.TABLE_ROW_KEYS)
    column_key: str = col("列", "Column", vocab=vocab.TABLE_COLUMN_KEYS)
    label_zh: str = col("行名（文件所印）", "Row label as printed")
    amount_yuan: Decimal = money("金额（元）", "Amount in yuan")
    src: Source = embed(SRC)
    measure: str = measure_col()


@table(zh="章节覆盖", en="Sections: present, declared empty or missing, so that a missing table is never zeros",
       grain="one row per document and section", key=("document_id", "section_key"))
@dataclass
class Section:
    """Whether a section is in the document, so that a missing table is never read as zeros."""

    section_key: str = col("章节", "Section", vocab=vocab.SECTION_KEYS)
    title_zh: str | None = col("章节标题", "Title of the section as printed")
    status: str = col("章节状态", "present, declared_empty or missing", vocab=vocab.SECTION_STATUSES)
    note_zh: str | None = col("声明为空的原文", "The sentence declaring the section empty")
    src: Source = embed(SRC)


@dataclass
class ExtractedDocument:
    """A document's facts. Each list is the rows of the staging table of the same name (its registration):
    adding a fact table is a record class above plus a list here."""

    info: DocumentInfo
    sections: list[Section] = field(default_factory=list)
    stated_totals: list[StatedTotal] = field(default_factory=list)
    stated_counts: list[StatedCount] = field(default_factory=list)
    revenue: list[RevenueLine] = field(default_factory=list)
    expenditure: list[ExpenditureLine] = field(default_factory=list)
    stated_changes: list[StatedChange] = field(default_factory=list)
    operating_expenses: list[OperatingExpense] = field(default_factory=list)
    three_public_costs: list[ThreePublicCost] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    project_indicators: list[ProjectIndicator] = field(default_factory=list)
    procurement_items: list[ProcurementItem] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    function_expenditure: list[FunctionExpenditure] = field(default_factory=list)
    economic_expenditure: list[EconomicExpenditure] = field(default_factory=list)
    table_figures: list[TableFigure] = field(default_factory=list)

    def total(self, metric: str, measure: str | None = None) -> Decimal | None:
        """The stated total of ``metric`` (of ``measure`` when given, else its first statement)."""
        return next((t.amount_yuan for t in self.stated_totals
                     if t.metric == metric and (measure is None or t.measure in (measure, None))), None)

    def fill_main_measure(self) -> None:
        """Facts a template left without a measure are the document's main figure: ``budget`` in a budget,
        ``final`` (决算数) in final accounts (``vocab.MAIN_MEASURES``)."""
        main = vocab.MAIN_MEASURES[self.info.doc_kind]
        for _table, (cls, attr) in FACT_TABLES.items():
            if any(f.name == "measure" for f in dataclasses.fields(cls)):
                for record in getattr(self, attr):
                    if record.measure is None:
                        record.measure = main


# Staging table name -> (record class, attribute of ExtractedDocument holding its rows): every list field.
FACT_TABLES: dict[str, tuple[type, str]] = {
    f.name: (typing.get_args(hint)[0], f.name)
    for f, hint in zip(dataclasses.fields(ExtractedDocument),
                       typing.get_type_hints(ExtractedDocument).values(), strict=True)
    if typing.get_origin(hint) is list
}

_FLATTENERS: dict[type, typing.Callable] = {}


def flat_record(record) -> dict:
    """A record as one staging row: its fields with ``src`` flattened into ``src_*`` columns."""
    cls = type(record)
    flat = _FLATTENERS.get(cls)
    if flat is None:
        flat = _FLATTENERS[cls] = flattener(cls)
    return flat(record)


def fact_rows(facts: ExtractedDocument, document_id: str) -> dict[str, list[dict]]:
    """Staging rows of every fact table for one document."""
    return {
        table: [{"document_id": document_id, **flat_record(r)} for r in getattr(facts, attr)]
        for table, (_cls, attr) in FACT_TABLES.items()
    }


def to_jsonable(value):
    """Plain JSON types for ``parse --json``: Decimals become strings so that no digit is lost."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
