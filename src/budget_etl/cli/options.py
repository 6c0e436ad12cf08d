"""Options shared by the commands of `budget-etl` (cli.py and analyst_cli.py)."""

from __future__ import annotations

from pathlib import Path

import click

from budget_etl.paths import DEFAULT_WAREHOUSE

warehouse_option = click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="BUDGET_ETL_WAREHOUSE",
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    help="The DuckDB warehouse file (environment: BUDGET_ETL_WAREHOUSE).",
)
