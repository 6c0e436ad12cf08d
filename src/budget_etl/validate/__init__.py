"""Validation of one document before it is loaded: pandera schemas per staging frame, then the document's
own accounting identities. Every check gives rows for raw.validation_results, passes included.

Frames are object-dtype and validated without coercion: pandera would round Decimals silently, so money is
checked element-wise (a Decimal, at most ``scale`` places, within DECIMAL(precision, scale)).

Severity is per row: a failed schema check is ``error``, a failed identity ``warning``, anything that did
not fail is ``info``. Schema failures that make the typed load impossible (wrong type, missing value,
missing column, a number that does not fit its column, no document identity) are ``blocking``: the
pipeline quarantines the document with reason_code ``schema_violation`` instead of loading it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from itertools import pairwise

import pandas as pd
import pandera.pandas as pa
from pandera import extensions
from pandera.typing import Series

from budget_etl.facts import ExtractedDocument, Source
from budget_etl.load.warehouse import fact_rows
from budget_etl.validate.completeness import completeness_checks

log = logging.getLogger(__name__)

SHA256 = r"^[0-9a-f]{64}\Z"
PROJECT_CODE = r"^[0-9]{3}-[0-9]{4}-[A-Z]{3}-[A-Z0-9]{4}\Z"  # 611-1501-YBN-7FFL; \Z: no trailing newline
UNIT_CODE = r"^[0-9]{6}\Z"
FIRST_FISCAL_YEAR = 1990
LAST_FISCAL_YEAR = date.today().year + 2  # budgets are published for the coming year, at most
WAN_YUAN_ROUNDING = Decimal(50)  # half of the 0.01 万元 a document in 万元 prints
MAX_DIFFERENCE = Decimal(10) ** 16  # DECIMAL(18,2) bound for expected / actual / difference

DOC_KINDS = ["budget", "final_accounts"]
SOURCE_FORMATS = ["txt", "docx", "doc", "pdf"]
CURRENCY_UNITS = ["元", "万元"]
REVENUE_SOURCES = ["general_public_budget", "government_fund", "fiscal_special_account",
                   "public_institution_income", "higher_level_subsidy", "prior_year_carryover", "other",
                   "state_capital_operation", "business_income", "subsidiary_remittance"]
EXPENDITURE_CLASSES = ["basic", "project", "other"]
# class other: the uses beside basic and project (单位预留机动经费, 事业单位经营支出, 上缴上级支出, 对附属单位补助支出)
OTHER_EXPENDITURE_TYPES = ["unit_reserve", "business_operation", "higher_level_remittance", "subsidiary_subsidy"]
EXPENDITURE_TYPES = ["personnel", "public_operating", "project", *OTHER_EXPENDITURE_TYPES]
SCOPES = ["department", "unit"]
FUND_SCOPES = ["all_funds", "fiscal_appropriation", "general_public_budget", "government_fund"]
FUNCTION_LEVELS = ["class", "section", "item"]
ECONOMIC_SCHEMES = ["department", "government"]
# vehicle_purchase_and_operation: a document that states 公务用车购置及运行费 only as one combined item
THREE_PUBLIC_CATEGORIES = ["overseas_travel", "vehicle_purchase", "vehicle_operation",
                           "vehicle_purchase_and_operation", "official_reception"]
SECTION_STATUSES = ["present", "declared_empty", "missing"]
SECTION_KEYS = ["duties", "overview", "operating_expense", "three_public", "performance", "projects",
                "procurement", "assets", "glossary"]
TARGET_OPERATORS = [">=", "<=", ">", "<", "="]
SPEND_PLAN = ["spend_plan_pct_m03", "spend_plan_pct_m06", "spend_plan_pct_m10", "spend_plan_pct_m12"]


# Type checks of single values: these replace pandera's dtype checks on object columns.
def _text_value(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")  # lone surrogates (undecodable bytes) cannot be stored
    except UnicodeEncodeError:
        return False
    return True


def _int_value(value, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit


def _date_value(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _decimal_value(value, bound: Decimal, scale: int) -> bool:
    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) >= bound:
        return False
    shifted = value.scaleb(scale)
    return shifted == shifted.to_integral_value()


# Registered as vectorized checks that test each value of the column in one pass: the same result as
# element_wise checks (pandera drops the nulls before either), without a wrapper call per value.
def _each(column: pd.Series, test) -> pd.Series:
    return pd.Series([test(value) for value in column], index=column.index, dtype=bool)


@extensions.register_check_method(check_type="vectorized")
def is_text(column: pd.Series) -> pd.Series:
    """Each value a str that UTF-8 can store."""
    return _each(column, _text_value)


@extensions.register_check_method(statistics=["bits"], check_type="vectorized")
def is_int(column: pd.Series, *, bits: int) -> pd.Series:
    """Each value an int (not a bool) that an INTEGER (32 bits) or BIGINT (64) column holds."""
    limit = 2 ** (bits - 1)
    return _each(column, lambda value: _int_value(value, limit))


@extensions.register_check_method(check_type="vectorized")
def is_bool(column: pd.Series) -> pd.Series:
    return _each(column, lambda value: isinstance(value, bool))


@extensions.register_check_method(check_type="vectorized")
def is_date(column: pd.Series) -> pd.Series:
    return _each(column, _date_value)


@extensions.register_check_method(statistics=["precision", "scale"], check_type="vectorized")
def is_decimal(column: pd.Series, *, precision: int, scale: int) -> pd.Series:
    """Each value a finite Decimal that DECIMAL(precision, scale) holds exactly."""
    bound = Decimal(10) ** (precision - scale)
    return _each(column, lambda value: _decimal_value(value, bound, scale))


def _text(nullable: bool = False, **checks):
    return pa.Field(nullable=nullable, is_text=(), **checks)


def _int(nullable: bool = False, bits: int = 32, **checks):
    return pa.Field(nullable=nullable, is_int={"bits": bits}, **checks)


def _money(nullable: bool = False, signed: bool = False, precision: int = 18, scale: int = 2):
    checks = {} if signed else {"ge": 0}
    return pa.Field(nullable=nullable, is_decimal={"precision": precision, "scale": scale}, **checks)


def _pct():
    return pa.Field(nullable=True, is_decimal={"precision": 5, "scale": 2},
                    in_range={"min_value": 0, "max_value": 100})


class _Staging(pa.DataFrameModel):
    document_id: Series[object] = _text(str_matches=SHA256)
    src_line: Series[object] = _int(nullable=True, ge=1)
    src_table: Series[object] = _int(nullable=True, ge=1)
    src_row: Series[object] = _int(nullable=True, ge=1)
    src_col: Series[object] = _int(nullable=True, ge=1)

    class Config:
        strict = True  # a column the staging table does not have is an error
        coerce = False  # never: coercion rounds Decimals


class DocumentsSchema(_Staging):
    """raw.documents without batch_id and loaded_at, which the warehouse sets."""

    sha256: Series[object] = _text(str_matches=SHA256)
    source_path: Series[object] = _text()
    file_name: Series[object] = _text()
    size_bytes: Series[object] = _int(bits=64, ge=0)
    encoding: Series[object] = _text()
    source_format: Series[object] = _text(isin=SOURCE_FORMATS)
    title: Series[object] = _text(str_length={"min_value": 1})
    doc_kind: Series[object] = _text(isin=DOC_KINDS)
    fiscal_year: Series[object] = _int(
        in_range={"min_value": FIRST_FISCAL_YEAR, "max_value": LAST_FISCAL_YEAR}
    )
    office_name: Series[object] = _text(str_length={"min_value": 1})
    unit_code: Series[object] = _text(nullable=True, str_matches=UNIT_CODE)
    unit_full_name: Series[object] = _text(nullable=True)
    district: Series[object] = _text(nullable=True)
    city: Series[object] = _text(nullable=True)
    province: Series[object] = _text(nullable=True)
    currency_unit: Series[object] = _text(isin=CURRENCY_UNITS)
    overall_goal_zh: Series[object] = _text(nullable=True)
    new_assets_budgeted: Series[object] = pa.Field(nullable=True, is_bool=())
    is_synthetic: Series[object] = pa.Field(is_bool=())
    scope: Series[object] = _text(nullable=True, isin=SCOPES)
    parser_version: Series[object] = _text()
    normalized_text: Series[object] = _text()


class SectionsSchema(_Staging):
    section_key: Series[object] = _text(isin=SECTION_KEYS)
    title_zh: Series[object] = _text(nullable=True)
    status: Series[object] = _text(isin=SECTION_STATUSES)
    note_zh: Series[object] = _text(nullable=True)


class StatedTotalsSchema(_Staging):
    metric: Series[object] = _text(str_length={"min_value": 1})
    label_zh: Series[object] = _text()
    amount_yuan: Series[object] = _money()


class RevenueSchema(_Staging):
    revenue_source: Series[object] = _text(isin=REVENUE_SOURCES)
    label_zh: Series[object] = _text()
    amount_yuan: Series[object] = _money()


class ExpenditureSchema(_Staging):
    expenditure_class: Series[object] = _text(isin=EXPENDITURE_CLASSES)
    expenditure_type: Series[object] = _text(isin=EXPENDITURE_TYPES)
    label_zh: Series[object] = _text()
    amount_yuan: Series[object] = _money()

    @pa.dataframe_check
    def project_class_iff_project_type(cls, df: pd.DataFrame) -> pd.Series:
        return (df["expenditure_class"] == "project") == (df["expenditure_type"] == "project")

    @pa.dataframe_check
    def other_class_iff_other_type(cls, df: pd.DataFrame) -> pd.Series:
        return (df["expenditure_class"] == "other") == df["expenditure_type"].isin(OTHER_EXPENDITURE_TYPES)


class StatedChangesSchema(_Staging):
    metric: Series[object] = _text(str_length={"min_value": 1})
    change_yuan: Series[object] = _money(signed=True)
    current_yuan: Series[object] = _money(nullable=True)
    prior_year_yuan: Series[object] = _money(nullable=True)


class OperatingExpensesSchema(_Staging):
    item_no: Series[object] = _int(ge=1)
    item_name_zh: Series[object] = _text()
    amount_yuan: Series[object] = _money()


class ThreePublicCostsSchema(_Staging):
    category: Series[object] = _text(isin=THREE_PUBLIC_CATEGORIES)
    category_zh: Series[object] = _text()
    amount_yuan: Series[object] = _money()
    change_yuan: Series[object] = _money(nullable=True, signed=True)
    prior_year_yuan: Series[object] = _money(nullable=True)
    change_reason_zh: Series[object] = _text(nullable=True)


class DutiesSchema(_Staging):
    duty_no: Series[object] = _int(ge=1)
    duty_name_zh: Series[object] = _text()
    responsibility_zh: Series[object] = _text(nullable=True)
    duty_targets_zh: Series[object] = _text(nullable=True)
    performance_goal_zh: Series[object] = _text(nullable=True)
    performance_indicators_zh: Series[object] = _text(nullable=True)
    performance_standard_zh: Series[object] = _text(nullable=True)
    grade_excellent_pct: Series[object] = _pct()
    grade_good_pct: Series[object] = _pct()
    grade_fair_pct: Series[object] = _pct()
    grade_poor_pct: Series[object] = _pct()


class ProjectsSchema(_Staging):
    project_no: Series[object] = _int(ge=1)
    project_code: Series[object] = _text(str_matches=PROJECT_CODE)
    project_name_zh: Series[object] = _text()
    budget_yuan: Series[object] = _money(nullable=True)
    fiscal_funds_yuan: Series[object] = _money(nullable=True)
    other_funds_yuan: Series[object] = _money(nullable=True)
    purpose_zh: Series[object] = _text(nullable=True)
    spend_plan_pct_m03: Series[object] = _pct()
    spend_plan_pct_m06: Series[object] = _pct()
    spend_plan_pct_m10: Series[object] = _pct()
    spend_plan_pct_m12: Series[object] = _pct()
    goals_zh: Series[object] = _text(nullable=True)

    @pa.dataframe_check
    def spend_plan_cumulative_to_100(cls, df: pd.DataFrame) -> pd.Series:
        """m03 <= m06 <= m10 <= m12 and m12 == 100, over the values that are there."""

        def ok(*values) -> bool:
            plan = [v for v in values if isinstance(v, Decimal)]  # types are checked apart
            m12 = values[-1]
            return all(a <= b for a, b in pairwise(plan)) and (not isinstance(m12, Decimal) or m12 == 100)

        return pd.Series([ok(*values) for values in zip(*(df[c] for c in SPEND_PLAN), strict=True)],
                         index=df.index, dtype=bool)


class ProjectIndicatorsSchema(_Staging):
    project_code: Series[object] = _text(str_matches=PROJECT_CODE)
    indicator_no: Series[object] = _int(ge=1)
    level1_zh: Series[object] = _text()
    level2_zh: Series[object] = _text()
    level3_zh: Series[object] = _text()
    description_zh: Series[object] = _text(nullable=True)
    target_raw: Series[object] = _text(nullable=True)
    target_operator: Series[object] = _text(nullable=True, isin=TARGET_OPERATORS)
    target_value: Series[object] = pa.Field(nullable=True, is_decimal={"precision": 18, "scale": 4})
    target_unit: Series[object] = _text(nullable=True)
    basis_zh: Series[object] = _text(nullable=True)


class ProcurementItemsSchema(_Staging):
    item_no: Series[object] = _int(ge=1)
    project_name_zh: Series[object] = _text(nullable=True)
    item_name_zh: Series[object] = _text(nullable=True)
    catalog_no: Series[object] = _text(nullable=True)
    quantity: Series[object] = _money(nullable=True)
    unit_zh: Series[object] = _text(nullable=True)
    unit_price_yuan: Series[object] = _money(nullable=True)
    amount_yuan: Series[object] = _money(nullable=True)


class AssetsSchema(_Staging):
    item_no: Series[object] = _int(ge=1)
    asset_class_zh: Series[object] = _text()
    unit_zh: Series[object] = _text(nullable=True)
    quantity: Series[object] = _money(nullable=True)
    value_yuan: Series[object] = _money(nullable=True)
    as_of_date: Series[object] = pa.Field(nullable=True, is_date=())


class GlossarySchema(_Staging):
    term_no: Series[object] = _int(ge=1)
    term_zh: Series[object] = _text()
    definition_zh: Series[object] = _text()


class FunctionExpenditureSchema(_Staging):
    function_code: Series[object] = _text(str_matches=r"^2[0-9]{2}(?:[0-9]{2}){0,2}\Z")
    level: Series[object] = _text(isin=FUNCTION_LEVELS)
    name_zh: Series[object] = _text()
    total_yuan: Series[object] = _money()
    basic_yuan: Series[object] = _money(nullable=True)
    project_yuan: Series[object] = _money(nullable=True)
    fund_scope: Series[object] = _text(isin=FUND_SCOPES)


class EconomicExpenditureSchema(_Staging):
    economic_code: Series[object] = _text(str_matches=r"^[35][0-9]{2}(?:[0-9]{2})?\Z")
    scheme: Series[object] = _text(isin=ECONOMIC_SCHEMES)
    name_zh: Series[object] = _text()
    amount_yuan: Series[object] = _money()
    fund_scope: Series[object] = _text(isin=FUND_SCOPES)


# Staging table -> its schema; the keys are raw.documents plus facts.FACT_TABLES.
SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "documents": DocumentsSchema,
    "sections": SectionsSchema,
    "stated_totals": StatedTotalsSchema,
    "revenue": RevenueSchema,
    "expenditure": ExpenditureSchema,
    "stated_changes": StatedChangesSchema,
    "operating_expenses": OperatingExpensesSchema,
    "three_public_costs": ThreePublicCostsSchema,
    "duties": DutiesSchema,
    "projects": ProjectsSchema,
    "project_indicators": ProjectIndicatorsSchema,
    "procurement_items": ProcurementItemsSchema,
    "assets": AssetsSchema,
    "glossary": GlossarySchema,
    "function_expenditure": FunctionExpenditureSchema,
    "economic_expenditure": EconomicExpenditureSchema,
}

# Checks whose failure means the row cannot be typed into its staging table.
_BLOCKING_CHECKS = ("is_", "not_nullable", "column_in_dataframe", "column_in_schema", "dtype")
# A document without these cannot be placed in the warehouse at all.
_IDENTITY_COLUMNS = {"doc_kind", "fiscal_year", "office_name"}


@dataclass
class Validation:
    rows: list[dict]  # raw.validation_results rows
    blocking: list[str]  # schema failures that make the typed load impossible

    @property
    def failures(self) -> int:
        return sum(r["status"] == "fail" for r in self.rows)

    def reason(self, limit: int = 5) -> str:
        """The blocking failures as one quarantine reason."""
        more = len(self.blocking) - limit
        return "; ".join(self.blocking[:limit]) + (f"; and {more} more" if more > 0 else "")


def validate_document(facts: ExtractedDocument, document: dict) -> Validation:
    """Schema checks of every staging frame, then (if the frames are typed) the accounting identities."""
    return validate_documents([(facts, document)])[0]


def validate_documents(batch: list[tuple[ExtractedDocument, dict]],
                       rows_of: list[dict[str, list[dict]]] | None = None) -> list[Validation]:
    """validate_document for many documents at once: each staging frame of the whole batch is checked by
    pandera in one call (per-call overhead dominates for single documents), then failures are split back
    to the documents they belong to. Returns one Validation per document, in order. ``rows_of``: each
    document's ``warehouse.fact_rows``, when the caller has made them already."""
    ids = [document["document_id"] for _, document in batch]
    frames: dict[str, list[dict]] = {table: [] for table in SCHEMAS}
    for number, (facts, document) in enumerate(batch):
        frames["documents"].append(document)
        fact_tables = rows_of[number] if rows_of is not None else fact_rows(facts, document["document_id"])
        for table, rows in fact_tables.items():
            frames[table] += rows
    rows: dict[str, list[dict]] = {i: [] for i in ids}
    blocking: dict[str, list[str]] = {i: [] for i in ids}
    for table, model in SCHEMAS.items():
        failures = _schema_failures(table, model, frames[table], ids)
        counts = Counter(r["document_id"] for r in frames[table])
        for document_id in ids:
            failed = failures.get(document_id)
            if failed:
                rows[document_id] += failed[0]
                blocking[document_id] += failed[1]
            else:
                rows[document_id].append(_row(document_id, f"schema.{table}", "schema", "error", "pass",
                                              detail=f"{counts[document_id]} rows"))
    for facts, document in batch:
        document_id = document["document_id"]
        if not blocking[document_id]:  # identities need typed values
            rows[document_id] += identity_checks(facts, document_id)
        rows[document_id] += completeness_checks(facts, document.get("normalized_text") or "", document_id)
    return [Validation(rows[i], blocking[i]) for i in ids]


