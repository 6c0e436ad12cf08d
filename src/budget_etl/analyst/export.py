"""Export marts to files: Parquet (one file per fiscal year), CSV or Excel, one per table.

* ``parquet``: every table is a folder ``OUT/<table>/``: ``<year>.parquet`` for each fiscal year of a table
  with ``fiscal_year`` (a table without it, or an empty one: ``OUT/<table>/data.parquet``). ``fiscal_year``
  stays a column inside each file, so it reads back as the integer it is (Hive folders ``fiscal_year=2023``
  would make it BIGINT in DuckDB and a category in pandas). Read a table back with
  ``read_parquet('OUT/<table>/*.parquet')`` or ``pandas.read_parquet('OUT/<table>')``. Types are kept
  exactly (decimals stay decimals).
* ``csv``: ``OUT/<table>.csv``, UTF-8 with a byte-order mark (so that Excel on Windows reads Chinese; ``bom=False``
  for tools that mind it), header row, ``.`` decimal point, empty for NULL. A text cell that begins with
  ``= + - @``, a tab or a carriage return gets a leading ``'`` (OWASP's guard against CSV injection: a
  spreadsheet would run it as a formula); numbers, negative ones included, stay numbers.
* ``xlsx``: ``OUT/<table>.xlsx``, the rows on the first sheet (frozen header, filters, number formats) and the
  column descriptions on a second sheet ``说明``. Text is always stored as text, never as a formula (an
  indicator target ``=5个`` is the text ``=5个``).

With ``headers="zh"`` (every format: Parquet and CSV carry Chinese column names as well as Excel does) the
headers are the columns' Chinese names from the column comments (the same as in docs/data_dictionary.md).
The values are the marts' own in either language: a code column (``doc_kind``, header 文件类型代码) keeps its
codes and the mart's label column beside it (``doc_kind_zh``, header 文件类型) holds their Chinese names
(``budget`` -> ``部门预算``), so the export labels nothing itself and both languages have the same columns.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb

from budget_etl.analyst.dictionary import split_description, zh_labels

FORMATS = ("parquet", "csv", "xlsx")
SCHEMA = "marts"
PARTITION_COLUMN = "fiscal_year"
EXCEL_MAX_ROWS = 1_048_575  # one row for the header
BOM = "\ufeff".encode()


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
    varchar = {name for name, duck_type, _ in columns(con, table) if duck_type == "VARCHAR"}
    text = varchar if guard_text else set()

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
    bom: bool = True,
) -> list[Path]:
    """Write each table (default: every mart) to ``out_dir``; returns the files or folders written."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if language not in ("en", "zh"):
        raise ExportError(f"headers must be en or zh, not {language!r}")
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
            written.append(_csv(con, table, names, out / f"{table}.csv", bom))
        else:
            written.append(_xlsx(con, table, names, out / f"{table}.xlsx"))
    return written


def _csv(con, table: str, names: dict[str, str], path: Path, bom: bool) -> Path:
    select = _select(con, table, names, guard_text=True)
    con.execute(f"copy ({select}) to {_quote_path(path)} (header, delimiter ',')")
    if bom:  # DuckDB writes no byte-order mark: put one in front, streaming
        marked = path.with_name(path.name + ".bom")
        with path.open("rb") as source, marked.open("wb") as target:
            target.write(BOM)
            shutil.copyfileobj(source, target)
        marked.replace(path)
    return path


def _parquet(con, table: str, names: dict[str, str], out: Path) -> Path:
    """``out/<table>/<year>.parquet`` per fiscal year (``data.parquet`` without years); the folder is
    emptied first so that a year no longer in the table leaves no file behind."""
    folder = out / table
    if folder.is_dir():
        for old in folder.glob("*.parquet"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    select = _select(con, table, names)
    years = [] if PARTITION_COLUMN not in names else [y for (y,) in con.execute(
        f'select distinct {PARTITION_COLUMN} from {SCHEMA}."{table}" order by 1').fetchall()]
    if not years:
        con.execute(f"copy ({select}) to {_quote_path(folder / 'data.parquet')} (format parquet)")
        return folder
    year_column = names[PARTITION_COLUMN]
    for year in years:
        where = f'select * from ({select}) where "{year_column}" = {int(year)}'
        con.execute(f"copy ({where}) to {_quote_path(folder / f'{int(year)}.parquet')} (format parquet)")
    return folder


def _number_format(duck_type: str) -> str | None:
    if decimal := re.fullmatch(r"DECIMAL\(\d+,(\d+)\)", duck_type):
        scale = int(decimal[1])
        return "#,##0" + ("." + "0" * scale if scale else "")
    if duck_type in ("INTEGER", "BIGINT", "SMALLINT"):
        return "0"
    return None


def _width(texts) -> int:
    """A column's width in Excel's units for its longest text (a Chinese character is two wide)."""
    return min(max([len(str(t).encode("gbk", "replace")) for t in texts] + [8]) + 2, 60)


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
    titles = ("column", "表头", "type", "说明", "description")
    rows = [(name, names[name], duck_type, *(split_description(comment) if comment else ("", "")))
            for name, duck_type, comment in cols]
    for i, texts in enumerate(zip(titles, *rows, strict=True), start=1):  # widths first: write-only sheet
        about.column_dimensions[get_column_letter(i)].width = _width(texts)
    about.append([header_cell(h) for h in titles])
    for row in rows:
        about.append([text_cell(text) for text in row])
    book.save(path)
    return path
