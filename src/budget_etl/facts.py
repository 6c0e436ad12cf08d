"""The facts extracted from one disclosure: the contract between extractors, validation and the warehouse.

Each record class maps one-to-one onto a staging table in schema ``raw`` (see ``staging.sql``): the table's
columns are ``document_id`` followed by the record's fields, with ``src`` flattened into ``src_line``,
``src_table``, ``src_row`` and ``src_col``. Money is ``Decimal`` in yuan (元), never float. ``None`` means
the document leaves the value empty; it is never replaced by zero.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Source:
    """Where a value was read. ``line`` is the 1-based line of the document's normalised text (for docx, its
    txt-form rendering); ``table``/``row``/``col`` are 1-based and set for values read from a table cell."""

    line: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    page: int | None = None  # 1-based page, for formats that have pages (PDF)

    def describe(self) -> str:
        parts = []
        if self.table is not None:
            parts.append(f"table {self.table} row {self.row} col {self.col}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts) or "unknown place"


@dataclass
class DocumentInfo:
    """Identity of a disclosure: who published it, for which year, of which kind."""

    title: str
    doc_kind: str  # budget | final_accounts
    fiscal_year: int
    office_name: str  # 山海关区西关街道办事处
    unit_code: str | None  # 611002
    unit_full_name: str | None  # 秦皇岛市山海关区西关街道办事处
    district: str | None
    city: str | None
    province: str | None
    currency_unit: str  # the unit amounts are stated in: 元, or 万元 if any is (stored values are always yuan)
    overall_goal_zh: str | None
    new_assets_budgeted: bool | None
    is_synthetic: bool
    src: Source
    # department (部门预算: the department with its units, consolidated) | unit (单位预算: one unit) | None
    # when the document does not say; two documents of different scope are never added together
    scope: str | None = None


@dataclass
class StatedTotal:
    """A total or subtotal the document states, checked against the sum of its parts."""

    metric: str  # revenue_total, expenditure_total, basic_total, operating_expense_total, ...
    label_zh: str
    amount_yuan: Decimal
    src: Source


@dataclass
class RevenueLine:
    # general_public_budget | government_fund | fiscal_special_account | other
    # | public_institution_income (事业收入) | higher_level_subsidy (上级补助收入) | prior_year_carryover (上年结转)
    # | state_capital_operation (国有资本经营预算) | business_income (事业单位经营收入)
    # | subsidiary_remittance (附属单位上缴收入)
    revenue_source: str
    label_zh: str
    amount_yuan: Decimal
    src: Source


@dataclass
class ExpenditureLine:
    # basic | project | other (the uses beside basic and project that the total includes)
    expenditure_class: str
    # personnel | public_operating | project; for class other: unit_reserve (单位预留机动经费)
    # | business_operation (事业单位经营支出) | higher_level_remittance (上缴上级支出)
    # | subsidiary_subsidy (对附属单位补助支出)
    expenditure_type: str
    label_zh: str
    amount_yuan: Decimal
    src: Source


@dataclass
class StatedChange:
    """A change on last year as the document states it; positive is an increase."""

    # expenditure_total | basic | project | three_public_total | vehicle_purchase_and_operation (the combined
    # 公务用车购置及运行费 when the document also gives its parts, which are the 三公 rows)
    metric: str
    change_yuan: Decimal
    current_yuan: Decimal | None
    prior_year_yuan: Decimal | None  # derived: current minus change
    src: Source


@dataclass
class OperatingExpense:
    """One item of 机关运行经费."""

    item_no: int
    item_name_zh: str
    amount_yuan: Decimal
    src: Source


@dataclass
class ThreePublicCost:
    """One of the "三公" items: amount, stated change on last year and its reason."""

    # overseas_travel | vehicle_purchase | vehicle_operation | official_reception
    # | vehicle_purchase_and_operation (公务用车购置及运行费 stated as one item, its parts not given)
    category: str
    category_zh: str
    amount_yuan: Decimal
    change_yuan: Decimal | None
    prior_year_yuan: Decimal | None
    change_reason_zh: str | None
    src: Source


@dataclass
class Duty:
    """A duty (部门职责) with its targets and the performance grading thresholds."""

    duty_no: int
    duty_name_zh: str
    responsibility_zh: str | None
    duty_targets_zh: str | None
    performance_goal_zh: str | None
    performance_indicators_zh: str | None
    performance_standard_zh: str | None
    grade_excellent_pct: Decimal | None  # completion rate that earns 优
    grade_good_pct: Decimal | None  # 良
    grade_fair_pct: Decimal | None  # 中
    grade_poor_pct: Decimal | None  # 差
    src: Source


@dataclass
class Project:
    project_no: int
    project_code: str
    project_name_zh: str
    budget_yuan: Decimal | None
    fiscal_funds_yuan: Decimal | None
    other_funds_yuan: Decimal | None
    purpose_zh: str | None
    spend_plan_pct_m03: Decimal | None  # cumulative share spent by the end of March
    spend_plan_pct_m06: Decimal | None
    spend_plan_pct_m10: Decimal | None
    spend_plan_pct_m12: Decimal | None
    goals_zh: str | None
    src: Source


@dataclass
class ProjectIndicator:
    """One row of a project's performance-target grid."""

    project_code: str
    indicator_no: int
    level1_zh: str
    level2_zh: str
    level3_zh: str
    description_zh: str | None
    target_raw: str | None
    target_operator: str | None  # >= | <= | > | < | = | None for a qualitative target
    target_value: Decimal | None
    target_unit: str | None  # % for 百分比
    basis_zh: str | None
    src: Source


