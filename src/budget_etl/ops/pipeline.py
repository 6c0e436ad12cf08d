"""Ingest: files and folders -> read -> extract -> validate -> bulk load into the warehouse.

A file that cannot be read, extracted or typed is quarantined with a specific reason; it never stops the
rest of the batch. A file whose sha256 is already loaded is skipped before it is parsed.

Input files are untrusted. Before a file is read: one found in a folder must stay inside that folder (a
symlink out of it is refused unread, ``outside_input_folder``), and one above ``MAX_FILE_BYTES`` is refused
(``file_too_large``) after a streamed sha256, never read whole. Special files (pipes, devices) are skipped.
Reading and extracting one document may take at most ``DOCUMENT_TIME_LIMIT`` seconds (``timeout``).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import gc
import hashlib
import logging
import os
import re
import signal
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from tqdm import tqdm

import budget_etl.extract as extractors
from budget_etl import readers
from budget_etl.extract import ExtractionError
from budget_etl.facts import FACT_TABLES, ExtractedDocument, Source
from budget_etl.load import warehouse
from budget_etl.load.warehouse import KnownFiles, QuarantineEntry, StagedDocument
from budget_etl.ops import faults
from budget_etl.ops import manifest as manifests
from budget_etl.readers import ReadDocument, UnreadableDocument

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = {".txt", ".docx", ".doc", ".pdf"}
METADATA_SUFFIXES = {".json", ".yml", ".yaml"}  # gold files and manifests live beside the documents
# A disclosure is a few hundred KB (Word with scanned stamps: a few MB); anything far larger is refused unread.
MAX_FILE_BYTES = 32 * 1024 * 1024
LOAD_CHUNK = 200  # documents inserted together (one transaction): memory stays bounded
TASK_FILES = 100  # files parsed, validated and laid out as Arrow tables by one task of a worker process
PARALLEL_FROM = 50  # from this many files to parse, parse in worker processes (start-up costs ~1 s)
MAX_WORKERS = 8
# Seconds to read and extract one document: a disclosure takes well under a second, so a document that takes
# this long is pathological (e.g. hostile input) and is quarantined as ``timeout``; the batch goes on.
DOCUMENT_TIME_LIMIT = 120.0
# DuckDB's cache while loading: by default it keeps what it wrote (up to 80% of RAM), so the loading process
# grows with the corpus; appending needs little, and a bounded cache keeps memory flat at the same speed.
INGEST_MEMORY_LIMIT = "256MB"


@dataclass
class IngestSummary:
    batch_id: str
    files_seen: int = 0
    loaded: int = 0
    unchanged: int = 0
    reread: int = 0  # loaded by another parser version: read again, their rows replaced
    quarantined: list[QuarantineEntry] = field(default_factory=list)
    warnings: int = 0  # failed validation checks of the loaded documents
    incomplete: int = 0  # of them, completeness checks: a core subject (三公, 项目支出 …) without facts
    missing: list[str] = field(default_factory=list)  # listed in a manifest but not there
    put_back: list[str] = field(default_factory=list)  # loaded bytes back at a path that held others
    versions: list[str] = field(default_factory=list)  # supersessions among this batch's documents
    deleted: list[str] = field(default_factory=list)  # sources loaded before, gone now (still served)
    skipped: dict[str, int] = field(default_factory=dict)  # files not read, per reason (hidden, ...)

    @property
    def exit_code(self) -> int:
        return 1 if self.quarantined or self.missing else 0

    def describe(self) -> str:
        lines = [
            f"batch {self.batch_id}: {self.files_seen} files, {self.loaded} loaded, "
            f"{self.unchanged} unchanged, "
            + (f"{self.reread} read again by this parser version, " if self.reread else "")
            + f"{len(self.put_back)} put back, {len(self.quarantined)} quarantined, "
            f"{self.warnings} failed checks"
            + (f" ({self.incomplete} completeness: core subjects without facts)" if self.incomplete else "")
            + f", {len(self.deleted)} deleted"
            + (f", skipped {describe_skipped(self.skipped)}" if self.skipped else "")
        ]
        lines += [f"  quarantined {q.source_path}: {q.reason_code}: {q.reason}" for q in self.quarantined]
        lines += [f"  missing {m}: listed in the manifest, no such file" for m in self.missing]
        lines += [f"  put back {p}: published again" for p in self.put_back]
        lines += [f"  {v}" for v in self.versions]
        lines += [f"  deleted {d}: loaded before, gone now; its figures stay served" for d in self.deleted]
        return "\n".join(lines)


@dataclass
class Inputs:
    """The files of a run: each with the folder it must stay inside (None for a file named by the user)."""

    files: list[tuple[Path, Path | None]]
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (path, why): not read
    synthetic: dict[Path, bool] = field(default_factory=dict)  # resolved path -> is_synthetic
    missing: list[str] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)  # the folders (and manifests' folders) of the run
    # a document published as several files: its first file (resolved) -> all its files in order, from the
    # manifest (files:) or paired by their names (``pair_by_name``)
    parts: dict[Path, tuple[Path, ...]] = field(default_factory=dict)
    later_parts: set[Path] = field(default_factory=set)  # the files after the first of those (resolved)

    def join(self, files: tuple[Path, ...]) -> None:
        """Make ``files`` (in order) one document."""
        self.parts[real_path(files[0])] = files
        self.later_parts.update(real_path(f) for f in files[1:])

    def files_of(self, path: Path) -> tuple[Path, ...] | None:
        """The files of the document that ``path`` starts; None when ``path`` is a later file of one."""
        if not self.parts:
            return (path,)
        real = real_path(path)
        if real in self.parts:
            return self.parts[real]
        return None if real in self.later_parts else (path,)

    @property
    def documents_seen(self) -> int:
        return len(self.files) - sum(len(files) - 1 for files in self.parts.values())


def _skipped(name: str) -> str | None:
    """Why a file (or folder) of this name is not read: hidden, a Word lock file (~$x.docx), gold / manifest
    metadata; else None."""
    if name.startswith("."):
        return "hidden"
    if name.startswith("~$"):
        return "office_lock_file"
    return "metadata" if _suffix(name) in METADATA_SUFFIXES else None


def _suffix(name: str) -> str:
    """The suffix of a file name in lower case (``PurePath(name).suffix``, without building a path)."""
    return os.path.splitext(name)[1].lower()


def describe_skipped(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in sorted(counts.items()))


@functools.lru_cache(maxsize=65536)
def _real_folder(folder: Path) -> Path:
    return folder.resolve()


_REAL_PATHS: dict[Path, Path] = {}  # files found in a folder walk that are not symlinks -> real path


def real_path(path: Path) -> Path:
    """``path.resolve()``, resolving each folder once: a file that is not a symlink is its folder's real path
    and its name (``resolve`` checks every component of every path: most of a run over 10,000 unchanged files).
    Folders, and the files found by walking them, are remembered for the run (``collect`` and ``ingest``
    start afresh)."""
    if (real := _REAL_PATHS.get(path)) is not None:
        return real
    if path.is_symlink():
        return path.resolve()
    return _real_folder(path.parent) / path.name


def _forget_real_paths() -> None:
    _real_folder.cache_clear()
    _REAL_PATHS.clear()


def _walk(folder: Path, real: Path, why: str | None, root: Path, found: list, skipped: list) -> None:
    """The files below ``folder`` in the order of sorted(their parts), as ``rglob`` and a sort would give them,
    with one directory read per folder and no ``stat`` per file (the kinds come with the directory entries).
    ``real``: the folder's resolved path; ``why``: why nothing in it is read (a hidden folder), or None."""
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:  # a folder that cannot be listed: said, and the rest of the run goes on
        log.warning("cannot list %s: %s", folder, exc)
        skipped.append((folder, "unreadable_folder"))
        return
    for entry in listed:
        name = entry.name
        if entry.is_dir(follow_symlinks=False):
            _walk(folder / name, real / name, why or _skipped(name), root, found, skipped)
        elif entry.is_dir():  # a link to a folder: not followed (nor did rglob)
            skipped.append((folder / name, "linked_folder"))
        elif _suffix(name) in DOCUMENT_SUFFIXES and entry.is_file():
            path = folder / name
            if (reason := why or _skipped(name)) is not None:
                skipped.append((path, reason))
                continue
            found.append((path, root))
            if not entry.is_symlink():
                _REAL_PATHS[path] = real / name


