"""Nightly loads: incremental, published atomically, one run at a time, every run logged.

``--warehouse PATH`` is the *published* warehouse: analysts open it read-only and nothing ever opens it for
writing. A run (``budget-etl nightly``, and ``budget-etl run`` which always rebuilds):

1. takes the lock ``PATH.lock`` (``flock``, then checks that the file it locked is still the one at that path);
   a second run exits at once with exit code 2, naming the holder; a lock left by a dead run is taken over;
2. hashes the input files whose size or mtime changed since they were last hashed (all of them with
   ``--verify``; see ``budget_etl.ops.hashes``) and looks their sha256 up in the published raw.documents / raw.quarantine
   (one short read-only connection). Nothing new or changed: the run ends there (``nightly`` only);
3. copies PATH to the private build file ``.PATH.build/next.duckdb`` beside it, ingests the new files into
   the copy and runs ``dbt build`` on it (dbt's target/ and logs/ in ``.PATH.build/dbt/``);
4. refuses to publish a copy with fewer documents or facts than PATH (unless ``allow_shrink``), writes
   ``ops.run_log`` into the copy, checkpoints, closes and fsyncs it, keeps PATH as ``PATH.prev`` (a hard link)
   and ``os.replace``s the copy onto PATH. Readers that have the old file open keep reading the old snapshot;
   new connections get the new one. Before every step it checks that it still holds the lock and that the
   build file is the one it created: a run that lost either publishes nothing.

A run that fails at any point publishes nothing (exit code 2, one line of error); a run that dies (SIGKILL,
power loss) leaves only the build file, which the next run deletes. Each run appends to the run log
``PATH.runs.jsonl`` when it starts and when it ends; ``ops.run_log`` in each published warehouse is that file
as of its publication, and the next run records the end of a run that died after its swap from it.
``rollback`` swaps ``PATH.prev`` back. Fault injection for tests: see ``budget_etl.ops.faults``.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import json
import logging
import os
import re
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from budget_etl.facts import FACT_TABLES
from budget_etl.load import warehouse
from budget_etl.ops import faults, pipeline
from budget_etl.ops.hashes import FileHashes
from budget_etl.ops.manifest import ManifestError
from budget_etl.transform import TransformError  # the module imports dbt only when it runs it

if TYPE_CHECKING:  # imported when a run fetches: httpx and lxml are slow to import
    from budget_etl.ops import fetch as fetching

log = logging.getLogger(__name__)

PAUSE_ENV = faults.PAUSE_ENV
PAUSE_POINTS = ("after_copy", "after_ingest", "after_build", "before_publish")  # the published file untouched
AFTER_PUBLISH = "after_publish"  # swapped in, the run log's end not yet written
_RUN_ID: contextvars.ContextVar[str] = contextvars.ContextVar("run_id", default="-")


class LockHeld(RuntimeError):
    """Another run holds the warehouse's lock (exit code 2 on the command line: nothing was done)."""


class LockLost(RuntimeError):
    """The lock file or the build file of this run was removed or replaced while it ran: another run may be
    using them, so this one must neither publish nor delete anything."""


