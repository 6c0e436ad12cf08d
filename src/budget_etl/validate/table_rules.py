"""Rules of the national table set (rulebook.py declares them): the balance identities of the 收支总表 and the
财政拨款收支总表, and the chains across tables (收入总表 ↔ 收支总表, 支出总表 ↔ 收支总表, 基本支出表 ↔ the 基本支出 of a
table of the same fund scope, 财政拨款收支总表 ↔ the tables by function). They compare the total-row figures of
facts.TableFigure, of the document's main measure, only figures of one fund scope and one measure.

One row per rule and document, passes included: a rule compares every pair it finds (each column of a
balance, each fund scope of a chain) and its row is the first failure (naming all), else the first pair that
lacks data, else a pass naming what agreed; ``not_applicable`` when the document has no such tables (a notes-form
document among them). The tolerance is ``validate._compare``'s: the rounding of 0.01 of the printed unit per
figure."""

from __future__ import annotations

from decimal import Decimal

from budget_etl.catalog import vocab
from budget_etl.catalog.identities import ROUNDING_YUAN
from budget_etl.facts import ExtractedDocument, TableFigure

Figures = dict[tuple[str, str, str, str], TableFigure]  # (table_kind, fund_scope, row_key, column_key) -> figure

_SHOWN = 10  # comparisons a row's detail names (a rule over every row of a table makes hundreds)

# the tables by function that hold the expenditure of each column of a 财政拨款收支总表
_FISCAL_COLUMNS = {"total": "fiscal_appropriation", "general_public_budget": "general_public_budget"}


def table_checks(facts: ExtractedDocument, compare) -> list[dict]:
    """The rows of the table rules. ``compare`` is ``validate._compare`` bound to the document and its unit."""
    main = vocab.MAIN_MEASURES[facts.info.doc_kind]
    figures: Figures = {}
    for f in facts.table_figures:
        if f.measure in (main, None):
            figures.setdefault((f.table_kind, f.fund_scope, f.row_key, f.column_key), f)
    checks = {
        "identity.revenue_balance": lambda name: _balance(name, figures, compare, "revenue"),
        "identity.expenditure_balance": lambda name: _balance(name, figures, compare, "expenditure"),
        "chain.revenue_summary": lambda name: _summary_chain(name, figures, compare, "revenue"),
        "chain.expenditure_summary": lambda name: _summary_chain(name, figures, compare, "expenditure"),
        "chain.basic_expenditure": lambda name: _basic_chain(name, figures, compare),
        "chain.fiscal_expenditure": lambda name: _fiscal_chain(name, figures, compare),
        # the second block of table rules (V33-204, V33-122, the row part of V33-119/240/241)
        "chain.fiscal_revenue": lambda name: _fiscal_revenue_chain(name, figures, compare),
        "completeness.empty_fund_tables": lambda name: _empty_fund_tables(name, figures, facts, compare),
        "identity.row_total_parts": lambda name: _row_total_parts(name, figures, facts, compare),
    }
    return [_one_row(name, *check(name), compare) for name, check in checks.items()]


def _one_row(name: str, results: list[dict], absent: str, compare) -> dict:
    """The rule's row from its comparisons: the first failure (its detail naming every one), else the first
    that lacks data, else the first pass; no comparison: not_applicable, saying why."""
    if not results:
        return compare(name, None, [], what=name, absent=absent)
    for status in ("fail", "insufficient_data", "pass"):
        these = [r for r in results if r["status"] == status]
        if these:
            row = dict(these[0])
            shown = "; ".join(r["detail"] for r in these[:_SHOWN])
            more = f"; … and {len(these) - _SHOWN} more" if len(these) > _SHOWN else ""
            row["detail"] = f"{len(these)} of {len(results)} comparison(s) {status}: {shown}{more}"
            return row
    raise AssertionError(f"{name}: a comparison of no known status")


def _at(f: TableFigure) -> str:
    """A figure with its label and place, for a row's detail."""
    src = f.src
    place = f"p{src.page} " if src.page is not None else ""
    return f"{f.label_zh} {f.amount_yuan:f} ({place}table {src.table} row {src.row} col {src.col})"