def _discover(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, Path | None]], list[tuple[Path, str]]]:
    """(files to read with their folder, files and folders not read with why)."""
    found: list[tuple[Path, Path | None]] = []
    skipped: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            _walk(path, _real_folder(path), None, path, found, skipped)
        elif path.is_file():
            if why := _skipped(path.name):
                skipped.append((path, why))
            else:
                found.append((path, None))  # any suffix: an unsupported one is quarantined with its reason
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    real = [real_path(f) for f, _ in found]
    unique = {r: f for r, (f, _) in zip(reversed(real), reversed(found), strict=True)}  # first spelling wins
    return [(f, root) for r, (f, root) in zip(real, found, strict=True) if unique[r] is f], skipped


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: named files as given, folders searched recursively for document suffixes."""
    return [f for f, _ in _discover(paths)[0]]


# A document published as two files in one folder, named alike but for a last word saying which part it is:
# x-narrative.pdf + x-tables.pdf, x说明.pdf + x报表.pdf, x公开.pdf + x表.pdf (longest word first).
_PART_NAME = re.compile(r"(?P<stem>.+?)[-_ .]*(?:(?P<narrative>narrative|说明|正文|公开)|(?P<tables>tables|报表|附表|表))",
                        re.IGNORECASE)


def pair_by_name(files: Iterable[Path]) -> dict[Path, tuple[Path, ...]]:
    """Narrative -> (narrative, tables) for the files of one folder whose names differ only by their last
    word, one of narrative/说明/正文/公开 and the other tables/报表/附表/表. A stem with more than one file of
    either part is left alone (which belongs with which cannot be told)."""
    groups: dict[tuple[Path, str], dict[str, list[Path]]] = {}
    for f in files:
        if m := _PART_NAME.fullmatch(f.stem):
            part = "narrative" if m["narrative"] else "tables"
            groups.setdefault((f.parent, m["stem"].casefold()), {}).setdefault(part, []).append(f)
    return {g["narrative"][0]: (g["narrative"][0], g["tables"][0]) for g in groups.values()
            if len(g.get("narrative", [])) == 1 and len(g.get("tables", [])) == 1}


def collect(paths: Iterable[str | Path] = (), manifest: str | Path | None = None, *,
            flags: bool = True, store: str | Path | None = None) -> Inputs:
    """The files of ``paths`` (files and folders) and of a sources.yml ``manifest``, with is_synthetic from
    the manifest and from the sources.yml files in the folders (not read when ``flags`` is false: only the
    ingest needs them). A manifest's files must stay inside its folder; the ones it lists that are not
    there are ``missing``. A manifest of the wrong shape raises ManifestError (see budget_etl.ops.manifest).
    The manifest's url: entries are the files last fetched from them into ``store`` (default: beside the
    manifest, see budget_etl.ops.fetch); a URL never fetched is ``missing``."""
    from budget_etl.ops import sources  # URLs of object storage (s3://, gs://, ...): docs/distributed.md

    paths, urls = sources.split(paths)
    _forget_real_paths()
    inputs = Inputs(*_discover(paths))
    for url in urls:
        found, skipped = sources.listing(url)
        inputs.files += found
        inputs.skipped += skipped
    inputs.roots = [p for p in paths if p.is_dir()] + ([Path(manifest).parent] if manifest is not None else [])
    for path, why in inputs.skipped:
        log.debug("skipped %s: %s", path, why)
    for folder in paths if flags else []:
        for listing in sorted(folder.rglob(manifests.MANIFEST)) if folder.is_dir() else []:
            inputs.synthetic.update(manifests.synthetic_flags(listing))
    listed: dict[Path, tuple[Path, ...]] = {}  # the manifest's documents in several files
    if manifest is not None:
        root = Path(manifest).parent
        for entry in manifests.read(manifest):
            absent = [f.as_posix() for f in entry.files if not f.is_file()]
            if absent:
                inputs.missing += absent
                continue
            inputs.files += [(f, root) for f in entry.files]
            if len(entry.files) > 1:
                listed[entry.path] = entry.files
            if entry.is_synthetic is not None:
                inputs.synthetic[entry.path.resolve()] = entry.is_synthetic
        from budget_etl.ops import fetch as fetching  # httpx and lxml: only for a manifest

        fetched = fetching.Store.beside(manifest, store)
        if sources := manifests.sources(manifest):
            inputs.roots.append(fetched.root)
        for source in sources:
            path = fetched.document_of(source.url)
            if path is None or not path.is_file():
                inputs.missing.append(f"{source.url} (not fetched: budget-etl fetch)")
                continue
            inputs.files.append((path, fetched.root))
            if source.is_synthetic is not None:
                inputs.synthetic[path.resolve()] = source.is_synthetic
    in_listed = {f.resolve() for files in listed.values() for f in files}
    named = pair_by_name(f for f, _ in inputs.files if not in_listed or real_path(f) not in in_listed)
    for files in {**named, **listed}.values():
        inputs.join(files)
    if inputs.parts:  # the files of a document next to each other, in its order, where its first file was
        root_of = {real_path(f): root for f, root in inputs.files}
        ordered = []
        for f, root in inputs.files:
            if (files := inputs.files_of(f)) is not None:
                ordered += [(f, root)] if len(files) == 1 else [(part, root_of[real_path(part)]) for part in files]
        inputs.files = ordered
    return inputs


Digest = Callable[[Path], str]  # a file's sha256 (hex)


def hash_file(path: Path) -> str:
    """sha256 of a file, read in chunks (memory stays flat whatever its size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def in_folder(path: Path, root: Path | None) -> bool:
    """Whether ``path`` leads to a file inside its input folder ``root`` (None: a file named by the user).
    Compares the resolved paths' text: ``Path.is_relative_to`` took most of a run over unchanged files."""
    if root is None:
        return True
    real, folder = real_path(path), _real_folder(root)
    return real == folder or str(real).startswith(os.path.join(folder, ""))


def precheck(path: Path, root: Path | None) -> QuarantineEntry | None:
    """A refusal decided before the file is read whole: a link out of its input folder (not read at all), a
    file above MAX_FILE_BYTES (hashed in chunks, not parsed). Raises OSError when it cannot be opened."""
    if not in_folder(path, root):
        return QuarantineEntry(path.as_posix(), "outside_input_folder",
                               f"{path} leads to {path.resolve()}, outside the input folder {root}: not read.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return QuarantineEntry(path.as_posix(), "file_too_large",
                               f"{size} bytes, above the limit of {MAX_FILE_BYTES} bytes for one document: "
                               "not parsed.", hash_file(path), size)
    return None


def identify(files: tuple[Path, ...], root: Path | None, digest: Digest = hash_file
             ) -> tuple[str | None, QuarantineEntry | None]:
    """(document_id, None) of a document's files (see ``warehouse.document_id_of``), or (None, the refusal
    of the first of them that ``precheck`` refuses or that cannot be opened). ``digest``: a file's sha256
    (``hash_file``; a nightly run passes ``hashes.FileHashes.sha256``, which skips unchanged files)."""
    shas = []
    for path in files:
        try:
            refused = precheck(path, root)
            if refused is None:
                shas.append(digest(path))
        except OSError as exc:
            refused = QuarantineEntry(path.as_posix(), "unreadable_file", str(exc))
        if refused is not None:
            return None, refused
    return warehouse.document_id_of(shas), None


# The refusals of the two halves of a document published as two files, read apart (see ``pair_refused``).
HALVES = {"narrative": "tables_in_another_file", "tables": "no_document_identity"}
MIN_STEM = 2  # characters the two halves' names share at least, from their start


def pair_refused(entries: Iterable[QuarantineEntry]) -> list[tuple[QuarantineEntry, QuarantineEntry]]:
    """(narrative, tables) among a run's refusals: a file refused as ``tables_in_another_file`` (it lists the
    national tables and holds none) and one refused as ``no_document_identity`` (tables without a title), in
    the same folder, each the other's only best match by the start their names share (at least MIN_STEM
    characters; a tie pairs nothing). Whether the two make a document is for the extraction to say."""
    entries = [e for e in entries if e.sha256]
    narratives = [e for e in entries if e.reason_code == HALVES["narrative"]]
    tables = [e for e in entries if e.reason_code == HALVES["tables"]]

    def shared(a: QuarantineEntry, b: QuarantineEntry) -> int:
        """Characters the two names share from their start (the stems: a string's, not a path's prefix)."""
        first, second = Path(a.source_path), Path(b.source_path)
        if first.parent != second.parent:
            return 0
        pairs = zip(first.stem, second.stem, strict=False)  # up to the shorter name
        return next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(first.stem), len(second.stem)))

    def best(entry: QuarantineEntry, others: list[QuarantineEntry]) -> QuarantineEntry | None:
        scores = sorted(((shared(entry, o), i) for i, o in enumerate(others)), reverse=True)
        if not scores or scores[0][0] < MIN_STEM or (len(scores) > 1 and scores[1][0] == scores[0][0]):
            return None
        return others[scores[0][1]]

    return [(n, t) for n in narratives if (t := best(n, tables)) is not None and best(t, narratives) is n]


