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
    ``max_rows`` rows, the middle ones elided; amounts with thousands separators; a note naming the columns
    too wide to show), CSV (every row, header first) or JSON (a list of objects); csv and json keep numbers
    plain."""
    if fmt == "table":
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            _with_separators(relation).show(max_rows=max_rows, max_width=max_width)
        table = buffer.getvalue().rstrip("\n")
        cut = _columns_cut(table, relation.columns)
        if cut:
            table += (f"\n{len(cut)} of {len(relation.columns)} columns not shown (too wide for the terminal): "
                      f"{', '.join(cut)}.\nSee every column with --format csv or --format json, or select fewer "
                      "columns.")
        return table
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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _with_separators(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """The relation with its decimal columns (the amounts) as text with thousands separators, exact (from
    the decimal's own digits, never through a float) and right-aligned (padded to the column's widest). DuckDB's
    box renderer has no separator option (only its CLI has ``.thousand_sep``)."""
    decimals = [n for n, t in zip(relation.columns, relation.types, strict=True) if str(t).startswith("DECIMAL")]
    if not decimals or len(set(relation.columns)) < len(relation.columns):
        return relation  # nothing to format, or columns a projection cannot name apart (select 1 a, 2 a)
    row = "__budget_etl_row"  # the window below may reorder rows: this restores the query's order

    def text(q: str) -> str:
        return (f"case when {q} < 0 then '-' else '' end || format('{{:,}}', trunc(abs({q}))::hugeint) "
                f"|| coalesce('.' || nullif(split_part(abs({q})::varchar, '.', 2), ''), '')")

    items = [f"lpad({text(_quote(n))}, cast(max(length({text(_quote(n))})) over () as integer), ' ') as {_quote(n)}"
             if n in decimals else _quote(n) for n in relation.columns]
    numbered = relation.project(f"*, row_number() over () as {row}")
    formatted = numbered.project(", ".join([*items, row])).order(row)
    return formatted.project(", ".join(_quote(n) for n in relation.columns))


def _columns_cut(table: str, names: list[str]) -> list[str]:
    """The columns DuckDB's box table left out for want of width (it shows the first and the last ones, with a
    ``…`` column between), read from its header line; empty when every column is shown."""
    lines = table.splitlines()
    if len(lines) < 2 or not lines[-1].rstrip().endswith("shown)") or "columns" not in lines[-1]:
        return []
    cells = [c.strip() for c in lines[1].strip().strip("│").split("│")]
    if "…" not in cells:
        return []
    before = cells.index("…")
    after = len(cells) - before - 1
    return names[before:len(names) - after]


def run(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyRelation | None:
    """Run the statements; the result of the last one, or None when it returns no rows (e.g. SET)."""
    return con.sql(sql)
