"""The national table set (全国统一的部门预算/决算公开表): a department's or unit's budget or final accounts
as a set of standard tables (收支总表, 收入总表, 支出总表, 财政拨款收支总表, 一般公共预算支出表, 基本支出表, “三公”
经费支出表, 政府性基金预算支出表, 机关运行经费, 政府采购 …; in a 决算 the same set titled 收入支出决算总表, 收入决算表,
支出决算表 …) beside narrative parts (第X部分, 概况, 说明, 名词解释).

Tables are recognised by their titles and read by their header labels and row labels, never by position: a
table's kind comes from ``TABLE_KINDS`` (the title vocabulary), a column's meaning from ``COLUMN_LABELS``
and a row's from ``ROW_LABELS``. Year-to-year and province-to-province variation lives in those lists.

Each column holds one figure (measure, vocab.MEASURES): the document's main one (预算数 in a budget, 决算数 in
final accounts) unless its header names another (``MEASURE_LABELS``: 年初预算数 / 预算数, 调整预算数, 决算数). The
tables are read once per measure their headers name, each reading seeing only the columns of its measure; a
budget never reads the 决算数 columns it may print (another year's figures).

Amounts are in the unit the table states (单位：万元 / 金额单位：元); a table that states none is not read. A
blank cell and ``-`` give no fact at all, never zeros; a table that says it is empty (此表为空, 故本表无数据,
本部门无…) gives no rows, and only its declaration, read by ``national_text``, may state its subject nil (an
explicit 0 sourced at that sentence). Whenever a table's own figures do not add up as its layout says they
must (basic + project + other = total, the 三公 items = their subtotal), the table gives nothing: a misread
column must never become a wrong number. The narrative (figures only the sentences state, counts) is read by
``national_text`` after the tables.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from budget_etl.catalog import vocab
from budget_etl.extract.empty import DECLARED_EMPTY  # a table (or the note under it) that says it is empty
from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.identity import FINAL_ACCOUNTS, read_identity
from budget_etl.extract.identity import document_info as shared_document_info
from budget_etl.extract.numbers import yuan
from budget_etl.extract.registry import Detection
from budget_etl.extract.templates.national_text import read_narrative
from budget_etl.extract.units import TABLE_UNIT_RE
from budget_etl.facts import (
    FACT_TABLES,
    DocumentInfo,
    EconomicExpenditure,
    ExpenditureLine,
    ExtractedDocument,
    FunctionExpenditure,
    RevenueLine,
    Source,
    StatedTotal,
    TableFigure,
    ThreePublicCost,
)
from budget_etl.facts import Section as SectionRecord
from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table

# --- vocabulary (data) ----------------------------------------------------------------------------------

# Pattern a table's title matches (spaces removed) -> the table's kind. The title is the short line above the
# table or in its first rows that names a kind and contains 表, whatever its numbering (公开01表：…, 公开表一,
# 表一, 表1, 预算01表, 一、…表, 附件1 …). The first match wins, so the specific titles
# come before the broad ones: "一般公共预算“三公”经费支出表" is the 三公 table, "财政拨款收支总表" is not the
# 收支总表, "一般公共预算基本支出表" is the basic-expenditure table.
TABLE_KINDS: list[tuple[str, str]] = [
    (r"三公", "three_public"),
    (r"机关运行经费", "operating_expense"),
    (r"政府采购", "procurement"),
    (r"政府购买服务", "purchase_of_services"),
    (r"基本支出(?:预算)?总表", "basic_by_economic"),  # not the 支出总表: the basic part by economic class
    (r"国有资产|资产占用", "assets"),
    (r"绩效", "performance"),
    # … 收入支出决算表, 支出预算表; Xi'an: 政府性基金收支表
    (r"国有资本经营预算(?:财政拨款)?(?:拨款)?(?:收入)?支出|国有资本经营(?:预算)?收支表", "state_capital"),
    (r"政府性基金(?:预算)?(?:财政拨款)?(?:拨款)?(?:收入)?支出|政府性基金(?:预算)?收支表", "government_fund"),
    (r"财政拨款收(?:入)?支(?:出)?(?:预算|决算)?总表", "fiscal_summary"),
    (r"收支(?:预算|决算)?总表|收入支出(?:预算|决算)?总表", "summary"),
    (r"收入(?:预算)?总表|收入决算表", "revenue_summary"),
    # 支出决算表 of the whole office, not 一般公共预算(财政拨款)支出决算表 (by function, below)
    (r"支出(?:预算)?总表|(?<!预算)(?<!拨款)(?<!项目)(?<!基本)支出决算表", "expenditure_summary"),
    (r"基本支出", "basic_by_economic"),
    (r"经济分类", "by_economic"),
    (r"(?:一般公共预算|财政拨款)(?:拨款)?支出|功能分类", "by_function"),
]

# The fund scope of a by-function or by-economic table, from its title (first match wins).
FUND_SCOPES: list[tuple[str, str]] = [
    (r"政府性基金", "government_fund"),
    (r"一般公共预算", "general_public_budget"),
    (r"财政拨款", "fiscal_appropriation"),
    (r"", "all_funds"),
]

# Row labels of the 收支总表 (ordinal prefixes and spaces removed) -> what the row's amount is.
# Revenue sources are those of facts.RevenueLine; 一、财政拨款 (a group of the first two) is no source.
ROW_LABELS: list[tuple[str, str]] = [
    (r"收入总计", "total:revenue_total"),
    (r"支出总计", "total:expenditure_total"),
    (r"总计", "total:grand_total"),  # 总计 | … | 总计 (决算): the side its column's header names, 收入 or 支出
    (r"(?:本年|当年)收入(?:合计|小计)", "total:revenue_this_year"),
    (r"(?:本年|当年)支出(?:合计|小计)", "total:expenditure_this_year"),
    (r"收入合计", "total:revenue_total_if_no_grand_total"),
    (r"支出合计", "total:expenditure_total_if_no_grand_total"),
    (r"一般公共预算(?:拨款)?(?:收入|资金)?|一般公共预算财政拨款(?:收入)?", "revenue:general_public_budget"),
    (r"政府性基金(?:预算)?(?:拨款)?(?:收入|资金)?", "revenue:government_fund"),
    (r"国有资本经营预算(?:拨款)?(?:收入|资金)?", "revenue:state_capital_operation"),
    (r"财政专户(?:管理)?(?:资金|核拨)?(?:收入)?", "revenue:fiscal_special_account"),
    (r"事业收入", "revenue:public_institution_income"),
    (r"事业单位经营收入", "revenue:business_income"),
    (r"上级补助收入", "revenue:higher_level_subsidy"),
    (r"附属单位上缴收入", "revenue:subsidiary_remittance"),
    (r"其他(?:资金|收入)", "revenue:other"),
    (r"上年结转(?:结余)?(?:资金|收入)?|上年结转和结余(?:资金)?|年初结转和结余", "revenue:prior_year_carryover"),
    (r"基本支出|人员经费和公用经费支出", "use:basic"),  # the second: Xi'an's 部门综合预算
    (r"项目支出|专项业务经费支出", "use:project"),
    (r"单位预留机动经费", "use:unit_reserve"),
    (r"事业单位经营支出", "use:business_operation"),
    (r"上缴上级支出", "use:higher_level_remittance"),
    (r"对附属单位补助支出", "use:subsidiary_subsidy"),
]

# Labels at the foot of a 决算's 基本支出决算表, each followed by its amount in the same row
# (人员经费合计 | 2,152.26 | 公用经费合计 | 184.65) -> expenditure type.
BASIC_FOOT_LABELS: list[tuple[str, str]] = [
    (r"人员经费合计", "personnel"),
    (r"公用经费合计", "public_operating"),
]

# Column header labels (the header cells of one column joined, spaces removed) -> column key. First match
# wins: 公务用车购置及运行费 is the combined vehicle column, not its purchase part.
COLUMN_LABELS: list[tuple[str, str]] = [
    (r"会议费", "meeting_fee"),
    (r"培训费", "training_fee"),
    (r"机关运行经费", "operating_expense"),
    (r"因公出国", "overseas_travel"),
    (r"购置及运行|购置和运行", "vehicle_purchase_and_operation"),
    (r"公务用车购置|^购置费$", "vehicle_purchase"),
    (r"公务用车运行|^运行(?:维护)?费$", "vehicle_operation"),
    (r"公务接待", "official_reception"),
    (r"三公.*(?:小计|合计)|三公", "three_public_subtotal"),
    (r"人员经费", "personnel"),
    (r"公用经费", "public_operating"),
    (r"单位预留机动经费", "unit_reserve"),
    (r"事业单位经营支出", "business_operation"),
    (r"上缴上级支出", "higher_level_remittance"),
    (r"对附属单位补助支出", "subsidiary_subsidy"),
    (r"结转下年", "carryover_out"),
    (r"(?:合计|总计)$", "total"),  # 一般公共预算基本支出合计 is the total column of a basic table
    (r"基本支出", "basic"),
    (r"项目支出(?!功能|经济)", "project"),  # not 项目 over 支出功能分类科目编码, joined
    (r"^小计$|^金额$|^(?:年初|调整|调整后|全年)?预算数$|^决算数$", "total"),  # a column named by its measure only
]

# Header cells that name which figure a column holds (vocab.MEASURES): 预算数 | 决算数 under each item of a
# 决算's 三公 table, 年初预算数 | 调整预算数 | 决算数 over a by-function table's columns. First match wins.
MEASURE_LABELS: list[tuple[str, str]] = [
    (r"^决算数?$", vocab.MEASURES["final"]),
    (r"^(?:调整|调整后|全年)预算数?$", vocab.MEASURES["adjusted_budget"]),
    (r"^(?:年初)?预算数?$", vocab.MEASURES["budget"]),
]

# A 决算's numbering of its rows and columns (财决 forms): the column headed 行次 holds row numbers and the
# row labelled 栏次 column numbers, never amounts.
ROW_NUMBER_COLUMN = r"^行次$"
COLUMN_NUMBER_ROW = r"^栏次$"

# A table setting its classes side by side: a code column (科目编码) followed by a name column, twice.
SIDE_CODE_COLUMN = r"科目编码|科目代码"
SIDE_NAME_COLUMN = r"科目名称|名称"

# Expenditure uses beside basic and project: facts.ExpenditureLine types of class "other".
OTHER_USES = ("unit_reserve", "business_operation", "higher_level_remittance", "subsidiary_subsidy")

WAN_YUAN_HALF_CENT = Decimal(50)  # half of the 0.01 万元 a 万元 table prints, in yuan

FUNCTION_LEVELS = {3: "class", 5: "section", 7: "item"}  # 类 / 款 / 项 by the length of the code

# Economic classes (部门支出经济分类, 30x/31x) whose basic expenditure is 人员经费 or 公用经费.
PERSONNEL_CLASSES = {"301", "303"}  # 工资福利支出, 对个人和家庭的补助
PUBLIC_OPERATING_CLASSES = {"302", "310"}  # 商品和服务支出, 资本性支出

_TOTAL_ROW = re.compile(r"^(?:合计|总计)$")
_AMOUNT_CELL = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_BLANK_CELL = {"", "-", "—", "——", "－", "/", "--"}
_UNIT_RE = TABLE_UNIT_RE  # 单位：万元 / 金额单位：元 / （万元）
_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、.．]|[（(][一二三四五六七八九十\d]+[）)])")
_CODE_CELL = re.compile(r"^(?P<code>\d{3}(?:\d{2}){0,2})(?:\s*[-－—]?\s*(?P<name>\D.*))?$")
_PART = re.compile(r"^\d{1,2}$")  # a 款 or 项 cell; one digit where a number format dropped its 0


def _key(text: str) -> str:
    """The text without whitespace (str.split's whitespace is the regex \\s: the same as re.sub(r"\\s+", ""),
    several times faster)."""
    return "".join(text.split())


def _label(text: str) -> str:
    """A row label without spaces, ordinal prefix (一、 1. （一）) or trailing colon."""
    return _ORDINAL.sub("", re.sub(r"^其中[:：]?", "", _key(text))).rstrip(":：")


def _is_amount(text: str) -> bool:
    return bool(_AMOUNT_CELL.match(_key(text)))


def _is_blank(text: str) -> bool:
    return _key(text) in _BLANK_CELL


def _amount(text: str, unit: str) -> Decimal:
    return yuan(_key(text).replace(",", ""), unit)


_compiled = functools.cache(re.compile)  # the vocabularies' patterns, compiled once each


def _first(patterns: list[tuple[str, str]], text: str) -> str | None:
    return next((key for pattern, key in patterns if _compiled(pattern).search(text)), None)


def _src(cell: Cell, table: Table) -> Source:
    return Source(line=cell.line, table=table.index, row=cell.row, col=cell.col, page=cell.page)


# --- tables and their titles ------------------------------------------------------------------------------


@dataclass
class Titled:
    """A table with the title, kind and unit it states (in its first rows or the lines above it)."""

    table: Table
    title: str
    kind: str | None
    unit: str | None
    empty_note: str | None
    header: Table | None = None  # for a table continued from the page before: the table with its header
    continues: bool = False  # continues the table before it
    year: int | None = None  # the document's fiscal year: of columns grouped by year, only its own are read
    measure: str | None = None  # of columns that name their figure (MEASURE_LABELS), only this one's are read

    @property
    def declared_empty(self) -> bool:
        """It says it is empty (此表为空, 故本表无数据 …) and holds no amount."""
        return bool(self.empty_note) and not _has_amounts(self.table)


def titled_tables(doc: ReadDocument) -> list[Titled]:
    out, above = [], []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            above = [*above[-3:], block.text]
            continue
        head = [c.text for row in block.rows[:4] for c in row if c.text]
        # the title: a short line right above the table or in its first rows that names a table kind
        # (a row label such as 一、基本支出 is no title, and most cells are not: 表 is tested first)
        candidates = [t for t in [*above, *head] if "表" in t and len(_key(t)) <= 60]
        title, kind = "", None
        for text in reversed(candidates):
            if found := _first(TABLE_KINDS, _key(text)):
                title, kind = text, found
                break
        # a unit is stated after 单位 or in brackets: texts without 位 or a bracket are not searched
        unit_match = next((m for t in [*head, *above] if ("位" in t or "（" in t or "(" in t)
                           and (m := _UNIT_RE.search(_key(t)))), None)
        unit = (unit_match["a"] or unit_match["b"]) if unit_match else None
        all_cells = " ".join(c.text for row in block.rows for c in row)
        note = DECLARED_EMPTY.search(_key(all_cells))
        out.append(Titled(block, title, kind, unit, note[0] if note else None))
        above = []
    # A table without a title right after another one, on a later page, continues it (a reader that did not
    # join them): it takes its title, kind and unit, and its header when it has as many columns.
    previous, between = None, []
    titled = {id(t.table): t for t in out}
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            between.append(block.text)
            continue
        t = titled[id(block)]
        if (t.kind is None and previous is not None and previous.kind and _page(block) > _page(previous.table, last=True)
                and all(len(_key(text)) <= 12 for text in between)):
            t.title, t.kind, t.unit = previous.title, previous.kind, t.unit or previous.unit
            if len(block.rows[0]) == len((previous.header or previous.table).rows[0]):
                t.header = previous.header or previous.table
            t.empty_note = t.empty_note or previous.empty_note
            t.continues = True
        previous, between = t, []
    # A note under a table ("说明：本部门无相关收支项目。") belongs to the table above it.
    blocks = doc.blocks
    by_index = {t.table.index: t for t in out}
    for i, block in enumerate(blocks):
        if isinstance(block, Table):
            for after in blocks[i + 1 : i + 3]:
                if not isinstance(after, Paragraph):
                    break
                note = DECLARED_EMPTY.search(_key(after.text))
                if note and by_index[block.index].empty_note is None and not _has_amounts(block):
                    by_index[block.index].empty_note = note[0]
    return out


@dataclass
class MeasureView(Table):
    """A table as one measure's reading sees it: its header rows as printed, its data rows without the cells
    of the columns whose header names another figure (a blank 决算数 stays blank: never the 预算数 beside it)."""

    first_data: int | None = None


def measure_view(t: Titled, measure: str, main: bool) -> Titled:
    """``t`` read for ``measure``: the table (and the header it continues) without other measures' cells,
    nor the row numbers of a 行次 column. A column whose header names no measure holds the document's main
    figure: only the ``main`` reading sees its amounts."""
    measures = _column_measures(t.header or t.table)
    row_numbers = {col for col, label in _header_labels(t.header or t.table)[0].items()
                   if re.match(ROW_NUMBER_COLUMN, label)}

    def view(table: Table) -> Table:
        first = _first_data_row(table)
        if first is None:
            return table
        other = row_numbers | {col for col, m in measures.items() if m != measure}
        if not main:
            other |= {c.col for row in table.rows[first:] for c in row if _is_amount(c.text) and c.col not in measures}
        if not other:
            return table
        rows = [row if r < first else [c for c in row if c.col not in other] for r, row in enumerate(table.rows)]
        return MeasureView(table.index, rows, first_data=first)

    return dataclasses.replace(t, table=view(t.table), header=t.header and view(t.header), measure=measure)


def _like(table: Table, rows: list[list[Cell]]) -> Table:
    """``table`` with other rows and the same header rows (a measure's view keeps where its data starts)."""
    if isinstance(table, MeasureView):
        return MeasureView(table.index, rows, first_data=table.first_data)
    return Table(table.index, rows)


def table_measures(tables: list[Titled]) -> set[str]:
    """Every figure the tables' headers name (MEASURE_LABELS)."""
    return {m for t in tables for m in _column_measures(t.header or t.table).values()}


def _page(table: Table, last: bool = False) -> int:
    pages = [c.page for row in table.rows for c in row if c.page is not None] or [0]
    return max(pages) if last else min(pages)


def _has_amounts(table: Table) -> bool:
    return any(_is_amount(c.text) for row in table.rows for c in row)


# A header cell over a group of columns that belong to one year (2021年 | 2022年) or that compare years
# (增减变化情况): the columns of the group are those from it to the next such cell of its row.
_YEAR_GROUP = re.compile(r"^(?P<year>(?:19|20)\d{2})年(?:度)?(?:预算数?|决算数?)?$|^(?:增减|变化|比较|增减变化)")


def _first_data_row(table: Table) -> int | None:
    """The first row holding an amount (for a measure's view, that of the table as printed)."""
    if isinstance(table, MeasureView):
        return table.first_data
    return next((r for r, row in enumerate(table.rows)
                 if any(_is_amount(c.text) for c in row) and not _numbers_columns(row)), None)


def _numbers_columns(row: list[Cell]) -> bool:
    """The row of column numbers under a 决算 form's header: 栏次 | 1 | 2 | 3 …"""
    return bool(re.match(COLUMN_NUMBER_ROW, _key(_first_text(row))))


def _measure_of(text: str) -> str | None:
    return _first(MEASURE_LABELS, _key(text))


def _column_measures(table: Table) -> dict[int, str]:
    """Column -> the figure its header names (MEASURE_LABELS); columns that name none are left out.

    Where the header names two figures or more, a measure cell also covers the columns right of it that
    have no cell of their own in its row nor above it (决算数 merged over 小计 | 基本支出 | 项目支出); a column
    labelled above the measures' row (合计 merged down beside them) is no part of their span."""
    first_data = _first_data_row(table)
    header = table.rows[:first_data] if first_data is not None else table.rows
    own = {c.col: m for row in header for c in row if (m := _measure_of(c.text))}
    if len(set(own.values())) < 2:
        return own
    out = dict(own)
    columns = sorted({c.col for row in table.rows for c in row})
    labelled: set[int] = set()  # columns with a header cell in the rows so far
    for row in header:
        named = sorted((c.col, c.text) for c in row if _key(c.text))
        labelled |= {col for col, _ in named}
        if not any(_measure_of(text) for _, text in named):
            continue
        for col in (c for c in columns if c not in out and c not in labelled):
            left = [(at, text) for at, text in named if at <= col]
            if left and (m := _measure_of(left[-1][1])):
                out[col] = m
    return out


def _owner(col: int, header: list[list[Cell]]) -> int | None:
    """The column of the merged header cell over ``col`` (the nearest non-measure cell left of it in each
    header row, within the span of the cell above): 合计 over 预算数 | 决算数, 因公出国（境）费 over its two."""
    owner = None
    for row in header:
        left = max((c for c in row if _key(c.text) and c.col <= col), key=lambda c: c.col, default=None)
        if left is not None and not _measure_of(left.text) and (owner is None or left.col >= owner):
            owner = left.col
    return owner if owner != col else None


def _header_labels(table: Table, year: int | None = None, measure: str | None = None) -> tuple[dict[int, str], int]:
    """Column -> its header label (the header cells of the column joined), and the first data row's index.

    Header rows are the rows before the first row holding an amount. A merged header cell is given by
    readers in the first column it spans; its sub-labels sit below in their own columns. Where a header
    row groups the columns by year (2021年 | 2022年 | 增减变化情况), only the columns of the group of ``year``
    keep their labels: another year's figures, or the changes between them, are never read as this year's
    (no group of ``year``: none of the grouped columns is read). Likewise, given a ``measure``, the columns
    whose header names another figure (MEASURE_LABELS) lose their labels; a column named by its figure only
    (预算数 | 决算数 under 合计) takes the label of the merged cell over it, when the header names two figures."""
    first_data = _first_data_row(table)
    if first_data is None:
        return {}, len(table.rows)
    labels: dict[int, str] = {}
    measured: dict[int, str] = {}  # the measure cells of each column, apart from its label
    other_groups: set[int] = set()
    for row in (row for row in table.rows[:first_data] if not _numbers_columns(row) and not _caption_row(row)):
        groups = [(c.col, _YEAR_GROUP.match(_key(c.text))) for c in row if _YEAR_GROUP.match(_key(c.text))]
        if len(groups) >= 2:
            bounds = [col for col, _ in groups] + [max(c.col for c in row) + 1]
            for (start, match), end in zip(groups, bounds[1:], strict=True):
                if match["year"] is None or year is None or int(match["year"]) != year:
                    other_groups.update(range(start, end))
        for cell in row:
            text = _key(cell.text)
            if not text or re.search(r"[:：]", text) or ("表" in text and _first(TABLE_KINDS, text)):
                continue  # the title, the unit or "部门：…" above the header
            if _measure_of(text):
                measured[cell.col] = measured.get(cell.col, "") + text
            else:
                labels[cell.col] = labels.get(cell.col, "") + text
    measures = _column_measures(table)
    spans = len(set(measures.values())) >= 2
    for col, text in measured.items():
        if col not in labels:
            owner = _owner(col, table.rows[:first_data]) if spans else None
            labels[col] = labels.get(owner, text)
    if measure is not None:
        other_groups.update(col for col, m in measures.items() if m != measure)
    return {col: label for col, label in labels.items() if col not in other_groups}, first_data


_CAPTION = re.compile(r"^(?:编制|预算)?(?:部门|单位)(?:名称)?[:：]")


def _caption_row(row: list[Cell]) -> bool:
    """部门： | 江苏省人大常委会办公厅 | 单位：万元 above a header: the office's name is no column's label."""
    return any(_CAPTION.match(_key(c.text)) for c in row)


def _columns(labels: dict[int, str]) -> dict[str, int]:
    """Column key -> column number, the first column whose label matches each key."""
    out: dict[str, int] = {}
    for col in sorted(labels):
        key = _first(COLUMN_LABELS, labels[col])
        if key and key not in out:
            out[key] = col
    return out


def _total_row(table: Table, first_data: int) -> list[Cell] | None:
    """The row labelled 合计/总计; else the only row holding amounts, or the only one not labelled by a
    classification code (a one-unit table whose total row bears the unit's name)."""
    data = [row for row in table.rows[first_data:] if any(_is_amount(c.text) for c in row)]
    labelled = [row for row in data if any(_TOTAL_ROW.match(_label(c.text)) for c in row)]
    if labelled:
        return labelled[0]
    uncoded = [row for row in data if not _CODE_CELL.match(_key(_first_text(row)))]
    return data[0] if len(data) == 1 else uncoded[0] if len(uncoded) == 1 and len(data) > 1 else None


def _first_text(row: list[Cell]) -> str:
    return next((c.text for c in row if not _is_blank(c.text)), "")


def _cell_at(row: list[Cell], col: int) -> Cell | None:
    return next((c for c in row if c.col == col), None)


def _read_columns(titled: Titled, keys: tuple[str, ...]) -> dict[str, tuple[Decimal, Cell]] | None:
    """The total row's amounts under the header columns ``keys`` (blank cells left out); None when the
    table has no total row."""
    labels = _header_labels(titled.header or titled.table, titled.year, titled.measure)[0]
    columns = _columns(labels)
    row = _total_row(titled.table, _header_labels(titled.table)[1])
    if row is None or titled.unit is None:
        return None
    found: dict[str, Cell] = {}
    for key in (k for k in keys if k in columns):
        cell = _cell_at(row, columns[key])
        if cell is not None and _is_amount(cell.text):
            found[key] = cell
    for key in (k for k in keys if k in columns and k not in found):
        # a header centred over a merged cell may stand one column off its amounts: take the amount next
        # to it when that column has no header of its own and no other key took it (the sums checked by
        # the callers decide)
        taken = {c.col for c in found.values()}
        found_cell = next((c for col in (columns[key] + 1, columns[key] - 1)
                           if col not in labels and col not in taken
                           and (c := _cell_at(row, col)) is not None and _is_amount(c.text)), None)
        if found_cell is not None:
            found[key] = found_cell
    return {key: (_amount(cell.text, titled.unit), cell) for key, cell in found.items()}


def _read_rows(t: Titled) -> dict[str, tuple[Decimal, Cell]]:
    """A label | amount table read down its rows, each row's label classified as a column label would be
    (合计, 因公出国（境）费用, 其中：（1）公务用车购置费 …); the first row of each key wins."""
    out: dict[str, tuple[Decimal, Cell]] = {}
    if t.unit is None:
        return out
    for row in t.table.rows:
        cells = [c for c in row if not _is_blank(c.text)]
        if len(cells) < 2 or _is_amount(cells[0].text) or not _is_amount(cells[1].text):
            continue
        key = _first(COLUMN_LABELS, _label(cells[0].text))
        if key and key not in out:
            out[key] = (_amount(cells[1].text, t.unit), cells[1])
    return out


def _pairs(titled: Titled) -> list[tuple[str, Cell | None, Cell]]:
    """(row key, amount cell or None for a blank, label cell) of a label | amount layout (收支总表): each
    label cell takes the amount cell right after it in its row, blank or missing cells giving None."""
    out = []
    _, first_data = _header_labels(titled.table)
    data = titled.table.rows[first_data:]
    # the amount columns, in runs of adjacent columns (a merged cell may sit in either): a label's amount
    # lies in the first run right of it, so that the amount of a wrapped label further right (三、单位预留
    # 机动 / 经费) is never taken for a blank label's
    runs: list[list[int]] = []
    for col in sorted({c.col for row in data for c in row if _is_amount(c.text)}):
        if runs and col - runs[-1][-1] <= 1:
            runs[-1].append(col)
        else:
            runs.append([col])
    for row in data:
        cells = [c for c in row if not _is_blank(c.text)]
        for i, cell in enumerate(cells):
            if _is_amount(cell.text):
                continue
            key = _row_key(cell.text)
            if key is None:
                continue
            run = next((r for r in runs if r[0] > cell.col), [])
            after = cells[i + 1] if i + 1 < len(cells) else None
            # totals stand in rows of their own at the foot, where a continued page may shift the columns
            if after is not None and (not _is_amount(after.text) or (after.col not in run and not key.startswith("total:"))):
                after = None
            out.append((key, after, cell))
    return out


def _row_key(text: str) -> str | None:
    label = _label(text)
    return next((key for pattern, key in ROW_LABELS if _compiled(pattern).fullmatch(label)), None)


# --- the template -------------------------------------------------------------------------------------------


_LISTED_TITLE = re.compile(r"表[.…\d]*$")


def listed_table_kinds(doc: ReadDocument) -> set[str]:
    """Kinds of the standard tables a document names in short lines of its own (a contents list or the
    narrative's list of its tables), whether or not the tables themselves are in this file."""
    kinds = set()
    for p in doc.paragraphs():
        if "表" not in p.text:  # a title the pattern finds ends in 表
            continue
        text = _ORDINAL.sub("", _key(p.text))
        if len(text) <= 30 and _LISTED_TITLE.search(text):
            kinds.add(_first(TABLE_KINDS, text))
    return kinds & {*_CORE_KINDS, "revenue_summary", "fiscal_summary", "government_fund"}


def _narrative_only(doc: ReadDocument, tables: list[Titled]) -> bool:
    """The narrative half of a document published as two files: it lists the standard tables but holds none."""
    return len(listed_table_kinds(doc)) >= 3 and not any(t.kind in _CORE_KINDS for t in tables)


def extract_national(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    tables = titled_tables(doc)
    out = ExtractedDocument(info=document_info(doc, tables, is_synthetic))
    for t in tables:
        t.year = out.info.fiscal_year
    if _narrative_only(doc, tables):
        # its rounded prose figures must not stand in for the tables' (item 4 pairs the two files)
        raise ExtractionError(
            "tables_in_another_file",
            "The document lists the standard tables (收支总表, 支出总表 …) but holds none: it is the narrative "
            "half of a disclosure whose tables were published as another file.",
        )
    by_kind: dict[str, list[Titled]] = {}
    for t in tables:
        if t.kind:
            by_kind.setdefault(t.kind, []).append(t)
    main = vocab.MAIN_MEASURES[out.info.doc_kind]
    _read_tables(_views(by_kind, main, out.info.doc_kind), out, main=True)
    _table_figures(_views(by_kind, main, out.info.doc_kind), out)
    if out.info.doc_kind == "final_accounts":  # the budget figures a 决算 prints beside its 决算数
        for measure in sorted(table_measures(tables) - {main}):
            figures = ExtractedDocument(info=out.info)
            _read_tables(_views(by_kind, measure, out.info.doc_kind), figures, main=False)
            _table_figures(_views(by_kind, measure, out.info.doc_kind), figures)
            for _table, (cls, attr) in FACT_TABLES.items():
                if any(f.name == "measure" for f in dataclasses.fields(cls)):
                    for record in getattr(figures, attr):
                        record.measure = measure
                        getattr(out, attr).append(record)
    read_narrative(doc, by_kind, out)  # the figures only its sentences state, and the tables declared empty
    out.sections = _sections(by_kind, out)
    units = {t.unit for t in tables if t.unit}
    out.info.currency_unit = "万元" if "万元" in units else "元"
    if out.total("revenue_total") is None and out.total("expenditure_total") is None:
        raise ExtractionError(
            "incomplete_document",
            "No 收支总表 with a 收入总计 or 支出总计 was read: the tables are missing, in another file, or "
            "not in the national table set.",
        )
    return out


def _views(by_kind: dict[str, list[Titled]], measure: str, doc_kind: str) -> dict[str, list[Titled]]:
    main = measure == vocab.MAIN_MEASURES[doc_kind]
    return {kind: [measure_view(t, measure, main) for t in ts] for kind, ts in by_kind.items()}


def _read_tables(by_kind: dict[str, list[Titled]], out: ExtractedDocument, main: bool) -> None:
    """Every table kind into ``out``; the rows by function and economic class (which hold one figure per
    row) for the document's main measure only."""
    for t in by_kind.get("summary", []):
        _summary(t, out)
        if out.total("revenue_total") is not None:
            break
    _uses_add_up(out, by_kind.get("summary", [None])[0])
    for t in by_kind.get("expenditure_summary", []):
        if _expenditure_summary(t, out):
            break
    economic_done = not main
    for group in _groups(by_kind.get("basic_by_economic", [])):
        economic_done = _basic_by_economic(group, out, economic_done) or economic_done
        if any(e.expenditure_class == "basic" for e in out.expenditure):
            break
    for t in by_kind.get("three_public", []):
        if _three_public(t, out):
            break
    for t in by_kind.get("operating_expense", []):
        if _operating_expense(t, out):
            break
    seen_scopes = set()  # one table per fund scope (財政拨款 and 一般公共预算 tables often repeat)
    for kind in ("by_function", "government_fund", "expenditure_summary") if main else ():
        for group in _groups(by_kind.get(kind, [])):
            scope = "all_funds" if kind == "expenditure_summary" else _first(FUND_SCOPES, _key(group[0].title))
            if scope not in seen_scopes:
                read = [_function_rows(t, scope, out) for t in group]  # the table, then its continuations
                if read[0]:
                    seen_scopes.add(scope)
    for t in by_kind.get("procurement", []):
        got = _read_columns(t, ("total",))
        if got and "total" in got and out.total("procurement_total") is None:
            amount, cell = got["total"]
            out.stated_totals.append(StatedTotal("procurement_total", "政府采购预算合计", amount, _src(cell, t.table)))


def _add_total(out: ExtractedDocument, metric: str, label: str, amount: Decimal, src: Source) -> None:
    if out.total(metric) is None:
        out.stated_totals.append(StatedTotal(metric, label, amount, src))


def _summary(t: Titled, out: ExtractedDocument) -> None:
    """收支总表: the totals, the revenue sources and the uses (basic, project, reserve …) by their labels."""
    if t.unit is None:
        return
    pairs = [(side, cell, label) for key, cell, label in _pairs(t) if (side := _side(key, label, t))]
    keys = {k for k, cell, _ in pairs if cell is not None}
    for key, cell, label in pairs:
        if cell is None:
            continue
        kind, _, name = key.partition(":")
        amount, src = _amount(cell.text, t.unit), _src(cell, t.table)
        if kind == "total":
            if name.endswith("_if_no_grand_total"):
                name = name.removesuffix("_if_no_grand_total")
                if f"total:{name}" in keys:
                    continue
            _add_total(out, name, _label(label.text), amount, src)
        elif kind == "revenue" and name not in {r.revenue_source for r in out.revenue}:
            out.revenue.append(RevenueLine(name, _label(label.text), amount, src))
        elif kind == "use" and name == "basic":
            _add_total(out, "basic_total", "基本支出", amount, src)
        elif kind == "use" and not any(e.expenditure_type == name for e in out.expenditure):
            if name == "project":
                out.expenditure.append(ExpenditureLine("project", "project", "项目支出", amount, src,
                                                       fund_scope="all_funds"))
            elif name in OTHER_USES:
                out.expenditure.append(ExpenditureLine("other", name, _label(label.text), amount, src,
                                                       fund_scope="all_funds"))


def _side(key: str, label: Cell, t: Titled) -> str | None:
    """total:grand_total as the revenue or the expenditure total, by the header over its label's column
    (收入 | 支出); neither: None."""
    if key != "total:grand_total":
        return key
    header = _header_labels(t.header or t.table)[0].get(label.col, "")
    side = "revenue" if header.startswith("收入") else "expenditure" if header.startswith("支出") else None
    return f"total:{side}_total" if side else None


def _uses_add_up(out: ExtractedDocument, t: Titled | None) -> None:
    """The uses the 收支总表 gave (basic, project, the others) are kept only if they add up to its
    expenditure (本年支出合计, else 支出总计), allowing for the rounding of a 万元 table to 0.01 万元."""
    basic = out.total("basic_total")
    uses = [e.amount_yuan for e in out.expenditure if e.expenditure_class in ("project", "other")]
    spent = out.total("expenditure_this_year") or out.total("expenditure_total")
    if t is None or basic is None or not uses or spent is None:
        return
    tolerance = WAN_YUAN_HALF_CENT * (len(uses) + 2) if t.unit == "万元" else Decimal(0)
    if abs(basic + sum(uses) - spent) > tolerance:
        out.stated_totals = [s for s in out.stated_totals if s.metric != "basic_total"]
        out.expenditure = [e for e in out.expenditure if e.expenditure_class not in ("project", "other")]


def _expenditure_summary(t: Titled, out: ExtractedDocument) -> bool:
    """支出总表: total = basic + project (+ the other uses), read only when the columns add up."""
    got = _read_columns(t, ("total", "basic", "project", *OTHER_USES))
    if not got or not {"total", "basic", "project"} <= set(got):
        return False
    total, basic, project = (got[k][0] for k in ("total", "basic", "project"))
    others = {k: got[k] for k in OTHER_USES if k in got and got[k][0] != 0}
    if basic + project == total:
        others = {}  # printed as 其中 of something else, or zero
    elif basic + project + sum(v for v, _ in others.values()) != total:
        return False
    _add_total(out, "expenditure_total", "合计", total, _src(got["total"][1], t.table))
    # the 支出总表 is the source of basic and project: it replaces what the 收支总表 said of them
    out.stated_totals = [s for s in out.stated_totals if s.metric != "basic_total"]
    out.expenditure = [e for e in out.expenditure if e.expenditure_class not in ("project", "other")]
    out.stated_totals.append(StatedTotal("basic_total", "基本支出", basic, _src(got["basic"][1], t.table)))
    out.expenditure.append(ExpenditureLine("project", "project", "项目支出", project, _src(got["project"][1], t.table),
                                           fund_scope="all_funds"))
    for key, (amount, cell) in others.items():
        out.expenditure.append(ExpenditureLine("other", key, _key(cell.text) and key, amount, _src(cell, t.table),
                                               fund_scope="all_funds"))
    return True


def _basic_by_economic(group: list[Titled], out: ExtractedDocument, economic_done: bool) -> bool:
    """基本支出表 by economic class (with the pages it continues on): 人员经费 and 公用经费 from their
    columns, else from the class rows (301 + 303 and 302 + 310) when those classes make the whole total;
    and, once per document, every class row as a fact. True when it gave the economic rows."""
    t = group[0]
    if t.unit is None or t.empty_note:
        return False
    scope = _first(FUND_SCOPES, _key(t.title)) or "all_funds"
    rows = [(part, r) for part in group for r in _coded_rows(part)
            if len(r.code) in (3, 5) and r.code[0] in "35" and r.amounts]
    if not economic_done:
        for part, r in rows:
            amount = _amount(r.amounts[0].text, part.unit)
            out.economic_expenditure.append(
                EconomicExpenditure(r.code, _econ_scheme(r.code), r.name, amount, scope, _src(r.first, part.table))
            )
    if _labelled_basic_parts(group, out):
        return bool(rows)
    got = next((g for part in group if (g := _read_columns(part, ("total", "personnel", "public_operating")))
                and "total" in g), None)
    if got is None:
        named = _classes_by_name(group)  # no total row found: a table of class names under its unit's row
        parts = _class_parts(*named) if named else {}
    elif {"personnel", "public_operating"} <= set(got):
        parts = {}
        if got["personnel"][0] + got["public_operating"][0] == got["total"][0]:
            parts = {"personnel": got["personnel"], "public_operating": got["public_operating"]}
    else:
        classes = {r.code: (_amount(r.amounts[0].text, part.unit), r.amounts[0]) for part, r in rows
                   if len(r.code) == 3 and r.code.startswith("3")}
        parts = _class_parts(classes, got["total"][0])
    where = {id(c): part for part in group for row in part.table.rows for c in row}
    for kind, (amount, cell) in parts.items():
        label = "人员经费" if kind == "personnel" else "公用经费"
        out.expenditure.append(ExpenditureLine("basic", kind, label, amount, _src(cell, where[id(cell)].table),
                                               fund_scope=scope))
    return bool(rows)


def _class_parts(classes: dict[str, tuple[Decimal, Cell]], total: Decimal) -> dict[str, tuple[Decimal, Cell]]:
    """人员经费 (301 + 303) and 公用经费 (302 + 310) from the class rows of a basic table, when those classes
    make its whole total; each with the cell of its first class."""
    parts: dict[str, tuple[Decimal, Cell]] = {}
    if (classes and sum(v for v, _ in classes.values()) == total
            and set(classes) <= PERSONNEL_CLASSES | PUBLIC_OPERATING_CLASSES):
        for kind, wanted in (("personnel", PERSONNEL_CLASSES), ("public_operating", PUBLIC_OPERATING_CLASSES)):
            found = [classes[c] for c in sorted(wanted) if c in classes]
            if found:
                parts[kind] = (sum(v for v, _ in found), found[0][1])
    return parts


# Economic classes named without their code (a label, spaces and ordinal removed, matches in full).
ECONOMIC_CLASS_NAMES: list[tuple[str, str]] = [
    (r"工资福利支出", "301"),
    (r"商品和服务支出", "302"),
    (r"对个人和家庭的?补助(?:支出)?", "303"),
    (r"资本性支出", "310"),
]


def _classes_by_name(group: list[Titled]) -> tuple[dict[str, tuple[Decimal, Cell]], Decimal] | None:
    """A basic table whose rows name the economic classes without codes (工资福利支出 | 商品和服务支出 | … with
    their items between them) under a first row holding the total (the unit's name): each class's amount in
    the total column, and that total. None when the layout is another."""
    t = group[0]
    columns = _columns(_header_labels(t.header or t.table, t.year)[0])
    if "total" not in columns:
        return None
    data = [(part, row) for part in group if part is t or part.header is t.table
            for row in part.table.rows[_header_labels(part.table)[1]:] if any(_is_amount(c.text) for c in row)]
    cells = [(part, row, _cell_at(row, columns["total"])) for part, row in data]
    if not cells or any(cell is None or not _is_amount(cell.text) for _, _, cell in cells):
        return None
    classes: dict[str, tuple[Decimal, Cell]] = {}
    for part, row, cell in cells[1:]:
        code = next((c for pattern, c in ECONOMIC_CLASS_NAMES if re.fullmatch(pattern, _label(_first_text(row)))), None)
        if code is not None and code not in classes:
            classes[code] = (_amount(cell.text, part.unit), cell)
    part, _, cell = cells[0]
    return (classes, _amount(cell.text, part.unit)) if classes else None


def _labelled_basic_parts(group: list[Titled], out: ExtractedDocument) -> bool:
    """人员经费合计 | amount | 公用经费合计 | amount at the foot of a 决算's 基本支出决算表, kept when the two add
    up to the basic expenditure the document states (within the rounding of a 万元 table to 0.01 万元)."""
    found: dict[str, tuple[Cell, Titled]] = {}
    for part in group:
        for row in part.table.rows:
            cells = [c for c in row if not _is_blank(c.text)]
            for label, after in itertools.pairwise(cells):
                kind = next((k for pattern, k in BASIC_FOOT_LABELS if re.fullmatch(pattern, _label(label.text))), None)
                if kind and _is_amount(after.text):
                    found.setdefault(kind, (after, part))
    basic = out.total("basic_total")
    if set(found) != {"personnel", "public_operating"} or basic is None:
        return False
    amounts = {kind: _amount(cell.text, part.unit) for kind, (cell, part) in found.items() if part.unit}
    tolerance = WAN_YUAN_HALF_CENT * 3 if group[0].unit == "万元" else Decimal(0)
    if len(amounts) != 2 or abs(sum(amounts.values()) - basic) > tolerance:
        return False
    for kind, (cell, part) in found.items():
        label = "人员经费" if kind == "personnel" else "公用经费"
        out.expenditure.append(ExpenditureLine("basic", kind, label, amounts[kind], _src(cell, part.table),
                                               fund_scope=_first(FUND_SCOPES, _key(group[0].title))))
    return True


def _groups(tables: list[Titled]) -> list[list[Titled]]:
    """Tables of one kind with their continuations (a table continued on the next page) joined."""
    groups: list[list[Titled]] = []
    for t in tables:
        if t.continues and groups:
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def _econ_scheme(code: str) -> str:
    return "department" if code.startswith("3") else "government"


@dataclass
class CodedRow:
    code: str  # 201 / 20103 / 2010301, or 301 / 30101
    name: str
    row: list[Cell]
    first: Cell  # the cell holding the code
    amounts: list[Cell]  # the row's amount cells, in column order


def _sides(t: Titled) -> list[int]:
    """The first column of each side of a table that sets its classes side by side (a 决算's 基本支出决算表:
    科目编码 | 科目名称 | 决算数 | 科目编码 | 科目名称 | 决算数): the code columns, when each is followed by a
    name column before the next; else [] (one class per row)."""
    labels = _header_labels(t.header or t.table)[0]
    starts = sorted(col for col, label in labels.items() if re.search(SIDE_CODE_COLUMN, label))
    if len(starts) < 2:
        return []
    bounds = [*starts[1:], max(labels) + 1]
    named = all(any(re.search(SIDE_NAME_COLUMN, labels.get(col, "")) for col in range(start + 1, end))
                for start, end in zip(starts, bounds, strict=True))
    return starts if named else []


def _coded_rows(t: Titled) -> list[CodedRow]:
    """Rows that start with a classification code (201 / 20103 / 2010301, also split over 类 | 款 | 项
    cells as 201 | 03 | 01, or written '2010301-行政运行'); in a table of two sides, each side of a row.
    A row with a second code (政府经济分类 beside 部门经济分类, or economic classes under a function code)
    is another layout and is left out."""
    out = []
    sides = _sides(t)
    rows = [[c for c in row if start <= c.col < end] for row in t.table.rows
            for start, end in zip(sides, [*sides[1:], 10**6], strict=True)] if sides else t.table.rows
    for row in rows:
        cells = [c for c in row if not _is_blank(c.text)]
        m = _CODE_CELL.match(_key(cells[0].text)) if cells else None
        if not m:
            continue
        code, rest = m["code"], cells[1:]
        while not m["name"] and rest and _PART.match(_key(rest[0].text)) and len(code) < 7:  # 201 | 03 | 01
            code += _key(rest[0].text).zfill(2)  # 301 | 2 | 津贴补贴 is 30102: the cell was formatted as a number
            rest = rest[1:]
        name = m["name"] or ""
        if not name and rest and not _is_amount(rest[0].text):
            name, rest = _key(rest[0].text), rest[1:]
        if not name or len(code) not in (3, 5, 7) or any(not _is_amount(c.text) for c in rest):
            continue
        out.append(CodedRow(code, _key(name), row, cells[0], rest))
    return out


def _function_rows(t: Titled, scope: str, out: ExtractedDocument) -> bool:
    """A by-function table: every coded row with its total (and basic and project when the header names
    them), and the table's 合计 as stated total ``function_total_<scope>`` for the cross-checks."""
    if t.unit is None or t.empty_note:
        return False
    columns = _columns(_header_labels(t.header or t.table, t.year, t.measure)[0])
    rows = [r for r in _coded_rows(t) if r.code[0] == "2"]

    def at(row: list[Cell], key: str) -> Decimal | None:
        cell = _cell_at(row, columns[key]) if key in columns else None
        return _amount(cell.text, t.unit) if cell is not None and _is_amount(cell.text) else None

    for r in rows:
        total = at(r.row, "total")
        if total is None and len(r.amounts) == 1 and not {"basic", "project"} & set(columns):
            total = _amount(r.amounts[0].text, t.unit)  # a one-amount table (金额)
        if total is None:
            continue
        out.function_expenditure.append(
            FunctionExpenditure(
                function_code=r.code,
                level=FUNCTION_LEVELS[len(r.code)],
                name_zh=r.name,
                total_yuan=total,
                basic_yuan=at(r.row, "basic"),
                project_yuan=at(r.row, "project"),
                fund_scope=scope,
                src=_src(r.first, t.table),
            )
        )
    first_data = _header_labels(t.table)[1]
    total_row = next((row for row in t.table.rows[first_data:]
                      if any(_TOTAL_ROW.match(_label(c.text)) for c in row)), None)
    if total_row is not None and rows:
        amounts = [c for c in total_row if _is_amount(c.text)]
        cell = _cell_at(total_row, columns["total"]) if "total" in columns else (amounts[0] if len(amounts) == 1 else None)
        if cell is not None and _is_amount(cell.text):
            out.stated_totals.append(StatedTotal(f"function_total_{scope}", _key(t.title) or "合计",
                                                 _amount(cell.text, t.unit), _src(cell, t.table)))
    return bool(rows)


THREE_PUBLIC_ITEMS = ("overseas_travel", "vehicle_purchase", "vehicle_operation", "official_reception")
THREE_PUBLIC_NAMES = {"overseas_travel": "因公出国（境）费", "vehicle_purchase": "公务用车购置费",
                      "vehicle_operation": "公务用车运行维护费", "official_reception": "公务接待费",
                      "vehicle_purchase_and_operation": "公务用车购置及运行维护费"}
_SHARING = ("meeting_fee", "training_fee", "operating_expense")  # columns beside the 三公 in one table


def _three_public(t: Titled, out: ExtractedDocument) -> bool:
    """The 三公 table (alone or with 会议费, 培训费, 机关运行经费): the 三公 total is its 三公 subtotal, or the
    table's total when no other fee shares the table; read only when the items add up to it. Where the table
    prints last year beside this year (by columns or by rows), last year's subtotal is
    ``three_public_prior_year_total``, under the same rule."""
    if t.unit is None:
        return False
    this_year = _year_view(t, t.year) if t.year is not None else t
    got = _three_public_figures(this_year, down_rows=True) if this_year is not None else None
    if got is None:
        return False
    table = this_year.table
    subtotal = got.get("three_public_subtotal") or got["total"]
    out.stated_totals.append(StatedTotal("three_public_total", "“三公”经费", subtotal[0], _src(subtotal[1], table)))
    parts = [k for k in THREE_PUBLIC_ITEMS if k in got]
    if not {"vehicle_purchase", "vehicle_operation"} & set(got) and "vehicle_purchase_and_operation" in got:
        parts.append("vehicle_purchase_and_operation")
    for key in parts:
        amount, cell = got[key]
        out.three_public_costs.append(
            ThreePublicCost(key, THREE_PUBLIC_NAMES[key], amount, None, None, None, _src(cell, table)))
    for key, label in (("meeting_fee", "会议费"), ("training_fee", "培训费")):
        if key in got:
            out.stated_totals.append(StatedTotal(key, label, got[key][0], _src(got[key][1], table)))
    if "operating_expense" in got:
        amount, cell = got["operating_expense"]
        _add_total(out, "operating_expense_total", "机关运行经费", amount, _src(cell, table))
    last_year = _year_view(t, t.year - 1) if t.year is not None else None
    prior = _three_public_figures(last_year) if last_year is not None else None
    if prior is not None:
        amount, cell = prior.get("three_public_subtotal") or prior["total"]
        out.stated_totals.append(StatedTotal("three_public_prior_year_total", f"{t.year - 1}年“三公”经费", amount,
                                             _src(cell, last_year.table)))
    return True


def _three_public_figures(t: Titled, down_rows: bool = False) -> dict[str, tuple[Decimal, Cell]] | None:
    """The 三公 figures of a table (one year's view of it) by column key, when its items add up to its 三公
    subtotal (or to its total, when no other fee shares the table); else None. ``down_rows``: a table with
    no item columns is read down its rows (合计 | 1、因公出国（境）费用 | … with an amount each)."""
    t = _one_fund_view(t)
    if t is None:
        return None
    got = _read_columns(t, ("total", "three_public_subtotal", "vehicle_purchase_and_operation", *THREE_PUBLIC_ITEMS,
                            *_SHARING))
    shares = set(_SHARING) & set(_columns(_header_labels(t.table, t.year, t.measure)[0]))
    if down_rows and (not got or not {*THREE_PUBLIC_ITEMS, "vehicle_purchase_and_operation"} & set(got)):
        got = _read_rows(t)
        shares = set(_SHARING) & set(got)
    if not got:
        return None
    subtotal = got.get("three_public_subtotal") or (got.get("total") if not shares else None)
    if subtotal is None:
        return None
    known = [got[k][0] for k in THREE_PUBLIC_ITEMS if k in got]
    if "vehicle_purchase" not in got and "vehicle_operation" not in got and "vehicle_purchase_and_operation" in got:
        known.append(got["vehicle_purchase_and_operation"][0])
    if sum(known, Decimal(0)) != subtotal[0]:
        return None
    return {**got, "three_public_subtotal": subtotal}


# A data row labelled by its year (2025年 | 2026年 | 增减变化金额 down a 年度 column): that year's figures.
_YEAR_ROW = re.compile(r"^(?P<year>(?:19|20)\d{2})年(?:度)?(?:预算数?)?$")


def _year_view(t: Titled, year: int) -> Titled | None:
    """``t`` as it shows ``year``'s figures: a table whose data rows are labelled by year keeps its header and
    the row of ``year``; a table whose header groups the columns by year is read in the group of ``year``;
    a table that names no year holds the document's year only. None: the table does not show ``year``."""
    first_data = _header_labels(t.table)[1]
    labelled = {int(m["year"]): r for r, row in enumerate(t.table.rows[first_data:], first_data)
                for c in row if (m := _YEAR_ROW.match(_key(c.text)))}
    if labelled:
        if year not in labelled:
            return None
        rows = [*t.table.rows[:first_data], t.table.rows[labelled[year]]]
        return dataclasses.replace(t, table=_like(t.table, rows), year=year)
    # a group of last year's 决算数 is no figure of the same kind as this year's budget
    grouped = {int(m["year"]) for row in (t.header or t.table).rows[:first_data] for c in row
               if (m := _YEAR_GROUP.match(_key(c.text))) and m["year"] and "决算" not in c.text}
    if grouped:
        return dataclasses.replace(t, year=year) if year in grouped else None
    return t if year == t.year else None


# Header cells that split each column into the fund paying it (一般公共预算 | 政府性基金预算 | 国有资本经营预算).
_FUND_COLUMN = re.compile(r"^(?:一般公共预算|政府性基金(?:预算)?|国有资本经营(?:预算)?)(?:拨款|财政拨款)?$")


def _one_fund_view(t: Titled) -> Titled | None:
    """A table whose header splits every column by fund, read as one figure per column: the 一般公共预算
    column under each label, when every other fund's column is zero or blank (the figure is then the whole
    财政拨款 one); None when another fund holds money. A table without fund columns is itself."""
    table = t.header or t.table
    first_data = _header_labels(table)[1]
    fund_rows = [r for r, row in enumerate(table.rows[:first_data])
                 if sum(bool(_FUND_COLUMN.match(_key(c.text))) for c in row) >= 2]
    if not fund_rows:
        return t
    funds = {c.col: _key(c.text) for r in fund_rows for c in table.rows[r] if _FUND_COLUMN.match(_key(c.text))}
    other = {col for col, name in funds.items() if not name.startswith("一般公共预算")}
    data = [c for row in t.table.rows[_header_labels(t.table)[1]:] for c in row if c.col in other]
    if any(_is_amount(c.text) and _amount(c.text, "元") != 0 for c in data):
        return None

    def view(part: Table) -> Table:  # the fund names out of the header, the other funds' columns out
        named = set(fund_rows) if part is table else set()
        return _like(part, [[c for c in row if c.col not in other and not (r in named and c.col in funds)]
                            for r, row in enumerate(part.rows)])

    return dataclasses.replace(t, table=view(t.table), header=t.header and view(t.header))


def _operating_expense(t: Titled, out: ExtractedDocument) -> bool:
    got = _read_columns(t, ("total", "operating_expense"))
    if not got:
        return False
    found = got.get("total") or got.get("operating_expense")
    if found is None:
        return False
    _add_total(out, "operating_expense_total", "机关运行经费", found[0], _src(found[1], t.table))
    return True


# --- the total-row figures of every table (facts.TableFigure) ----------------------------------------------

# Labels of a total row (spaces, ordinal and trailing colon removed; matched in full) -> vocab.TABLE_ROW_KEYS.
# 总计 alone is resolved by the side its column's header names (收入 | 支出); 收入合计 / 支出合计 by the rows
# beside it (``_resolve_rows``). First match wins.
FIGURE_ROWS: list[tuple[str, str]] = [
    (r"收入总计", "revenue_total"),
    (r"支出总计", "expenditure_total"),
    (r"合计|总计", "total"),
    (r"(?:本年|当年)收入(?:合计|小计)", "revenue_this_year"),
    (r"(?:本年|当年)支出(?:合计|小计)", "expenditure_this_year"),
    (r"收入合计", "revenue_sum"),
    (r"支出合计", "expenditure_sum"),
    (r"年初(?:财政拨款)?结转和?结余(?:资金)?|上年结转(?:和?结余)?(?:资金|收入)?", "carryover_begin"),
    (r"年末(?:财政拨款)?结转和?结余(?:资金)?|结转下年(?:资金)?|年末结转(?:资金)?", "carryover_end"),
    (r"使用非财政拨款结余(?:和专用结余)?", "non_fiscal_balance_used"),
    (r"结余分配", "balance_distribution"),
    (r"人员经费合计", "personnel"),
    (r"公用经费合计", "public_operating"),
    # the 收入 side of a 财政拨款收支总表 by fund (one、一般公共预算拨款 | 1,000.00), read before its 本年收入合计 only
    (r"一般公共预算(?:财政)?(?:拨款)?(?:收入|资金)?", "general_public_budget"),
    (r"政府性基金(?:预算)?(?:财政)?(?:拨款)?(?:收入|资金)?", "government_fund"),
    (r"国有资本经营(?:预算)?(?:财政)?(?:拨款)?(?:收入|资金)?", "state_capital_operation"),
]
_FUND_ROWS = ("general_public_budget", "government_fund", "state_capital_operation")

# Header labels of a figure's column (matched in full) -> vocab.TABLE_COLUMN_KEYS. First match wins.
FIGURE_COLUMNS: list[tuple[str, str]] = [
    (r"人员经费(?:合计|小计)?", "personnel"),
    (r"(?:日常)?公用经费(?:合计|小计)?", "public_operating"),
    (r"基本支出(?:合计|小计)?", "basic"),
    (r"项目支出(?:项目支出)?(?:合计|小计|总数)?", "project"),  # Beijing: 项目支出 › 项目支出总数
    (r"单位预留机动经费", "unit_reserve"),  # the other uses beside 基本 and 项目 in a 支出总表
    (r"事业单位经营支出", "business_operation"),
    (r"上缴上级支出", "higher_level_remittance"),
    (r"对附属单位补助支出", "subsidiary_subsidy"),
    (r"(?:上年|年初)结转(?:和?结余)?(?:资金|收入)?(?:小计|合计)?", "carryover_begin"),  # a group's 小计 too
    (r"(?:结转下年|年末结转和?结余)(?:资金)?(?:小计|合计)?", "carryover_end"),
    # under 本年收入 / 财政拨款 group headers (Shenzhen: 本年收入 › 财政拨款 › 一般公共预算拨款 joined), 资金 (Beijing)
    (r"(?:本年收入)?(?:财政拨款)?一般公共预算(?:财政)?(?:拨款)?(?:收入|支出|资金)?(?:小计|合计)?",
     "general_public_budget"),
    (r"(?:本年收入)?(?:财政拨款)?政府性基金(?:预算)?(?:财政)?(?:拨款)?(?:收入|支出|资金)?(?:小计|合计)?",
     "government_fund"),
    (r"(?:本年收入)?(?:财政拨款)?国有资本经营(?:预算)?(?:财政)?(?:拨款)?(?:收入|支出|资金)?(?:小计|合计)?",
     "state_capital_operation"),
    (r"(?:本年收入)?财政拨款(?:收入|支出)?(?:小计|合计)?", "fiscal_appropriation"),
    (r"(?:(?:19|20)\d{2}年度?)?(?:本年|全年)?(?:收入|支出)?(?:合计|总计|小计|金额|(?:年初|调整后?)?预算数?|决算数?)"
     r"|.{0,20}(?:合计|总计)", "total"),
]

# The money each kind of table covers, when its title does not say (FUND_SCOPES): the 收支总表 and its
# companions cover all funds, the 财政拨款收支总表 the appropriations.
_KIND_SCOPES = {"summary": "all_funds", "revenue_summary": "all_funds", "expenditure_summary": "all_funds",
                "fiscal_summary": "fiscal_appropriation", "government_fund": "government_fund",
                "state_capital": "state_capital_operation"}
_NO_FIGURES = ("performance", "assets")  # their rows are targets and holdings, not the money of the table set
_SIDED_KINDS = ("summary", "fiscal_summary")  # tables with a 收入 side and a 支出 side
_FUND_COLUMNS = ("general_public_budget", "government_fund", "state_capital_operation", "fiscal_appropriation")


def _figure_key(patterns: list[tuple[str, str]], text: str) -> str | None:
    return next((key for pattern, key in patterns if _compiled(pattern).fullmatch(text)), None)


def _table_scope(kind: str, title: str) -> str:
    return _KIND_SCOPES.get(kind) or _first(FUND_SCOPES, _key(title)) or "all_funds"


def _table_figures(by_kind: dict[str, list[Titled]], out: ExtractedDocument) -> None:
    """The total-row figures of every titled table with a unit, by row and column key (facts.TableFigure):
    of each kind and fund scope, those of the first table (with its continuations) that states any."""
    for kind, tables in by_kind.items():
        if kind in _NO_FIGURES:
            continue
        done: set[str] = set()
        for group in _groups(tables):
            scope = _table_scope(kind, group[0].title)
            if scope in done:
                continue
            figures: dict[tuple[str, str], TableFigure] = {}
            for t in group:
                for figure in _figures_of(t, kind, scope):
                    figures.setdefault((figure.row_key, figure.column_key), figure)
            if figures:
                done.add(scope)
                out.table_figures += figures.values()


def _figures_of(t: Titled, kind: str, scope: str) -> list[TableFigure]:
    """A table's total rows: each label of FIGURE_ROWS with the amounts right of it (up to the next label),
    each amount under the column its header names (FIGURE_COLUMNS; the only amount of a label with an
    unnamed column is its total). A table without a labelled total row: the row ``_total_row`` finds."""
    if t.unit is None or t.declared_empty:
        return []
    header = t.header or t.table
    labels = _header_labels(header, t.year, t.measure)[0]
    headed = {c.col for row in header.rows[:_header_labels(header)[1]] for c in row if not _is_blank(c.text)}
    # the fund columns right of a 上年结转 column are its parts (Beijing: 上年结转结余 › 一般公共预算资金)
    carry = min((col for col, label in labels.items()
                 if _figure_key(FIGURE_COLUMNS, label) == "carryover_begin"), default=None)
    first_data = _header_labels(t.table)[1]
    segments: list[tuple[str, Cell | None, list[Cell]]] = []
    for row in t.table.rows[first_data:]:
        current = None
        for cell in (c for c in row if not _is_blank(c.text)):
            if _is_amount(cell.text):
                if current is not None:
                    current[2].append(cell)
                continue
            key = _figure_key(FIGURE_ROWS, _label(cell.text))
            current = (_resolve_side(key, cell, t, kind), cell, []) if key else None
            if current is not None:
                segments.append(current)
    segments = _resolve_rows(_this_year_funds([s for s in segments if s[0]]))
    if not segments and kind not in _SIDED_KINDS:
        row = _total_row(t.table, first_data)
        if row is None and kind == "basic_by_economic" and not t.continues and _classes_by_name([t]):
            # the unit's row over the economic classes named without codes: its first data row
            row = next(r for r in t.table.rows[first_data:] if any(_is_amount(c.text) for c in r))
        if row is not None:
            segments = [("total", next((c for c in row if not _is_amount(c.text) and not _is_blank(c.text)), None),
                         [c for c in row if _is_amount(c.text)])]
    out = []
    for row_key, label, amounts in segments:
        taken = {c.col for c in amounts}
        for cell in amounts:
            # a header centred over a merged cell may stand one column off its amount (as in _read_columns):
            # an amount under no header takes the header next to it that has no amount of its own
            # (never onto a column whose own header the labels leave out, as 其中：专项资金… in Xi'an)
            col = cell.col if cell.col in labels or cell.col in headed else next(
                (c for c in (cell.col + 1, cell.col - 1) if c in labels and c not in taken), cell.col)
            column = _figure_key(FIGURE_COLUMNS, labels.get(col, ""))
            if column is None and len(amounts) == 1:
                column = "total"
            if column in _FUND_COLUMNS and carry is not None and col > carry:
                continue
            if column is not None:
                # a total row without a label of its own (a unit's name, or none) is the table's 合计
                out.append(TableFigure(kind, scope, row_key, column, _label(label.text) if label else "合计",
                                       _amount(cell.text, t.unit), _src(cell, t.table)))
    return out


def _resolve_side(key: str, label: Cell, t: Titled, kind: str) -> str | None:
    """总计 of a table with two sides: the revenue or the expenditure total by the header over its label's
    column (收入 | 支出); neither: no figure. A fund's row: on the 收入 side of a 财政拨款收支总表 only."""
    if key in _FUND_ROWS:
        header = _header_labels(t.header or t.table)[0].get(label.col, "")
        return key if kind == "fiscal_summary" and "收入" in header and "支出" not in header else None
    if key != "total" or kind not in _SIDED_KINDS:
        return key
    header = _header_labels(t.header or t.table)[0].get(label.col, "")
    return "revenue_total" if header.startswith("收入") else "expenditure_total" if header.startswith("支出") else None


def _this_year_funds(segments: list[tuple[str, Cell, list[Cell]]]) -> list[tuple[str, Cell, list[Cell]]]:
    """The fund rows above the 收入 side's first total or 结转 row: those below it split the carry-over."""
    ends = ("revenue_total", "revenue_this_year", "revenue_sum", "carryover_begin")
    end = next((i for i, (key, _, _) in enumerate(segments) if key in ends), len(segments))
    return [s for i, s in enumerate(segments) if i < end or s[0] not in _FUND_ROWS]


def _resolve_rows(segments: list[tuple[str, Cell, list[Cell]]]) -> list[tuple[str, Cell, list[Cell]]]:
    """收入合计 / 支出合计: the side's grand total when the table has no 收入总计 (支出总计), else its 本年
    subtotal when it has none; else no figure."""
    keys = {key for key, _, _ in segments}
    out = []
    for key, label, amounts in segments:
        if key.endswith("_sum"):
            side = key.removesuffix("_sum")
            key = (f"{side}_total" if f"{side}_total" not in keys
                   else f"{side}_this_year" if f"{side}_this_year" not in keys else None)
        if key is not None:
            out.append((key, label, amounts))
    return out


# --- sections -------------------------------------------------------------------------------------------------

# Section key (facts.Section) -> the table kinds that show it.
SECTION_TABLES = {
    "overview": ("summary",),
    "operating_expense": ("operating_expense",),
    "three_public": ("three_public",),
    "procurement": ("procurement",),
    "assets": ("assets",),
    "performance": ("performance",),
    "government_fund": ("government_fund",),
    "state_capital": ("state_capital",),
}


def _sections(by_kind: dict[str, list[Titled]], out: ExtractedDocument) -> list[SectionRecord]:
    records = []
    for key, kinds in SECTION_TABLES.items():
        found = [t for kind in kinds for t in by_kind.get(kind, [])]
        if not found:
            records.append(SectionRecord(key, None, "missing", None, Source()))
            continue
        t = found[0]
        src = Source(line=t.table.line, table=t.table.index)
        if t.declared_empty:
            records.append(SectionRecord(key, t.title or None, "declared_empty", t.empty_note, src))
        else:
            records.append(SectionRecord(key, t.title or None, "present", None, src))
    return records


# --- identity -----------------------------------------------------------------------------------------------


def document_info(doc: ReadDocument, tables: list[Titled], is_synthetic: bool) -> DocumentInfo:
    """The shared identity (extract/identity.py) with its scope: 部门预算/决算 (department) or 单位预算/决算
    (unit). A budget whose tables are titled 决算 is refused: a 决算 is never loaded as a budget."""
    identity = read_identity(doc)
    titles = "".join(_key(t.title) for t in tables)
    if identity.kind != FINAL_ACCOUNTS and re.search(r"(?<!预)决算", titles):
        raise ExtractionError(
            "document_kind_conflict",
            f"{identity.title!r} names a budget (预算) but its tables are titled as final accounts (决算): "
            "a 决算 must never be loaded as a budget.",
        )
    info = shared_document_info(identity, doc, is_synthetic=is_synthetic)
    # 部门综合预算 (Xi'an) is a department's budget too
    info.scope = identity.scope or ("department" if re.search(r"部门综合预算", _key(identity.title)) else None)
    return info


# --- the plug-in ----------------------------------------------------------------------------------------------

_CORE_KINDS = ("summary", "expenditure_summary", "basic_by_economic", "three_public", "by_function")


class NationalTables:
    """The national table set: 收支总表, 支出总表, 基本支出表, 三公 and the rest, read by titles and labels."""

    name = "national_tables"
    doc_kinds = ("budget", "final_accounts")

    def detect(self, doc: ReadDocument) -> Detection:
        tables = titled_tables(doc)
        kinds = sorted({t.kind for t in tables if t.kind})
        core = [k for k in _CORE_KINDS if k in kinds]
        if _narrative_only(doc, tables):
            listed = ", ".join(sorted(listed_table_kinds(doc)))
            return Detection(1.0, (f"standard tables listed but held in another file: {listed}",))
        score = min(1.0, len(core) / 4) if "summary" in kinds else 0.1 * len(core)
        return Detection(score, (f"standard tables: {', '.join(kinds)}" if kinds else "no standard table titles",))

    def extract(self, doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
        return extract_national(doc, is_synthetic=is_synthetic)


TEMPLATE = NationalTables()
