"""Export the marts to one SQLite file with a Datasette metadata file (``budget-etl export --format sqlite``).

``OUT/budget.sqlite`` holds every mart (or the ones asked for) under its own name; ``OUT/metadata.json`` is the
metadata Datasette reads (``datasette OUT/budget.sqlite --metadata OUT/metadata.json``): each table's title and
description and each column's description, in Chinese and English, from ``models/marts/_marts.yml`` (the
data dictionary), plus facets on the columns that divide the data (year, kind, province, ...).

SQLite has no exact decimal type, so an amount (``DECIMAL``) is kept exact as TEXT (``'1234.50'``) under its own
name, and a REAL copy ``<column>_num`` beside it only for sorting and charts: sums and comparisons belong to
the text (or to the DuckDB warehouse). Dates and timestamps are ISO text, booleans 0/1, lists and structs JSON.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from budget_etl.analyst import dictionary
from budget_etl.analyst.export import ExportError, columns, mart_tables

DATABASE = "budget"  # Datasette names a database after its file
NUMERIC_SUFFIX = "_num"
FACET_COLUMNS = ("fiscal_year", "doc_kind", "province", "city", "district", "office_type", "metric",
                 "peer_group_type", "status", "check_kind", "severity", "category")
BATCH = 5000


def _is_decimal(duck_type: str) -> bool:
    return duck_type.startswith("DECIMAL")


def _sqlite_type(duck_type: str) -> str:
    if _is_decimal(duck_type):
        return "TEXT"
    if duck_type in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                     "UINTEGER", "UBIGINT", "BOOLEAN"):
        return "INTEGER"
    if duck_type in ("DOUBLE", "FLOAT", "REAL"):
        return "REAL"
    return "TEXT"


def _value(value):
    """A DuckDB value as SQLite stores it (a Decimal is handled by the caller)."""
    if value is None or isinstance(value, int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """table -> (its description, column -> description), from the marts' yml."""
    return {m.name: (m.description, {c.name: c.description for c in m.columns}) for m in dictionary.load()}


def _title(description: str, table: str) -> tuple[str, str]:
    """(title, description) for Datasette: '部门年度汇总 / mart_office_year' and the full '中文 / English' text."""
    if not description:
        return table, ""
    zh, en = dictionary.split_description(description)
    return f"{zh.split('：')[0]} / {table}", f"{zh} / {en}"


def export_sqlite(con: duckdb.DuckDBPyConnection, out_dir: str | Path,
                  tables: list[str] | tuple[str, ...] | None = None) -> list[Path]:
    """Write ``OUT/budget.sqlite`` and ``OUT/metadata.json``; returns both paths."""
    known = mart_tables(con)
    tables = list(tables) if tables else known
    unknown = [t for t in tables if t not in known]
    if unknown:
        raise ExportError(f"no such mart(s): {', '.join(unknown)}; the marts are: {', '.join(known)}")
    if not tables:
        raise ExportError("the warehouse has no marts: build them with `budget-etl run`")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{DATABASE}.sqlite"
    path.unlink(missing_ok=True)  # a fresh file: no table of an earlier export lingers
    described = _descriptions()
    meta_tables = {}
    lite = sqlite3.connect(path)
    try:
        for table in tables:
            cols = columns(con, table)
            table_description, column_descriptions = described.get(table, ("", {}))
            meta_tables[table] = _copy_table(con, lite, table, cols, table_description, column_descriptions)
        lite.commit()
    finally:
        lite.close()
    metadata = {
        "title": "部门预算决算公开数据 / Chinese public budget disclosures",
        "description": "budget-etl 的数据集市（schema marts）。金额为元，精确值为文本列，<列名>_num 为仅供排序的数值副本 / "
                       "The marts of budget-etl. Amounts in yuan: the exact value is the text column, "
                       "<column>_num a numeric copy for sorting only.",
        "databases": {DATABASE: {"tables": meta_tables}},
    }
    meta_path = out / "metadata.json"
    meta_path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path, meta_path]


def _copy_table(con, lite: sqlite3.Connection, table: str, cols: list[tuple[str, str, str]],
                table_description: str, column_descriptions: dict[str, str]) -> dict:
    """Create and fill one table; returns its Datasette metadata."""
    decimal_columns = {name for name, duck_type, _ in cols if _is_decimal(duck_type)}
    definitions, column_meta = [], {}
    for name, duck_type, comment in cols:
        description = column_descriptions.get(name) or comment
        definitions.append(f'"{name}" {_sqlite_type(duck_type)}')
        column_meta[name] = description
        if name in decimal_columns:
            definitions.append(f'"{name}{NUMERIC_SUFFIX}" REAL')
            column_meta[name + NUMERIC_SUFFIX] = f"{name} 的数值副本，仅供排序 / Numeric copy of {name}, for sorting only"
    lite.execute(f'create table "{table}" ({", ".join(definitions)})')  # names come from the catalog
    width = len(definitions)
    insert = f'insert into "{table}" values ({", ".join("?" * width)})'
    cursor = con.cursor()
    cursor.execute(f'select * from marts."{table}"')
    while batch := cursor.fetchmany(BATCH):
        rows = []
        for row in batch:
            values = []
            for (name, _, _), value in zip(cols, row, strict=True):
                if name in decimal_columns:
                    exact = value if value is None else _exact(value)
                    values += [exact, None if value is None else float(value)]
                else:
                    values.append(_value(value))
            rows.append(values)
        lite.executemany(insert, rows)
    title, description = _title(table_description, table)
    names = [name for name, _, _ in cols]
    meta: dict = {"title": title, "description": description, "columns": column_meta,
                  "facets": [c for c in FACET_COLUMNS if c in names]}
    if "office_name" in names:
        meta["label_column"] = "office_name"
    return meta


def _exact(value: Decimal) -> str:
    """The decimal as written in the warehouse ('1234.50'), never in exponent notation."""
    return format(value, "f")
