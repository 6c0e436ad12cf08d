"""Ingest: files and folders -> read -> extract -> validate -> bulk load into the warehouse.

A file that cannot be read, extracted or typed is quarantined with a specific reason; it never stops the
rest of the batch. A file whose sha256 is already loaded is skipped before it is parsed.

Input files are untrusted. Before a file is read: one found in a folder must stay inside that folder (a
symlink out of it is refused unread, ``outside_input_folder``), and one above ``MAX_FILE_BYTES`` is refused
(``file_too_large``) after a streamed sha256, never read whole. Special files (pipes, devices) are skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml
from tqdm import tqdm

import budget_etl.extract as extractors
from budget_etl import readers
from budget_etl.extract import ExtractionError
from budget_etl.facts import ExtractedDocument
from budget_etl.load import warehouse
from budget_etl.load.warehouse import KnownFiles, QuarantineEntry, StagedDocument
from budget_etl.readers import ReadDocument, UnreadableDocument

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = {".txt", ".docx", ".doc", ".pdf"}
METADATA_SUFFIXES = {".json", ".yml", ".yaml"}  # gold files and manifests live beside the documents
MANIFEST = "sources.yml"
# A disclosure is a few hundred KB (Word with scanned stamps: a few MB); anything far larger is refused unread.
MAX_FILE_BYTES = 32 * 1024 * 1024
LOAD_CHUNK = 200  # documents inserted together (one transaction): memory stays bounded
TASK_FILES = 100  # files parsed, validated and laid out as Arrow tables by one task of a worker process
PARALLEL_FROM = 50  # from this many files to parse, parse in worker processes (start-up costs ~1 s)
MAX_WORKERS = 8
# DuckDB's cache while loading: by default it keeps what it wrote (up to 80% of RAM), so the loading process
# grows with the corpus; appending needs little, and a bounded cache keeps memory flat at the same speed.
INGEST_MEMORY_LIMIT = "256MB"


@dataclass
class IngestSummary:
    batch_id: str
    files_seen: int = 0
    loaded: int = 0
    unchanged: int = 0
    quarantined: list[QuarantineEntry] = field(default_factory=list)
    warnings: int = 0  # failed validation checks of the loaded documents
    incomplete: int = 0  # of them, completeness checks: a core subject (三公, 项目支出 …) without facts
    missing: list[str] = field(default_factory=list)  # listed in a manifest but not there

    @property
    def exit_code(self) -> int:
        return 1 if self.quarantined or self.missing else 0

    def describe(self) -> str:
        lines = [
            f"batch {self.batch_id}: {self.files_seen} files, {self.loaded} loaded, "
            f"{self.unchanged} unchanged, {len(self.quarantined)} quarantined, {self.warnings} failed checks"
            + (f" ({self.incomplete} completeness: core subjects without facts)" if self.incomplete else "")
        ]
        lines += [f"  quarantined {q.source_path}: {q.reason_code}: {q.reason}" for q in self.quarantined]
        lines += [f"  missing {m}: listed in the manifest, no such file" for m in self.missing]
        return "\n".join(lines)


@dataclass
class Inputs:
    """The files of a run: each with the folder it must stay inside (None for a file named by the user)."""

    files: list[tuple[Path, Path | None]]
    synthetic: dict[Path, bool] = field(default_factory=dict)  # resolved path -> is_synthetic
    missing: list[str] = field(default_factory=list)


def _skip(path: Path) -> bool:
    """Hidden files, Word lock files (~$x.docx), and gold / manifest metadata."""
    return path.name.startswith((".", "~$")) or path.suffix.lower() in METADATA_SUFFIXES


def _discover(paths: Iterable[str | Path]) -> list[tuple[Path, Path | None]]:
    found: list[tuple[Path, Path | None]] = []
    for path in map(Path, paths):
        if path.is_dir():  # rglob does not descend into symlinked folders
            found += sorted(
                (f, path) for f in path.rglob("*")
                if f.is_file() and f.suffix.lower() in DOCUMENT_SUFFIXES
                and not any(_skip(Path(part)) for part in f.relative_to(path).parts)
            )
        elif path.is_file():
            if not _skip(path):
                found.append((path, None))  # any suffix: an unsupported one is quarantined with its reason
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    unique = {f.resolve(): f for f, _ in reversed(found)}  # first spelling of each file wins
    return [(f, root) for f, root in found if unique[f.resolve()] is f]


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: named files as given, folders searched recursively for document suffixes."""
    return [f for f, _ in _discover(paths)]