@dataclass(frozen=True)
class Layout:
    """The files of a published warehouse PATH: the lock, the run log and the private build folder."""

    published: Path

    def _beside(self, suffix: str) -> Path:
        return self.published.with_name(self.published.name + suffix)

    @property
    def lock(self) -> Path:
        return self._beside(".lock")

    @property
    def prev(self) -> Path:
        return self._beside(".prev")

    @property
    def run_log(self) -> Path:
        return self._beside(".runs.jsonl")

    @property
    def hashes(self) -> Path:
        return self._beside(".hashes.json")

    @property
    def build_dir(self) -> Path:
        return self.published.with_name(f".{self.published.name}.build")

    @property
    def build(self) -> Path:
        return self.build_dir / "next.duckdb"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class RunRecord:
    """One line of the run log (and one row of ops.run_log)."""

    run_id: str
    command: str  # nightly | run | rollback
    warehouse: str
    started_at: str
    ended_at: str | None = None
    # running | unchanged (nothing to do) | published | failed | refused (lock held) | rolled_back |
    # died (see read_runs)
    status: str = "running"
    exit_code: int | None = None
    published: bool = False
    documents_seen: int = 0
    documents_unchanged: int = 0
    documents_new: int = 0  # loaded, first version of its office, year and kind
    documents_changed: int = 0  # loaded, superseding an earlier version
    documents_quarantined: int = 0
    documents_missing: int = 0  # listed in the manifest, not there
    urls_fetched: int = 0  # --fetch: URLs whose new or changed document was stored
    urls_failed: int = 0  # --fetch: URLs that brought no document (404, HTML page, timeout, ...): see fetch_log
    documents_put_back: int = 0  # loaded bytes back at a path that held others: published again
    documents_deleted: int = 0  # loaded before, gone from the sources now (their figures stay served)
    documents_reread: int = 0  # loaded by another parser version: read again, their rows replaced
    warnings: int = 0  # failed validation checks of the loaded documents
    checks_failed_error: int = 0  # of them, checks of severity error (the document still loads)
    dbt_passed: int = 0
    dbt_warned: int = 0
    dbt_errored: int = 0
    dbt_skipped: int = 0
    batch_id: str | None = None
    message: str | None = None
    pid: int = 0
    host: str = ""

    def describe(self) -> str:
        return (f"{self.status}: {self.documents_seen} documents seen, {self.documents_unchanged} unchanged, "
                f"{self.documents_new} new, {self.documents_changed} changed, "
                f"{self.documents_reread} read again (another parser version), "
                f"{self.documents_put_back} put back, {self.documents_quarantined} quarantined, "
                f"{self.documents_missing} missing, {self.documents_deleted} deleted, "
                f"{self.urls_fetched} URLs fetched, {self.urls_failed} URLs failed, "
                f"{self.warnings} failed checks ({self.checks_failed_error} of severity error); dbt "
                f"{self.dbt_passed} passed, {self.dbt_warned} warned, {self.dbt_errored} errors, "
                f"{self.dbt_skipped} skipped; exit code {self.exit_code}")


# ---- lock, run log, pause points --------------------------------------------------------------------


_HELD_LOCKS: set[int] = set()  # descriptors of the locks this process holds


def _forget_locks() -> None:
    """In a forked child (a worker process): close the lock descriptors it inherited, so that it never keeps
    the parent's lock alive (flock belongs to the open file, which a child's copy would keep open)."""
    for fd in _HELD_LOCKS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_forget_locks)


@dataclass(frozen=True)
class HeldLock:
    """The open, flocked lock file of this process."""

    path: Path
    fd: int

    def verify(self) -> None:
        """Raise LockLost unless the file at the lock's path is still the one this process locked: a deleted
        or replaced lock file lets another run take a new lock beside this one."""
        if not _same_file(self.path, self.fd):
            raise LockLost(f"the lock file {self.path} was removed or replaced while this run held it; another "
                           "run may have taken a new lock: this run stops and publishes nothing")


def _same_file(path: Path, fd: int) -> bool:
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino)


def _holder_state(holder: str) -> str:
    """Whether the process a lock file names still runs ("pid 12 on HOST (...) since ...")."""
    match = re.match(r"pid (\d+) on (\S+)", holder)
    if not match:
        return "it names no process"
    if match[2] != socket.gethostname():
        return f"its process is on another host ({match[2]})"
    try:
        os.kill(int(match[1]), 0)
    except ProcessLookupError:
        return f"pid {match[1]} is not running"
    except PermissionError:
        pass
    return f"pid {match[1]} is running"


