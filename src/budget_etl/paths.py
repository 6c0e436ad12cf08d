"""Where things are: the repository's folders and the default warehouse."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WAREHOUSE = Path("warehouse/budget.duckdb")


def project_root() -> Path:
    """The repository checkout (holding dbt_project/, models/, ingest/); BUDGET_ETL_HOME overrides."""
    if home := os.environ.get("BUDGET_ETL_HOME"):
        return Path(home)
    return Path(__file__).resolve().parents[2]


def bundled_sample() -> Path:
    return project_root() / "ingest"


def dbt_project_dir() -> Path:
    return project_root() / "dbt_project"


ACKNOWLEDGEMENTS_DIR_VAR = "BUDGET_ETL_ACKNOWLEDGEMENTS_DIR"  # read by dbt_project.yml's seed-paths too
ACKNOWLEDGEMENTS_FILE = "finding_acknowledgements.csv"


def acknowledgements_file() -> Path:
    """The reviewers' acknowledgements of findings (dbt seed finding_acknowledgements): the file of the folder
    BUDGET_ETL_ACKNOWLEDGEMENTS_DIR names, else dbt_project/acknowledgements/ of the checkout."""
    folder = os.environ.get(ACKNOWLEDGEMENTS_DIR_VAR)
    return (Path(folder) if folder else dbt_project_dir() / "acknowledgements") / ACKNOWLEDGEMENTS_FILE



def aliases_file() -> Path:
    """The accepted office aliases (dbt seed office_aliases: a printed name -> the office's canonical name)."""
    return dbt_project_dir() / "seeds" / "office_aliases.csv"
