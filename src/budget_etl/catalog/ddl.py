"""The DuckDB DDL and the Arrow schemas of schema ``raw``, made from the catalog."""

from __future__ import annotations

import re
from importlib import resources

import pyarrow as pa

from budget_etl.catalog.tables import TABLES, Table

SCHEMA = "raw"

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


def arrow_type(sql_type: str) -> pa.DataType:
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", sql_type)
    return pa.decimal128(int(decimal[1]), int(decimal[2])) if decimal else _ARROW_TYPES[sql_type]


def create_table(table: Table) -> str:
    lines = [f"    {c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns]
    if table.meta.primary_key:
        lines.append(f"    PRIMARY KEY ({', '.join(table.meta.key)})")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{table.name} (\n{body}\n);"


def create_view(table: Table) -> str:
    body = resources.files("budget_etl.catalog").joinpath("views", table.meta.view).read_text(encoding="utf-8")
    return f"CREATE OR REPLACE VIEW {SCHEMA}.{table.name} AS\n{body.strip()};"


def ddl() -> str:
    """The whole schema: ``budget-etl catalog --ddl`` prints it; ``warehouse.connect`` runs it. Views come
    last: they read the tables."""
    tables = [create_table(t) for t in TABLES.values() if not t.meta.view]
    views = [create_view(t) for t in TABLES.values() if t.meta.view]
    return "\n\n".join([f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};", *tables, *views])


def missing_columns(existing: dict[str, set[str]]) -> list[str]:
    """``ALTER TABLE`` statements adding the catalog's columns a warehouse made by an older version lacks
    (``existing``: table -> its columns). Added columns are nullable: the rows already there have no value,
    or the column's ``backfill`` (the measure of a fact loaded before measures existed: all were budgets)."""
    statements = []
    for t in TABLES.values():
        if t.name not in existing or t.meta.view:
            continue
        for c in t.columns:
            if c.name not in existing[t.name]:
                statements.append(f"ALTER TABLE {SCHEMA}.{t.name} ADD COLUMN {c.name} {c.sql_type};")
                if c.backfill is not None:
                    value = "'" + str(c.backfill).replace("'", "''") + "'"
                    statements.append(f"UPDATE {SCHEMA}.{t.name} SET {c.name} = {value};")
    return statements
