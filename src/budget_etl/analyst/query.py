"""`budget-etl sql`: run SQL on the warehouse (read-only) and print the result as a table, CSV or JSON."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import duckdb

FORMATS = ("table", "csv", "json")


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
