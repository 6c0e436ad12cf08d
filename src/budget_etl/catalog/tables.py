"""Every staging table of schema ``raw``, declared once.

The fact tables are the record classes of ``facts.py`` (registered by their list in ``ExtractedDocument``),
each with ``document_id`` first. The bookkeeping tables (documents, document_lines, validation_results,
quarantine, load_batches) are declared below the same way. ``TABLES`` is what the DDL, the Arrow and pandera
schemas and the dbt sources are made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
    document_id: str = col("文件键：文件字节的 sha256（多文件公开时：各文件 sha256 依次相接后的 sha256）",
                           "Document key: sha256 of the file's bytes (a document in several files: sha256 of "
                           "its files' sha256s joined in order)", str_matches=vocab.SHA256)
    sha256: str = col("文件字节的 sha256（多文件公开时同文件键；各文件见 raw.document_files）",
                      "sha256 of the file's bytes (several files: the document key; each file's in "
                      "raw.document_files)", str_matches=vocab.SHA256)
    source_path: str = col("入库时的文件路径（多文件公开时为第一个文件）",
                           "Path of the file when it was loaded (several files: the first)")
    file_name: str = col("文件名（多文件公开时为第一个文件）", "File name (several files: the first)")
    size_bytes: int = col("文件大小（字节；多文件公开时为各文件之和）", "Size of the file in bytes (several files: "
                          "their sum)", sql_type="BIGINT", ge=0)
    encoding: str = col("文本编码", "Text encoding the file was read with")
    source_format: str = col("文件格式", "File format", vocab=vocab.SOURCE_FORMATS)
    info: DocumentInfo = embed()
    parser_version: str = col("解析程序版本", "Version of the parser that read it")
    batch_id: str = col("入库批次", "Ingest batch", set_on_load=True)
    loaded_at: datetime = col("入库时间（UTC）", "When the document was loaded (UTC)", set_on_load=True)
    normalized_text: str = col("规范化全文", "The document's normalised text", staged=False)


@table(zh="文件的组成文件（正文与附表分开发布时为多个）", en="The files a document was read from, in order: one, "
       "or several for a document published as several files (narrative + tables)",
       grain="one row per document and file", key=("document_id", "file_order"), staged=False)
@dataclass
class DocumentFile:
    document_id: str = col("文件键（raw.documents）", "Document key (raw.documents)", str_matches=vocab.SHA256)
    file_order: int = col("文件顺序（1 为第一个：正文在前）", "Order of the file (1 is the first: the narrative)", ge=1)
    source_path: str = col("入库时的文件路径", "Path of the file when it was loaded")
    file_name: str = col("文件名", "File name")
    sha256: str = col("文件字节的 sha256", "sha256 of the file's bytes", str_matches=vocab.SHA256)
    size_bytes: int = col("文件大小（字节）", "Size of the file in bytes", sql_type="BIGINT", ge=0)


@table(zh="被引用的原文行（追溯数字到行）", en="The lines of each document's normalised text that its rows cite "
       "(a src_line of a fact, a check or the document), one row each: a figure is traced to its line by a join; "
       "the whole text stays in raw.documents.normalized_text",
       grain="one row per document and cited line", key=("document_id", "line_number"))
@dataclass
class DocumentLine:
    document_id: str = col("文件键（raw.documents）", "Document key (raw.documents)", str_matches=vocab.SHA256)
    line_number: int = col("行号（从 1 起，即各事实的 src_line）", "Line number from 1 (what facts call src_line)",
                           ge=1)
    page: int | None = col("页码（PDF 中该行所在页；无页的格式为空）",
                           "Page of the line, where the format has pages (PDF) and the line was read as text")
    line_text: str = col("该行原文（规范化后）", "Text of the line, normalised")


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
       grain="one row per file, sha256, reason and parser version",
       key=("source_path", "sha256", "reason_code", "parser_version"), staged=False)
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
    # a file refused by another version of the parser is read again by the next run (as a loaded one is)
    parser_version: str | None = col("拒收它的解析程序版本（记录此列之前的行为空）",
                                     "Version of the parser that refused it (null in rows written before it was "
                                     "recorded)")


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


@table(zh="文件每次发布（首次入库，或被取代的文件放回原处）", en="One row each time a document is published: "
       "its first load, or a superseded file put back in place", grain="one row per publication",
       key=("document_id", "arrival"), staged=False)
@dataclass
class Publication:
    document_id: str = col("文件键（raw.documents）", "Document key (raw.documents)", str_matches=vocab.SHA256)
    source_path: str = col("发布时的文件路径", "Path of the file when it was published")
    event: str = col("发布事件", "Publication event", vocab=vocab.PUBLICATION_EVENTS)
    batch_id: str = col("入库批次", "Ingest batch")
    published_at: datetime = col("发布时间（UTC）", "When it was published (UTC)")
    # within a batch: input order; across batches: later batches arrive later
    arrival: int = col("到达顺序（跨批次递增）", "Order of arrival, rising across batches", sql_type="BIGINT")


@table(zh="各文件在同一部门同一年度同类文件中的版本顺序（视图）",
       en="The versions of each disclosure in order: edition words (更正, 修订, 修正), then arrival, never the "
       "hash (a view)", grain="one row per document", key=("document_id",), staged=False,
       view="document_versions.sql")
@dataclass
class DocumentVersion:
    document_id: str = col("文件键（raw.documents）", "Document key (raw.documents)", str_matches=vocab.SHA256)
    source_path: str = col("入库时的文件路径", "Path of the file when it was loaded")
    office_key: str = col("部门名称（去空白），版本分组之用", "Office name without spaces, grouping the versions")
    fiscal_year: int = col("预算（决算）年度", "Fiscal year")
    doc_kind: str = col("文件类型", "Kind of disclosure", vocab=vocab.DOC_KINDS)
    scope: str | None = col("文件范围：部门（汇总）或单位", "Scope: the department (consolidated) or one unit",
                            vocab=vocab.SCOPES)
    edition: str | None = col("版次用语（更正、修订、修正），无则为空", "Edition word (更正, 修订, 修正), if any")
    published_at: datetime = col("最近一次发布时间（UTC）", "Latest publication (UTC)")
    version_number: int = col("版本序号（1 为最早）", "Version number (1 is the earliest)")
    superseded_by: str | None = col("取代本版本的文件键", "Document that supersedes this version")
    is_latest_version: bool = col("是否为在用版本", "Whether this version is the one served")
    version_reason: str = col("版本说明", "Why this version is served or not", vocab=vocab.VERSION_REASONS)


@table(zh="下载日志：每次请求来源地址一行", en="Fetch log: one row per request for a source URL (budget-etl "
       "fetch), from the store's fetch_log.jsonl", grain="one row per URL and request", key=("url", "fetched_at"),
       staged=False)
@dataclass
class FetchLogRow:
    url: str = col("来源地址（清单所列）", "Source URL, as the manifest gives it")
    fetched_at: datetime = col("请求时间（UTC）", "When it was requested (UTC)")
    outcome: str = col("下载结果", "What the request brought", vocab=vocab.FETCH_OUTCOMES)
    http_status: int | None = col("HTTP 状态码（无响应时为空）", "HTTP status (null: no response)")
    attempts: int = col("尝试次数（含重试）", "Tries, retries included", ge=1)
    final_url: str | None = col("重定向后的地址（无重定向时为空）", "Address after redirects (null: none)")
    sha256: str | None = col("文件字节的 sha256（即文件键）", "sha256 of the bytes (the document key)",
                             str_matches=vocab.SHA256)
    size_bytes: int | None = col("传输的字节数", "Bytes transferred", sql_type="BIGINT", ge=0)
    source_format: str | None = col("按内容判定的文件格式", "File format, sniffed from the content",
                                    vocab=vocab.SOURCE_FORMATS)
    store_path: str | None = col("本地存储中的路径（相对存储目录）", "Path in the local store (relative to it)")
    etag: str | None = col("响应的 ETag", "ETag of the response")
    last_modified: str | None = col("响应的 Last-Modified", "Last-Modified of the response")
    content_type: str | None = col("响应的 Content-Type", "Content-Type of the response")
    page_title: str | None = col("网页标题（html_not_document 时）", "The page's <title> (html_not_document)")
    detail: str | None = col("说明", "What happened, in words")
    published_on: date | None = col("发布日期（清单声明）", "Publication date, as the manifest declares it")
    declared_office: str | None = col("部门（清单声明）", "Office, as the manifest declares it")
    declared_fiscal_year: int | None = col("年度（清单声明）", "Fiscal year, as the manifest declares it")
    declared_doc_kind: str | None = col("文件类型（清单声明）", "Kind, as the manifest declares it")
    declared_scope: str | None = col("文件范围（清单声明）", "Scope, as the manifest declares it")


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
    "publications": _table("publications", Publication),
    "document_files": _table("document_files", DocumentFile),
    "document_lines": _table("document_lines", DocumentLine),
    "document_versions": _table("document_versions", DocumentVersion),
    "fetch_log": _table("fetch_log", FetchLogRow),
}

# The tables validated before a load: the document and its facts.
VALIDATED = ["documents", *FACT_TABLES]


def enum_labels() -> dict[str, dict[str, str]]:
    """column name -> {code: Chinese name}, for every column that holds a vocabulary's codes (a column name
    means one set of codes wherever it appears: ``metric`` is a total, count or change metric, never two names
    for one code), the codes only the marts compute included. They become the seed code_labels, from which
    every mart shows a code column's Chinese name beside it (``doc_kind_zh``)."""
    named = [(c.name, c.vocab) for t in TABLES.values() for c in t.columns if c.vocab is not None]
    labels: dict[str, dict[str, str]] = {}
    for column, vocabulary in [*vocab.MART_COLUMN_VOCABULARIES.items(), *named]:
        for code, zh in vocabulary.terms.items():
            if labels.setdefault(column, {}).setdefault(code, zh) != zh:
                raise ValueError(f"{column} code {code!r} has two Chinese names: {labels[column][code]}, {zh}")
    return labels
