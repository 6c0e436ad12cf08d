"""Every staging table of schema ``raw``, declared once.

The fact tables are the record classes of ``facts.py`` (registered by their list in ``ExtractedDocument``),
each with ``document_id`` first. The bookkeeping tables (documents, validation_results, quarantine,
load_batches) are declared below the same way. ``TABLES`` is what the DDL, the Arrow and pandera schemas and
the dbt sources are made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from budget_etl.catalog import vocab
from budget_etl.catalog.declare import Column, TableMeta, col, columns_of, embed, money, table, table_meta
from budget_etl.facts import FACT_TABLES, SRC, DocumentInfo, Source

DOCUMENT_ID = Column("document_id", "VARCHAR", False, "文件键（raw.documents）", "Document key (raw.documents)",
                     checks={"str_matches": vocab.SHA256})


@table(zh="公开文件", en="One row per disclosure document", grain="one row per loaded file (its sha256)",
       key=("document_id",), primary_key=True, loaded_at_field="loaded_at")
@dataclass
class DocumentRow:
    document_id: str = col("文件键：文件字节的 sha256", "Document key: sha256 of the file's bytes",
                           str_matches=vocab.SHA256)
    sha256: str = col("文件字节的 sha256", "sha256 of the file's bytes", str_matches=vocab.SHA256)
    source_path: str = col("入库时的文件路径", "Path of the file when it was loaded")
    file_name: str = col("文件名", "File name")
    size_bytes: int = col("文件大小（字节）", "Size of the file in bytes", sql_type="BIGINT", ge=0)
    encoding: str = col("文本编码", "Text encoding the file was read with")
    source_format: str = col("文件格式", "File format", vocab=vocab.SOURCE_FORMATS)
    info: DocumentInfo = embed()
    parser_version: str = col("解析程序版本", "Version of the parser that read it")
    batch_id: str = col("入库批次", "Ingest batch", set_on_load=True)
    loaded_at: datetime = col("入库时间（UTC）", "When the document was loaded (UTC)", set_on_load=True)
    normalized_text: str = col("规范化全文", "The document's normalised text", staged=False)


@table(zh="校验结果（含通过项）", en="Validation results, passes included",
       grain="one row per document and check (identity.project_funding: per project)", key=(),
       staging_model="stg_budget__validation_results")
@dataclass
class CheckResult:
    document_id: str = col("文件键（raw.documents）", "Document key (raw.documents)", str_matches=vocab.SHA256)
    check_name: str = col("校验名称，如 identity.revenue_total、schema.projects",
                          "Name of the check, e.g. identity.revenue_total, schema.projects")
    check_kind: str = col("校验种类", "Kind of check", vocab=vocab.CHECK_KINDS)
    severity: str = col("严重程度", "Severity of the check", vocab=vocab.SEVERITIES)
    status: str = col("校验结果", "Outcome of the check", vocab=vocab.CHECK_STATUSES)
    expected: Decimal | None = money("文件所述数（元）", "Figure the document states, in yuan", signed=True)
    actual: Decimal | None = money("各部分之和（元）", "Sum of the parts, in yuan", signed=True)
    difference: Decimal | None = money("差额：actual - expected", "Difference: actual - expected", signed=True)
    detail: str | None = col("比较内容，或不通过的列和值", "What was compared, or the failing column and value")
    src: Source = embed(SRC)


@table(zh="未能入库的文件及原因", en="Files that could not be loaded, with a specific reason",
       grain="one row per file, sha256 and reason", key=("source_path", "sha256", "reason_code"), staged=False)
@dataclass
class QuarantineRow:
    source_path: str = col("文件路径", "Path of the file")
    sha256: str | None = col("文件字节的 sha256（无法读取时为空）", "sha256 of the file's bytes (null if unreadable)")
    size_bytes: int | None = col("文件大小（字节）", "Size of the file in bytes", sql_type="BIGINT")
    reason_code: str = col("原因代码，如 empty_file、schema_violation",
                           "Reason code, e.g. empty_file, schema_violation")
    reason: str = col("原因说明", "Reason in words")
    batch_id: str = col("入库批次", "Ingest batch")
    quarantined_at: datetime = col("隔离时间（UTC）", "When the file was quarantined (UTC)")


@table(zh="入库批次", en="One row per ingest batch", grain="one row per batch", key=("batch_id",),
       primary_key=True, staged=False)
@dataclass
class LoadBatch:
    batch_id: str = col("入库批次", "Ingest batch")
    started_at: datetime = col("开始时间（UTC）", "Start (UTC)")
    finished_at: datetime | None = col("结束时间（UTC）", "End (UTC)")
    files_seen: int | None = col("看到的文件数", "Files seen")
    documents_loaded: int | None = col("新入库文件数", "Documents loaded")
    documents_unchanged: int | None = col("已入库未变文件数", "Documents already loaded, unchanged")
    documents_quarantined: int | None = col("隔离文件数", "Files quarantined")
    warnings: int | None = col("未通过的校验数", "Failed checks of the loaded documents")


@dataclass(frozen=True)
class Table:
    name: str
    record: type  # the row class
    meta: TableMeta
    columns: tuple[Column, ...]
    is_fact: bool  # rows come from ExtractedDocument; document_id is added before the record's fields

    @property
    def staging_model(self) -> str:
        return self.meta.staging_model or f"stg_budget__{self.name}"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _table(name: str, record: type, is_fact: bool = False) -> Table:
    columns = ([DOCUMENT_ID] if is_fact else []) + columns_of(record)
    meta = table_meta(record)
    unknown = set(meta.key) - {c.name for c in columns}
    if unknown:
        raise ValueError(f"the key of {name} names no column {sorted(unknown)}")
    return Table(name, record, meta, tuple(columns), is_fact)


TABLES: dict[str, Table] = {
    "documents": _table("documents", DocumentRow),
    **{name: _table(name, cls, is_fact=True) for name, (cls, _attr) in FACT_TABLES.items()},
    "validation_results": _table("validation_results", CheckResult),
    "quarantine": _table("quarantine", QuarantineRow),
    "load_batches": _table("load_batches", LoadBatch),
}

# The tables validated before a load: the document and its facts.
VALIDATED = ["documents", *FACT_TABLES]