def _row(document_id, check_name, check_kind, severity, status, *, expected=None, actual=None,
         difference=None, detail=None, src: Source | None = None) -> dict:
    src = src or Source()
    return {
        "document_id": document_id, "check_name": check_name, "check_kind": check_kind, "severity": severity,
        "status": status, "expected": expected, "actual": actual, "difference": difference, "detail": detail,
        "src_line": src.line, "src_table": src.table, "src_row": src.row, "src_col": src.col,
    }


def _schema_failures(table: str, model, records: list[dict], ids: list[str]) -> dict[str, tuple[list, list]]:
    """document_id -> (failure rows, blocking failures) of one staging frame; documents that pass are absent.
    Row numbers in the details count within the document's own rows of the table."""
    columns = list(records[0]) if records else list(model.to_schema().columns)
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    check_name = f"schema.{table}"
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        failures = err.failure_cases
    else:
        return {}

    row_in_document = frame.groupby("document_id", sort=False).cumcount() if len(frame) else frame.index
    out: dict[str, tuple[list, list]] = {}
    seen = set()
    for case in failures.itertuples(index=False):
        index = None if pd.isna(case.index) else int(case.index)
        if case.schema_context != "DataFrameSchema":  # a column check: the failing value
            detail = f"{table}.{case.column}={case.failure_case!r} fails {case.check}"
        elif index is None:  # a missing or unexpected column: failure_case is its name
            detail = f"{table}.{case.failure_case} fails {case.check}"
        elif (case.check, index) in seen:  # a row-wise check reports every column of the row: keep one
            continue
        else:
            seen.add((case.check, index))
            detail = f"{table} fails {case.check}"
        src = None
        if index is not None:
            r = frame.loc[index]
            detail += f" (row {int(row_in_document[index]) + 1})"
            if "src_line" in frame:
                src = Source(r["src_line"], r["src_table"], r["src_row"], r["src_col"])
        is_blocking = str(case.check).startswith(_BLOCKING_CHECKS) or (
            table == "documents" and case.column in _IDENTITY_COLUMNS
        )
        # a failure of the frame as a whole (a missing column) belongs to every document in it
        owners = ids if index is None else [frame.loc[index, "document_id"]]
        for document_id in owners:
            failed, blocked = out.setdefault(document_id, ([], []))
            failed.append(_row(document_id, check_name, "schema", "error", "fail", detail=detail, src=src))
            if is_blocking:
                blocked.append(detail)
    return out