def run_digest(inputs: Inputs, digest: Digest) -> Digest:
    """``digest`` for the files of this run; with ``--executor dask`` the workers hash them first and the
    driver reads none (``distributed.DaskExecutor.hashed``)."""
    from budget_etl.ops import distributed

    executor = distributed.current()
    return digest if executor is None else executor.hashed(inputs, digest)


def regroup(inputs: Inputs, known: KnownFiles, digest: Digest = hash_file) -> None:
    """Files loaded before as one document (paired by ``pair_refused``) that are all inputs again with the
    same bytes become that document again, so that it is unchanged without being read."""
    if not known.several:
        return
    single = {f.as_posix(): f for f, _ in inputs.files if inputs.files_of(f) == (f,)}
    for files in known.several.values():
        if not all(path in single for path, _ in files):
            continue
        with contextlib.suppress(OSError):  # unreadable now: each file is refused on its own
            if all(digest(single[path]) == sha for path, sha in files):
                inputs.join(tuple(single.pop(path) for path, _ in files))


def pending_files(inputs: Inputs, known: KnownFiles, present: set[str] | None = None,
                  digest: Digest = hash_file) -> list[Path]:
    """The files ``ingest(..., skip_quarantined=True)`` would read or publish again: neither loaded nor
    quarantined before (by sha256; by path and reason for a file refused unread), or loaded bytes put back
    at a path that held others. Hashes each file (with ``digest``, see ``identify``), keeps none; adds each
    sha256 to ``present``."""
    digest = run_digest(inputs, digest)
    regroup(inputs, known, digest)
    pending = []
    for path, root in inputs.files:
        if (files := inputs.files_of(path)) is None:
            continue  # read with the first file of its document
        sha, refused = identify(files, root, digest)
        if refused is None and present is not None:
            present.add(sha)
        if refused is not None and known.refused(refused):
            continue
        if refused is None and (known.current(sha) or sha in known.quarantined) \
                and not known.put_back(path.as_posix(), sha):
            continue
        pending += files
    return pending


