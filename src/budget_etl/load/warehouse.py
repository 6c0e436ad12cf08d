"""The DuckDB warehouse: schema ``raw`` as the catalog declares it, loaded in bulk, one transaction per batch.

Every table of a batch is built as one pyarrow Table (Decimals go into decimal128 exactly) and inserted with
``insert ... by name select * from`` it: no row-by-row inserts, no values pasted into SQL.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from budget_etl import PARSER_VERSION
from budget_etl.catalog.ddl import arrow_type, ddl, missing_columns
from budget_etl.catalog.tables import TABLES
from budget_etl.facts import FACT_TABLES, ExtractedDocument, fact_rows, flat_record

if TYPE_CHECKING:
    from budget_etl.readers.blocks import ReadDocument


@dataclass
class StagedDocument:
    """One document ready to load: its raw.documents row, its facts and its validation rows."""

    document: dict  # raw.documents row; batch_id and loaded_at are set by load_batch
    facts: ExtractedDocument
    validation: list[dict] = field(default_factory=list)
    rows: dict[str, list[dict]] | None = None  # fact_rows(facts, document_id), when already made
    files: list[dict] = field(default_factory=list)  # raw.document_files rows; none: the one file of document
    pages: dict[int, int] = field(default_factory=dict)  # line -> page, where known (``line_pages``)

    @property
    def document_id(self) -> str:
        return self.document["document_id"]


@dataclass
class QuarantineEntry:
    """A file that could not be loaded, with a specific reason."""

    source_path: str
    reason_code: str
    reason: str
    sha256: str | None = None
    size_bytes: int | None = None


@dataclass
class KnownFiles:
    """What a warehouse already holds, to tell unchanged files without parsing them."""

    documents: set[str] = field(default_factory=set)  # sha256 of loaded documents
    stale: set[str] = field(default_factory=set)  # those of them read by another parser version: read again
    quarantined: set[str] = field(default_factory=set)  # sha256 of files quarantined by this parser version
    refusal_of: dict[str, str] = field(default_factory=dict)  # sha256 of such a file -> its reason_code
    unread: set[tuple[str, str]] = field(default_factory=set)  # (source_path, reason_code) without sha256
    at_path: dict[str, str] = field(default_factory=dict)  # source_path -> sha256 last published there
    # documents loaded from several files: document_id -> ((source_path, sha256), ...) in order
    several: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def refused(self, entry: QuarantineEntry) -> bool:
        """Whether the same refusal is already in raw.quarantine."""
        if entry.sha256:
            return entry.sha256 in self.quarantined
        return (entry.source_path, entry.reason_code) in self.unread

    def current(self, sha: str) -> bool:
        """Whether a document is loaded, read by this parser version: nothing to read again."""
        return sha in self.documents and sha not in self.stale

    def put_back(self, source_path: str, sha: str) -> bool:
        """Whether loaded bytes are back at a path that last held other bytes: a file put back in place of a
        newer one, which is published again (it becomes the served version again)."""
        return sha in self.documents and self.at_path.get(source_path, sha) != sha


@dataclass
class BatchResult:
    batch_id: str
    loaded: list[str]  # document ids inserted
    unchanged: list[str]  # document ids already in the warehouse (or twice in the batch)
    reread: list[str]  # document ids loaded by another parser version whose rows were replaced
    quarantined: int  # quarantine rows inserted (repeats of a known bad file are not)
    warnings: int  # failed validation checks of the loaded documents


def now() -> datetime:
    """UTC without tzinfo: the staging columns are plain TIMESTAMP."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_batch_id() -> str:
    return f"{now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse file and make sure the staging tables exist with every column of the
    catalog (a warehouse made by an older version gains the columns added since, e.g. src_page, and the lines
    its rows cite)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    had_lines = con.execute("select count(*) from duckdb_tables() where schema_name = 'raw' "
                            "and table_name = 'document_lines'").fetchall()[0][0]
    con.execute(ddl())
    if not had_lines:  # a warehouse made before raw.document_lines: the lines its rows cite, without pages
        # table names from the catalog
        cited = " union ".join(f'select document_id, src_line from raw."{t.name}" where src_line is not null'
                               for t in TABLES.values() if not t.meta.view and "src_line" in {c.name for c in t.columns})
        con.execute(f"""
            insert into raw.document_lines (document_id, line_number, line_text)
            select c.document_id, c.src_line, string_split(d.normalized_text, chr(10))[c.src_line]
            from ({cited}) c join raw.documents d using (document_id)
            where c.src_line <= len(string_split(d.normalized_text, chr(10)))""")
    existing: dict[str, set[str]] = {}
    for table, column in con.execute("select table_name, column_name from information_schema.columns "
                                     "where table_schema = 'raw'").fetchall():
        existing.setdefault(table, set()).add(column)
    for statement in missing_columns(existing):
        con.execute(statement)
    return con