def manifest_synthetic(manifest: str | Path) -> dict[Path, bool]:
    """is_synthetic per file of a sources.yml: ``documents: [{path, is_synthetic}]``, paths relative to it."""
    return {path.resolve(): flag for path, flag in _manifest_entries(manifest) if flag is not None}


def _manifest_entries(manifest: str | Path) -> list[tuple[Path, bool | None]]:
    manifest = Path(manifest)
    # libyaml's loader when present: a manifest of 10,000 documents takes 1 s to read, not 12
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    content = yaml.load(manifest.read_text(encoding="utf-8"), Loader=loader)
    content = content if isinstance(content, dict) else {}
    entries = [(manifest.parent / e["path"], bool(e["is_synthetic"]) if "is_synthetic" in e else None)
               for e in content.get("documents") or [] if isinstance(e, dict) and "path" in e]
    for included in content.get("include") or []:  # another manifest, e.g. a corpus with its own sources.yml
        entries += _manifest_entries(manifest.parent / included)
    return entries


def collect(paths: Iterable[str | Path] = (), manifest: str | Path | None = None, *,
            flags: bool = True) -> Inputs:
    """The files of ``paths`` (files and folders) and of a sources.yml ``manifest``, with is_synthetic from
    the manifest and from the sources.yml files in the folders (not read when ``flags`` is false: only the
    ingest needs them). A manifest's files must stay inside its folder; the ones it lists that are not
    there are ``missing``."""
    paths = [Path(p) for p in paths]
    inputs = Inputs(_discover(paths))
    for folder in paths if flags else []:
        for listing in sorted(folder.rglob(MANIFEST)) if folder.is_dir() else []:
            inputs.synthetic.update(manifest_synthetic(listing))
    if manifest is not None:
        root = Path(manifest).parent
        for path, flag in _manifest_entries(manifest):
            if not path.is_file():
                inputs.missing.append(path.as_posix())
                continue
            inputs.files.append((path, root))
            if flag is not None:
                inputs.synthetic[path.resolve()] = flag
    return inputs


