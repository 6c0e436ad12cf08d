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