def fact_row_counts(path: str | Path, schema: str = "marts") -> dict[str, int]:
    """Rows of every table in a schema of the warehouse (for the CLI's closing summary)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name",
            [schema]).fetchall()]
        # names come from the catalog, quoted as identifiers
        return {t: con.execute(f'select count(*) from "{schema}"."{t}"').fetchall()[0][0] for t in tables}


def document_id_of(shas: Sequence[str]) -> str:
    """A document's key: the sha256 of its file's bytes; for a document published as several files, the
    sha256 of their sha256s joined in order (stable, and new whenever any of its files changes)."""
    return shas[0] if len(shas) == 1 else sha256_hex("".join(shas).encode("ascii"))


def document_row(facts: ExtractedDocument, read_doc: ReadDocument, *, data: bytes = b"", source_path: str = "",
                 files: Sequence[tuple[str, bytes]] = ()) -> dict:
    """The raw.documents row of a document, without batch_id and loaded_at: of the one file ``data`` read at
    ``source_path``, or of ``files`` (source_path, bytes) in order, for a document in several files (named by
    the first; the size is their sum)."""
    files = list(files) or [(str(source_path), data)]
    document_id = document_id_of([sha256_hex(d) for _, d in files])
    return {
        "document_id": document_id,
        "sha256": document_id,
        "source_path": str(files[0][0]),
        "file_name": Path(files[0][0]).name,
        "size_bytes": sum(len(d) for _, d in files),
        "encoding": read_doc.encoding,
        "source_format": read_doc.source_format,
        **flat_record(facts.info),
        "parser_version": PARSER_VERSION,
        "normalized_text": read_doc.text,
    }


def file_rows(document_id: str, files: Sequence[tuple[str, str, int]]) -> list[dict]:
    """raw.document_files rows of a document from its files' (source_path, sha256, size_bytes) in order."""
    return [{"document_id": document_id, "file_order": order, "source_path": str(path),
             "file_name": Path(path).name, "sha256": sha, "size_bytes": size}
            for order, (path, sha, size) in enumerate(files, start=1)]


def line_pages(read_doc: ReadDocument) -> dict[int, int]:
    """The page of each line of a document's text that a paragraph or table cell was read from (PDF); empty for
    formats without pages."""
    cells = [c for t in read_doc.tables() for row in t.rows for c in row]
    return {b.line: b.page for b in [*read_doc.paragraphs(), *cells] if b.line is not None and b.page is not None}


def cited_lines(tables: dict[str, pa.Table]) -> dict[str, set[int]]:
    """document_id -> the lines its rows cite (``src_line`` of every table of the batch that has one)."""
    cited: dict[str, set[int]] = {}
    for data in tables.values():
        if "src_line" in data.column_names:
            for document_id, line in zip(data["document_id"].to_pylist(), data["src_line"].to_pylist(), strict=True):
                if line is not None:
                    cited.setdefault(document_id, set()).add(line)
    return cited


def lines_table(schema: pa.Schema, documents: Sequence[StagedDocument], cited: dict[str, set[int]]) -> pa.Table:
    """raw.document_lines of documents: the lines of each normalised text that its rows cite (split as
    DuckDB's ``string_split(text, chr(10))``, numbered from 1 like ``src_line``), with their page where known.
    Only cited lines: every line would store the text a second time (it is in raw.documents.normalized_text)
    and make the table ten times longer, too long to join in a blink. Built column by column."""
    ids, numbers, pages, texts = [], [], [], []
    for d in documents:
        lines = d.document["normalized_text"].split("\n")
        wanted = sorted(n for n in cited.get(d.document_id, ()) if 1 <= n <= len(lines))
        ids.extend([d.document_id] * len(wanted))
        numbers.extend(wanted)
        pages.extend(d.pages.get(n) for n in wanted)
        texts.extend(lines[n - 1] for n in wanted)
    columns = {"document_id": ids, "line_number": numbers, "page": pages, "line_text": texts}
    return pa.table([pa.array(columns[f.name], f.type) for f in schema], schema=schema)


def loaded_ids(con: duckdb.DuckDBPyConnection, ids: list[str]) -> set[str]:
    """Those of ``ids`` that are already in raw.documents."""
    if not ids:
        return set()
    rows = con.execute(
        "select document_id from raw.documents where document_id in (select unnest(?::varchar[]))", [ids]
    ).fetchall()
    return {r[0] for r in rows}


