"""Python access to the published warehouse: ``budget_etl.connect()`` (DuckDB) and ``budget_etl.engine()``
(SQLAlchemy, through duckdb-engine), both read-only by default.

The warehouse is the ``warehouse`` argument, else ``$BUDGET_ETL_WAREHOUSE``, else ``warehouse/budget.duckdb``
in the working directory, else the one in the repository checkout (so a notebook in notebooks/ finds it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from budget_etl.paths import DEFAULT_WAREHOUSE, project_root

if TYPE_CHECKING:
    import duckdb
    import sqlalchemy

WAREHOUSE_ENV = "BUDGET_ETL_WAREHOUSE"


class WarehouseMissing(FileNotFoundError):
    """No warehouse file where one was looked for."""


def warehouse_path(warehouse: str | Path | None = None) -> Path:
    """The warehouse file to open (see the module's docstring for the order of precedence)."""
    if warehouse is not None:
        return Path(warehouse)
    if env := os.environ.get(WAREHOUSE_ENV):
        return Path(env)
    if DEFAULT_WAREHOUSE.is_file():
        return DEFAULT_WAREHOUSE
    return project_root() / DEFAULT_WAREHOUSE


def connect(warehouse: str | Path | None = None, *, read_only: bool = True,
            config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse, read-only unless asked otherwise (``config``: DuckDB settings).

    >>> con = budget_etl.connect()
    >>> con.sql("select * from marts.mart_office_year").df()
    """
    import duckdb

    path = warehouse_path(warehouse)
    if read_only and not path.is_file():
        raise WarehouseMissing(f"no warehouse at {path}: build one with `budget-etl run`")
    return duckdb.connect(str(path), read_only=read_only, config=config or {})


def engine(warehouse: str | Path | None = None, *, read_only: bool = True) -> sqlalchemy.Engine:
    """A SQLAlchemy engine on the warehouse (duckdb-engine), for pandas.read_sql and other SQL tools.

    Its connections are opened by :func:`connect`, with the same settings, so that an engine and a
    ``connect()`` connection can be used side by side in one process.
    """
    import sqlalchemy
    from duckdb_engine import ConnectionWrapper

    path = warehouse_path(warehouse)
    connect(path, read_only=read_only).close()  # fail now, with a clear message, if it is missing
    return sqlalchemy.create_engine(
        "duckdb://", creator=lambda: ConnectionWrapper(connect(path, read_only=read_only))
    )
