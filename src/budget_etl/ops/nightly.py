"""Nightly loads: incremental, published atomically, one run at a time, every run logged.

``--warehouse PATH`` is the *published* warehouse: analysts open it read-only and nothing ever opens it for
writing. A run (``budget-etl nightly``, and ``budget-etl run`` which always rebuilds):

1. takes the lock ``PATH.lock`` (``flock``); a second run exits at once with exit code 2, naming the holder;
2. hashes the input files and looks their sha256 up in the published raw.documents / raw.quarantine
   (one short read-only connection). Nothing new or changed: the run ends there (``nightly`` only);
3. copies PATH to the private build file ``.PATH.build/next.duckdb`` beside it, ingests the new files into
   the copy and runs ``dbt build`` on it (dbt's target/ and logs/ in ``.PATH.build/dbt/``);
4. writes ``ops.run_log`` into the copy, checkpoints, closes and fsyncs it, and ``os.replace``s it onto
   PATH. Readers that have the old file open keep reading the old snapshot; new connections get the new one.

A run that fails at any point publishes nothing (exit code 2); a run that dies (SIGKILL, power loss) leaves
only the build file, which the next run deletes. Each run appends to the run log ``PATH.runs.jsonl`` when it
starts and when it ends; ``ops.run_log`` in each published warehouse is that file as of its publication.

Fault injection for tests: ``BUDGET_ETL_PAUSE_AT=<point>[,<point>...]`` (points: PAUSE_POINTS) makes the run
write the marker file ``.PATH.build/paused.<point>`` holding its pid, and wait there until the marker is
removed (or an hour has passed).
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import json
import logging
import os
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import click
import duckdb
import pyarrow as pa

from budget_etl.load import warehouse
from budget_etl.ops import pipeline

log = logging.getLogger(__name__)

PAUSE_ENV = "BUDGET_ETL_PAUSE_AT"
PAUSE_POINTS = ("after_copy", "after_ingest", "after_build", "before_publish")
_RUN_ID: contextvars.ContextVar[str] = contextvars.ContextVar("run_id", default="-")


class LockHeld(click.ClickException):
    """Another run holds the warehouse's lock (exit code 2 on the command line: nothing was done)."""

    exit_code = 2


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
    def run_log(self) -> Path:
        return self._beside(".runs.jsonl")

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
    command: str  # nightly | run
    warehouse: str
    started_at: str
    ended_at: str | None = None
    # running | unchanged (nothing to do) | published | failed | refused (lock held) | died (see read_runs)
    status: str = "running"
    exit_code: int | None = None
    published: bool = False
    documents_seen: int = 0
    documents_unchanged: int = 0
    documents_new: int = 0  # loaded, first version of its office, year and kind
    documents_changed: int = 0  # loaded, superseding an earlier version
    documents_quarantined: int = 0
    documents_missing: int = 0  # listed in the manifest, not there
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
                f"{self.documents_quarantined} quarantined, {self.documents_missing} missing, "
                f"{self.warnings} failed checks ({self.checks_failed_error} of severity error); dbt "
                f"{self.dbt_passed} passed, {self.dbt_warned} warned, {self.dbt_errored} errors, "
                f"{self.dbt_skipped} skipped; exit code {self.exit_code}")


# ---- lock, run log, pause points --------------------------------------------------------------------


@contextlib.contextmanager
def lock(published: str | Path, what: str) -> Iterator[None]:
    """Hold ``PATH.lock`` for the duration; raises LockHeld at once when another process holds it. The lock
    goes with the process (flock), so a run that was killed never leaves it behind."""
    path = Layout(Path(published).absolute()).lock
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            for _ in range(20):  # a holder that has just taken the lock writes who it is a moment later
                if holder := os.pread(fd, 1000, 0).decode("utf-8", "replace").strip():
                    break
                time.sleep(0.05)
            raise LockHeld(f"another budget-etl run holds {path}: {holder or 'unknown'}") from None
        holder = f"pid {os.getpid()} on {socket.gethostname()} ({what}) since {_now()}\n".encode()
        os.pwrite(fd, holder, 0)
        os.ftruncate(fd, len(holder))
        yield
    finally:
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
    if point not in os.environ.get(PAUSE_ENV, "").split(","):
        return
    marker = layout.build_dir / f"paused.{point}"
    marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
    log.warning("paused at %s (%s): remove %s to go on", point, PAUSE_ENV, marker)
    deadline = time.monotonic() + 3600
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


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