# ---- accounting identities -------------------------------------------------------------------------


def identity_checks(facts: ExtractedDocument, document_id: str = "") -> list[dict]:
    """One row per identity (one per project for project funding), in exact Decimal arithmetic.

    ``expected`` is what the document states (with its Source), ``actual`` the sum of the parts. Documents
    in 元 must add up to the fen; documents in 万元 print every figure rounded to 0.01 万元, so there the
    sum may differ by half of that (50 yuan) per part and for the total, as in the dbt identity tests.
    """
    compare = partial(_compare, document_id, wan_yuan=facts.info.currency_unit == "万元")
    stated = {t.metric: t for t in facts.stated_totals}
    lines = facts.expenditure
    personnel = [e.amount_yuan for e in lines if e.expenditure_type == "personnel"]
    operating = [e.amount_yuan for e in lines if e.expenditure_type == "public_operating"]
    project_lines = [e for e in lines if e.expenditure_type == "project"]
    project = [e.amount_yuan for e in project_lines]
    # basic: the stated basic_total, else the basic expenditure lines
    basic_total = stated.get("basic_total")
    basic = basic_total.amount_yuan if basic_total else _sum_or_none(personnel + operating)
    items = facts.three_public_costs
    change = next((c for c in facts.stated_changes if c.metric == "three_public_total"), None)

    def vs_total(metric: str, parts: list, what: str, missing_part: str | None) -> dict:
        total = stated.get(metric)
        return compare(
            f"identity.{metric}", total.amount_yuan if total else None, parts, what=what,
            absent=f"no stated {metric}" if total is None else missing_part, src=total.src if total else None,
        )

    other = [e.amount_yuan for e in lines if e.expenditure_class == "other"]
    rows = [
        vs_total("revenue_total", [r.amount_yuan for r in facts.revenue], "sum of revenue lines",
                 None if facts.revenue else "no revenue lines"),
        vs_total("expenditure_total", [basic, *project, *other], "basic_total + project (+ other uses)",
                 "no basic expenditure" if basic is None
                 else None if project else "no project expenditure line"),
        vs_total("basic_total", personnel + operating, "personnel + public_operating expenditure",
                 None if personnel and operating else "no personnel or no public_operating line"),
        vs_total("operating_expense_total", [o.amount_yuan for o in facts.operating_expenses],
                 "sum of operating expense items",
                 None if facts.operating_expenses else "no operating expense items"),
        vs_total("three_public_total", [c.amount_yuan for c in items], "sum of 三公 items",
                 None if items else "no 三公 items"),
        compare(
            "identity.three_public_change", change.change_yuan if change else None,
            [c.change_yuan for c in items], what="sum of 三公 item changes",
            absent="no stated three_public_total change" if change is None
            else None if items else "no 三公 items",
            src=change.src if change else None, signed_parts=True,
        ),
        compare(
            "identity.project_expenditure", _sum_or_none(project),
            [p.budget_yuan for p in facts.projects], what="project expenditure vs sum of project budgets",
            absent="no project expenditure line" if not project_lines
            else None if facts.projects else "no projects",
            src=project_lines[0].src if project_lines else None,
        ),
    ]
    for p in facts.projects:
        # an empty other-funds cell counts as 0 here only; the stored value stays None
        rows.append(compare(
            "identity.project_funding", p.budget_yuan,
            [p.fiscal_funds_yuan, p.other_funds_yuan or Decimal(0)],
            what=f"project {p.project_code}: budget vs fiscal + other funds", src=p.src,
            absent=None if p.budget_yuan is not None else "no budget",
        ))
    if not facts.projects:
        rows.append(compare("identity.project_funding", None, [], what="budget vs fiscal + other funds",
                            absent="no projects"))
    rows.append(vs_total("asset_total", [a.value_yuan for a in facts.assets], "sum of asset values",
                         None if facts.assets else "no asset items"))
    revenue_total, expenditure_total = stated.get("revenue_total"), stated.get("expenditure_total")
    if revenue_total and expenditure_total and revenue_total.src.table and expenditure_total.src.table:
        # 收入总计 = 支出总计 of a 收支总表 (national table set; the notes form states them apart in prose)
        rows.append(compare(
            "identity.revenue_equals_expenditure", revenue_total.amount_yuan, [expenditure_total.amount_yuan],
            what=f"收入总计 ({_where(revenue_total)}) vs 支出总计 ({_where(expenditure_total)})",
            src=revenue_total.src,
        ))
    rows += _function_checks(facts, compare)
    # a figure the text states beside the table's (national table set: <metric>_text): one row per pair
    for text in (t for t in facts.stated_totals if t.metric.endswith("_text")):
        table = stated.get(text.metric.removesuffix("_text"))
        if table is not None:
            rows.append(compare(
                f"identity.text_vs_table.{table.metric}", table.amount_yuan, [text.amount_yuan],
                what=f"table ({_where(table)}) vs text ({_where(text)})", src=table.src,
            ))
    return rows