def _table_of(figures: Figures, kind: str, scope: str) -> dict[tuple[str, str], TableFigure]:
    """(row_key, column_key) -> figure of one table (kind and fund scope)."""
    return {(row, col): f for (k, s, row, col), f in figures.items() if k == kind and s == scope}


def _balance(name: str, figures: Figures, compare, side: str):
    """收入总计 = 本年收入合计 + 年初结转和结余 (+ 使用非财政拨款结余); 支出总计 = 本年支出合计 + 年末结转和结余 (+ 结余
    分配): in the 收支总表 and, per fund column, in the 财政拨款收支总表. A blank or missing 结转 row is an empty
    part (insufficient_data if the rest falls short); the optional rows count only where the table prints them."""
    parts = (f"{side}_this_year", "carryover_begin" if side == "revenue" else "carryover_end")
    optional = ("non_fiscal_balance_used",) if side == "revenue" else ("balance_distribution",)
    results, seen = [], []
    for kind, scope in (("summary", "all_funds"), ("fiscal_summary", "fiscal_appropriation")):
        table = _table_of(figures, kind, scope)
        if not table:
            continue
        seen.append(kind)
        for (row, column), total in table.items():
            if row != f"{side}_total" or (f"{side}_this_year", column) not in table:
                continue  # a layout with no 本年 subtotal states no balance
            found = [table.get((p, column)) for p in parts]
            found += [table[(p, column)] for p in optional if (p, column) in table]
            what = f"{kind} {column}: {_at(total)} vs " + " + ".join(
                _at(f) if f else f"{p} (blank)" for p, f in zip([*parts, *optional], found, strict=False))
            results.append(compare(name, total.amount_yuan, [f.amount_yuan if f else None for f in found],
                                   what=what, src=total.src))
    absent = (f"no {side} subtotal (本年{'收入' if side == 'revenue' else '支出'}合计) beside the total in "
              + ", ".join(seen)) if seen else "no 收支总表 nor 财政拨款收支总表"
    return results, absent


def _this_year(table: dict[tuple[str, str], TableFigure], side: str, column: str,
               with_carryover: bool) -> TableFigure | None:
    """A summary's figure of one side to compare with a table of that side's items: its 本年 subtotal; or,
    ``with_carryover`` (the other table prints the 结转 column too) or when the summary prints no 结转 figure
    other than zero, its total."""
    carryover = table.get(("carryover_begin" if side == "revenue" else "carryover_end", column))
    total = table.get((f"{side}_total", column))
    if with_carryover:
        return total
    this_year = table.get((f"{side}_this_year", column))
    if this_year is not None:
        return this_year
    return total if carryover is None or carryover.amount_yuan == 0 else None


def _summary_chain(name: str, figures: Figures, compare, side: str):
    """收入总表 合计 = 收支总表 本年收入合计; 支出总表 合计 = 收支总表 本年支出合计 (their 总计 where the 收入总表 /
    支出总表 prints the 结转 column too)."""
    kind = "revenue_summary" if side == "revenue" else "expenditure_summary"
    items, summary = _table_of(figures, kind, "all_funds"), _table_of(figures, "summary", "all_funds")
    item = items.get(("total", "total")) or items.get((f"{side}_total", "total"))
    if item is None or not summary:
        return [], f"no {'收入总表' if side == 'revenue' else '支出总表'} total and 收支总表 both"
    carry = "carryover_begin" if side == "revenue" else "carryover_end"
    # the 收入总表's own 收入总计 (Jiangsu: 上年结转和结余资金 among its rows), or a 结转 column beside its 合计
    with_carryover = item.row_key == f"{side}_total" or any(
        col == carry and f.amount_yuan != 0 for (_, col), f in items.items())
    stated = _this_year(summary, side, "total", with_carryover)
    if stated is None:
        return [compare(name, item.amount_yuan, [None], what=f"{_at(item)} vs the 收支总表, which prints a 结转 "
                        f"figure but no 本年 subtotal", src=item.src)], ""
    return [compare(name, item.amount_yuan, [stated.amount_yuan], what=f"{kind} {_at(item)} vs summary {_at(stated)}",
                    src=item.src)], ""