def nightly(
    paths: Iterable[str | Path],
    published: str | Path,
    *,
    manifest: str | Path | None = None,
    force: bool = False,
    progress: bool = False,
    command: str = "nightly",
) -> int:
    """Load what is new in ``paths`` / ``manifest`` and publish the rebuilt warehouse atomically; ``force``
    rebuilds and publishes even when nothing changed (``budget-etl run``). Returns the exit code: 0 all
    good, 1 published but documents were quarantined / missing or failed checks of severity error, 2 the run
    failed (or another run holds the lock) and nothing was published."""
    layout = Layout(Path(published).absolute())
    record = RunRecord(run_id=f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}", command=command,
                       warehouse=str(layout.published), started_at=_now(), pid=os.getpid(),
                       host=socket.gethostname())
    token = _RUN_ID.set(record.run_id)
    try:
        try:
            with lock(layout.published, f"{command} run {record.run_id}"):
                append_run(layout, record)
                try:
                    record.exit_code = _run(layout, record, list(paths), manifest, force=force,
                                            progress=progress)
                except Exception as exc:
                    # a missing input folder or a full disk needs no traceback; anything else does
                    (log.error if isinstance(exc, OSError) else log.exception)(
                        "the run failed, nothing was published: %s", exc)
                    record.status, record.exit_code = "failed", 2
                    record.message = f"{type(exc).__name__}: {exc}"
                finally:
                    _clean(layout)
                record.ended_at = _now()
                append_run(layout, record)
        except LockHeld as exc:
            log.error("%s; this run does nothing", exc)
            record.status, record.exit_code, record.message, record.ended_at = "refused", 2, str(exc), _now()
            append_run(layout, record)
        log.info("%s %s", layout.published, record.describe())
        return record.exit_code
    finally:
        _RUN_ID.reset(token)


def _run(layout: Layout, record: RunRecord, paths: list, manifest: str | Path | None, *, force: bool,
         progress: bool) -> int:
    inputs = pipeline.collect(paths, manifest, flags=False)  # which files; ingest reads the flags
    record.documents_seen, record.documents_missing = len(inputs.files), len(inputs.missing)
    for missing in inputs.missing:
        log.warning("missing %s: listed in the manifest, no such file", missing)
    if not force:
        known = _published_files(layout.published)
        pending = [f for f, _ in inputs.files] if known is None else pipeline.pending_files(inputs, known)
        record.documents_unchanged = len(inputs.files) - len(pending)
        if known is not None and not pending:
            record.status = "unchanged"
            log.info("nothing new or changed in %d documents: %s stays as it is", len(inputs.files),
                     layout.published)
            return 1 if inputs.missing else 0
        log.info("%d of %d documents are new or changed (or never built)", len(pending), len(inputs.files))

    _clean(layout)
    layout.build_dir.mkdir(parents=True, exist_ok=True)
    if layout.published.exists():
        shutil.copyfile(layout.published, layout.build)
        if _wal(layout.published).exists():  # left by an in-place writer that died: its commits count
            shutil.copyfile(_wal(layout.published), _wal(layout.build))
    _pause(layout, "after_copy")

    summary = pipeline.ingest(paths, layout.build, manifest=manifest, progress=progress,
                              skip_quarantined=not force)
    record.batch_id, record.warnings = summary.batch_id, summary.warnings
    record.documents_unchanged = summary.unchanged
    record.documents_quarantined = len(summary.quarantined)
    record.documents_new, record.documents_changed, record.checks_failed_error = _batch_counts(
        layout.build, summary.batch_id)
    log.info("ingested batch %s: %d new, %d changed, %d unchanged, %d quarantined, %d failed checks",
             summary.batch_id, record.documents_new, record.documents_changed, summary.unchanged,
             len(summary.quarantined), summary.warnings)
    _pause(layout, "after_ingest")

    from budget_etl.transform import build  # dbt is slow to import: only when there is work

    result = build(layout.build, work_dir=layout.build_dir / "dbt")
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

    quarantined = record.documents_quarantined or record.documents_missing or record.checks_failed_error
    record.status, record.published, record.exit_code = "published", True, 1 if quarantined else 0
    record.ended_at = _now()
    earlier = [r for r in read_runs(layout, current=record.run_id) if r["run_id"] != record.run_id]
    _seal(layout, [*earlier, asdict(record)])
    _pause(layout, "before_publish")
    _publish(layout)
    log.info("published %s: open it read-only and query schema marts, e.g. select * from "
             "marts.mart_office_year", layout.published)
    return record.exit_code


def _published_files(published: Path) -> warehouse.KnownFiles | None:
    """What the published warehouse holds, or None when there is none or it was never built."""
    if not published.exists():
        return None
    with duckdb.connect(str(published), read_only=True) as con:
        tables = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()")
                  .fetchall()}
        if not {"raw.documents", "raw.quarantine", "marts.mart_office_year"} <= tables:
            return None
        return warehouse.known_files(con)


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
    """Swap the sealed build copy in: one rename on the same filesystem, then fsync the folder."""
    # A WAL beside the published file (an in-place writer died) was copied into the build: drop it before
    # the swap, as DuckDB refuses a WAL that does not match its database file.
    _wal(layout.published).unlink(missing_ok=True)
    os.replace(layout.build, layout.published)
    fd = os.open(layout.published.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _clean(layout: Layout) -> None:
    """Remove what a run leaves in the build folder (after a crash too); dbt's target/ stays."""
    for path in (layout.build, _wal(layout.build), *layout.build_dir.glob("paused.*")):
        path.unlink(missing_ok=True)