@contextlib.contextmanager
def lock(published: str | Path, what: str) -> Iterator[HeldLock]:
    """Hold ``PATH.lock`` for the duration; raises LockHeld at once when another process holds it. The lock
    goes with the process (flock), so a run that was killed never leaves it held: a lock file naming a dead
    run is taken over (and said so). After locking, the file locked must be the one at the path (it may have
    been deleted or replaced in between), else the lock would guard nothing."""
    path = Layout(Path(published).absolute()).lock
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(10):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            for _ in range(20):  # a holder that has just taken the lock writes who it is a moment later
                if holder := os.pread(fd, 1000, 0).decode("utf-8", "replace").strip():
                    break
                time.sleep(0.05)
            os.close(fd)
            state = _holder_state(holder)
            hint = f" ({state}: a process it started may still hold the lock)" if "not running" in state else ""
            raise LockHeld(f"another budget-etl run holds {path}: {holder or 'unknown'}{hint}") from None
        if _same_file(path, fd):
            break
        os.close(fd)  # removed or replaced between open and flock: try the file now at the path
    else:
        raise LockHeld(f"could not lock {path}: the file keeps being removed or replaced")
    try:
        if previous := os.pread(fd, 1000, 0).decode("utf-8", "replace").strip():
            log.warning("taking over the lock %s left by an earlier run (%s; %s)", path, previous,
                        _holder_state(previous))
        holder = f"pid {os.getpid()} on {socket.gethostname()} ({what}) since {_now()}\n".encode()
        os.pwrite(fd, holder, 0)
        os.ftruncate(fd, len(holder))
        _HELD_LOCKS.add(fd)
        yield HeldLock(path, fd)
    finally:
        _HELD_LOCKS.discard(fd)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # released: the file (which stays, see docs) names no one
        os.close(fd)


def append_run(layout: Layout, record: RunRecord) -> None:
    """One JSON line per event (start, end) of a run; the last line of a run_id is its state."""
    layout.run_log.parent.mkdir(parents=True, exist_ok=True)
    with open(layout.run_log, "a", encoding="utf-8") as f:
        f.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_runs(layout: Layout, current: str | None = None) -> list[dict]:
    """Every run of the log, its last line each, oldest first. A run still ``running`` that is not
    ``current`` is ``died``: only the lock holder can be running, and the caller holds the lock."""
    runs: dict[str, dict] = {}
    if layout.run_log.exists():
        for line in layout.run_log.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                runs[entry["run_id"]] = entry
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash
    for entry in runs.values():
        if entry.get("status") == "running" and entry["run_id"] != current:
            entry["status"] = "died"
    return sorted(runs.values(), key=lambda e: e.get("started_at") or "")


def _pause(layout: Layout, point: str) -> None:
    faults.pause(point, layout.build_dir)


