"""Export marts to files: Parquet (partitioned by fiscal year), CSV or Excel, one per table.

* ``parquet``: ``OUT/<table>/fiscal_year=<year>/data_0.parquet`` (Hive partitioning; read back with
  ``read_parquet('OUT/<table>/**/*.parquet', hive_partitioning = true)``), or ``OUT/<table>.parquet`` for a
  table without ``fiscal_year`` (an empty table: ``OUT/<table>/data_0.parquet``, no partitions). Types are
  kept exactly (decimals stay decimals).
* ``csv``: ``OUT/<table>.csv``, UTF-8, header row, ``.`` decimal point, empty for NULL. A text cell that
  begins with ``= + - @``, a tab or a carriage return gets a leading ``'`` (OWASP's guard against CSV
  injection: a spreadsheet would run it as a formula); numbers, negative ones included, stay numbers.
* ``xlsx``: ``OUT/<table>.xlsx``, the rows on the first sheet (frozen header, filters, number formats) and the
  column descriptions on a second sheet ``说明``. Text is always stored as text, never as a formula (an
  indicator target ``=5个`` is the text ``=5个``).

Headers are the column names, or with ``headers="zh"`` (csv and xlsx) their Chinese names from the column
comments (the same as in docs/data_dictionary.md).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb

from budget_etl.analyst.dictionary import split_description, zh_labels

FORMATS = ("parquet", "csv", "xlsx")
SCHEMA = "marts"
PARTITION_COLUMN = "fiscal_year"
EXCEL_MAX_ROWS = 1_048_575  # one row for the header


class ExportError(ValueError):
    """The export cannot be done as asked (unknown table, too many rows for Excel, ...)."""


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = ? order by table_name", [SCHEMA]
    ).fetchall()]


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, str]]:
    """(name, type, comment) of a mart's columns, in order."""
    return [tuple(r) for r in con.execute(
        "select column_name, data_type, coalesce(comment, '') from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index", [SCHEMA, table]).fetchall()]


def headers(con: duckdb.DuckDBPyConnection, table: str, language: str = "en") -> dict[str, str]:
    """column -> header: the column's name, or its Chinese name (language="zh")."""
    cols = columns(con, table)
    if language == "en":
        return {name: name for name, _, _ in cols}
    return zh_labels({name: comment for name, _, comment in cols})


# OWASP (CSV injection): a cell beginning with one of these is a formula to a spreadsheet
CSV_FORMULA_START = r"^[=+\-@\t\r]"  # RE2 syntax, pasted into SQL as a constant


def guard_csv_text(text: str) -> str:
    """The same guard for a CSV written from Python: a ``'`` before text a spreadsheet would take for a
    formula; a number (``-3.5``) stays a number."""
    if not re.match(CSV_FORMULA_START, text):
        return text
    try:
        Decimal(text)
    except ArithmeticError:
        return "'" + text
    return text


def _select(con, table: str, names: dict[str, str], *, guard_text: bool = False) -> str:
    """The query of a table's rows; with ``guard_text``, a ``'`` before any text a spreadsheet would take for
    a formula (text columns only: a negative number stays a number)."""
    text = {name for name, duck_type, _ in columns(con, table) if duck_type == "VARCHAR"} if guard_text else set()

    def item(column: str) -> str:
        quoted = f'"{column}"'  # identifiers come from the catalog (table checked against it), quoted
        if column in text:
            return f"case when regexp_matches({quoted}, '{CSV_FORMULA_START}') then '''' || {quoted} else {quoted} end"
        return quoted

    items = ", ".join(f'{item(c)} as "{h}"' for c, h in names.items())
    return f'select {items} from {SCHEMA}."{table}" order by all'


