"""Read a document's facts back out of the warehouse's staging tables as an ExtractedDocument, so that the
same gold comparison (goldcheck.py) checks what was loaded, not only what was extracted."""

from __future__ import annotations

import dataclasses

import duckdb

from budget_etl.facts import FACT_TABLES, DocumentInfo, ExtractedDocument, source_of


def _record(cls, row: dict):
    values = {f.name: row[f.name] for f in dataclasses.fields(cls) if f.name != "src"}
    return cls(**values, src=source_of(row))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def read_document(con: duckdb.DuckDBPyConnection, document_id: str) -> ExtractedDocument:
    (info_row,) = _rows(con, "select * from raw.documents where document_id = ?", [document_id])
    doc = ExtractedDocument(info=_record(DocumentInfo, info_row))
    for table, (cls, attribute) in FACT_TABLES.items():
        order = "src_line, src_table, src_row, src_col"
        # rows in document order; the item numbers keep the document's own order where it has one
        number = next((f.name for f in dataclasses.fields(cls) if f.name.endswith("_no")), None)
        if number:
            order = f"{number}, {order}"
        rows = _rows(con, f"select * from raw.{table} where document_id = ? order by {order}", [document_id])
        setattr(doc, attribute, [_record(cls, r) for r in rows])
    return doc