def _basic_chain(name: str, figures: Figures, compare):
    """基本支出表 合计 (else its 人员经费合计 + 公用经费合计) = the 基本支出 column of a table of the same fund scope:
    the 支出总表 for all funds, the table by function for 一般公共预算 or 财政拨款; and a basic table's own
    一般公共预算 (财政拨款) column = the 基本支出 of the table by function of that scope. Figures of different
    scope are never compared (a 财政拨款 basic table against an all-funds 基本支出)."""
    results = []
    for scope in sorted({s for (k, s, _, _) in figures if k == "basic_by_economic"}):
        basic = _table_of(figures, "basic_by_economic", scope)
        total = basic.get(("total", "total"))
        halves = [basic.get((row, "total")) for row in ("personnel", "public_operating")]
        if total is not None:
            own = {scope: ([total.amount_yuan], _at(total))}
        elif all(halves):
            own = {scope: ([h.amount_yuan for h in halves], " + ".join(_at(h) for h in halves))}
        else:
            own = {}
        for fund in ("fiscal_appropriation", "general_public_budget"):  # its columns by fund
            if fund != scope and (f := basic.get(("total", fund))) is not None:
                own.setdefault(fund, ([f.amount_yuan], f"{fund} column {_at(f)}"))
        for fund, (parts, what) in own.items():
            other_kind = "expenditure_summary" if fund == "all_funds" else "by_function"
            other = _table_of(figures, other_kind, fund).get(("total", "basic"))
            if other is not None:
                results.append(compare(name, other.amount_yuan, parts, src=other.src,
                                       what=f"{other_kind} ({fund}) 基本支出 {_at(other)} vs {scope} basic table {what}"))
    return results, "no 基本支出表 beside a 基本支出 column of the same fund scope"


def _fiscal_chain(name: str, figures: Figures, compare):
    """财政拨款收支总表 本年支出合计 = 财政拨款支出表 合计, and its 一般公共预算 column = 一般公共预算支出表 合计."""
    results = []
    fiscal = _table_of(figures, "fiscal_summary", "fiscal_appropriation")
    for column, scope in _FISCAL_COLUMNS.items():
        by_function = _table_of(figures, "by_function", scope)
        table_total = by_function.get(("total", "total")) or by_function.get(("total", scope))
        if table_total is None or not any(col == column for _, col in fiscal):
            continue  # no such table, or a 财政拨款收支总表 without this column
        stated = _this_year(fiscal, "expenditure", column, False)
        if stated is None:
            results.append(compare(name, table_total.amount_yuan, [None], src=table_total.src,
                                   what=f"{_at(table_total)} vs the 财政拨款收支总表's {column}: a 结转 figure, no 本年 subtotal"))
            continue
        results.append(compare(name, stated.amount_yuan, [table_total.amount_yuan], src=stated.src,
                               what=f"fiscal_summary {column} {_at(stated)} vs by_function ({scope}) {_at(table_total)}"))
    return results, "no 财政拨款收支总表 beside a table by function of the same fund scope"



# --- the second block: V33-204, V33-122 and the row part of V33-119 / V33-240 / V33-241 -----------------------

OTHER_USES = ("unit_reserve", "business_operation", "higher_level_remittance", "subsidiary_subsidy")
_FUNDS = ("general_public_budget", "government_fund", "state_capital_operation")
# a fund -> the kind of its own 财政拨款支出表 and the section record saying whether the document has it
_FUND_TABLES = {"government_fund": ("government_fund", "政府性基金"),
                "state_capital_operation": ("state_capital", "国有资本经营")}


