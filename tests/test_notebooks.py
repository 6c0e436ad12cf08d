"""Every notebook in notebooks/ runs top to bottom on the bundled corpus (nbclient), draws its charts with
Chinese labels (no missing glyphs) and ends with a conclusion written from the data. The executed notebooks
are kept in build/test-artifacts/notebooks/."""

from __future__ import annotations

import re

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


def test_a_notebook_runs_on_real_documents_only(bundled_warehouse, monkeypatch):
    """BUDGET_ETL_REAL_ONLY=1: the study sees only Xiguan's real budget and says so."""
    monkeypatch.setenv("BUDGET_ETL_WAREHOUSE", str(bundled_warehouse))
    monkeypatch.setenv("BUDGET_ETL_REAL_ONLY", "1")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    path = project_root() / "notebooks" / "office_over_years.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    note = notebook.cells[1].outputs[0]["data"]["text/markdown"]
    assert "1 documents (real documents only): 1 real, 0 synthetic" in note
    assert "山海关区西关街道办事处" in notebook.cells[3].outputs[0]["data"]["text/markdown"]
    conclusion = notebook.cells[-1].outputs[-1]["data"]["text/markdown"]
    assert "9 of 9 projects (by project code) recur every year" in conclusion