def deleted_sources(inputs: Inputs, known: KnownFiles, present: set[str]) -> list[str]:
    """Paths inside the run's folders (or its manifest's folder) where the warehouse last loaded a document
    that is no longer among the inputs, neither there nor elsewhere (``present``: sha256 of the inputs)."""
    current = {path.as_posix() for path, _ in inputs.files} | set(inputs.missing)
    return sorted(path for path, sha in known.at_path.items()
                  if path not in current and sha not in present
                  and any(Path(path).is_relative_to(root) for root in inputs.roots))


def parse_file(path: str | Path, *, is_synthetic: bool = False) -> tuple[ReadDocument, ExtractedDocument]:
    """Read and extract one file (the CLI's ``parse``); raises UnreadableDocument / ExtractionError."""
    path = Path(path)
    read_doc = readers.read_bytes(path.read_bytes(), path.name)
    return read_doc, extractors.extract(read_doc, is_synthetic=is_synthetic)


class DocumentTimeout(BaseException):
    """A document took longer than its time limit (a BaseException: no ``except Exception`` swallows it)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise DocumentTimeout in the block after ``seconds`` (SIGALRM: the regular expression engine and
    Python code are interrupted). Only the main thread gets signals: elsewhere, and with no limit, none."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise DocumentTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_files(files: tuple[Path, ...], data: list[bytes]) -> ReadDocument:
    """One document from the bytes of its files: one file read as it is; several concatenated in order."""
    if len(files) == 1:
        return readers.read_bytes(data[0], files[0].name)
    return readers.concatenate([(f.name, readers.read_bytes(d, f.name)) for f, d in zip(files, data, strict=True)])


def with_files(facts: ExtractedDocument, doc: ReadDocument) -> ExtractedDocument:
    """Each fact of a document read from several files names its file (``Source.file``), found by its line;
    a document in one file is left as it is (``file`` None)."""
    if not doc.files:
        return facts

    def placed(src: Source) -> Source:
        return dataclasses.replace(src, file=doc.file_at(src.line)) if src.line is not None else src

    facts.info.src = placed(facts.info.src)
    for _cls, attr in FACT_TABLES.values():
        for record in getattr(facts, attr):
            record.src = placed(record.src)
    return facts


def _parse(files: tuple[Path, ...], is_synthetic: bool, time_limit: float | None = None
           ) -> tuple[dict, ExtractedDocument, list[dict], dict[int, int]] | QuarantineEntry:
    """Read and extract one document (one file, or several in order) into its raw.documents row, facts,
    raw.document_files rows and the page of its lines (runs in a worker process). A refused document is
    quarantined under its first file, with the sha256 that is its document_id."""
    path = files[0]
    data: list[bytes] = []
    try:
        with _time_limit(time_limit):
            faults.pause(f"parse:{path.name}")
            data = [f.read_bytes() for f in files]
            read_doc = read_files(files, data)
            facts = with_files(extractors.extract(read_doc, is_synthetic=is_synthetic), read_doc)
            named = [(f.as_posix(), d) for f, d in zip(files, data, strict=True)]
            row = warehouse.document_row(facts, read_doc, files=named)
            return row, facts, warehouse.file_rows(row["document_id"], [
                (f, warehouse.sha256_hex(d), len(d)) for f, d in named]), warehouse.line_pages(read_doc)
    except DocumentTimeout:
        log.warning("%s: reading and extracting took longer than %g s: stopped", path, time_limit)
        sha, size = _identity(data) if len(data) == len(files) else (None, None)
        if sha is None:  # stopped while reading: its sha256 still makes it known to the next nightly
            with contextlib.suppress(OSError):
                sha, size = identify(files, None)[0], sum(f.stat().st_size for f in files)
        return QuarantineEntry(path.as_posix(), "timeout",
                               f"reading and extracting took longer than the limit of {time_limit:g} s per "
                               "document: stopped, not loaded.", sha, size)
    except (UnreadableDocument, ExtractionError) as exc:
        return QuarantineEntry(path.as_posix(), exc.reason_code, _in_files(files, str(exc)), *_identity(data))
    except Exception as exc:  # one broken document must not stop the batch
        log.exception("internal error on %s", path)
        return QuarantineEntry(path.as_posix(), "internal_error", _in_files(files, f"{type(exc).__name__}: {exc}"),
                               *_identity(data))


def _identity(data: list[bytes]) -> tuple[str | None, int | None]:
    """(document_id, size) of a document's bytes as read so far; (None, None) before any."""
    if not data:
        return None, None
    return warehouse.document_id_of([warehouse.sha256_hex(d) for d in data]), sum(map(len, data))


