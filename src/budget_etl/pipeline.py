"""Ingest: files and folders -> read -> extract -> validate -> one batch into the warehouse.

A file that cannot be read, extracted or typed is quarantined with a specific reason; it never stops the
rest of the batch. A file whose sha256 is already loaded is skipped before it is parsed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from tqdm import tqdm

import budget_etl.extract as extractors
from budget_etl import readers, validate, warehouse
from budget_etl.extract import ExtractionError
from budget_etl.facts import ExtractedDocument
from budget_etl.readers import ReadDocument, UnreadableDocument
from budget_etl.warehouse import QuarantineEntry, StagedDocument

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = {".txt", ".docx", ".doc", ".pdf"}
METADATA_SUFFIXES = {".json", ".yml", ".yaml"}  # gold files and manifests live beside the documents
MANIFEST = "sources.yml"


@dataclass
class IngestSummary:
    batch_id: str
    files_seen: int = 0
    loaded: int = 0
    unchanged: int = 0
    quarantined: list[QuarantineEntry] = field(default_factory=list)
    warnings: int = 0  # failed validation checks of the loaded documents

    @property
    def exit_code(self) -> int:
        return 1 if self.quarantined else 0

    def describe(self) -> str:
        lines = [
            f"batch {self.batch_id}: {self.files_seen} files, {self.loaded} loaded, "
            f"{self.unchanged} unchanged, {len(self.quarantined)} quarantined, {self.warnings} failed checks"
        ]
        lines += [f"  quarantined {q.source_path}: {q.reason_code}: {q.reason}" for q in self.quarantined]
        return "\n".join(lines)


def _skip(path: Path) -> bool:
    """Hidden files, Word lock files (~$x.docx), and gold / manifest metadata."""
    return path.name.startswith((".", "~$")) or path.suffix.lower() in METADATA_SUFFIXES


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: named files as given, folders searched recursively for document suffixes."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(
                f for f in path.rglob("*")
                if f.is_file() and f.suffix.lower() in DOCUMENT_SUFFIXES
                and not any(_skip(Path(part)) for part in f.relative_to(path).parts)
            )
        elif path.is_file():
            if not _skip(path):
                found.append(path)  # any suffix: an unsupported one is quarantined with its reason
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    unique = {f.resolve(): f for f in reversed(found)}  # first spelling of each file wins
    return [f for f in found if unique[f.resolve()] is f]


def manifest_synthetic(manifest: str | Path) -> dict[Path, bool]:
    """is_synthetic per file of a sources.yml: ``documents: [{path, is_synthetic}]``, paths relative to it."""
    manifest = Path(manifest)
    content = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    entries = content.get("documents") or [] if isinstance(content, dict) else []
    return {(manifest.parent / e["path"]).resolve(): bool(e["is_synthetic"])
            for e in entries if isinstance(e, dict) and "path" in e and "is_synthetic" in e}


def parse_file(path: str | Path, *, is_synthetic: bool = False) -> tuple[ReadDocument, ExtractedDocument]:
    """Read and extract one file (the CLI's ``parse``); raises UnreadableDocument / ExtractionError."""
    path = Path(path)
    read_doc = readers.read_bytes(path.read_bytes(), path.name)
    return read_doc, extractors.extract(read_doc, is_synthetic=is_synthetic)


def _prepare(path: Path, data: bytes, sha: str, is_synthetic: bool) -> StagedDocument | QuarantineEntry:
    def quarantine(code: str, reason: str) -> QuarantineEntry:
        return QuarantineEntry(path.as_posix(), code, reason, sha, len(data))

    try:
        read_doc = readers.read_bytes(data, path.name)
        facts = extractors.extract(read_doc, is_synthetic=is_synthetic)
        document = warehouse.document_row(facts, read_doc, data=data, source_path=path.as_posix())
        result = validate.validate_document(facts, document)
    except (UnreadableDocument, ExtractionError) as exc:
        return quarantine(exc.reason_code, str(exc))
    except Exception as exc:  # one broken document must not stop the batch
        log.exception("internal error on %s", path)
        return quarantine("internal_error", f"{type(exc).__name__}: {exc}")
    if result.blocking:
        return quarantine("schema_violation", result.reason())
    return StagedDocument(document, facts, result.rows)


def ingest(
    paths: Iterable[str | Path],
    warehouse_path: str | Path,
    *,
    progress: bool = True,
    synthetic: Mapping[str | Path, bool] | None = None,
) -> IngestSummary:
    """Ingest files and folders into the warehouse in one batch.

    is_synthetic comes from ``synthetic`` (file path -> bool), else from a sources.yml in a folder being
    ingested, else False (the extractor may still detect it from the text).
    """
    started_at = warehouse.now()
    paths = [Path(p) for p in paths]
    files = discover(paths)
    is_synthetic: dict[Path, bool] = {}
    for folder in paths:
        if (folder / MANIFEST).is_file():
            is_synthetic.update(manifest_synthetic(folder / MANIFEST))
    is_synthetic.update({Path(p).resolve(): bool(v) for p, v in (synthetic or {}).items()})
    staged: list[StagedDocument] = []
    quarantined: list[QuarantineEntry] = []
    skipped = 0
    con = warehouse.connect(warehouse_path)
    try:
        staged_ids: set[str] = set()
        bar = tqdm(files, desc="ingest", unit="file", file=sys.stderr, disable=not progress or len(files) < 2)
        for path in bar:
            try:
                data = path.read_bytes()
            except OSError as exc:
                quarantined.append(QuarantineEntry(path.as_posix(), "unreadable_file", str(exc)))
                continue
            sha = warehouse.sha256_hex(data)
            if sha in staged_ids or warehouse.loaded_ids(con, [sha]):
                skipped += 1  # same bytes already loaded: nothing to parse
                continue
            item = _prepare(path, data, sha, is_synthetic.get(path.resolve(), False))
            if isinstance(item, QuarantineEntry):
                log.warning("quarantined %s: %s: %s", item.source_path, item.reason_code, item.reason)
                quarantined.append(item)
            else:
                staged.append(item)
                staged_ids.add(sha)
        result = warehouse.load_batch(con, staged, quarantined, started_at=started_at, files_seen=len(files),
                                      skipped=skipped)
    finally:
        con.close()
    return IngestSummary(
        batch_id=result.batch_id, files_seen=len(files), loaded=len(result.loaded),
        unchanged=skipped + len(result.unchanged), quarantined=quarantined, warnings=result.warnings,
    )
