"""The office report: one self-contained HTML page for one office and fiscal year.

Key figures (with the change on last year), budget against final accounts (决算) when the office has both for the
year, charts as inline SVG (spending make-up over the years, 三公 against last year and against the offices of
its most local peer group, the projects), the office against every peer group it is in (mart_office_comparison:
district, city, province, its office type in the province and nationally), the data-quality status of the
document, and the document's own text as an appendix, so that every figure links to the line it was read from
(``#L91``) without leaving the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2

from budget_etl import __version__
from budget_etl.analyst import charts
from budget_etl.extract.numbers import NUMBER, UNITS, NumberFormatError, yuan
from budget_etl.readers.normalize import name_key

_NUMBER_WITH_UNIT = re.compile(rf"(?P<number>{NUMBER})\s*(?P<unit>{UNITS})?")
METRICS = [  # metric, Chinese name, column of mart_office_year
    ("total_expenditure", "支出合计", "total_expenditure_yuan"),
    ("total_revenue", "收入合计", "total_revenue_yuan"),
    ("basic", "基本支出", "basic_yuan"),
    ("personnel", "人员经费", "personnel_yuan"),
    ("public_operating", "日常公用经费", "public_operating_yuan"),
    ("project", "项目支出", "project_yuan"),
    ("operating_expense", "机关运行经费", "operating_expense_yuan"),
    ("three_public", "“三公”经费", "three_public_yuan"),
    ("fixed_assets", "固定资产", "fixed_assets_yuan"),
]
THREE_PUBLIC = {
    "overseas_travel": "因公出国（境）费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费",
    "vehicle_purchase_and_operation": "公务用车购置及运行费",  # documents that give only the sum
    "official_reception": "公务接待费",
}
BUDGET_SOURCE_ZH = {"budget_document": "部门预算文件", "final_accounts": "决算所列预算数", "both": "两者一致"}
STATUS_ZH = {"pass": "通过", "fail": "不符", "not_applicable": "不适用", "insufficient_data": "数据不足"}
DOC_KIND_ZH = {"budget": "部门预算", "final_accounts": "部门决算"}
PEER_TYPE_ZH = {"district": "同区", "city": "同市", "province": "同省", "office_type_in_province": "省内同类部门",
                "office_type_national": "全国同类部门"}  # in this order, most local first
COLORS = {"personnel": "#4e79a7", "public_operating": "#f28e2b", "project": "#59a14f", "office": "#e15759",
          "peer": "#bab0ac", "prior": "#bab0ac", "current": "#4e79a7"}


class ReportError(LookupError):
    """The office or year asked for is not in the warehouse."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class ReportData:
    """Everything the page shows, read from the warehouse."""

    office: dict
    document: dict
    figures: dict  # the mart_office_year row
    history: list[dict]  # mart_office_year rows of the office, this kind, by year
    yoy: dict[str, dict]  # metric -> mart_yoy row
    lines: dict[str, int | None]  # metric -> source line
    three_public: list[dict]
    # every peer group of mart_office_comparison the office is in this year (district, city, province, its type
    # in the province and nationally; the mart has no group of one), most local first: each a dict with the
    # group's type, name, office type, count, label, the office's rows by metric (comparison) and, for the
    # first group, its offices with their 三公 (peers, for the chart)
    peer_groups: list[dict]
    projects: list[dict]
    checks: list[dict]
    text_lines: list[str]
    cited: set[int] = field(default_factory=set)
    # mart_budget_execution rows of the office and year that have a budget figure: budget against final,
    # shown when the office has final accounts (决算) of the year and a budget to hold them against
    execution: list[dict] = field(default_factory=list)
    # the mart_yoy rows whose stated prior-year figure disagrees with last year's own document, each with that
    # document (dim_document row) and the line of its figure: the page shows both figures and both sources
    disagreements: list[dict] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[dict]:
        return [c for c in self.checks if c["status"] == "fail"]

    @property
    def folded_checks(self) -> list[dict]:
        """The identities that hold and the checks that do not apply (the page folds them away)."""
        return [c for c in self.checks if c["status"] == "not_applicable"
                or (c["status"] == "pass" and c["check_kind"] == "identity")]


