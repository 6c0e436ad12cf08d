"""Helpers of the tests of the analyst's tools (access, sql, export, cookbook, report, notebooks), which run on
the ``bundled_warehouse`` fixture of conftest.py: the bundled corpus (Xiguan + the demo offices), built once."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from budget_etl.paths import project_root

ARTIFACTS = project_root() / "build" / "test-artifacts"  # gitignored; CI may keep it


def rows(warehouse: Path, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def gold_for(source_path: str) -> dict | None:
    """The gold facts written beside a synthetic document (``x_2021_budget.gold.json``), if there are any."""
    path = Path(source_path)
    gold = path.with_name(path.stem + ".gold.json")
    return json.loads(gold.read_text(encoding="utf-8")) if gold.is_file() else None