def _where(record) -> str:
    """A stated figure's place for a check's detail: its page (PDF) or line."""
    if record is None:
        return "not stated"
    src = record.src
    return f"p{src.page}" if src.page is not None else src.describe()


def _function_checks(facts: ExtractedDocument, compare) -> list[dict]:
    """Per fund scope of the by-function rows: the shallowest rows add up to the table's 合计, and every
    class (类) or section (款) to its children, one row per scope naming each parent that fails."""
    rows = []
    scopes = sorted({f.fund_scope for f in facts.function_expenditure})
    stated = {t.metric: t for t in facts.stated_totals}
    for scope in scopes:
        table = [f for f in facts.function_expenditure if f.fund_scope == scope]
        top = min(len(f.function_code) for f in table)
        total = stated.get(f"function_total_{scope}")
        rows.append(compare(
            f"identity.function_total.{scope}", total.amount_yuan if total else None,
            [f.total_yuan for f in table if len(f.function_code) == top],
            what=f"合计 ({_where(total)}) vs sum of the {len(table)} function rows' top level",
            absent=None if total else "no stated 合计", src=total.src if total else None,
        ))
        failed, checked = [], 0
        for parent in (f for f in table if len(f.function_code) < 7):
            children = [f for f in table if len(f.function_code) == len(parent.function_code) + 2
                        and f.function_code.startswith(parent.function_code)]
            if not children:
                continue
            checked += 1
            result = compare("", parent.total_yuan, [c.total_yuan for c in children], what="", src=parent.src)
            if result["status"] == "fail":
                failed.append((parent, result["actual"]))
        if failed:
            parent, actual = failed[0]
            detail = "; ".join(f"{p.function_code} {p.name_zh} {p.total_yuan} ({_where(p)}) vs its rows {a}"
                               for p, a in failed)
            row = compare(f"identity.function_parents.{scope}", parent.total_yuan, [actual],
                          what=f"{len(failed)} of {checked} parents differ from their rows: {detail}",
                          src=parent.src)
        else:
            row = compare(f"identity.function_parents.{scope}", Decimal(0) if checked else None, [Decimal(0)],
                          what=f"{checked} parents equal the sum of their rows",
                          absent=None if checked else "no parent with rows under it")
            row["expected"] = row["actual"] = row["difference"] = None
        rows.append(row)
    return rows