def find_office(con: duckdb.DuckDBPyConnection, office: str) -> dict:
    """An office by office_id, any name its documents print (a former name too, once its alias is accepted),
    its canonical name (Traditional spellings matched as Simplified) or unit code; else by part of any of its
    names (西关 finds 山海关区西关街道办事处), compared in Simplified. Several matches: an error that lists them."""
    found = _rows(con, "select * from marts.dim_office where office_id = ? or canonical_name = ? or unit_code = ? "
                       "or office_id in (select office_id from marts.dim_office_name where office_name = ?) "
                       "order by office_id", [office, name_key(office), office, office])
    if not found and name_key(office):
        part = name_key(office)
        names = _rows(con, "select office_id, office_name from marts.dim_office_name union "
                           "select office_id, coalesce(canonical_name, office_name) from marts.dim_office")
        ids = sorted({n["office_id"] for n in names if part in name_key(n["office_name"])})
        found = _rows(con, "select * from marts.dim_office where list_contains(?, office_id) order by office_name",
                      [ids]) if ids else []
    if not found:
        raise ReportError(f"no office {office!r} in the warehouse (see marts.dim_office, or give part of a name)")
    if len(found) > 1:
        raise ReportError(f"{office!r} matches {len(found)} offices; give one's office_id or full name:\n"
                          + "\n".join(f"  {o['office_id']}  {o['office_name']}" for o in found))
    return found[0]


def gather(con: duckdb.DuckDBPyConnection, office: str, year: int, doc_kind: str | None = None) -> ReportData:
    """Read the report's data for an office (id, name or unit code) and fiscal year."""
    office_row = find_office(con, office)
    office_id = office_row["office_id"]
    kinds = _rows(con, "select * from marts.mart_office_year where office_id = ? and fiscal_year = ? "
                       "order by doc_kind = 'budget' desc, doc_kind", [office_id, year])
    kinds = [k for k in kinds if doc_kind in (None, k["doc_kind"])]
    if not kinds:
        years = [r["fiscal_year"] for r in _rows(
            con, "select distinct fiscal_year from marts.mart_office_year where office_id = ? order by 1",
            [office_id])]
        raise ReportError(f"{office_row['office_name']} has no {doc_kind or 'document'} for {year}; "
                          f"its years: {', '.join(map(str, years)) or 'none'}")
    figures = kinds[0]
    kind, document_id = figures["doc_kind"], figures["document_id"]
    [document] = _rows(con, "select * from marts.dim_document where document_id = ?", [document_id])
    history = _rows(con, "select * from marts.mart_office_year where office_id = ? and doc_kind = ? "
                         "order by fiscal_year", [office_id, kind])
    yoy = {r["metric"]: r for r in _rows(
        con, "select * from marts.mart_yoy where office_id = ? and fiscal_year = ? and doc_kind = ?",
        [office_id, year, kind])}
    lines = _source_lines(con, document_id)
    three_public = _rows(con, "select * from marts.fct_three_public_cost where document_id = ?", [document_id])
    order = list(THREE_PUBLIC)
    three_public.sort(key=lambda r: order.index(r["category"]) if r["category"] in order else len(order))

    peer_groups = _peer_groups(con, office_id, year, kind)
    projects = _rows(con, """
        select p.*, count(i.indicator_no) as indicator_count
        from marts.fct_project p
        left join marts.fct_project_indicator i using (document_id, project_code)
        where p.document_id = ?
        group by all
        order by p.budget_yuan desc nulls last, p.project_no""", [document_id])
    checks = _rows(con, "select * from marts.dq_check_results where document_id = ? "
                        "order by status = 'pass', check_kind, check_name, src_line", [document_id])
    [(text,)] = con.execute("select normalized_text from raw.documents where document_id = ?",
                            [document_id]).fetchall()
    data = ReportData(office_row, document, figures, history, yoy, lines, three_public, peer_groups,
                      projects, checks, (text or "").split("\n"))
    execution = _rows(con, "select * from marts.mart_budget_execution where office_id = ? and fiscal_year = ? "
                           "and budget_yuan is not null", [office_id, year])
    execution_order = [*(m for m, _, _ in METRICS), *THREE_PUBLIC]
    data.execution = sorted(execution, key=lambda r: execution_order.index(r["metric"])
                            if r["metric"] in execution_order else len(execution_order))
    data.disagreements = _disagreements(con, yoy, lines)
    data.cited = {n for n in [*lines.values(), *(r["src_line"] for r in three_public),
                              *(p["src_line"] for p in projects), *(c["src_line"] for c in checks)] if n}
    return data