def _fiscal_revenue_chain(name: str, figures: Figures, compare):
    """收入总表 合计 row, its 财政拨款 column (else its 一般公共预算 + 政府性基金 + 国有资本经营 columns) = the 财政拨款收支总表's
    本年收入合计 (its 收入总计 where it prints no 本年 subtotal and no carry-over). A blank fund column is an empty
    part; a 收入总表 listing its sources down the rows (Jiangsu) has no such column: not_applicable."""
    revenue = _table_of(figures, "revenue_summary", "all_funds")
    fiscal = _table_of(figures, "fiscal_summary", "fiscal_appropriation")
    column = revenue.get(("total", "fiscal_appropriation"))
    if column is not None:
        parts = [column]
    elif ("total", "general_public_budget") in revenue:
        parts = [revenue.get(("total", fund)) for fund in _FUNDS]
    else:
        return [], "no 收入总表 with a 财政拨款 (一般公共预算) column beside a 财政拨款收支总表"
    if not fiscal:
        return [], "no 财政拨款收支总表"
    what = " + ".join(_at(f) if f else f"{fund} (blank)" for fund, f in zip(_FUNDS, parts, strict=False))
    stated = _this_year(fiscal, "revenue", "total", False)
    if stated is None:
        return [compare(name, None, [None], what=f"revenue_summary {what} vs the 财政拨款收支总表, which prints a "
                        f"结转 figure but no 本年收入合计", src=parts[0].src if parts[0] else None)], ""
    return [compare(name, stated.amount_yuan, [f.amount_yuan if f else None for f in parts], src=stated.src,
                    what=f"fiscal_summary {_at(stated)} vs revenue_summary {what}")], ""


def _verdict(compare, name: str, status: str, expected, actual, what: str, src) -> dict:
    """A row of a rule that decides its status itself (two emptiness states, not a sum)."""
    row = compare(name, expected if expected is not None else actual, [actual if actual is not None else expected],
                  what=what, src=src)
    row.update(status=status, expected=expected, actual=actual, detail=what,
               difference=actual - expected if expected is not None and actual is not None else None)
    return row


def _fund_state(found: list[TableFigure]) -> str:
    return "blank" if not found else "nonzero" if any(f.amount_yuan for f in found) else "zero"


def _empty_fund_tables(name: str, figures: Figures, facts: ExtractedDocument, compare):
    """A fund (政府性基金, 国有资本经营) the 财政拨款收支总表 shows no money of has an empty 财政拨款支出表 of its own, and a
    fund table with figures has its money in the 财政拨款收支总表. The 总表's fund is its 收入 row and its 支出
    column; blank ones are zero when its totals already equal the other funds (nothing is left for them). The
    fund table is empty when it says so or prints only zeros; absent (no such table): no comparison."""
    fiscal = _table_of(figures, "fiscal_summary", "fiscal_appropriation")
    sections = {s.section_key: s for s in facts.sections}
    adds_up = _funds_add_up(fiscal, ROUNDING_YUAN.get(facts.info.currency_unit, Decimal(0)))
    results = []
    for fund, (kind, fund_zh) in _FUND_TABLES.items():
        section = sections.get(kind)
        if not fiscal or section is None or section.status == "missing":
            continue
        in_summary = [f for (row, col), f in fiscal.items()
                      if row == fund or (col == fund and row.startswith("expenditure"))]
        summary = _fund_state(in_summary) if in_summary or not adds_up else "zero"
        in_table = [f for (k, _, row, col), f in figures.items() if k == kind and col == "total"]
        table = "zero" if section.status == "declared_empty" else _fund_state(in_table)
        shown = next((f for f in in_summary if f.amount_yuan), in_summary[0] if in_summary else None)
        own = next((f for f in in_table if f.amount_yuan), in_table[0] if in_table else None)
        s_amount = shown.amount_yuan if shown else (0 if summary == "zero" else None)
        t_amount = own.amount_yuan if own else (0 if table == "zero" else None)
        where = section.src if own is None else own.src
        stated = _at(shown) if shown else "blank, its totals equal to the other funds" if summary == "zero" else "blank"
        held = _at(own) if own else "declared empty" if section.status == "declared_empty" else "present, no figure"
        what = f"{fund_zh}: 财政拨款收支总表 {stated} vs its 财政拨款支出表 {held}"
        if {summary, table} == {"nonzero", "zero"}:
            results.append(compare(name, s_amount, [t_amount], what=what, src=where))
        elif "nonzero" in (summary, table) and "blank" in (summary, table):
            results.append(_verdict(compare, name, "insufficient_data", s_amount, t_amount, what, where))
        else:
            results.append(_verdict(compare, name, "pass", s_amount, t_amount, what, where))
    return results, "no 政府性基金 nor 国有资本经营 财政拨款支出表 beside a 财政拨款收支总表"


