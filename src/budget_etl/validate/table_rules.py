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

from budget_etl.catalog import vocab
from budget_etl.facts import ExtractedDocument, TableFigure

Figures = dict[tuple[str, str, str, str], TableFigure]  # (table_kind, fund_scope, row_key, column_key) -> figure

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
            row["detail"] = f"{len(these)} of {len(results)} comparison(s) {status}: " + "; ".join(
                r["detail"] for r in these)
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

