"""Every notebook in notebooks/ runs top to bottom on the bundled corpus (nbclient), draws its charts with
Chinese labels (no missing glyphs) and ends with a conclusion written from the data. The executed notebooks
are kept in build/test-artifacts/notebooks/."""

from __future__ import annotations

import re

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