def _in_files(files: tuple[Path, ...], reason: str) -> str:
    return reason if len(files) == 1 else f"{reason} (one document in {len(files)} files: " \
        f"{', '.join(f.name for f in files)})"


@dataclass
class Prepared:
    """A slice of the files to load, parsed, validated and laid out as Arrow tables (in a worker process:
    Arrow tables cross the process boundary far faster than the parsed records would)."""

    files: int  # files parsed
    tables: dict  # staging_tables() of the documents that can be loaded; empty when there are none
    refused: list[QuarantineEntry]


def _prepare(todo: list[tuple[tuple[Path, ...], bool]], schemas: dict, time_limit: float | None = None
             ) -> Prepared:
    staged, refused = _validated([_parse(files, flag, time_limit) for files, flag in todo])
    return Prepared(len(todo), warehouse.staging_tables(schemas, staged) if staged else {}, refused)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """First thing in each worker: die when the process that started it dies, so that a killed run leaves no
    worker behind (Linux: the kernel sends SIGKILL; elsewhere a thread watches the parent)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        def watch() -> None:
            while os.getppid() == parent:
                threading.Event().wait(1)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # it died before the line above took effect
        os._exit(1)


def _start_worker(parent: int) -> None:
    """A forked worker dies with its parent, and leaves what it inherited out of garbage collection
    (``gc.freeze``, as Python's documentation advises for forked children): each collection would walk every
    object of the parent's imports, and writing their GC headers would copy the pages the processes share."""
    _die_with(parent)
    gc.freeze()


def _prepared(todo: list[tuple[tuple[Path, ...], bool]], schemas: dict, workers: int,
              time_limit: float | None = None) -> Iterator[Prepared]:
    """Prepared slices of ``todo`` in input order; across worker processes when ``workers`` > 1, with a
    bounded number of slices in flight, so that memory stays flat however many files there are. With
    ``--executor dask`` (budget_etl.ops.distributed), on the cluster, through the Parquet lake."""
    from budget_etl.ops import distributed  # pyarrow's parquet and compute: only when there is work

    if (executor := distributed.current()) is not None:
        yield from executor.prepared(todo, schemas, time_limit, TASK_FILES)
        return
    size = max(1, min(TASK_FILES, -(-len(todo) // workers)))  # every worker gets work, even for few files
    tasks = [todo[start:start + size] for start in range(0, len(todo), size)]
    if workers == 1:
        yield from (_prepare(task, schemas, time_limit) for task in tasks)
        return
    # Forked workers (the default on Linux: fast to start, and no main module to import again) die with the
    # run, and never hold its lock (budget_etl.ops.nightly closes the lock's descriptor in a forked child).
    pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(os.getpid(),))
    try:
        window: deque = deque()
        for task in tasks:
            window.append(pool.submit(_prepare, task, schemas, time_limit))
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
    rows_of = [warehouse.fact_rows(facts, document["document_id"]) for document, facts, *_ in documents]
    results = validate.validate_documents([(facts, document) for document, facts, *_ in documents], rows_of)
    for (document, facts, files, pages), rows, result in zip(documents, rows_of, results, strict=True):
        if result.blocking:
            refused.append(QuarantineEntry(document["source_path"], "schema_violation", result.reason(),
                                           document["sha256"], document["size_bytes"]))
        else:
            staged.append(StagedDocument(document, facts, result.rows, rows, files, pages))
    return staged, refused


def ingest(
    paths: Iterable[str | Path],
    warehouse_path: str | Path,
    *,
    manifest: str | Path | None = None,
    progress: bool = True,
    synthetic: Mapping[str | Path, bool] | None = None,
    skip_quarantined: bool = False,
    time_limit: float | None = DOCUMENT_TIME_LIMIT,
    store: str | Path | None = None,
    digest: Digest = hash_file,
) -> IngestSummary:
    """Ingest files and folders (and the files of a sources.yml ``manifest``) into the warehouse as one batch.

    is_synthetic comes from ``synthetic`` (file path -> bool), else from the manifest or a sources.yml in a
    folder being ingested, else False (the extractor may still detect it from the text). Files quarantined
    before are tried again unless ``skip_quarantined`` (the nightly run: only new bytes are worth a look).
    Documents are inserted LOAD_CHUNK at a time under one batch_id; the batch is atomic only together with
    the publish step of ``budget_etl.ops.nightly`` (which loads into a private copy). A document that takes
    longer than ``time_limit`` seconds to read and extract is quarantined as ``timeout`` (None: no limit).
    The manifest's url: entries are read from ``store`` (see :func:`collect`), whose fetch log is added to
    raw.fetch_log. ``digest``: how each file's sha256 is found (see ``identify``).
    """
    started_at = warehouse.now()
    batch_id = warehouse.new_batch_id()
    inputs = collect(paths, manifest, store=store)
    skipped_files = Counter(why for _, why in inputs.skipped)
    if skipped_files:
        log.info("skipped %d files and folders: %s", len(inputs.skipped), describe_skipped(skipped_files))
    is_synthetic = {**inputs.synthetic, **{Path(p).resolve(): bool(v) for p, v in (synthetic or {}).items()}}
    pending: list[Prepared] = []  # prepared, not yet loaded
    quarantined: list[QuarantineEntry] = []
    skipped = loaded = reread = warnings = incomplete = 0
    con = warehouse.connect(warehouse_path)
    try:
        con.execute(f"set memory_limit = '{INGEST_MEMORY_LIMIT}'")
        known = warehouse.known_files(con)
        digest = run_digest(inputs, digest)
        regroup(inputs, known, digest)
        schemas = warehouse.raw_schemas(con)
        staged_ids: set[str] = set()
        merged = 0  # documents made of two files paired by their refusals (counted as two until paired)

        def flush(final: bool = False) -> None:
            nonlocal loaded, reread, warnings, incomplete
            parts = [p.tables for p in pending if p.tables]
            tables = {name: pa.concat_tables([p[name] for p in parts]) for name in parts[0]} if parts else {}
            result = warehouse.load_tables(
                con, tables, quarantined if final else (), batch_id=batch_id, started_at=started_at,
                files_seen=len(inputs.files), skipped=skipped if final else 0, put_back=put_back if final else ())
            loaded += len(result.loaded)
            reread += len(result.reread)
            warnings += result.warnings
            incomplete += _failed_completeness(tables.get("validation_results"))
            pending.clear()

        todo: list[tuple[tuple[Path, ...], bool]] = []  # documents to parse: new bytes, in input order
        put_back: list[tuple[str, str]] = []  # (document_id, source_path): loaded bytes back where others were
        present: set[str] = set()  # document_id of every input document
        waiting: list[QuarantineEntry] = []  # halves refused in earlier runs, unchanged
        for path, root in inputs.files:
            if (files := inputs.files_of(path)) is None:
                continue  # read with the first file of its document
            sha, refused = identify(files, root, digest)
            if refused is not None:
                if skip_quarantined and known.refused(refused):
                    skipped += 1
                else:
                    log.warning("quarantined %s: %s: %s", refused.source_path, refused.reason_code, refused.reason)
                    quarantined.append(refused)
                continue
            present.add(sha)
            if known.put_back(path.as_posix(), sha):
                put_back.append((sha, path.as_posix()))  # published again: not parsed again
                continue
            if sha in staged_ids or known.current(sha) or (skip_quarantined and sha in known.quarantined):
                skipped += 1  # same bytes already loaded (or refused): nothing to parse
                if skip_quarantined and files == (path,) and known.refusal_of.get(sha) in HALVES.values():
                    # a half refused in an earlier run still waits for its other half, which may be new now
                    waiting.append(QuarantineEntry(path.as_posix(), known.refusal_of[sha], "", sha))
                continue
            staged_ids.add(sha)
            todo.append((files, is_synthetic.get(real_path(path), False)))

        workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(todo) >= PARALLEL_FROM else 1
        bar = tqdm(total=len(todo), desc="ingest", unit="doc", file=sys.stderr,
                   disable=not progress or len(todo) < 2)
        for prepared in _prepared(todo, schemas, workers, time_limit):
            bar.update(prepared.files)
            for entry in prepared.refused:
                if entry.reason_code not in HALVES.values():  # a half is told after pairing
                    log.warning("quarantined %s: %s: %s", entry.source_path, entry.reason_code, entry.reason)
            quarantined.extend(prepared.refused)
            pending.append(prepared)
            if sum(p.files for p in pending) >= LOAD_CHUNK:
                flush()
        # the halves of documents published as two files and not paired by name or manifest
        halves = [q for q in quarantined if inputs.files_of(Path(q.source_path)) == (Path(q.source_path),)]
        for narrative, tables in pair_refused(halves + waiting):
            if narrative in waiting and tables in waiting:
                continue  # both refused before, unchanged: tried together then
            files = (Path(narrative.source_path), Path(tables.source_path))
            document_id = warehouse.document_id_of([narrative.sha256, tables.sha256])
            present.add(document_id)
            if known.put_back(files[0].as_posix(), document_id):
                put_back.append((document_id, files[0].as_posix()))
            elif document_id in staged_ids or known.current(document_id):
                skipped += 1
            else:
                prepared = _prepare([(files, is_synthetic.get(files[0].resolve(), False))], schemas, time_limit)
                if prepared.refused:  # not one document after all: each half keeps its own refusal
                    log.info("%s and %s are no document together: %s", *files, prepared.refused[0].reason)
                    continue
                log.info("%s and %s: one document published as two files", *files)
                staged_ids.add(document_id)
                pending.append(prepared)
            for half in (narrative, tables):
                if half in waiting:
                    skipped -= 1  # read after all, as half of a document
                else:
                    quarantined.remove(half)
            merged += 1
        for entry in quarantined:
            if entry.reason_code in HALVES.values():
                log.warning("quarantined %s: %s: %s", entry.source_path, entry.reason_code, entry.reason)
        bar.close()
        flush(final=True)
        if manifest is not None:
            from budget_etl.ops import fetch as fetching

            warehouse.add_fetch_log(con, fetching.log_rows(fetching.Store.beside(manifest, store)))
        versions = warehouse.batch_versions(con, batch_id)
        deleted = deleted_sources(inputs, known, present)
    finally:
        with contextlib.suppress(duckdb.Error):  # the setting is the database's: another connection may share it
            con.execute("reset memory_limit")
        con.close()
    for missing in inputs.missing:
        log.warning("missing %s: listed in the manifest, no such file", missing)
    for _, path in put_back:
        log.info("put back %s: the bytes it held before, published again", path)
    described = []
    for version in versions:
        if version.served:
            described.append(f"{version.document} is served ({version.version_reason}), superseding "
                             f"{', '.join(version.others)}")
            log.info("%s", described[-1])
        else:  # a document of this batch that is not served: worth a look
            described.append(f"{version.document} is not served ({version.version_reason}): "
                             f"{version.served_document} is")
            log.warning("%s", described[-1])
    for path in deleted:
        log.warning("deleted %s: loaded before, gone now; its figures stay served", path)
    return IngestSummary(
        batch_id=batch_id, files_seen=len(inputs.files), loaded=loaded, reread=reread,
        unchanged=inputs.documents_seen - merged - loaded - reread - len(quarantined) - len(put_back),
        quarantined=quarantined,
        warnings=warnings, incomplete=incomplete, missing=inputs.missing, put_back=[path for _, path in put_back],
        versions=described, deleted=deleted, skipped=dict(skipped_files),
    )
