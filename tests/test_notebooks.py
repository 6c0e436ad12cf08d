"""Every notebook in notebooks/ runs top to bottom on the bundled corpus (nbclient), draws its charts with
Chinese labels (no missing glyphs) and ends with a conclusion written from the data. The executed notebooks
are kept in build/test-artifacts/notebooks/."""

from __future__ import annotations

import re
import statistics

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient

from budget_etl.paths import project_root

from analyst_support import ARTIFACTS

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((project_root() / "notebooks").glob("*.ipynb"))


def test_there_are_the_three_studies():
    assert {p.stem for p in NOTEBOOKS} >= {"office_over_years", "district_comparison", "project_performance"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_concludes(path, bundled_warehouse, monkeypatch):
    monkeypatch.setenv("BUDGET_ETL_WAREHOUSE", str(bundled_warehouse))  # inherited by the kernel
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on any error
    out = ARTIFACTS / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out / path.name)

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3, "each study draws charts"
    stderr = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "Glyph" not in stderr and "missing from font" not in stderr, stderr
    assert "Warning" not in stderr, stderr
    assert notebook.cells[-2].cell_type == "markdown" and "结论 / Conclusion" in notebook.cells[-2].source
    conclusion = notebook.cells[-1].outputs[-1]["data"]["text/markdown"]
    assert conclusion.count("\n- **") >= 2 and not re.search(r"\bnan\b", conclusion), conclusion
    # the notebook says what it ran on, counted from dim_document
    [[real, synthetic]] = duckdb.connect(str(bundled_warehouse), read_only=True).execute(
        "select count(*) filter (not is_synthetic), count(*) filter (is_synthetic) from marts.dim_document").fetchall()
    note = notebook.cells[1].outputs[0]["data"]["text/markdown"]
    assert f"{real} real, {synthetic} synthetic" in note and f"{synthetic} of the {real + synthetic}" in note
    if path.stem == "office_over_years":
        assert stated_recurrence(bundled_warehouse) in conclusion, conclusion
    # every statement of the conclusion, worked out here from the warehouse
    with duckdb.connect(str(bundled_warehouse), read_only=True) as con:
        for claim in CLAIMS[path.stem](con, EVERY_DOCUMENT):
            assert claim in conclusion, f"{claim!r} not in\n{conclusion}"