def hash_file(path: Path) -> str:
    """sha256 of a file, read in chunks (memory stays flat whatever its size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def precheck(path: Path, root: Path | None) -> QuarantineEntry | None:
    """A refusal decided before the file is read whole: a link out of its input folder (not read at all), a
    file above MAX_FILE_BYTES (hashed in chunks, not parsed). Raises OSError when it cannot be opened."""
    if root is not None and not path.resolve().is_relative_to(root.resolve()):
        return QuarantineEntry(path.as_posix(), "outside_input_folder",
                               f"{path} leads to {path.resolve()}, outside the input folder {root}: not read.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return QuarantineEntry(path.as_posix(), "file_too_large",
                               f"{size} bytes, above the limit of {MAX_FILE_BYTES} bytes for one document: "
                               "not parsed.", hash_file(path), size)
    return None


def pending_files(inputs: Inputs, known: KnownFiles) -> list[Path]:
    """The files ``ingest(..., skip_quarantined=True)`` would read: neither loaded nor quarantined before
    (by sha256; by path and reason for a file refused unread). Reads and hashes each file, keeps none."""
    pending = []
    for path, root in inputs.files:
        try:
            refused = precheck(path, root)
            sha = hash_file(path) if refused is None else None
        except OSError as exc:
            refused = QuarantineEntry(path.as_posix(), "unreadable_file", str(exc))
        if refused is not None and known.refused(refused):
            continue
        if refused is None and (sha in known.documents or sha in known.quarantined):
            continue
        pending.append(path)
    return pending


def parse_file(path: str | Path, *, is_synthetic: bool = False) -> tuple[ReadDocument, ExtractedDocument]:
    """Read and extract one file (the CLI's ``parse``); raises UnreadableDocument / ExtractionError."""
    path = Path(path)
    read_doc = readers.read_bytes(path.read_bytes(), path.name)
    return read_doc, extractors.extract(read_doc, is_synthetic=is_synthetic)


def _parse(path: Path, is_synthetic: bool) -> tuple[dict, ExtractedDocument] | QuarantineEntry:
    """Read and extract one file into its raw.documents row and facts (runs in a worker process)."""
    data = b""
    try:
        data = path.read_bytes()
        read_doc = readers.read_bytes(data, path.name)
        facts = extractors.extract(read_doc, is_synthetic=is_synthetic)
        return warehouse.document_row(facts, read_doc, data=data, source_path=path.as_posix()), facts
    except (UnreadableDocument, ExtractionError) as exc:
        return QuarantineEntry(path.as_posix(), exc.reason_code, str(exc), warehouse.sha256_hex(data), len(data))
    except Exception as exc:  # one broken document must not stop the batch
        log.exception("internal error on %s", path)
        return QuarantineEntry(path.as_posix(), "internal_error", f"{type(exc).__name__}: {exc}",
                               warehouse.sha256_hex(data), len(data))


@dataclass
class Prepared:
    """A slice of the files to load, parsed, validated and laid out as Arrow tables (in a worker process:
    Arrow tables cross the process boundary far faster than the parsed records would)."""

    files: int  # files parsed
    tables: dict  # staging_tables() of the documents that can be loaded; empty when there are none
    refused: list[QuarantineEntry]


def _prepare(todo: list[tuple[Path, bool]], schemas: dict) -> Prepared:
    staged, refused = _validated([_parse(path, flag) for path, flag in todo])
    return Prepared(len(todo), warehouse.staging_tables(schemas, staged) if staged else {}, refused)


def _prepared(todo: list[tuple[Path, bool]], schemas: dict, workers: int) -> Iterator[Prepared]:
    """Prepared slices of ``todo`` in input order; across worker processes when ``workers`` > 1, with a
    bounded number of slices in flight, so that memory stays flat however many files there are."""
    size = max(1, min(TASK_FILES, -(-len(todo) // workers)))  # every worker gets work, even for few files
    tasks = [todo[start:start + size] for start in range(0, len(todo), size)]
    if workers == 1:
        yield from (_prepare(task, schemas) for task in tasks)
        return
    pool = ProcessPoolExecutor(workers)
    try:
        window: deque = deque()
        for task in tasks:
            window.append(pool.submit(_prepare, task, schemas))
            if len(window) > 2 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)


def _failed_completeness(checks: pa.Table | None) -> int:
    if checks is None:
        return 0
    failed = [kind == "completeness" and status == "fail"
              for kind, status in zip(checks["check_kind"].to_pylist(), checks["status"].to_pylist(), strict=True)]
    return sum(failed)


def _validated(parsed: list) -> tuple[list[StagedDocument], list[QuarantineEntry]]:
    """Validate a chunk of parsed documents at once; schema failures that block a typed load quarantine."""
    from budget_etl import validate  # pandas + pandera: imported when a file is parsed, not for a no-op run

    documents = [item for item in parsed if not isinstance(item, QuarantineEntry)]
    refused = [item for item in parsed if isinstance(item, QuarantineEntry)]
    staged = []
    rows_of = [warehouse.fact_rows(facts, document["document_id"]) for document, facts in documents]
    results = validate.validate_documents([(facts, document) for document, facts in documents], rows_of)
    for (document, facts), rows, result in zip(documents, rows_of, results, strict=True):
        if result.blocking:
            refused.append(QuarantineEntry(document["source_path"], "schema_violation", result.reason(),
                                           document["sha256"], document["size_bytes"]))
        else:
            staged.append(StagedDocument(document, facts, result.rows, rows))
    return staged, refused


def ingest(
    paths: Iterable[str | Path],
    warehouse_path: str | Path,
    *,
    manifest: str | Path | None = None,
    progress: bool = True,
    synthetic: Mapping[str | Path, bool] | None = None,
    skip_quarantined: bool = False,
) -> IngestSummary:
    """Ingest files and folders (and the files of a sources.yml ``manifest``) into the warehouse as one batch.

    is_synthetic comes from ``synthetic`` (file path -> bool), else from the manifest or a sources.yml in a
    folder being ingested, else False (the extractor may still detect it from the text). Files quarantined
    before are tried again unless ``skip_quarantined`` (the nightly run: only new bytes are worth a look).
    Documents are inserted LOAD_CHUNK at a time under one batch_id; the batch is atomic only together with
    the publish step of ``budget_etl.ops.nightly`` (which loads into a private copy).
    """
    started_at = warehouse.now()
    batch_id = warehouse.new_batch_id()
    inputs = collect(paths, manifest)
    is_synthetic = {**inputs.synthetic, **{Path(p).resolve(): bool(v) for p, v in (synthetic or {}).items()}}
    pending: list[Prepared] = []  # prepared, not yet loaded
    quarantined: list[QuarantineEntry] = []
    skipped = loaded = warnings = incomplete = 0
    con = warehouse.connect(warehouse_path)
    try:
        con.execute(f"set memory_limit = '{INGEST_MEMORY_LIMIT}'")
        known = warehouse.known_files(con)
        staged_ids: set[str] = set()

        def flush(final: bool = False) -> None:
            nonlocal loaded, warnings, incomplete
            parts = [p.tables for p in pending if p.tables]
            tables = {name: pa.concat_tables([p[name] for p in parts]) for name in parts[0]} if parts else {}
            result = warehouse.load_tables(
                con, tables, quarantined if final else (), batch_id=batch_id, started_at=started_at,
                files_seen=len(inputs.files), skipped=skipped if final else 0)
            loaded += len(result.loaded)
            warnings += result.warnings
            incomplete += _failed_completeness(tables.get("validation_results"))
            pending.clear()

        todo: list[tuple[Path, bool]] = []  # files to parse: new bytes, in input order
        for path, root in inputs.files:
            try:
                refused = precheck(path, root)
                sha = hash_file(path) if refused is None else None
            except OSError as exc:
                refused, sha = QuarantineEntry(path.as_posix(), "unreadable_file", str(exc)), None
            if refused is not None:
                if skip_quarantined and known.refused(refused):
                    skipped += 1
                else:
                    log.warning("quarantined %s: %s: %s", path, refused.reason_code, refused.reason)
                    quarantined.append(refused)
                continue
            if sha in staged_ids or sha in known.documents or (skip_quarantined and sha in known.quarantined):
                skipped += 1  # same bytes already loaded (or refused): nothing to parse
                continue
            staged_ids.add(sha)
            todo.append((path, is_synthetic.get(path.resolve(), False)))

        workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(todo) >= PARALLEL_FROM else 1
        bar = tqdm(total=len(todo), desc="ingest", unit="doc", file=sys.stderr,
                   disable=not progress or len(todo) < 2)
        for prepared in _prepared(todo, warehouse.raw_schemas(con), workers):
            bar.update(prepared.files)
            for entry in prepared.refused:
                log.warning("quarantined %s: %s: %s", entry.source_path, entry.reason_code, entry.reason)
            quarantined.extend(prepared.refused)
            pending.append(prepared)
            if sum(p.files for p in pending) >= LOAD_CHUNK:
                flush()
        bar.close()
        flush(final=True)
    finally:
        with contextlib.suppress(duckdb.Error):  # the setting is the database's: another connection may share it
            con.execute("reset memory_limit")
        con.close()
    for missing in inputs.missing:
        log.warning("missing %s: listed in the manifest, no such file", missing)
    return IngestSummary(
        batch_id=batch_id, files_seen=len(inputs.files), loaded=loaded,
        unchanged=len(inputs.files) - loaded - len(quarantined), quarantined=quarantined, warnings=warnings,
        incomplete=incomplete, missing=inputs.missing,
    )
