"""`budget-etl sql`: run SQL on the warehouse (read-only) and print the result as a table, CSV or JSON.

The SQL is the user's, so the connection is a sandbox (:func:`open_sandboxed`): the warehouse read-only, no
other file read or written (``COPY ... TO``, ``EXPORT DATABASE``, ``ATTACH``, ``read_text``, URLs and
extensions are all refused), and the configuration locked so that no statement can lift that. Writing files
needs an explicit folder (``--allow-write DIR``): files in it, and only in it, may then be read and written.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from budget_etl.analyst.access import connect

FORMATS = ("table", "csv", "json")
SANDBOX_HINT = "budget-etl sql reads the warehouse only; --allow-write DIR lets it read and write files in DIR"


def open_sandboxed(warehouse: str | Path | None = None, *, write_to: str | Path | None = None
                   ) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, with external access disabled and the configuration locked; with
    ``write_to``, files in that folder (created if needed) are the one exception."""
    # Settings differ from a plain connect(), so DuckDB refuses to share one database instance with such a
    # connection in the same process (the settings below are the instance's, not the connection's).
    con = connect(warehouse, config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        if write_to is not None:
            folder = Path(write_to).absolute()
            folder.mkdir(parents=True, exist_ok=True)
            con.execute("set allowed_directories = ?", [[str(folder)]])
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)  # exact, as `budget-etl parse --json` does
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def render(relation: duckdb.DuckDBPyRelation, fmt: str = "table", *, max_rows: int = 50,
           max_width: int = 120) -> str:
    """A query's result as text: DuckDB's box table (wide Chinese characters aligned; at most
    ``max_rows`` rows, the middle ones elided), CSV (every row, header first) or JSON (a list of objects)."""
    if fmt == "table":
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            relation.show(max_rows=max_rows, max_width=max_width)
        return buffer.getvalue().rstrip("\n")
    names = relation.columns
    rows = relation.fetchall()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return buffer.getvalue().rstrip("\n")
    if fmt == "json":
        records = [{n: _jsonable(v) for n, v in zip(names, row, strict=True)} for row in rows]
        return json.dumps(records, ensure_ascii=False, indent=2)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def run(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyRelation | None:
    """Run the statements; the result of the last one, or None when it returns no rows (e.g. SET)."""
    return con.sql(sql)