def stated_recurrence(warehouse) -> str:
    """The notebook's claim on recurring projects, worked out here by project_code for the office it studies
    (the most years of budgets, then the largest)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    [[office, years]] = con.execute("""select office_id, count(*) from marts.mart_office_year where doc_kind = 'budget'
        group by office_id order by count(*) desc, max(total_expenditure_yuan) desc, office_id limit 1""").fetchall()
    [[every, total]] = con.execute("""
        select count(*) filter (where n = ?), count(*) from (
            select project_code, count(distinct p.fiscal_year) as n from marts.fct_project p
            join marts.mart_office_year y using (document_id)
            where y.office_id = ? and y.doc_kind = 'budget' group by project_code)""", [years, office]).fetchall()
    return f"{every} of {total} projects (by project code) recur every year"


# The conclusions of the notebooks, worked out here with SQL on the warehouse (the notebooks use pandas), on the
# documents of ``docs`` (a query of document ids): each function returns the statements the conclusion must make.
EVERY_DOCUMENT = "select document_id from marts.dim_document"
REAL_DOCUMENTS = "select document_id from marts.dim_document where not is_synthetic"


def _pct(a, b) -> str:
    return f"{(float(a) - float(b)) / float(b) * 100:+.1f}%"


def _wan(amount) -> str:
    return f"{float(amount) / 10000:,.2f} 万元"


def office_over_years_claims(con, docs: str) -> list[str]:
    """One office (the most years of budgets, then the largest): its spending, make-up, 三公 and projects."""
    [[office, name, years]] = con.execute(f"""
        select y.office_id, o.office_name, count(*) from marts.mart_office_year y join marts.dim_office o using (office_id)
        where y.doc_kind = 'budget' and y.document_id in ({docs})
        group by all order by count(*) desc, max(y.total_expenditure_yuan) desc, y.office_id limit 1""").fetchall()
    history = con.execute("""
        select fiscal_year, total_expenditure_yuan, personnel_yuan, public_operating_yuan, project_yuan,
               three_public_yuan, three_public_per_10k_yuan, project_count, document_id
        from marts.mart_office_year where office_id = ? and doc_kind = 'budget' order by fiscal_year""",
                          [office]).fetchall()
    first, last = history[0], history[-1]

    def share(row, column):  # of personnel + public operating + project, in 万元 as the notebook sums them
        parts = [float(v) / 10000 for v in row[2:5]]
        return f"{parts[column] / sum(parts) * 100:.1f}%"

    items = con.execute("""select category from marts.fct_three_public_cost where document_id = ? and amount_yuan > 0
                           order by amount_yuan desc, category limit 1""", [last[8]]).fetchall()
    category_zh = {"overseas_travel": "因公出国（境）", "vehicle_purchase": "公务用车购置",
                   "vehicle_operation": "公务用车运行维护", "vehicle_purchase_and_operation": "公务用车购置及运行",
                   "official_reception": "公务接待"}[items[0][0]] if items else "—"
    three_first, three_last = float(first[5]), float(last[5])
    per_10k = f"Per 10,000 yuan of spending: {float(last[6]):,.2f} 元."
    if years == 1:  # one budget: no change to tell
        claims = [
            f"{name} budgeted {_wan(last[1])} in {last[0]}, its only budget in this data.",
            f"Personnel took {share(last, 0)} of spending in {last[0]}; projects {share(last, 2)}.",
            f"The three public costs were {three_last:,.2f} 元 in {last[0]}; the largest item is {category_zh}. "
            + per_10k,
        ]
    else:
        claims = [
            f"{name} budgeted {_wan(last[1])} in {last[0]}, {_pct(last[1], first[1])} on {first[0]} "
            f"({_wan(first[1])}).",
            f"Personnel took {share(first, 0)} of spending in {first[0]} and {share(last, 0)} in {last[0]}; "
            f"projects {share(first, 2)} and {share(last, 2)}.",
            f"The three public costs went from {three_first:,.2f} to {three_last:,.2f} 元 "
            f"({_pct(three_last, three_first)}); the largest item in {last[0]} is {category_zh}. " + per_10k,
        ]

    projects = f"""select p.project_code, p.fiscal_year, p.project_name_zh, p.budget_yuan from marts.fct_project p
                   join marts.mart_office_year y using (document_id) where y.office_id = '{office}'
                   and y.doc_kind = 'budget'"""
    [[every, total, renamed]] = con.execute(f"""
        select count(*) filter (where years = ?), count(*), count(*) filter (where years = ? and names > 1)
        from (select project_code, count(distinct fiscal_year) as years, count(distinct project_name_zh) as names
              from ({projects}) group by all)""", [years, years]).fetchall()
    if not total:  # the national table set lists no projects
        return [*claims, "- **Projects.** No project is listed in its budgets in this data (`marts.fct_project`)."]
    [[largest, largest_budget]] = con.execute(f"""
        with p as ({projects}), names as (select project_code, arg_max(project_name_zh, fiscal_year) as name
                                          from p group by all)
        select name, sum(budget_yuan) from p join names using (project_code) where fiscal_year = ?
        group by name, project_code order by sum(budget_yuan) desc, project_code limit 1""", [last[0]]).fetchall()
    recur = f"{every} of {total} projects (by project code) recur every year, {renamed} of them under a new name."
    if years == 1:
        return [*claims, f"{last[7]} projects in {last[0]}; the largest is {largest} ({_wan(largest_budget)}); {recur}"]
    # the largest move from the first year to the last; of equal moves the first in the notebook's order (the
    # latest year's budget, largest first, then the code)
    [[mover, mover_first, mover_last]] = con.execute(f"""
        with p as ({projects}), moves as (
            select project_code, arg_max(project_name_zh, fiscal_year) as name,
                   sum(budget_yuan) filter (where fiscal_year = ?) as first_yuan,
                   sum(budget_yuan) filter (where fiscal_year = ?) as last_yuan
            from p group by project_code)
        select name, coalesce(first_yuan, 0), coalesce(last_yuan, 0) from moves
        qualify abs(coalesce(last_yuan, 0) - coalesce(first_yuan, 0))
              = max(abs(coalesce(last_yuan, 0) - coalesce(first_yuan, 0))) over ()
        order by last_yuan desc nulls last, project_code limit 1""", [first[0], last[0]]).fetchall()
    return [
        *claims,
        f"{last[7]} projects in {last[0]} ({first[7]} in {first[0]}); the largest in {last[0]} is {largest} "
        f"({_wan(largest_budget)}); {recur}",
        f"The project that moved most: {mover}, {float(mover_first) / 10000:,.2f} → "
        f"{float(mover_last) / 10000:,.2f} 万元",
    ]


def district_comparison_claims(con, docs: str) -> list[str]:
    """The peer group studied (the largest district of the latest year, else city or province), its largest and
    smallest office, who is most often above the median, and 三公 against the median and per 10,000 yuan."""
    groups = con.execute(f"""
        select peer_group_type, peer_group, fiscal_year, max(peer_count) as offices from marts.mart_office_comparison
        where doc_kind = 'budget' and peer_group_type in ('district', 'city', 'province')
        group by peer_group_type, peer_group, fiscal_year having bool_and(document_id in ({docs}))
        order by (max(peer_count) > 1)::int * 2 + (peer_group_type = 'district')::int desc, offices desc,
                 fiscal_year desc, peer_group limit 1""").fetchall()
    if not groups:
        [[offices]] = con.execute(f"select count(distinct office_id) from marts.dim_document where document_id in ({docs})"
                                  ).fetchall()
        return [f"- **No peer group.** Each of the {offices} offices in this data is alone in its district, city and "
                "province for each of its years"]
    [[kind, group, year, _]] = groups
    member = f"""select c.* from marts.mart_office_comparison c
                 where c.peer_group_type = '{kind}' and c.peer_group = '{group}' and c.fiscal_year = {year}
                   and c.doc_kind = 'budget'"""
    total = con.execute(f"""select office_name, amount_yuan, amount_yuan / sum(amount_yuan) over () * 100, peer_median_yuan
                            from ({member}) where metric = 'total_expenditure' order by rank_in_peer, office_name""").fetchall()
    (largest, amount, share, median), smallest = total[0], total[-1]
    [[above, count, metrics]] = con.execute(f"""
        with m as (select * from ({member}) where metric in ('total_expenditure', 'personnel', 'public_operating',
                   'project', 'operating_expense', 'three_public', 'fixed_assets'))
        select office_name, count(*) filter (where ratio_to_peer_median > 1), (select count(distinct metric) from m)
        from m group by all order by 2 desc, office_name limit 1""").fetchall()
    [[three, ratio, three_amount]] = con.execute(f"""
        select office_name, ratio_to_peer_median, amount_yuan from ({member}) where metric = 'three_public'
        order by ratio_to_peer_median desc nulls last, office_name limit 1""").fetchall()
    per_10k = con.execute(f"""
        select o.office_name, y.three_public_per_10k_yuan from marts.mart_office_year y join marts.dim_office o using (office_id)
        where y.fiscal_year = {year} and y.doc_kind = 'budget' and y.office_id in (select office_id from ({member}))
        order by y.three_public_per_10k_yuan desc nulls last, o.office_name""").fetchall()
    return [
        f"Of the {len(total)} offices of {group} in {year}, {largest} spends most, {_wan(amount)} ({float(share):.1f}% of "
        f"the group); {smallest[0]} least, {_wan(smallest[1])}; the median office {_wan(median)}.",
        f"{above} is above the peer median on {count} of the {metrics} metrics.",
        f"{three} has the highest 三公 against the median, {float(ratio):.2f}× ({float(three_amount):,.2f} 元); per 10,000 "
        f"yuan of spending the highest is {per_10k[0][0]} ({float(per_10k[0][1]):,.2f} 元) and the lowest "
        f"{per_10k[-1][0]} ({float(per_10k[-1][1]):,.2f} 元).",
    ]


def project_performance_claims(con, docs: str) -> list[str]:
    """Which indicators are used, how targets are set and how spending is planned, over every budget."""
    budgets = f"select document_id from marts.mart_office_year where doc_kind = 'budget' and document_id in ({docs})"
    indicators = f"select * from marts.fct_project_indicator where document_id in ({budgets})"
    [[budget_count]] = con.execute(f"select count(*) from ({budgets})").fetchall()
    [[plan_count]] = con.execute(f"""select count(*) from marts.fct_project where document_id in ({budgets})
        and budget_yuan is not null and spend_plan_share_m03 is not null and spend_plan_share_m06 is not null
        and spend_plan_share_m10 is not null and spend_plan_share_m12 is not null""").fetchall()
    if not plan_count:  # no project states its spending plan (the national table set lists no projects)
        claims = [f"- **Spending plan.** None of the {budget_count} budgets in this data states a project's spending "
                  "plan through the year."]
        if not con.execute(f"select count(*) from ({indicators})").fetchone()[0]:
            claims.insert(0, f"- **Indicators.** None of the {budget_count} budgets in this data lists project "
                             "performance indicators (`marts.fct_project_indicator`).")
        return claims
    [[rows, quantitative, percent]] = con.execute(f"""
        select count(*), avg((target_operator is not null)::int) * 100, avg(coalesce(target_unit = '%', false)::int) * 100
        from ({indicators})""").fetchall()
    per_project = [n for (n,) in con.execute(f"select count(*) from ({indicators}) group by document_id, project_code"
                                             ).fetchall()]
    [[level1, level1_rows]] = con.execute(f"select level1_zh, count(*) from ({indicators}) group by all "
                                          "order by 2 desc, 1 limit 1").fetchall()
    [[level3, level3_rows]] = con.execute(f"select level3_zh, count(*) from ({indicators}) group by level1_zh, level3_zh "
                                          "order by 2 desc, 1 limit 1").fetchall()
    [[modal, modal_rows, percent_rows]] = con.execute(f"""
        select target_value, count(*), sum(count(*)) over () from ({indicators}) where target_unit = '%'
        group by all order by 2 desc, 1 limit 1""").fetchall()
    plans = f"""select * from marts.fct_project where document_id in ({budgets}) and budget_yuan is not null
                and spend_plan_share_m03 is not null and spend_plan_share_m06 is not null
                and spend_plan_share_m10 is not null and spend_plan_share_m12 is not null"""
    [[june, june_weighted, by_october]] = con.execute(f"""
        select avg(spend_plan_share_m06) * 100, sum(spend_plan_share_m06 * budget_yuan) / sum(budget_yuan) * 100,
               avg((spend_plan_share_m10 >= 1)::int) * 100 from ({plans})""").fetchall()
    [[plan, plan_share]] = con.execute(f"""
        select concat_ws('/', (spend_plan_share_m03 * 100)::int, (spend_plan_share_m06 * 100)::int,
                         (spend_plan_share_m10 * 100)::int, (spend_plan_share_m12 * 100)::int), count(*) / sum(count(*)) over () * 100
        from ({plans}) group by all order by 2 desc, 1 limit 1""").fetchall()
    return [
        f"{rows:,} indicator rows, a median of {statistics.median(per_project):.0f} per project; {level1} is the most "
        f"used level-1 indicator ({level1_rows / rows * 100:.1f}% of rows), and the most used level-3 indicator is "
        f"{level3} ({level3_rows} rows).",
        f"{quantitative:.1f}% of targets are quantitative and {percent:.1f}% are percentages; the most common "
        f"percentage target is {float(modal):g}% ({modal_rows / percent_rows * 100:.1f}% of the percentage targets).",
        f"On average a project plans to have spent {float(june):.1f}% of its budget by the end of June "
        f"({float(june_weighted):.1f}% weighted by budget), against 50% for even spending; {by_october:.1f}% of "
        f"projects plan to have spent everything by the end of October; the most common plan is {plan} "
        f"({plan_share:.1f}% of projects).",
    ]


CLAIMS = {"office_over_years": office_over_years_claims, "district_comparison": district_comparison_claims,
          "project_performance": project_performance_claims}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_notebook_runs_on_real_documents_only(path, bundled_warehouse, monkeypatch):
    """BUDGET_ETL_REAL_ONLY=1: each study sees only Xiguan's real budget, says so and concludes from it alone."""
    monkeypatch.setenv("BUDGET_ETL_WAREHOUSE", str(bundled_warehouse))
    monkeypatch.setenv("BUDGET_ETL_REAL_ONLY", "1")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    note = notebook.cells[1].outputs[0]["data"]["text/markdown"]
    assert "1 documents (real documents only): 1 real, 0 synthetic" in note
    conclusion = notebook.cells[-1].outputs[-1]["data"]["text/markdown"]
    with duckdb.connect(str(bundled_warehouse), read_only=True) as con:
        claims = CLAIMS[path.stem](con, REAL_DOCUMENTS)
    for claim in claims:
        assert claim in conclusion, f"{claim!r} not in\n{conclusion}"
    if path.stem == "office_over_years":
        assert "山海关区西关街道办事处" in notebook.cells[3].outputs[0]["data"]["text/markdown"]
        assert "9 of 9 projects (by project code) recur every year" in conclusion
    if path.stem == "district_comparison":  # Xiguan is alone in its district, city and province
        assert conclusion.startswith("- **No peer group.** Each of the 1 offices")
    if path.stem == "project_performance":  # Xiguan's nine projects, four indicators each
        assert "36 indicator rows, a median of 4 per project" in conclusion


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_notebook_runs_on_the_real_disclosures(path, real_warehouse, monkeypatch):
    """The real PDFs of ../shared/real (the national table set: no project lists, offices of many places): each
    study runs, says it ran on real documents only and concludes from them (skipped without ../shared)."""
    monkeypatch.setenv("BUDGET_ETL_WAREHOUSE", str(real_warehouse))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        [[documents]] = con.execute("select count(*) from marts.dim_document where not is_synthetic").fetchall()
        claims = CLAIMS[path.stem](con, EVERY_DOCUMENT)
    assert f"{documents} documents (every document): {documents} real, 0 synthetic" in (
        notebook.cells[1].outputs[0]["data"]["text/markdown"])
    conclusion = notebook.cells[-1].outputs[-1]["data"]["text/markdown"]
    assert not re.search(r"\bnan\b|None[，,)）]|[（(，,]None", conclusion), conclusion  # no missing value printed
    for claim in claims:
        assert claim in conclusion, f"{claim!r} not in\n{conclusion}"