def known_files(con: duckdb.DuckDBPyConnection) -> KnownFiles:
    """The sha256 of every loaded and every quarantined file, of the file last published at each path, and
    the files of each document loaded from several (one query each, however many files)."""
    loaded = con.execute("select document_id, parser_version from raw.documents").fetchall()
    known = KnownFiles({document_id for document_id, _ in loaded},
                       {document_id for document_id, version in loaded if version != PARSER_VERSION})
    for path, sha, reason, version in con.execute(
            "select source_path, sha256, reason_code, parser_version from raw.quarantine").fetchall():
        if not sha:  # refused unread (a link out of the folder, no access): no parser was involved
            known.unread.add((path, reason))
        elif version == PARSER_VERSION:  # refused by another version: read again, as a new file is
            known.quarantined.add(sha)
            known.refusal_of[sha] = reason
    # a warehouse published before raw.publications existed: each document's first load is all there is
    has_publications = con.execute("select count(*) from duckdb_tables() where schema_name = 'raw' "
                                   "and table_name = 'publications'").fetchall()[0][0]
    publications = ("union all select source_path, document_id, published_at, arrival from raw.publications"
                    if has_publications else "")
    known.several = {document_id: tuple(zip(paths, shas, strict=True)) for document_id, paths, shas in con.execute(
        "select document_id, list(source_path order by file_order), list(sha256 order by file_order) "
        "from raw.document_files group by document_id having count(*) > 1").fetchall()}
    known.at_path = dict(con.execute(f"""
        select source_path, document_id from (
            select source_path, document_id, loaded_at as published_at, -1 as arrival from raw.documents
            {publications})
        qualify row_number() over (partition by source_path order by published_at desc, arrival desc) = 1
    """).fetchall())
    return known


@dataclass
class Version:
    """A document of this batch in the versions of its disclosure (raw.document_versions). Documents are
    named ``source_path (first 12 digits of sha256)``: one path may have held several versions."""

    document: str
    served: bool
    version_reason: str  # of this document, e.g. later_arrival, superseded_by_edition
    served_document: str  # the served version (this one when it is served)
    others: list[str]  # the other versions


def batch_versions(con: duckdb.DuckDBPyConnection, batch_id: str) -> list[Version]:
    """The documents published by a batch that have other versions, with the one that is served and why."""
    rows = con.execute("""
        with batch as (select distinct document_id from raw.publications where batch_id = ?),
        named as (
            select *, source_path || ' (' || left(document_id, 12) || ')' as name from raw.document_versions),
        grouped as (
            select *, list(name order by version_number) over disclosure as names,
                   max(case when is_latest_version then name end) over disclosure as served_name
            from named
            window disclosure as (partition by office_key, fiscal_year, doc_kind, scope)
        )
        select name, is_latest_version, version_reason, served_name, names
        from grouped join batch using (document_id)
        where len(names) > 1
        order by name""", [batch_id]).fetchall()
    return [Version(name, latest, reason, served, [n for n in names if n != name])
            for name, latest, reason, served, names in rows]


def raw_schemas(con: duckdb.DuckDBPyConnection) -> dict[str, pa.Schema]:
    """Arrow schema of every raw table as the warehouse has it (the catalog's columns, see ``connect``)."""
    columns: dict[str, list[pa.Field]] = {}
    for table, column, duck_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' order by table_name, ordinal_position"
    ).fetchall():
        columns.setdefault(table, []).append(pa.field(column, arrow_type(duck_type)))
    return {table: pa.schema(fields) for table, fields in columns.items()}


def _count(con, table: str) -> int:
    # fetchall, not fetchone: DuckDB 2 refuses register() while a result is only partly fetched
    return con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]


def _table(schema: pa.Schema, table: str, rows: list[dict]) -> pa.Table:
    unknown = set().union(*rows) - set(schema.names)
    if unknown:  # from_pylist would drop them silently
        raise ValueError(f"raw.{table} has no column(s) {sorted(unknown)}")
    return pa.Table.from_pylist(rows, schema=schema)


def _insert_table(con, table: str, data: pa.Table, where: str = "") -> None:
    if not data.num_rows:
        return
    con.register("_batch", data)
    try:
        con.execute(f"insert into raw.{table} by name select * from _batch b {where}")
    finally:
        con.unregister("_batch")


def _insert(con, schemas: dict[str, pa.Schema], table: str, rows: list[dict], where: str = "") -> None:
    if rows:
        _insert_table(con, table, _table(schemas[table], table, rows), where)