def export(
    warehouse: duckdb.DuckDBPyConnection,
    out_dir: str | Path,
    fmt: str,
    tables: list[str] | tuple[str, ...] | None = None,
    *,
    language: str = "en",
) -> list[Path]:
    """Write each table (default: every mart) to ``out_dir``; returns the files or folders written."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if language not in ("en", "zh"):
        raise ExportError(f"headers must be en or zh, not {language!r}")
    if language == "zh" and fmt == "parquet":
        raise ExportError("Chinese headers are for csv and xlsx; Parquet keeps the column names")
    con = warehouse
    known = mart_tables(con)
    tables = list(tables) if tables else known
    unknown = [t for t in tables if t not in known]
    if unknown:
        raise ExportError(f"no such mart(s): {', '.join(unknown)}; the marts are: {', '.join(known)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        names = headers(con, table, language)
        if fmt == "parquet":
            written.append(_parquet(con, table, names, out))
        elif fmt == "csv":
            path = out / f"{table}.csv"
            select = _select(con, table, names, guard_text=True)
            con.execute(f"copy ({select}) to {_quote_path(path)} (header, delimiter ',')")
            written.append(path)
        else:
            written.append(_xlsx(con, table, names, out / f"{table}.xlsx"))
    return written


def _parquet(con, table: str, names: dict[str, str], out: Path) -> Path:
    if PARTITION_COLUMN not in names:
        path = out / f"{table}.parquet"
        con.execute(f"copy ({_select(con, table, names)}) to {_quote_path(path)} (format parquet)")
        return path
    path = out / table
    if not con.execute(f'select count(*) from marts."{table}"').fetchall()[0][0]:
        # an empty table has no partition to write: one empty file keeps its columns readable the same way
        path.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy ({_select(con, table, names)}) to {_quote_path(path / 'data_0.parquet')} (format parquet)")
        return path
    con.execute(f"copy ({_select(con, table, names)}) to {_quote_path(path)} "
                f"(format parquet, partition_by ({PARTITION_COLUMN}), overwrite true)")
    return path


def _number_format(duck_type: str) -> str | None:
    if decimal := re.fullmatch(r"DECIMAL\(\d+,(\d+)\)", duck_type):
        scale = int(decimal[1])
        return "#,##0" + ("." + "0" * scale if scale else "")
    if duck_type in ("INTEGER", "BIGINT", "SMALLINT"):
        return "0"
    return None


def _xlsx(con, table: str, names: dict[str, str], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    [(count,)] = con.execute(f'select count(*) from {SCHEMA}."{table}"').fetchall()
    if count > EXCEL_MAX_ROWS:
        raise ExportError(f"{table} has {count} rows, more than an Excel sheet holds: use csv or parquet")
    cols = columns(con, table)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table[:31])
    sheet.freeze_panes = "A2"
    for i, (name, _, _) in enumerate(cols, start=1):
        width = max(len(names[name].encode("gbk", "replace")), 10)  # a Chinese character is two wide
        sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, 40)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{count + 1}"
    bold = Font(bold=True)

    def text_cell(text: str, **style) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # openpyxl takes a string beginning with "=" for a formula
        for name, value in style.items():
            setattr(cell, name, value)
        return cell

    def header_cell(text: str) -> WriteOnlyCell:
        return text_cell(text, font=bold)

    sheet.append([header_cell(names[name]) for name, _, _ in cols])
    formats = [_number_format(duck_type) for _, duck_type, _ in cols]
    cursor = con.execute(_select(con, table, names))
    while batch := cursor.fetchmany(10000):
        for row in batch:
            cells = []
            for value, number_format in zip(row, formats, strict=True):
                cell = text_cell(value) if isinstance(value, str) else WriteOnlyCell(sheet, value=value)
                if number_format and value is not None:
                    cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)

    about = book.create_sheet("说明")
    about.append([header_cell(h) for h in ("column", "表头", "type", "说明", "description")])
    for name, duck_type, comment in cols:
        zh, en = split_description(comment) if comment else ("", "")
        about.append([text_cell(text) for text in (name, names[name], duck_type, zh, en)])
    book.save(path)
    return path