def _sum_or_none(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def _compare(document_id, name, expected, parts, *, what, absent=None, src=None, wan_yuan=False,
             signed_parts=False) -> dict:
    """Compare a stated total with the sum of its parts. A part that is None is an empty cell: it is left
    out of the sum, and if the rest falls short the result is insufficient_data rather than fail (the empty
    cells may hold the difference). Amounts are never negative, so known parts that already exceed the
    total fail whatever the empty cells hold; ``signed_parts`` (changes) turns that inference off."""
    actual = _sum_or_none(parts)
    empty = sum(p is None for p in parts)
    tolerance = WAN_YUAN_ROUNDING * (len(parts) + 1) if wan_yuan else Decimal(0)
    if absent:
        status, detail = "not_applicable", f"{what}: {absent}"
    elif actual is None:
        status, detail = "insufficient_data", f"{what}: every part is empty"
    elif actual == expected:
        status, detail = "pass", what
    elif abs(actual - expected) <= tolerance:
        status, detail = "pass", f"{what}, within {tolerance} yuan of 万元 rounding"
    elif empty and (signed_parts or actual < expected):
        status, detail = "insufficient_data", f"{what}: {empty} of {len(parts)} parts empty"
    elif empty:
        status, detail = "fail", f"{what}: the known parts alone exceed the total ({empty} empty)"
    else:
        status, detail = "fail", what
    # keep numbers that do not fit DECIMAL(18,2) out of the row rather than failing the load
    expected, actual = (v if v is not None and abs(v) < MAX_DIFFERENCE else None for v in (expected, actual))
    difference = actual - expected if actual is not None and expected is not None else None
    if difference is not None and abs(difference) >= MAX_DIFFERENCE:
        difference = None
    if status == "fail":
        log.warning("%s fails for document %s: %s; expected %s, actual %s, difference %s",
                    name, document_id[:12], what, expected, actual, difference)
    # Severity belongs to the check, not its outcome: an identity that fails is a warning (official
    # documents contain slips), so analysts filter on status and see what a failure would mean.
    return _row(document_id, name, "identity", "warning", status, expected=expected, actual=actual,
                difference=difference, detail=detail, src=src)