def _peer_groups(con, office_id: str, year: int, kind: str) -> list[dict]:
    """Every peer group the office is in for the year, with its rows of mart_office_comparison by metric."""
    rows = _rows(con, """
        select c.*, t.office_type_zh from marts.mart_office_comparison c
        left join (select distinct office_type, office_type_zh from marts.dim_office) t
          on t.office_type = c.peer_office_type
        where c.office_id = ? and c.fiscal_year = ? and c.doc_kind = ? and c.peer_count > 1""",
                 [office_id, year, kind])
    types, metric_order = list(PEER_TYPE_ZH), [m for m, _, _ in METRICS]
    groups: dict[tuple, dict] = {}
    for r in sorted(rows, key=lambda r: (types.index(r["peer_group_type"]) if r["peer_group_type"] in types
                                         else len(types), r["peer_group"])):
        key = (r["peer_group_type"], r["peer_group"], r["peer_office_type"])
        of_type = f"（{r['office_type_zh'] or r['peer_office_type']}）" if r["peer_office_type"] else ""
        group = groups.setdefault(key, {
            "peer_group_type": key[0], "peer_group": key[1], "peer_office_type": key[2],
            "peer_count": r["peer_count"], "comparison": [], "peers": [],
            "label": f"{PEER_TYPE_ZH.get(key[0], key[0])}「{key[1]}」{of_type}"})
        if r["metric"] in metric_order:
            group["comparison"].append(r)
    for group in groups.values():
        group["comparison"].sort(key=lambda r: metric_order.index(r["metric"]))
    found = [g for g in groups.values() if g["comparison"]]
    if found:  # the chart: the offices of the most local group with their 三公
        first = found[0]
        first["peers"] = _rows(con, """
            select o.office_id, o.office_name, y.three_public_yuan, y.total_expenditure_yuan,
                   y.three_public_per_10k_yuan
            from marts.mart_office_comparison c
            join marts.dim_office o using (office_id)
            join marts.mart_office_year y using (office_id, fiscal_year, doc_kind)
            where c.peer_group_type = ? and c.peer_group = ? and c.peer_office_type is not distinct from ?
              and c.fiscal_year = ? and c.doc_kind = ? and c.metric = 'three_public'
            order by y.three_public_yuan desc, o.office_name""",
            [first["peer_group_type"], first["peer_group"], first["peer_office_type"], year, kind])
    return found


def _disagreements(con, yoy: dict[str, dict], lines: dict[str, int | None]) -> list[dict]:
    """The year-on-year rows where this document's stated prior-year figure is not last year's own."""
    found = []
    for metric, row in yoy.items():
        if row["stated_matches_prior_document"] is not False:
            continue
        [prior] = _rows(con, "select * from marts.dim_document where document_id = ?", [row["prior_document_id"]])
        found.append({"metric": metric, "stated_prior_yuan": row["stated_prior_yuan"],
                      "line": lines.get(metric) or _three_public_line(con, row["document_id"], metric),
                      "prior_document_yuan": row["prior_document_yuan"], "prior_document": prior,
                      "prior_line": _source_lines(con, prior["document_id"]).get(metric)
                      or _three_public_line(con, prior["document_id"], metric)})
    return found


def _three_public_line(con, document_id: str, category: str) -> int | None:
    """The line a 三公 item (a mart_yoy metric named after its category) was read from."""
    return con.execute("select min(src_line) from marts.fct_three_public_cost where document_id = ? "
                       "and category = ?", [document_id, category]).fetchone()[0]


def cited_amounts(data: ReportData) -> dict[int, set[Decimal]]:
    """line -> the amounts (yuan, unsigned) the page cites from it."""
    cited: dict[int, set[Decimal]] = {}

    def add(line, *amounts):
        if line:
            cited.setdefault(line, set()).update(abs(a) for a in amounts if a is not None)

    for metric, _, column in METRICS:
        add(data.lines.get(metric), data.figures[column])
    for r in data.three_public:
        add(r["src_line"], r["amount_yuan"], r["prior_year_amount_yuan"], r["change_yuan"])
    for p in data.projects:
        add(p["src_line"], p["budget_yuan"], p["fiscal_funds_yuan"], p["other_funds_yuan"])
    for c in data.checks:
        add(c["src_line"], c["actual"])
    for d in data.disagreements:
        add(d["line"], d["stated_prior_yuan"])
    return cited