@dataclass
class ProcurementItem:
    item_no: int
    project_name_zh: str | None
    item_name_zh: str | None
    catalog_no: str | None
    quantity: Decimal | None
    unit_zh: str | None
    unit_price_yuan: Decimal | None
    amount_yuan: Decimal | None
    src: Source


@dataclass
class Asset:
    """One class of fixed assets (部门固定资产占用情况)."""

    item_no: int
    asset_class_zh: str
    unit_zh: str | None
    quantity: Decimal | None
    value_yuan: Decimal | None
    as_of_date: date | None
    src: Source


@dataclass
class GlossaryTerm:
    term_no: int
    term_zh: str
    definition_zh: str
    src: Source


@dataclass
class FunctionExpenditure:
    """One row of a table by function class (支出功能分类科目): 类 201, 款 20103 or 项 2010301."""

    function_code: str  # 3, 5 or 7 digits
    level: str  # class (类) | section (款) | item (项)
    name_zh: str
    total_yuan: Decimal
    basic_yuan: Decimal | None  # None: the table has no basic column or leaves it blank
    project_yuan: Decimal | None
    # the money the table covers: all_funds (支出总表) | fiscal_appropriation (财政拨款) |
    # general_public_budget (一般公共预算) | government_fund (政府性基金)
    fund_scope: str
    src: Source


@dataclass
class EconomicExpenditure:
    """One row of a table by economic class: 部门经济分类 (301, 30101 …) or 政府经济分类 (501, 50101 …)."""

    economic_code: str  # 3 (类) or 5 (款) digits
    scheme: str  # department (3xx) | government (5xx)
    name_zh: str
    amount_yuan: Decimal
    fund_scope: str  # as FunctionExpenditure.fund_scope
    src: Source


@dataclass
class Section:
    """Whether a section is in the document, so that a missing table is never read as zeros."""

    # duties, overview, operating_expense, three_public, performance, projects (the project tables),
    # procurement, assets, glossary
    section_key: str
    title_zh: str | None
    status: str  # present | declared_empty | missing
    note_zh: str | None
    src: Source


@dataclass
class ExtractedDocument:
    info: DocumentInfo
    sections: list[Section] = field(default_factory=list)
    stated_totals: list[StatedTotal] = field(default_factory=list)
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

    def total(self, metric: str) -> Decimal | None:
        return next((t.amount_yuan for t in self.stated_totals if t.metric == metric), None)


# Staging table name -> (record class, attribute of ExtractedDocument holding its rows).
FACT_TABLES: dict[str, tuple[type, str]] = {
    "sections": (Section, "sections"),
    "stated_totals": (StatedTotal, "stated_totals"),
    "revenue": (RevenueLine, "revenue"),
    "expenditure": (ExpenditureLine, "expenditure"),
    "stated_changes": (StatedChange, "stated_changes"),
    "operating_expenses": (OperatingExpense, "operating_expenses"),
    "three_public_costs": (ThreePublicCost, "three_public_costs"),
    "duties": (Duty, "duties"),
    "projects": (Project, "projects"),
    "project_indicators": (ProjectIndicator, "project_indicators"),
    "procurement_items": (ProcurementItem, "procurement_items"),
    "assets": (Asset, "assets"),
    "glossary": (GlossaryTerm, "glossary"),
    "function_expenditure": (FunctionExpenditure, "function_expenditure"),
    "economic_expenditure": (EconomicExpenditure, "economic_expenditure"),
}


def flat_record(record) -> dict:
    """A record as one staging row: its fields with ``src`` flattened into ``src_*`` columns."""
    row = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, Source):
            row.update(src_line=value.line, src_table=value.table, src_row=value.row, src_col=value.col)
        else:
            row[f.name] = value
    return row


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
