"""What the notebooks in notebooks/ share: a connection to the warehouse's marts, on every document or on the
real ones only (``BUDGET_ETL_REAL_ONLY=1``), and the line that says what data a study ran on."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from budget_etl.analyst.access import connect as connect_warehouse
from budget_etl.analyst.access import warehouse_path

REAL_ONLY_ENV = "BUDGET_ETL_REAL_ONLY"
# the column that names a row's document in the marts that have no document_id
_DOCUMENT_COLUMN = {"mart_budget_execution": "final_document_id"}
# a peer group's ranks, shares and medians count every member: a group with a synthetic member is left out whole
_PEER_GROUP = "(peer_group_type, peer_group, coalesce(peer_office_type, ''), fiscal_year, doc_kind)"


def real_only_requested() -> bool:
    return os.environ.get(REAL_ONLY_ENV, "").strip().lower() in {"1", "true", "yes"}


def connect(warehouse: str | Path | None = None, *, real_only: bool | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only. With ``real_only`` (default: $BUDGET_ETL_REAL_ONLY) an in-memory database
    whose ``marts`` schema holds one view per mart keeping only the rows of real documents (not
    ``dim_document.is_synthetic``), so that every query of a study runs unchanged on real data alone; of
    ``mart_office_comparison`` only the peer groups whose every member is real (a rank or median that counts a
    synthetic office is no finding on real ones)."""
    if real_only is None:
        real_only = real_only_requested()
    if not real_only:
        return connect_warehouse(warehouse)
    path = warehouse_path(warehouse)
    connect_warehouse(path).close()  # a clear message when the warehouse is missing
    con = duckdb.connect()
    con.execute("attach ? as warehouse (read_only)", [str(path)])
    con.execute("create schema marts")
    real = "select document_id from warehouse.marts.dim_document where not is_synthetic"
    columns: dict[str, list[str]] = {}
    for table, column in con.execute("select table_name, column_name from duckdb_columns() "
                                     "where database_name = 'warehouse' and schema_name = 'marts'").fetchall():
        columns.setdefault(table, []).append(column)
    for table, names in sorted(columns.items()):
        column = _DOCUMENT_COLUMN.get(table) or ("document_id" if "document_id" in names else None)
        if table == "mart_office_comparison":
            keep = (f"{_PEER_GROUP} not in (select {_PEER_GROUP} from warehouse.marts.mart_office_comparison "
                    f"where document_id not in ({real}))")
        elif column:
            keep = f"{column} in ({real})"
        elif "office_id" in names:  # dim_office, dim_office_name: the offices of real documents
            keep = "office_id in (select office_id from warehouse.marts.dim_document where not is_synthetic)"
        else:
            keep = "true"  # code lists and labels
        con.execute(f'create view marts."{table}" as select * from warehouse.marts."{table}" where {keep}')
    return con


def data_note(con: duckdb.DuckDBPyConnection) -> str:
    """What a study ran on: its documents, real and synthetic, as counted in dim_document."""
    real, synthetic = con.execute("select count(*) filter (not is_synthetic), count(*) filter (is_synthetic) "
                                  "from marts.dim_document").fetchone()
    filtered = con.execute("select count(*) from duckdb_databases() where database_name = 'warehouse'").fetchone()[0]
    scope = "real documents only" if filtered else "every document"
    warning = ("" if not synthetic else
               f" **{synthetic} of the {real + synthetic} documents are synthetic** (fictional offices, "
               f"`dim_document.is_synthetic`): findings drawn from them describe the demo corpus, not real "
               f"offices. Set `{REAL_ONLY_ENV}=1` to study the real documents only.")
    return (f"**Data / 数据：** {real + synthetic} documents ({scope}): {real} real, {synthetic} synthetic "
            f"（真实文件 {real} 份，合成文件 {synthetic} 份）.{warning}")