def marked_line(text: str, amounts: set[Decimal], unit: str) -> list[tuple[str, bool]]:
    """The line as pieces (text, is a cited number): a number is cited when, in the unit written after it (else
    the document's unit), it is one of ``amounts``. The pieces are text: the template escapes them."""
    pieces, start = [], 0
    for match in _NUMBER_WITH_UNIT.finditer(text):
        try:
            value = yuan(match["number"], match["unit"] or unit)
        except NumberFormatError:
            continue
        if abs(value) in amounts:
            pieces += [(text[start:match.start("number")], False), (match["number"], True)]
            start = match.end("number")
    return [p for p in [*pieces, (text[start:], False)] if p[0]]


def _marked_text(data: ReportData) -> list[list[tuple[str, bool]]]:
    """Every line of the document's text as pieces, the numbers the page cites marked."""
    cited, unit = cited_amounts(data), data.document["currency_unit"] or "元"
    return [marked_line(text, cited[n], unit) if n in cited else [(text, False)]
            for n, text in enumerate(data.text_lines, start=1)]


def _source_lines(con, document_id: str) -> dict[str, int | None]:
    """metric -> the line of the normalised text the figure was read from."""
    [row] = _rows(con, """
        select
          (select min(src_line) from marts.fct_revenue where document_id = $1) as total_revenue,
          (select min(src_line) from marts.fct_expenditure where document_id = $1) as total_expenditure,
          (select min(src_line) from marts.fct_expenditure where document_id = $1
             and expenditure_class = 'basic') as basic,
          (select min(src_line) from marts.fct_expenditure where document_id = $1
             and expenditure_type = 'personnel') as personnel,
          (select min(src_line) from marts.fct_expenditure where document_id = $1
             and expenditure_type = 'public_operating') as public_operating,
          (select min(src_line) from marts.fct_expenditure where document_id = $1
             and expenditure_type = 'project') as project,
          (select min(src_line) from marts.fct_operating_expense where document_id = $1) as operating_expense,
          (select min(src_line) from marts.fct_three_public_cost where document_id = $1) as three_public,
          (select min(src_line) from marts.fct_asset where document_id = $1) as fixed_assets,
          (select min(src_line) from marts.fct_project where document_id = $1) as projects""", [document_id])
    return row


# ---------------------------------------------------------------- charts


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts.setup()
    return plt


def chart_makeup(data: ReportData) -> str:
    """Stacked bars: personnel, public operating and project spending in 万元, one bar per year."""
    plt = _plt()
    years = [str(r["fiscal_year"]) for r in data.history]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    bottom = [0.0] * len(years)
    for key, label in (("personnel", "人员经费"), ("public_operating", "日常公用经费"), ("project", "项目支出")):
        values = [float(r[f"{key}_yuan"] or 0) / 10000 for r in data.history]
        ax.bar(years, values, bottom=bottom, label=label, color=COLORS[key], width=0.6)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    this = years.index(str(data.figures["fiscal_year"]))
    ax.annotate("本年", (this, bottom[this]), ha="center", va="bottom", fontsize=9)
    ax.set_ylim(top=max(bottom) * 1.12 or 1)  # room for the label
    ax.set_ylabel("万元")
    ax.set_title(f"{data.office['office_name']} 支出构成")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return charts.to_svg(fig)


def chart_three_public_yoy(data: ReportData) -> str:
    """Grouped bars: each 三公 category this year against last year, in 元."""
    plt = _plt()
    names = [THREE_PUBLIC.get(r["category"], r["category_zh"]) for r in data.three_public]
    current = [float(r["amount_yuan"] or 0) for r in data.three_public]
    prior = [float(r["prior_year_amount_yuan"]) if r["prior_year_amount_yuan"] is not None else 0.0
             for r in data.three_public]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], prior, width=0.4, label="上年", color=COLORS["prior"])
    ax.bar([x + 0.2 for x in xs], current, width=0.4, label="本年", color=COLORS["current"])
    ax.set_xticks(list(xs), [n.replace("费", "") for n in names], fontsize=9)
    ax.set_ylabel("元")
    ax.set_title("“三公”经费：本年与上年")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return charts.to_svg(fig)