def add_fetch_log(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Add the requests of a store's fetch log that raw.fetch_log does not hold yet (by URL and time): a
    load from another manifest or store never removes the provenance of what is loaded."""
    _insert(con, raw_schemas(con), "fetch_log", rows, "where not exists (select 1 from raw.fetch_log f "
            "where f.url = b.url and f.fetched_at = b.fetched_at)")


def staging_tables(schemas: dict[str, pa.Schema], documents: Sequence[StagedDocument]) -> dict[str, pa.Table]:
    """A batch of documents as Arrow tables: raw.documents (without batch_id and loaded_at, which the load
    sets), every fact table, raw.validation_results, raw.document_files and raw.document_lines. Built apart from the load, so that worker processes
    can build them (``schemas``: ``raw_schemas``); raises ValueError on a column the table does not have."""
    fixed = {c.name for c in TABLES["documents"].columns if c.set_on_load}
    document_schema = pa.schema([f for f in schemas["documents"] if f.name not in fixed])
    tables = {"documents": _table(document_schema, "documents", [d.document for d in documents])}
    rows = [d.rows if d.rows is not None else fact_rows(d.facts, d.document_id) for d in documents]
    for table in FACT_TABLES:
        tables[table] = _table(schemas[table], table, [row for doc_rows in rows for row in doc_rows[table]])
    tables["validation_results"] = _table(schemas["validation_results"], "validation_results",
                                          [row for d in documents for row in d.validation])
    tables["document_files"] = _table(schemas["document_files"], "document_files", [
        row for d in documents for row in d.files or file_rows(
            d.document_id, [(d.document["source_path"], d.document["sha256"], d.document["size_bytes"])])])
    tables["document_lines"] = lines_table(schemas["document_lines"], documents, cited_lines(tables))
    return tables


def load_batch(
    con: duckdb.DuckDBPyConnection,
    documents: Sequence[StagedDocument],
    quarantine: Sequence[QuarantineEntry] = (),
    *,
    batch_id: str | None = None,
    started_at: datetime | None = None,
    files_seen: int | None = None,
    skipped: int = 0,
) -> BatchResult:
    """Load a batch in one transaction; documents already in the warehouse are skipped.

    ``skipped`` counts files the caller already found loaded (by sha256) before parsing them; they go into
    raw.load_batches.documents_unchanged together with the ones skipped here. Loading again under the same
    ``batch_id`` (a large batch in chunks) adds to that batch's counts in raw.load_batches.
    """
    first: dict[str, StagedDocument] = {}
    repeated = []  # the same bytes twice in the batch: loaded once, the copies count as unchanged
    for doc in documents:
        if doc.document_id in first:
            repeated.append(doc.document_id)
        else:
            first[doc.document_id] = doc
    tables = staging_tables(raw_schemas(con), list(first.values()))
    return load_tables(con, tables, quarantine, batch_id=batch_id, started_at=started_at,
                       files_seen=files_seen if files_seen is not None else len(documents) + len(quarantine),
                       skipped=skipped, repeated=repeated)


def load_tables(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, pa.Table],
    quarantine: Sequence[QuarantineEntry] = (),
    *,
    batch_id: str | None = None,
    started_at: datetime | None = None,
    files_seen: int | None = None,
    skipped: int = 0,
    repeated: Sequence[str] = (),
    put_back: Sequence[tuple[str, str]] = (),
) -> BatchResult:
    """``load_batch`` for documents already laid out by ``staging_tables`` (each document once): one
    transaction; documents already in the warehouse are left out with their facts and checks. Every document
    loaded, and every ``put_back`` (document_id, source_path: loaded bytes back at a path that held others),
    is a publication (raw.publications), in that order."""
    import pyarrow.compute as pc  # slow to import: only a run that loads needs it

    batch_id = batch_id or new_batch_id()
    started_at = started_at or now()
    schemas = raw_schemas(con)
    ids = tables["documents"].column("document_id").to_pylist() if "documents" in tables else []
    con.begin()
    try:
        known = loaded_ids(con, ids)
        # read again because another parser version read them: they keep their first load (batch, time, path)
        first_load = _first_loads(con, known)
        known -= set(first_load)
        if known:
            value_set = pa.array(sorted(known), pa.string())
            tables = {name: t.filter(pc.invert(pc.is_in(t["document_id"], value_set=value_set)))
                      for name, t in tables.items()}
        if first_load:
            _delete_rows(con, list(tables), sorted(first_load))
        new = [i for i in ids if i not in known and i not in first_load]
        unchanged = [i for i in ids if i in known] + list(repeated)
        loaded_at = now()
        for name, data in tables.items():
            if name == "documents":
                data = _with_load(data, first_load, batch_id, loaded_at)
            _insert_table(con, name, data)
        loaded_paths = [d for d in tables["documents"].select(["document_id", "source_path"]).to_pylist()
                        if d["document_id"] not in first_load] if "documents" in tables else []
        [(arrived,)] = con.execute("select coalesce(max(arrival), 0) from raw.publications").fetchall()
        _insert(con, schemas, "publications", [
            {"document_id": document_id, "source_path": path, "event": event, "batch_id": batch_id,
             "published_at": loaded_at, "arrival": arrived + i}
            for i, (document_id, path, event) in enumerate(
                [(d["document_id"], d["source_path"], "loaded") for d in loaded_paths]
                + [(document_id, path, "republished") for document_id, path in put_back], start=1)])
        checks = tables.get("validation_results")
        warnings = 0 if checks is None else pc.sum(pc.equal(checks["status"], "fail")).as_py() or 0

        # One row per (source_path, sha256, reason_code, parser version), however often the same bad file is
        # ingested.
        entries = {(q.source_path, q.sha256, q.reason_code): q for q in quarantine}
        before = _count(con, "quarantine")
        _insert(con, schemas, "quarantine",
                [{**vars(q), "batch_id": batch_id, "quarantined_at": loaded_at, "parser_version": PARSER_VERSION}
                 for q in entries.values()],
                where="where not exists (select 1 from raw.quarantine q where q.source_path = b.source_path "
                "and q.sha256 is not distinct from b.sha256 and q.reason_code = b.reason_code "
                "and q.parser_version is not distinct from b.parser_version)")
        quarantined = _count(con, "quarantine") - before

        _insert(con, schemas, "load_batches", [{
            "batch_id": batch_id, "started_at": started_at, "finished_at": now(),
            "files_seen": files_seen if files_seen is not None else len(ids) + len(quarantine),
            "documents_loaded": len(new), "documents_unchanged": skipped + len(unchanged),
            "documents_quarantined": len(entries), "warnings": warnings,
        }], where="on conflict (batch_id) do update set finished_at = excluded.finished_at, "
           "files_seen = excluded.files_seen, "
           "documents_loaded = load_batches.documents_loaded + excluded.documents_loaded, "
           "documents_unchanged = load_batches.documents_unchanged + excluded.documents_unchanged, "
           "documents_quarantined = load_batches.documents_quarantined + excluded.documents_quarantined, "
           "warnings = load_batches.warnings + excluded.warnings")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return BatchResult(batch_id, new, unchanged, sorted(first_load), quarantined, warnings)


def _first_loads(con: duckdb.DuckDBPyConnection, ids: set[str]) -> dict[str, tuple[str, datetime, str]]:
    """Of loaded ``ids``, those another parser version read: document_id -> (batch_id, loaded_at, source_path)
    of their first load, which their rows read again keep (their publications are unchanged)."""
    if not ids:
        return {}
    rows = con.execute("select document_id, batch_id, loaded_at, source_path from raw.documents "
                       "where document_id in (select unnest(?::varchar[])) and parser_version is distinct from ?",
                       [sorted(ids), PARSER_VERSION]).fetchall()
    return {document_id: (batch, at, path) for document_id, batch, at, path in rows}


def _delete_rows(con: duckdb.DuckDBPyConnection, tables: list[str], ids: list[str]) -> None:
    """Delete the rows of documents ``ids`` from the raw ``tables`` (names from the catalog) a load rewrites."""
    for name in tables:
        con.execute(f'delete from raw."{name}" where document_id in (select unnest(?::varchar[]))', [ids])


def _with_load(documents: pa.Table, first_load: dict, batch_id: str, loaded_at: datetime) -> pa.Table:
    """raw.documents rows with their batch_id and loaded_at (a document read again keeps those of its first
    load, and its source_path)."""
    ids = documents.column("document_id").to_pylist()
    first = [first_load.get(i) for i in ids]
    if any(first):
        paths = [f[2] if f else p for f, p in zip(first, documents.column("source_path").to_pylist(), strict=True)]
        documents = documents.set_column(documents.schema.get_field_index("source_path"), "source_path",
                                         pa.array(paths, documents.schema.field("source_path").type))
    documents = documents.append_column("batch_id", pa.array([f[0] if f else batch_id for f in first], pa.string()))
    return documents.append_column("loaded_at", pa.array([f[1] if f else loaded_at for f in first],
                                                         pa.timestamp("us")))