def _funds_add_up(fiscal: dict[tuple[str, str], TableFigure], rounding: Decimal) -> bool:
    """The 财政拨款收支总表's 本年收入 (its 本年支出 合计) already equals the funds it prints, within their rounding:
    its blank funds hold nothing."""
    stated = _this_year(fiscal, "revenue", "total", False)
    pairs = [(stated, [f for (row, _), f in fiscal.items() if row in _FUNDS])]
    for row in ("expenditure_this_year", "expenditure_total"):
        pairs.append((fiscal.get((row, "total")), [fiscal[(row, fund)] for fund in _FUNDS if (row, fund) in fiscal]))
    return any(total is not None and parts and abs(total.amount_yuan - sum(f.amount_yuan for f in parts))
               <= rounding * (len(parts) + 1) for total, parts in pairs)


# the parts of a total column, by table kind: 合计 = 基本支出 + 项目支出; a basic table's 人员经费 + 公用经费
_ROW_PARTS = {"basic_by_economic": ("personnel", "public_operating")}


def _row_total_parts(name: str, figures: Figures, facts: ExtractedDocument, compare):
    """Every row's 合计 = its parts, where the extraction holds them by header label: each coded row of a table by
    function (合计 = 基本支出 + 项目支出; the 支出总表's rows may hold other uses beside them, an empty part), the
    total rows of every table (also 人员经费 + 公用经费 of a basic table) and those of the 财政拨款收支总表's 支出 side
    (合计 = 一般公共预算 + 政府性基金 + 国有资本经营; a blank fund column is an empty part)."""
    results = []
    for r in facts.function_expenditure:
        if r.basic_yuan is None and r.project_yuan is None:
            continue  # a table of one amount per row
        other = [None] if r.fund_scope == "all_funds" else []
        place = f"p{r.src.page} " if r.src.page is not None else ""
        results.append(compare(name, r.total_yuan, [r.basic_yuan, r.project_yuan, *other], src=r.src,
                               what=f"{r.fund_scope} {r.function_code} {r.name_zh} ({place}table {r.src.table} row "
                                    f"{r.src.row}): 合计 {r.total_yuan:f} vs 基本支出 {r.basic_yuan} + 项目支出 "
                                    f"{r.project_yuan}"))
    for kind, scope in sorted({(k, s) for (k, s, _, _) in figures}):
        table = _table_of(figures, kind, scope)
        parts = _FUNDS if kind == "fiscal_summary" else _ROW_PARTS.get(kind, ("basic", "project"))
        for (row, column), total in sorted(table.items(), key=lambda item: item[0]):
            if column != "total" or kind == "summary" or not any((row, p) in table for p in parts):
                continue
            # a 支出总表 may print other uses beside 基本 and 项目: those recorded, and an empty part for any other
            uses = [f.amount_yuan for use in OTHER_USES if (f := table.get((row, use))) is not None]
            found = [table.get((row, p)) for p in parts]
            other = [*uses, None] if kind == "expenditure_summary" else []
            what = f"{kind} ({scope}) {_at(total)} vs " + " + ".join(
                [f"{p} {_at(f)}" if f else f"{p} (blank)" for p, f in zip(parts, found, strict=False)]
                + [f"{use} {_at(table[(row, use)])}" for use in OTHER_USES if (row, use) in table])
            results.append(compare(name, total.amount_yuan, [f.amount_yuan if f else None for f in found] + other,
                                   what=what, src=total.src))
    return results, "no table printing 合计 beside its parts (基本支出 / 项目支出, or the funds) by header label"