def chart_three_public_peers(data: ReportData) -> str:
    """Horizontal bars: the 三公 of every office in the most local peer group, this office highlighted, the
    median."""
    plt = _plt()
    group = data.peer_groups[0]
    peers = list(reversed(group["peers"]))
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(peers) + 1.2))
    colors = [COLORS["office"] if p["office_id"] == data.office["office_id"] else COLORS["peer"] for p in peers]
    ax.barh([p["office_name"] for p in peers], [float(p["three_public_yuan"] or 0) for p in peers],
            color=colors)
    median = next((r["peer_median_yuan"] for r in group["comparison"] if r["metric"] == "three_public"), None)
    if median is not None:
        ax.axvline(float(median), color="#333333", linestyle="--", linewidth=1,
                   label=f"中位数 {charts.yuan(median, 0)} 元")
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_xlabel("元")
    ax.set_title(f"“三公”经费：{group['label']}各部门（{data.figures['fiscal_year']}年）")
    ax.spines[["top", "right"]].set_visible(False)
    return charts.to_svg(fig)


def chart_projects(data: ReportData, top: int = 15) -> str:
    """Horizontal bars: the largest projects' budgets in 万元."""
    plt = _plt()
    shown = [p for p in data.projects if p["budget_yuan"] is not None][:top]
    shown.reverse()
    fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(shown) + 1.2))
    ax.barh([f"{p['project_name_zh']}" for p in shown], [float(p["budget_yuan"]) / 10000 for p in shown],
            color=COLORS["project"])
    ax.set_xlabel("万元")
    more = len(data.projects) - len(shown)
    ax.set_title(f"项目预算（{len(data.projects)}个项目" + (f"，显示最大的{len(shown)}个" if more else "") + "）")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=8)
    return charts.to_svg(fig)


# ---------------------------------------------------------------- page


def _pct(value, digits: int = 1) -> str:
    """A change rate (a fraction, as every ratio of the marts) in percent with its sign: -0.083697 is -8.4%;
    one that rounds to zero is 0.0% (never -0.0% or +0.0%)."""
    if value is None:
        return "—"
    text = f"{float(Decimal(str(value)) * 100):+.{digits}f}"
    return (text[1:] if float(text) == 0 else text) + "%"


def _signed(value) -> str:
    return "—" if value is None else ("+" if value > 0 else "") + charts.yuan(value)


def _share(value, digits: int = 1) -> str:
    return "—" if value is None else f"{float(value) * 100:.{digits}f}%"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("budget_etl.analyst", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(yuan=charts.yuan, wan=charts.wan, pct=_pct, share=_share, signed=_signed)
    return env


def render(data: ReportData, *, generated_at: datetime | None = None, index_href: str | None = None,
           peer_href: Callable[[dict], str] | None = None) -> str:
    """The page's HTML. On a site (budget_etl.analyst.site): ``index_href`` the link back to its index and
    ``peer_href`` the link of a peer group's page (a group of ``ReportData.peer_groups``)."""
    svg = {
        "makeup": chart_makeup(data) if data.history else None,
        "three_public_yoy": chart_three_public_yoy(data) if data.three_public else None,
        "three_public_peers": chart_three_public_peers(data) if data.peer_groups and data.peer_groups[0]["peers"]
        else None,
        "projects": chart_projects(data) if any(p["budget_yuan"] is not None for p in data.projects) else None,
    }
    figures = [
        {"metric": metric, "label": label, "amount": data.figures[column], "yoy": data.yoy.get(metric),
         "line": data.lines.get(metric)}
        for metric, label, column in METRICS
    ]
    status_counts: dict[str, int] = {}
    for check in data.checks:
        status_counts[check["status"]] = status_counts.get(check["status"], 0) + 1
    return _env().get_template("report.html.j2").render(
        d=data, figures=figures, svg=svg, status_counts=status_counts, STATUS_ZH=STATUS_ZH,
        THREE_PUBLIC=THREE_PUBLIC, DOC_KIND_ZH=DOC_KIND_ZH, PEER_TYPE_ZH=PEER_TYPE_ZH,
        METRIC_ZH={m: label for m, label, _ in METRICS} | THREE_PUBLIC, BUDGET_SOURCE_ZH=BUDGET_SOURCE_ZH,
        version=__version__, index_href=index_href, peer_href=peer_href,
        marked=_marked_text(data),
        generated_at=(generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(con: duckdb.DuckDBPyConnection, office: str, year: int, out: str | Path,
                 doc_kind: str | None = None, **links) -> Path:
    """Gather, render and write the page (``links``: see ``render``); returns its path."""
    html = render(gather(con, office, year, doc_kind), **links)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