# ---- logging ----------------------------------------------------------------------------------------


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = f"{stamp} {record.levelname} run={_RUN_ID.get()} {record.getMessage()}"
        return text + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "run_id": _RUN_ID.get(),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, json_lines: bool = False) -> None:
    """Log lines of the budget_etl loggers to stderr: readable text, or one JSON object per line."""
    logger = logging.getLogger("budget_etl")
    for handler in [h for h in logger.handlers if getattr(h, "budget_etl", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.budget_etl = True
    handler.setFormatter(_JsonFormatter() if json_lines else _TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


# ---- the run ----------------------------------------------------------------------------------------

# Failures of the machine or of its input rather than of the code (a full disk, a read-only folder, a lost
# lock, dbt unable to run: its log has the details; a manifest of the wrong shape): one line of error, no
# traceback.
_ENVIRONMENT_ERRORS = (OSError, duckdb.IOException, duckdb.PermissionException, LockLost, TransformError,
                       ManifestError)


# DuckDB reports a file it cannot write as the error of what it was doing (e.g. a failed commit)
_IO_MESSAGE = re.compile(r"Could not (write|read|open|create|truncate|set lock)|No space left|File too large|"
                         r"Read-only file system|Permission denied")


def _environmental(exc: BaseException) -> BaseException | None:
    """The failure of the machine behind ``exc`` (itself, or what it was raised while handling), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _ENVIRONMENT_ERRORS) or (
                isinstance(exc, duckdb.Error) and _IO_MESSAGE.search(str(exc))):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: " + " ".join(str(exc).split())


def _end(layout: Layout, record: RunRecord, error: str | None) -> None:
    """Write the run's end to the run log and log its one line of error, if any: a run log that cannot be
    written (a full disk) is said on that same line, and makes the exit code 2."""
    try:
        append_run(layout, record)
    except OSError as exc:
        record.exit_code = 2
        unlogged = f"the run log {layout.run_log} cannot be written ({_one_line(exc)})"
        if record.published:
            unlogged += f"; {layout.published} was published: the next run records it from its ops.run_log"
        error = f"{error}; {unlogged}" if error else unlogged
    if error:
        log.error("%s", error)


def nightly(
    paths: Iterable[str | Path],
    published: str | Path,
    *,
    manifest: str | Path | None = None,
    force: bool = False,
    progress: bool = False,
    command: str = "nightly",
    allow_shrink: bool = False,
    time_limit: float | None = pipeline.DOCUMENT_TIME_LIMIT,
    fetch: bool = False,
    store: str | Path | None = None,
    politeness: fetching.Politeness | None = None,
    verify: bool = False,
) -> int:
    """Load what is new in ``paths`` / ``manifest`` and publish the rebuilt warehouse atomically; ``force``
    rebuilds and publishes even when nothing changed (``budget-etl run``); ``allow_shrink`` publishes a
    warehouse with fewer documents or facts than the published one; ``time_limit``: seconds per document;
    ``fetch``: first fetch the manifest's url: entries into ``store`` (budget_etl.ops.fetch), under the lock;
    ``verify``: hash every file, even those whose size and mtime are as when last hashed (budget_etl.ops.hashes).
    Returns the exit code: 0 all good, 1 published but documents were quarantined / missing or failed checks
    of severity error, 2 the run failed (or another run holds the lock) and nothing was published."""
    layout = Layout(Path(published).absolute())
    record = RunRecord(run_id=f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}", command=command,
                       warehouse=str(layout.published), started_at=_now(), pid=os.getpid(),
                       host=socket.gethostname())
    token = _RUN_ID.set(record.run_id)
    error = None  # the one line of error of a run that failed
    try:
        try:
            with lock(layout.published, f"{command} run {record.run_id}") as held:
                _reconcile(layout)
                append_run(layout, record)  # a run that cannot log its start does not run
                build = _Build(layout, held)
                try:
                    if fetch and manifest is not None:
                        _fetch(record, manifest, store, politeness)
                    record.exit_code = _run(layout, record, build, list(paths), manifest, force=force,
                                            progress=progress, allow_shrink=allow_shrink, time_limit=time_limit,
                                            store=store, verify=verify)
                    if record.urls_failed and record.exit_code == 0:
                        record.exit_code = 1
                except Exception as exc:
                    cause = _environmental(exc)
                    record.status, record.exit_code, record.message = "failed", 2, _one_line(cause or exc)
                    error = f"the run failed, nothing was published: {record.message}"
                    if cause is None:  # a bug: its traceback too
                        log.exception("%s", error)
                        error = None
                finally:
                    build.discard()
                record.ended_at = record.ended_at or _now()
                _end(layout, record, error)
        except LockHeld as exc:
            record.status, record.exit_code, record.message, record.ended_at = "refused", 2, str(exc), _now()
            _end(layout, record, f"{exc}; this run does nothing")
        except _ENVIRONMENT_ERRORS as exc:  # the lock or the run log cannot be written: the run never started
            record.status, record.exit_code, record.message, record.ended_at = "failed", 2, _one_line(exc), _now()
            _end(layout, record, f"the run could not start, nothing was published: {record.message}")
        log.info("%s %s", layout.published, record.describe())
        return record.exit_code
    finally:
        _RUN_ID.reset(token)


class _Build:
    """The private build file of this run, known by the descriptor it keeps open from its creation on: a
    file at the build path that is not that one (another run's, or a new empty one) is never sealed,
    published or deleted by this run."""

    def __init__(self, layout: Layout, held: HeldLock) -> None:
        self.layout, self.held, self.fd = layout, held, None

    def create(self) -> None:
        layout = self.layout
        self.held.verify()
        _clean(layout)  # what a dead run left
        layout.build_dir.mkdir(parents=True, exist_ok=True)
        if layout.published.exists():
            self.fd = os.open(layout.build, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            shutil.copyfile(layout.published, layout.build)  # into that same file (the kernel's fast copy)
            if _wal(layout.published).exists():  # left by an in-place writer that died: its commits count
                shutil.copyfile(_wal(layout.published), _wal(layout.build))
        else:
            duckdb.connect(str(layout.build)).close()
            self.fd = os.open(layout.build, os.O_RDONLY | os.O_CLOEXEC)

    def verify(self) -> None:
        """Raise LockLost unless this run still holds the lock and the build file is the one it created."""
        self.held.verify()
        if self.fd is None or not _same_file(self.layout.build, self.fd):
            raise LockLost(f"the build file {self.layout.build} is not the one this run created (removed or "
                           "replaced by another process): this run stops and publishes nothing")

    def release(self) -> None:
        """The build file is published: nothing left to delete."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def discard(self) -> None:
        """Delete the build files, if they are still this run's (never another run's)."""
        if self.fd is None:
            return
        try:
            self.verify()
        except LockLost:
            log.warning("leaving %s alone: it is not this run's any more", self.layout.build_dir)
        else:
            try:
                _clean(self.layout)
            except OSError as exc:  # the next run deletes it
                log.warning("cannot delete %s: %s", self.layout.build, _one_line(exc))
        finally:
            os.close(self.fd)
            self.fd = None


def _fetch(record: RunRecord, manifest: str | Path, store: str | Path | None,
           politeness: fetching.Politeness | None) -> None:
    """Fetch the manifest's URLs; a URL that brought no document is a warning, never a failed run."""
    from budget_etl.ops import fetch as fetching

    summary = fetching.fetch(manifest, store, politeness or fetching.POLITE)
    record.urls_fetched, record.urls_failed = summary.count("fetched"), len(summary.failed)
    for row in summary.failed:
        log.warning("fetch %s %s: %s", row.outcome, row.url, row.detail)
    log.info("%s", summary.describe().splitlines()[0])


def _run(layout: Layout, record: RunRecord, build: _Build, paths: list, manifest: str | Path | None, *,
         force: bool, progress: bool, allow_shrink: bool, time_limit: float | None,
         store: str | Path | None = None, verify: bool = False) -> int:
    # `run` (force) and --verify hash every file; a nightly run only those whose size or mtime changed
    hashes = FileHashes(layout.hashes, verify=verify or force)
    try:
        return _run_hashed(layout, record, build, paths, manifest, hashes, force=force, progress=progress,
                           allow_shrink=allow_shrink, time_limit=time_limit, store=store)
    finally:
        log.info("hashed %d files (the others unchanged in size and modification time)", hashes.hashed)
        hashes.save()


def _run_hashed(layout: Layout, record: RunRecord, build: _Build, paths: list, manifest: str | Path | None,
                hashes: FileHashes, *, force: bool, progress: bool, allow_shrink: bool, time_limit: float | None,
                store: str | Path | None) -> int:
    inputs = pipeline.collect(paths, manifest, flags=False, store=store)  # which files; ingest reads the flags
    record.documents_seen, record.documents_missing = len(inputs.files), len(inputs.missing)
    for missing in inputs.missing:
        log.warning("missing %s: listed in the manifest, no such file", missing)
    if not force:
        known = _published_files(layout.published)
        present: set[str] = set()
        pending = [f for f, _ in inputs.files] if known is None else pipeline.pending_files(
            inputs, known, present, hashes.sha256)
        record.documents_unchanged = len(inputs.files) - len(pending)
        if known is not None and not pending:
            deleted = pipeline.deleted_sources(inputs, known, present)
            record.documents_deleted = len(deleted)
            for path in deleted:
                log.warning("deleted %s: loaded before, gone now; its figures stay served", path)
            record.status = "unchanged"
            log.info("nothing new or changed in %d documents: %s stays as it is", len(inputs.files),
                     layout.published)
            return 1 if inputs.missing else 0
        log.info("%d of %d documents are new or changed (or never built)", len(pending), len(inputs.files))

    build.create()
    _pause(layout, "after_copy")

    build.verify()
    summary = pipeline.ingest(paths, layout.build, manifest=manifest, progress=progress,
                              skip_quarantined=not force, time_limit=time_limit, store=store,
                              digest=hashes.sha256)
    record.batch_id, record.warnings = summary.batch_id, summary.warnings
    record.documents_unchanged, record.documents_reread = summary.unchanged, summary.reread
    record.documents_put_back, record.documents_deleted = len(summary.put_back), len(summary.deleted)
    record.documents_quarantined = len(summary.quarantined)
    record.documents_new, record.documents_changed, record.checks_failed_error = _batch_counts(
        layout.build, summary.batch_id)
    log.info("ingested batch %s: %d new, %d changed, %d unchanged, %d quarantined, %d failed checks",
             summary.batch_id, record.documents_new, record.documents_changed, summary.unchanged,
             len(summary.quarantined), summary.warnings)
    _pause(layout, "after_ingest")

    from budget_etl.transform import build as dbt_build  # dbt is slow to import: only when there is work

    build.verify()
    result = dbt_build(layout.build, work_dir=layout.build_dir / "dbt", unit_tests=False)  # data, not code
    record.dbt_passed, record.dbt_warned = result.passed, result.warned
    record.dbt_errored, record.dbt_skipped = result.errored, result.skipped
    for line in result.describe().splitlines():
        log.info("%s", line.strip())
    _pause(layout, "after_build")
    if not result.ok:
        record.status, record.message = "failed", "dbt build failed: " + "; ".join(
            n.describe() for n in result.failing[:5])
        log.error("%s; nothing was published", record.message)
        return 2

    build.verify()
    if (shrinks := _shrinkage(layout.published, layout.build)) and not allow_shrink:
        record.status, record.message = "failed", (
            f"refused to publish: the new warehouse has fewer {shrinks} than {layout.published}; "
            "nothing was published (--allow-shrink publishes it anyway)")
        log.error("%s", record.message)
        return 2
    if shrinks:
        log.warning("publishing a warehouse with fewer %s than the one it replaces (--allow-shrink)", shrinks)

    quarantined = record.documents_quarantined or record.documents_missing or record.checks_failed_error
    record.status, record.published, record.exit_code = "published", True, 1 if quarantined else 0
    record.ended_at = _now()
    earlier = [r for r in read_runs(layout, current=record.run_id) if r["run_id"] != record.run_id]
    try:
        _seal(layout, [*earlier, asdict(record)])
        _pause(layout, "before_publish")
        build.verify()
        _publish(layout)
        build.release()
    except BaseException:
        record.status, record.published, record.ended_at = "failed", False, None
        raise
    _pause(layout, AFTER_PUBLISH)
    log.info("published %s (the previous one kept as %s): open it read-only and query schema marts, e.g. "
             "select * from marts.mart_office_year", layout.published, layout.prev.name)
    return record.exit_code


def _published_files(published: Path) -> warehouse.KnownFiles | None:
    """What the published warehouse holds, or None when there is none or it was never built."""
    if not published.exists():
        return None
    with duckdb.connect(str(published), read_only=True) as con:
        tables = _tables(con)
        if not {"raw.documents", "raw.quarantine", "marts.mart_office_year"} <= tables:
            return None
        return warehouse.known_files(con)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}


def _raw_counts(path: Path) -> dict[str, int]:
    """Rows of raw.documents and of each raw fact table of a warehouse. raw is append-only (every version of
    every document is kept), so no count is ever smaller in a new warehouse unless something went wrong."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = _tables(con)
        # names from the code's own list of tables, quoted as identifiers
        return {t: con.execute(f'select count(*) from raw."{t}"').fetchall()[0][0]
                for t in ("documents", *FACT_TABLES) if f"raw.{t}" in tables}


def _shrinkage(published: Path, build: Path) -> str | None:
    """What the build has fewer of than the published warehouse ("documents (3 < 5), revenue facts (8 <
    12)"), or None."""
    if not published.exists():
        return None
    old, new = _raw_counts(published), _raw_counts(build)
    less = [f"{table if table == 'documents' else table + ' facts'} ({new.get(table, 0)} < {n})"
            for table, n in old.items() if new.get(table, 0) < n]
    return ", ".join(less) or None


def _reconcile(layout: Layout) -> None:
    """A run killed right after its swap published a warehouse whose ops.run_log says so, but never wrote its
    end to the run log: write it now, from ops.run_log, so that both logs agree."""
    ended = {r["run_id"]: r["status"] for r in read_runs(layout)}
    if "died" not in ended.values() or not layout.published.exists():
        return  # nothing to reconcile: the warehouse is not opened (it costs a tenth of a second or more)
    try:
        with duckdb.connect(str(layout.published), read_only=True) as con:
            if "ops.run_log" not in _tables(con):
                return
            con.execute("select * from ops.run_log where status = 'published' order by started_at")
            names = [d[0] for d in con.description]
            published = [dict(zip(names, row, strict=True)) for row in con.fetchall()]
    except duckdb.Error as exc:
        log.warning("cannot read ops.run_log of %s: %s", layout.published, _one_line(exc))
        return
    for row in published:
        if ended.get(row["run_id"]) == "died":
            entry = {k: v.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(v, datetime) else v
                     for k, v in row.items() if k in {f.name for f in fields(RunRecord)}}
            entry["message"] = ((entry.get("message") or "") + " (its end recorded from ops.run_log by run "
                                f"{_RUN_ID.get()}: it was killed after publishing)").strip()
            log.warning("run %s published %s and was killed before writing its end: recorded now",
                        row["run_id"], layout.published)
            append_run(layout, RunRecord(**entry))


def _batch_counts(path: Path, batch_id: str) -> tuple[int, int, int]:
    """(new, changed, failed checks of severity error) of the documents loaded by a batch. A document is
    changed when an earlier batch loaded another version of its office, year and kind."""
    with duckdb.connect(str(path)) as con:
        return con.execute("""
            with batch as (select * from raw.documents where batch_id = $batch)
            select
                count(*) filter (where not superseding),
                count(*) filter (where superseding),
                (select count(*) from raw.validation_results v join batch using (document_id)
                 where v.severity = 'error' and v.status = 'fail')
            from (
                select exists (
                    select 1 from raw.documents earlier
                    where earlier.batch_id <> batch.batch_id and earlier.fiscal_year = batch.fiscal_year
                        and earlier.doc_kind = batch.doc_kind
                        and regexp_replace(earlier.office_name, '\\s+', '', 'g')
                            = regexp_replace(batch.office_name, '\\s+', '', 'g')
                ) as superseding
                from batch
            )""", {"batch": batch_id}).fetchall()[0]


def _arrow_type(field) -> pa.DataType:
    if field.name.endswith("_at"):
        return pa.timestamp("us")
    return {"int": pa.int64(), "int | None": pa.int64(), "bool": pa.bool_()}.get(field.type, pa.string())


def _seal(layout: Layout, runs: list[dict]) -> None:
    """Write ops.run_log into the build copy, checkpoint and close it, and fsync the file."""
    schema = pa.schema([pa.field(f.name, _arrow_type(f)) for f in fields(RunRecord)])
    rows = [{f.name: _typed(run.get(f.name), f.name) for f in fields(RunRecord)} for run in runs]
    con = duckdb.connect(str(layout.build))
    try:
        con.register("_runs", pa.Table.from_pylist(rows, schema=schema))
        con.execute("create schema if not exists ops")
        con.execute("create or replace table ops.run_log as select * from _runs order by started_at")
        con.execute("comment on table ops.run_log is '运行日志：每次 nightly / run 一行，至本次发布为止 / "
                    "Run log: one row per nightly / run up to the run that published this warehouse'")
        con.unregister("_runs")
        con.execute("checkpoint")
    finally:
        con.close()
    if _wal(layout.build).exists():
        raise RuntimeError(f"{layout.build} still has a WAL after checkpoint and close")
    fd = os.open(layout.build, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _typed(value, name: str):
    if value is not None and name.endswith("_at"):
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def _publish(layout: Layout) -> None:
    """Keep the published file as PATH.prev (a hard link: no copy), then swap the sealed build copy in: one
    rename on the same filesystem each, then fsync the folder."""
    # A WAL beside the published file (an in-place writer died) was copied into the build: drop it before
    # the swap, as DuckDB refuses a WAL that does not match its database file.
    _wal(layout.published).unlink(missing_ok=True)
    if layout.published.exists():
        _link(layout.published, layout.prev)
    os.replace(layout.build, layout.published)
    _fsync_folder(layout.published.parent)


def _link(source: Path, target: Path) -> None:
    """Make ``target`` another name of ``source``'s file, replacing whatever ``target`` was, atomically."""
    staging = target.with_name(target.name + ".tmp")
    staging.unlink(missing_ok=True)
    os.link(source, staging)
    os.replace(staging, target)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rollback(published: str | Path) -> int:
    """Swap PATH.prev (the warehouse the last publish replaced) back in, keeping the rolled-back one as
    PATH.prev (so a second rollback undoes the first). Logged in the run log. Returns the exit code: 0 done,
    2 nothing to roll back to or the lock is held."""
    layout = Layout(Path(published).absolute())
    record = RunRecord(run_id=f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}", command="rollback",
                       warehouse=str(layout.published), started_at=_now(), pid=os.getpid(),
                       host=socket.gethostname())
    token = _RUN_ID.set(record.run_id)
    error = None
    try:
        with lock(layout.published, f"rollback {record.run_id}") as held:
            append_run(layout, record)
            record.status, record.exit_code = "failed", 2
            try:
                if not layout.prev.exists() or not layout.published.exists():
                    missing = layout.published if not layout.published.exists() else layout.prev
                    raise FileNotFoundError(f"no {missing}: nothing to roll back to")
                _raw_counts(layout.prev)  # it opens as a warehouse
                held.verify()
                staging = layout.published.with_name(layout.published.name + ".rollback")
                _link(layout.published, staging)
                os.replace(layout.prev, layout.published)
                os.replace(staging, layout.prev)
                _fsync_folder(layout.published.parent)
            except (*_ENVIRONMENT_ERRORS, duckdb.Error) as exc:
                record.message = _one_line(exc)
                error = f"rollback failed, {layout.published} is as it was: {record.message}"
            else:
                record.status, record.published, record.exit_code = "rolled_back", True, 0
                record.message = (f"{layout.prev.name} is served again as {layout.published.name}; the "
                                  f"rolled-back warehouse is now {layout.prev.name} (roll back again to undo)")
                log.info("%s", record.message)
            record.ended_at = _now()
            _end(layout, record, error)
    except LockHeld as exc:
        record.status, record.exit_code, record.message, record.ended_at = "refused", 2, str(exc), _now()
        _end(layout, record, f"{exc}; nothing was rolled back")
    except _ENVIRONMENT_ERRORS as exc:
        record.status, record.exit_code, record.message, record.ended_at = "failed", 2, _one_line(exc), _now()
        _end(layout, record, f"rollback could not start: {record.message}")
    finally:
        _RUN_ID.reset(token)
    return record.exit_code


def _clean(layout: Layout) -> None:
    """Remove what a run leaves in the build folder (after a crash too); dbt's target/ stays."""
    for path in (layout.build, _wal(layout.build), *layout.build_dir.glob("paused.*")):
        path.unlink(missing_ok=True)
